// RV64C compressed instructions (unprivileged spec chapter 16 "C" Standard Extension, RV64 forms).
// Each row names the base instruction whose semantics it runs; implied registers are fixed operands.
import { F } from '../fields';
import { Format, RowSpec, row } from './row';

const SP = 2;
const RA = 1;
const Q = 0xe003; // quadrant + funct3
const ld = (width: 4 | 8) => ({ memory: { kind: 'load' as const, width } });
const st = (width: 4 | 8) => ({ memory: { kind: 'store' as const, width } });

const CL = (imm: typeof F.cLw): Format => ({ operands: { rd: F.cRdP, rs1: F.cRs1P, imm }, syntax: ['rd', 'imm(rs1)'] });
const CS = (imm: typeof F.cLw): Format => ({ operands: { rs2: F.cRs2P, rs1: F.cRs1P, imm }, syntax: ['rs2', 'imm(rs1)'] });
const CI: Format = { operands: { rd: F.cRd, rs1: F.cRd, imm: F.cImm6 }, syntax: ['rd', 'imm'] };
const CB_SHIFT: Format = { operands: { rd: F.cRs1P, rs1: F.cRs1P, imm: F.cUimm6 }, syntax: ['rd', 'shamt'] };
const CA: Format = { operands: { rd: F.cRs1P, rs1: F.cRs1P, rs2: F.cRs2P }, syntax: ['rd', 'rs2'] };
const CB: Format = { operands: { rs1: F.cRs1P, rs2: 0, imm: F.cB }, syntax: ['rs1', 'target'] };
const CSP_LOAD = (imm: typeof F.cLw): Format => ({ operands: { rd: F.cRd, rs1: SP, imm }, syntax: ['rd', 'imm(rs1)'] });
const CSP_STORE = (imm: typeof F.cLw): Format => ({ operands: { rs2: F.cRs2, rs1: SP, imm }, syntax: ['rs2', 'imm(rs1)'] });
const CR_JUMP = (rd: number): Format => ({ operands: { rd, rs1: F.cRd, imm: 0 }, syntax: ['rs1'] });
const jump = { endsBlock: true };

