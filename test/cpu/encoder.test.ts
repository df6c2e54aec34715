// Checks the hand encoders in test/support/asm.ts against GNU as, so a wrong encoding is never mistaken for an
// engine bug (skipped when the riscv64-unknown-elf toolchain is not installed).
import { strict as assert } from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as A from '../support/asm';
import { X } from '../support/asm';

const { zero, ra, sp, t0, t1, s0, s1, a0, a1, a2, a5, t6 } = X;

/** [GNU assembler line, our encoding]. Branch targets are written `.±n` so no symbols are needed. */
const CASES: [string, number][] = [
  ['lui a0, 0x80000', A.lui(a0, 0x80000)], ['lui t6, 0xfffff', A.lui(t6, 0xfffff)], ['auipc t0, 0x12345', A.auipc(t0, 0x12345)],
  ['jal ra, .+2048', A.jal(ra, 2048)], ['jal zero, .-1048576', A.jal(zero, -1048576)], ['jal t0, .+1048574', A.jal(t0, 1048574)],
  ['jalr ra, -2048(a0)', A.jalr(ra, a0, -2048)], ['jalr zero, 2047(t6)', A.jalr(zero, t6, 2047)],
  ['beq a0, a1, .+4094', A.beq(a0, a1, 4094)], ['bne t0, t6, .-4096', A.bne(t0, t6, -4096)], ['blt a0, a1, .+2',
    A.blt(a0, a1, 2)], ['bge a0, a1, .-2', A.bge(a0, a1, -2)], ['bltu s0, s1, .+2048', A.bltu(s0, s1, 2048)],
  ['bgeu a2, zero, .-2050', A.bgeu(a2, zero, -2050)],
  ['lb a0, -1(a1)', A.lb(a0, a1, -1)], ['lh a0, 2047(a1)', A.lh(a0, a1, 2047)], ['lw a0, -2048(a1)', A.lw(a0, a1, -2048)],
  ['ld t6, 8(sp)', A.ld(t6, sp, 8)], ['lbu a0, 0(a1)', A.lbu(a0, a1, 0)], ['lhu a0, 3(a1)', A.lhu(a0, a1, 3)], ['lwu a0, 5(a1)', A.lwu(a0, a1, 5)],
  ['sb a0, -1(a1)', A.sb(a0, a1, -1)], ['sh t6, 2047(a1)', A.sh(t6, a1, 2047)], ['sw a0, -2048(sp)', A.sw(a0, sp, -2048)],
  ['sd a5, 1000(t0)', A.sd(a5, t0, 1000)],
  ['addi a0, a1, -2048', A.addi(a0, a1, -2048)], ['slti a0, a1, 2047', A.slti(a0, a1, 2047)], ['sltiu a0, a1, -1', A.sltiu(a0, a1, -1)],
  ['xori a0, a1, -1', A.xori(a0, a1, -1)], ['ori a0, a1, 0x555', A.ori(a0, a1, 0x555)], ['andi a0, a1, -256', A.andi(a0, a1, -256)],
  ['slli a0, a1, 63', A.slli(a0, a1, 63)], ['srli a0, a1, 32', A.srli(a0, a1, 32)], ['srai a0, a1, 1', A.srai(a0, a1, 1)],
  ['srai t6, t6, 63', A.srai(t6, t6, 63)],
  ['add a0, a1, a2', A.add(a0, a1, a2)], ['sub a0, a1, a2', A.sub(a0, a1, a2)], ['sll a0, a1, a2', A.sll(a0, a1, a2)],
  ['slt a0, a1, a2', A.slt(a0, a1, a2)], ['sltu a0, a1, a2', A.sltu(a0, a1, a2)], ['xor a0, a1, a2', A.xor(a0, a1, a2)],
  ['srl a0, a1, a2', A.srl(a0, a1, a2)], ['sra a0, a1, a2', A.sra(a0, a1, a2)], ['or a0, a1, a2', A.or(a0, a1, a2)],
  ['and t6, t0, t1', A.and(t6, t0, t1)],
  ['addiw a0, a1, -1', A.addiw(a0, a1, -1)], ['slliw a0, a1, 31', A.slliw(a0, a1, 31)], ['srliw a0, a1, 31', A.srliw(a0, a1, 31)],
  ['sraiw a0, a1, 31', A.sraiw(a0, a1, 31)], ['addw a0, a1, a2', A.addw(a0, a1, a2)], ['subw a0, a1, a2', A.subw(a0, a1, a2)],
  ['sllw a0, a1, a2', A.sllw(a0, a1, a2)], ['srlw a0, a1, a2', A.srlw(a0, a1, a2)], ['sraw a0, a1, a2', A.sraw(a0, a1, a2)],
  ['fence iorw, iorw', A.fence()], ['fence rw, w', A.fence(3, 1)], ['fence.i', A.fence_i()], ['ecall', A.ecall()], ['ebreak', A.ebreak()],
  ['mul a0, a1, a2', A.mul(a0, a1, a2)], ['mulh a0, a1, a2', A.mulh(a0, a1, a2)], ['mulhsu a0, a1, a2', A.mulhsu(a0, a1, a2)],
  ['mulhu a0, a1, a2', A.mulhu(a0, a1, a2)], ['div a0, a1, a2', A.div(a0, a1, a2)], ['divu a0, a1, a2', A.divu(a0, a1, a2)],
  ['rem a0, a1, a2', A.rem(a0, a1, a2)], ['remu a0, a1, a2', A.remu(a0, a1, a2)], ['mulw a0, a1, a2', A.mulw(a0, a1, a2)],
  ['divw a0, a1, a2', A.divw(a0, a1, a2)], ['divuw a0, a1, a2', A.divuw(a0, a1, a2)], ['remw a0, a1, a2', A.remw(a0, a1, a2)],
  ['remuw a0, a1, a2', A.remuw(a0, a1, a2)],
  ['lr.w a0, (a1)', A.lr_w(a0, a1)], ['lr.d t6, (sp)', A.lr_d(t6, sp)], ['sc.w a0, a2, (a1)', A.sc_w(a0, a2, a1)],
  ['sc.d.aqrl a0, a2, (a1)', A.sc_d(a0, a2, a1, 1, 1)],
  ['amoswap.w a0, a2, (a1)', A.amoswap_w(a0, a2, a1)], ['amoswap.d.aq a0, a2, (a1)', A.amoswap_d(a0, a2, a1, 1, 0)],
  ['amoadd.w a0, a2, (a1)', A.amoadd_w(a0, a2, a1)], ['amoadd.d a0, a2, (a1)', A.amoadd_d(a0, a2, a1)],
  ['amoxor.w a0, a2, (a1)', A.amoxor_w(a0, a2, a1)], ['amoxor.d a0, a2, (a1)', A.amoxor_d(a0, a2, a1)],
  ['amoand.w a0, a2, (a1)', A.amoand_w(a0, a2, a1)], ['amoand.d a0, a2, (a1)', A.amoand_d(a0, a2, a1)],
  ['amoor.w a0, a2, (a1)', A.amoor_w(a0, a2, a1)], ['amoor.d.rl a0, a2, (a1)', A.amoor_d(a0, a2, a1, 0, 1)],
  ['amomin.w a0, a2, (a1)', A.amomin_w(a0, a2, a1)], ['amomin.d a0, a2, (a1)', A.amomin_d(a0, a2, a1)],
  ['amomax.w a0, a2, (a1)', A.amomax_w(a0, a2, a1)], ['amomax.d a0, a2, (a1)', A.amomax_d(a0, a2, a1)],
  ['amominu.w a0, a2, (a1)', A.amominu_w(a0, a2, a1)], ['amominu.d a0, a2, (a1)', A.amominu_d(a0, a2, a1)],
  ['amomaxu.w a0, a2, (a1)', A.amomaxu_w(a0, a2, a1)], ['amomaxu.d a0, a2, (a1)', A.amomaxu_d(a0, a2, a1)],
  ['csrrw a0, mstatus, a1', A.csrrw(a0, 0x300, a1)], ['csrrs a0, mhartid, zero', A.csrrs(a0, 0xf14, zero)],
  ['csrrc zero, 0xfff, t6', A.csrrc(zero, 0xfff, t6)], ['csrrwi a0, mtvec, 31', A.csrrwi(a0, 0x305, 31)],
  ['csrrsi a0, sstatus, 2', A.csrrsi(a0, 0x100, 2)], ['csrrci a0, mie, 8', A.csrrci(a0, 0x304, 8)],
  ['mret', A.mret()], ['sret', A.sret()], ['wfi', A.wfi()], ['sfence.vma', A.sfence_vma()], ['sfence.vma a0, a1', A.sfence_vma(a0, a1)],
  // compressed
  ['c.addi4spn a0, sp, 1020', A.c_addi4spn(a0, 1020)], ['c.addi4spn s0, sp, 4', A.c_addi4spn(s0, 4)],
  ['c.lw a0, 124(a1)', A.c_lw(a0, a1, 124)], ['c.lw s0, 4(a5)', A.c_lw(s0, a5, 4)], ['c.ld a0, 248(a1)', A.c_ld(a0, a1, 248)],
  ['c.sw a0, 64(a1)', A.c_sw(a0, a1, 64)], ['c.sd s1, 8(s0)', A.c_sd(s1, s0, 8)], ['c.nop', A.c_nop()],
  ['c.addi a0, -32', A.c_addi(a0, -32)], ['c.addi t6, 31', A.c_addi(t6, 31)], ['c.addiw a0, -1', A.c_addiw(a0, -1)],
  ['c.li a5, -32', A.c_li(a5, -32)], ['c.addi16sp sp, -512', A.c_addi16sp(-512)], ['c.addi16sp sp, 496', A.c_addi16sp(496)],
  ['c.lui a0, 0xfffe0', A.c_lui(a0, 0xfffe0)], ['c.lui t6, 0x1f', A.c_lui(t6, 0x1f)],
  ['c.srli a0, 63', A.c_srli(a0, 63)], ['c.srai s0, 1', A.c_srai(s0, 1)], ['c.andi a1, -1', A.c_andi(a1, -1)],
  ['c.sub a0, a1', A.c_sub(a0, a1)], ['c.xor a0, a1', A.c_xor(a0, a1)], ['c.or a0, a1', A.c_or(a0, a1)], ['c.and a0, a1', A.c_and(a0, a1)],
  ['c.subw a0, a1', A.c_subw(a0, a1)], ['c.addw a0, a1', A.c_addw(a0, a1)],
  ['c.j .-2048', A.c_j(-2048)], ['c.j .+2046', A.c_j(2046)], ['c.j .+0x2a4', A.c_j(0x2a4)],
  ['c.beqz a0, .-256', A.c_beqz(a0, -256)], ['c.bnez s1, .+254', A.c_bnez(s1, 254)], ['c.beqz a5, .+0x5a', A.c_beqz(a5, 0x5a)],
  ['c.slli t6, 63', A.c_slli(t6, 63)], ['c.lwsp a0, 252(sp)', A.c_lwsp(a0, 252)], ['c.ldsp t6, 504(sp)', A.c_ldsp(t6, 504)],
  ['c.jr ra', A.c_jr(ra)], ['c.mv a0, t6', A.c_mv(a0, t6)], ['c.ebreak', A.c_ebreak()], ['c.jalr a0', A.c_jalr(a0)],
  ['c.add a0, a1', A.c_add(a0, a1)], ['c.swsp a0, 252(sp)', A.c_swsp(a0, 252)], ['c.sdsp t6, 504(sp)', A.c_sdsp(t6, 504)],
];

