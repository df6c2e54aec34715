// RV64I base integer instructions (unprivileged spec chapters 2 "RV32I" and 4 "RV64I").
import { B, ENVIRONMENT_CALL, FENCE, I, J, JALR, LOAD, NONE, R, RowSpec, SHIFT32, SHIFT64, STORE, U, row } from './row';

const R_MASK = 0xfe00707f;
const I_MASK = 0x0000707f;
const SHIFT64_MASK = 0xfc00707f;
const OPCODE_MASK = 0x0000007f;
const jump = { endsBlock: true };
const ld = (width: 1 | 2 | 4 | 8) => ({ memory: { kind: 'load' as const, width } });
const st = (width: 1 | 2 | 4 | 8) => ({ memory: { kind: 'store' as const, width } });

export const RV64I: RowSpec[] = [
  row('lui', 'I', 0x00000037, OPCODE_MASK, U, 'Load upper immediate: rd = imm << 12, sign-extended', 'Unpriv §2.4.1'),
  row('auipc', 'I', 0x00000017, OPCODE_MASK, U, 'Add upper immediate to pc: rd = pc + (imm << 12)', 'Unpriv §2.4.1'),
  row('jal', 'I', 0x0000006f, OPCODE_MASK, J, 'Jump and link: rd = pc + 4; pc += offset', 'Unpriv §2.5.1', jump),
  row('jalr', 'I', 0x00000067, I_MASK, JALR, 'Jump and link register: rd = pc + 4; pc = (rs1 + offset) & ~1', 'Unpriv §2.5.1', jump),
  row('beq', 'I', 0x00000063, I_MASK, B, 'Branch if equal', 'Unpriv §2.5.2', jump),
  row('bne', 'I', 0x00001063, I_MASK, B, 'Branch if not equal', 'Unpriv §2.5.2', jump),
  row('blt', 'I', 0x00004063, I_MASK, B, 'Branch if less than (signed)', 'Unpriv §2.5.2', jump),
  row('bge', 'I', 0x00005063, I_MASK, B, 'Branch if greater or equal (signed)', 'Unpriv §2.5.2', jump),
  row('bltu', 'I', 0x00006063, I_MASK, B, 'Branch if less than (unsigned)', 'Unpriv §2.5.2', jump),
  row('bgeu', 'I', 0x00007063, I_MASK, B, 'Branch if greater or equal (unsigned)', 'Unpriv §2.5.2', jump),
  row('lb', 'I', 0x00000003, I_MASK, LOAD, 'Load byte, sign-extended', 'Unpriv §2.6', ld(1)),
  row('lh', 'I', 0x00001003, I_MASK, LOAD, 'Load halfword, sign-extended', 'Unpriv §2.6', ld(2)),
  row('lw', 'I', 0x00002003, I_MASK, LOAD, 'Load word, sign-extended', 'Unpriv §2.6, §4.3', ld(4)),
  row('ld', 'I', 0x00003003, I_MASK, LOAD, 'Load doubleword', 'Unpriv §4.3', ld(8)),
  row('lbu', 'I', 0x00004003, I_MASK, LOAD, 'Load byte, zero-extended', 'Unpriv §2.6', ld(1)),
  row('lhu', 'I', 0x00005003, I_MASK, LOAD, 'Load halfword, zero-extended', 'Unpriv §2.6', ld(2)),
  row('lwu', 'I', 0x00006003, I_MASK, LOAD, 'Load word, zero-extended', 'Unpriv §4.3', ld(4)),
  row('sb', 'I', 0x00000023, I_MASK, STORE, 'Store byte', 'Unpriv §2.6', st(1)),
  row('sh', 'I', 0x00001023, I_MASK, STORE, 'Store halfword', 'Unpriv §2.6', st(2)),
  row('sw', 'I', 0x00002023, I_MASK, STORE, 'Store word', 'Unpriv §2.6', st(4)),
  row('sd', 'I', 0x00003023, I_MASK, STORE, 'Store doubleword', 'Unpriv §4.3', st(8)),
  row('addi', 'I', 0x00000013, I_MASK, I, 'Add immediate', 'Unpriv §2.4.1'),
  row('slti', 'I', 0x00002013, I_MASK, I, 'Set if less than immediate (signed)', 'Unpriv §2.4.1'),
  row('sltiu', 'I', 0x00003013, I_MASK, I, 'Set if less than immediate (unsigned compare of the sign-extended immediate)', 'Unpriv §2.4.1'),
  row('xori', 'I', 0x00004013, I_MASK, I, 'Exclusive-or immediate', 'Unpriv §2.4.1'),
  row('ori', 'I', 0x00006013, I_MASK, I, 'Or immediate', 'Unpriv §2.4.1'),
  row('andi', 'I', 0x00007013, I_MASK, I, 'And immediate', 'Unpriv §2.4.1'),
  row('slli', 'I', 0x00001013, SHIFT64_MASK, SHIFT64, 'Shift left logical by immediate (0–63)', 'Unpriv §4.2.1'),
  row('srli', 'I', 0x00005013, SHIFT64_MASK, SHIFT64, 'Shift right logical by immediate (0–63)', 'Unpriv §4.2.1'),
  row('srai', 'I', 0x40005013, SHIFT64_MASK, SHIFT64, 'Shift right arithmetic by immediate (0–63)', 'Unpriv §4.2.1'),
  row('add', 'I', 0x00000033, R_MASK, R, 'Add', 'Unpriv §2.4.2'),
  row('sub', 'I', 0x40000033, R_MASK, R, 'Subtract', 'Unpriv §2.4.2'),
  row('sll', 'I', 0x00001033, R_MASK, R, 'Shift left logical by rs2[5:0]', 'Unpriv §4.2.2'),
  row('slt', 'I', 0x00002033, R_MASK, R, 'Set if less than (signed)', 'Unpriv §2.4.2'),
  row('sltu', 'I', 0x00003033, R_MASK, R, 'Set if less than (unsigned)', 'Unpriv §2.4.2'),
  row('xor', 'I', 0x00004033, R_MASK, R, 'Exclusive-or', 'Unpriv §2.4.2'),
  row('srl', 'I', 0x00005033, R_MASK, R, 'Shift right logical by rs2[5:0]', 'Unpriv §4.2.2'),
  row('sra', 'I', 0x40005033, R_MASK, R, 'Shift right arithmetic by rs2[5:0]', 'Unpriv §4.2.2'),
  row('or', 'I', 0x00006033, R_MASK, R, 'Or', 'Unpriv §2.4.2'),
  row('and', 'I', 0x00007033, R_MASK, R, 'And', 'Unpriv §2.4.2'),
  row('addiw', 'I', 0x0000001b, I_MASK, I, 'Add immediate, 32-bit result sign-extended', 'Unpriv §4.2.1'),
  row('slliw', 'I', 0x0000101b, R_MASK, SHIFT32, 'Shift left logical word by immediate (0–31)', 'Unpriv §4.2.1'),
  row('srliw', 'I', 0x0000501b, R_MASK, SHIFT32, 'Shift right logical word by immediate (0–31)', 'Unpriv §4.2.1'),
  row('sraiw', 'I', 0x4000501b, R_MASK, SHIFT32, 'Shift right arithmetic word by immediate (0–31)', 'Unpriv §4.2.1'),
  row('addw', 'I', 0x0000003b, R_MASK, R, 'Add word, 32-bit result sign-extended', 'Unpriv §4.2.2'),
  row('subw', 'I', 0x4000003b, R_MASK, R, 'Subtract word, 32-bit result sign-extended', 'Unpriv §4.2.2'),
  row('sllw', 'I', 0x0000103b, R_MASK, R, 'Shift left logical word by rs2[4:0]', 'Unpriv §4.2.2'),
  row('srlw', 'I', 0x0000503b, R_MASK, R, 'Shift right logical word by rs2[4:0]', 'Unpriv §4.2.2'),
  row('sraw', 'I', 0x4000503b, R_MASK, R, 'Shift right arithmetic word by rs2[4:0]', 'Unpriv §4.2.2'),
  row('fence.tso', 'I', 0x8330000f, 0xfff0707f, NONE, 'Fence with total store ordering (fm=1000, rw,rw)', 'Unpriv §2.7'),
  row('fence', 'I', 0x0000000f, I_MASK, FENCE, 'Order memory and I/O accesses (pred, succ)', 'Unpriv §2.7'),
  row('ecall', 'I', 0x00000073, 0xffffffff, NONE, 'Environment call: trap to the execution environment (cause 8/9/10/11 by privilege)', 'Unpriv §2.8; Priv §3.3.1',
    { endsBlock: true, mayTrap: true, sensitivity: ENVIRONMENT_CALL }),
  row('ebreak', 'I', 0x00100073, 0xffffffff, NONE, 'Breakpoint exception (cause 3)', 'Unpriv §2.8; Priv §3.3.1', { endsBlock: true, mayTrap: true }),
];