export const RV64C: RowSpec[] = [
  // Quadrant 0
  row('c.addi4spn', 'C', 0x0000, Q, { operands: { rd: F.cRdP, rs1: SP, imm: F.cAddi4spn }, syntax: ['rd', 'rs1', 'imm'] },
    'rd\' = sp + nzuimm (stack address)', 'Unpriv §16.5', { semantics: 'addi', reserved: [{ operand: 'imm', equals: 0 }] }),
  row('c.lw', 'C', 0x4000, Q, CL(F.cLw), 'Load word from rs1\' + offset', 'Unpriv §16.3', { semantics: 'lw', ...ld(4) }),
  row('c.ld', 'C', 0x6000, Q, CL(F.cLd), 'Load doubleword from rs1\' + offset', 'Unpriv §16.3', { semantics: 'ld', ...ld(8) }),
  row('c.sw', 'C', 0xc000, Q, CS(F.cLw), 'Store word to rs1\' + offset', 'Unpriv §16.3', { semantics: 'sw', ...st(4) }),
  row('c.sd', 'C', 0xe000, Q, CS(F.cLd), 'Store doubleword to rs1\' + offset', 'Unpriv §16.3', { semantics: 'sd', ...st(8) }),
  // Quadrant 1
  row('c.nop', 'C', 0x0001, 0xffff, { operands: { rd: 0, rs1: 0, imm: 0 }, syntax: [] }, 'No operation', 'Unpriv §16.5', { semantics: 'addi' }),
  row('c.addi', 'C', 0x0001, Q, CI, 'rd += nzimm', 'Unpriv §16.5', { semantics: 'addi' }),
  row('c.addiw', 'C', 0x2001, Q, CI, 'rd = sext32(rd + imm)', 'Unpriv §16.5', { semantics: 'addiw', reserved: [{ operand: 'rd', equals: 0 }] }),
  row('c.li', 'C', 0x4001, Q, { operands: { rd: F.cRd, rs1: 0, imm: F.cImm6 }, syntax: ['rd', 'imm'] }, 'rd = imm', 'Unpriv §16.5', { semantics: 'addi' }),
  row('c.addi16sp', 'C', 0x6101, 0xef83, { operands: { rd: SP, rs1: SP, imm: F.cAddi16sp }, syntax: ['rd', 'imm'] },
    'sp += nzimm × 16', 'Unpriv §16.5', { semantics: 'addi', reserved: [{ operand: 'imm', equals: 0 }] }),
  row('c.lui', 'C', 0x6001, Q, { operands: { rd: F.cRd, imm: F.cLui }, syntax: ['rd', 'uimm20'] }, 'rd = nzimm << 12, sign-extended', 'Unpriv §16.5',
    { semantics: 'lui', reserved: [{ operand: 'imm', equals: 0 }] }),
  row('c.srli', 'C', 0x8001, 0xec03, CB_SHIFT, 'rd\' >>= shamt (logical)', 'Unpriv §16.5', { semantics: 'srli' }),
  row('c.srai', 'C', 0x8401, 0xec03, CB_SHIFT, 'rd\' >>= shamt (arithmetic)', 'Unpriv §16.5', { semantics: 'srai' }),
  row('c.andi', 'C', 0x8801, 0xec03, { operands: { rd: F.cRs1P, rs1: F.cRs1P, imm: F.cImm6 }, syntax: ['rd', 'imm'] }, 'rd\' &= imm', 'Unpriv §16.5', { semantics: 'andi' }),
  row('c.sub', 'C', 0x8c01, 0xfc63, CA, 'rd\' -= rs2\'', 'Unpriv §16.5', { semantics: 'sub' }),
  row('c.xor', 'C', 0x8c21, 0xfc63, CA, 'rd\' ^= rs2\'', 'Unpriv §16.5', { semantics: 'xor' }),
  row('c.or', 'C', 0x8c41, 0xfc63, CA, 'rd\' |= rs2\'', 'Unpriv §16.5', { semantics: 'or' }),
  row('c.and', 'C', 0x8c61, 0xfc63, CA, 'rd\' &= rs2\'', 'Unpriv §16.5', { semantics: 'and' }),
  row('c.subw', 'C', 0x9c01, 0xfc63, CA, 'rd\' = sext32(rd\' − rs2\')', 'Unpriv §16.5', { semantics: 'subw' }),
  row('c.addw', 'C', 0x9c21, 0xfc63, CA, 'rd\' = sext32(rd\' + rs2\')', 'Unpriv §16.5', { semantics: 'addw' }),
  row('c.j', 'C', 0xa001, Q, { operands: { rd: 0, imm: F.cJ }, syntax: ['target'] }, 'Jump to pc + offset', 'Unpriv §16.4', { semantics: 'jal', ...jump }),
  row('c.beqz', 'C', 0xc001, Q, CB, 'Branch if rs1\' == 0', 'Unpriv §16.4', { semantics: 'beq', ...jump }),
  row('c.bnez', 'C', 0xe001, Q, CB, 'Branch if rs1\' != 0', 'Unpriv §16.4', { semantics: 'bne', ...jump }),
  // Quadrant 2
  row('c.slli', 'C', 0x0002, Q, { operands: { rd: F.cRd, rs1: F.cRd, imm: F.cUimm6 }, syntax: ['rd', 'shamt'] }, 'rd <<= shamt', 'Unpriv §16.5', { semantics: 'slli' }),
  row('c.lwsp', 'C', 0x4002, Q, CSP_LOAD(F.cLwsp), 'Load word from sp + offset', 'Unpriv §16.3', { semantics: 'lw', ...ld(4), reserved: [{ operand: 'rd', equals: 0 }] }),
  row('c.ldsp', 'C', 0x6002, Q, CSP_LOAD(F.cLdsp), 'Load doubleword from sp + offset', 'Unpriv §16.3', { semantics: 'ld', ...ld(8), reserved: [{ operand: 'rd', equals: 0 }] }),
  row('c.jr', 'C', 0x8002, 0xf07f, CR_JUMP(0), 'Jump to rs1', 'Unpriv §16.4', { semantics: 'jalr', ...jump, reserved: [{ operand: 'rs1', equals: 0 }] }),
  row('c.mv', 'C', 0x8002, 0xf003, { operands: { rd: F.cRd, rs1: 0, rs2: F.cRs2 }, syntax: ['rd', 'rs2'] }, 'rd = rs2', 'Unpriv §16.5', { semantics: 'add' }),
  row('c.ebreak', 'C', 0x9002, 0xffff, { operands: {}, syntax: [] }, 'Breakpoint exception (cause 3)', 'Unpriv §16.8', { semantics: 'ebreak', endsBlock: true, mayTrap: true }),
  row('c.jalr', 'C', 0x9002, 0xf07f, CR_JUMP(RA), 'Jump to rs1, ra = pc + 2', 'Unpriv §16.4', { semantics: 'jalr', ...jump }),
  row('c.add', 'C', 0x9002, 0xf003, { operands: { rd: F.cRd, rs1: F.cRd, rs2: F.cRs2 }, syntax: ['rd', 'rs2'] }, 'rd += rs2', 'Unpriv §16.5', { semantics: 'add' }),
  row('c.swsp', 'C', 0xc002, Q, CSP_STORE(F.cSwsp), 'Store word to sp + offset', 'Unpriv §16.3', { semantics: 'sw', ...st(4) }),
  row('c.sdsp', 'C', 0xe002, Q, CSP_STORE(F.cSdsp), 'Store doubleword to sp + offset', 'Unpriv §16.3', { semantics: 'sd', ...st(8) }),
];