function toolchainAvailable(): boolean {
  try {
    execFileSync('riscv64-unknown-elf-as', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('test/support/asm encoders', () => {
  it('match GNU as for every form the CPU tests use', function () {
    if (!toolchainAvailable()) this.skip();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringside-asm-'));
    try {
      const src = ['.text', '.globl _start', '_start:'];
      for (const [line, word] of CASES) {
        src.push(A.insnSize(word) === 4 ? '.option norvc' : '.option rvc');
        src.push(`  ${line}`);
      }
      fs.writeFileSync(path.join(dir, 'a.s'), src.join('\n') + '\n');
      const run = (tool: string, args: string[]) => execFileSync(`riscv64-unknown-elf-${tool}`, args, { cwd: dir });
      run('as', ['-march=rv64imac_zicsr_zifencei', '-mno-relax', 'a.s', '-o', 'a.o']);
      run('ld', ['-Ttext=0x80000000', '--no-relax', 'a.o', '-o', 'a.elf']);
      run('objcopy', ['-O', 'binary', '-j', '.text', 'a.elf', 'a.bin']);
      const bin = fs.readFileSync(path.join(dir, 'a.bin'));
      let off = 0;
      for (const [line, word] of CASES) {
        const size = A.insnSize(word);
        const got = size === 4 ? bin.readUInt32LE(off) : bin.readUInt16LE(off);
        assert.equal(`0x${word.toString(16)}`, `0x${got.toString(16)}`, `encoding of '${line}' at +${off}`);
        off += size;
      }
      assert.equal(off, bin.length);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
