// The instruction table: every supported instruction, in one array, each row with its id.
import { InsnDef } from './insn-def';
import { H_EXT } from './table/h';
import { PRIV } from './table/priv';
import { RV64A } from './table/rv64a';
import { RV64C } from './table/rv64c';
import { RV64I } from './table/rv64i';
import { RV64M } from './table/rv64m';
import { ZICSR, ZIFENCEI } from './table/zicsr';

export const INSTRUCTIONS: readonly InsnDef[] = [...RV64I, ...RV64M, ...RV64A, ...ZICSR, ...ZIFENCEI, ...PRIV, ...H_EXT, ...RV64C]
  .map((r, id) => Object.freeze({ ...r, id }));

const BY_MNEMONIC = new Map(INSTRUCTIONS.map((d) => [d.mnemonic, d]));

export function instructionByMnemonic(mnemonic: string): InsnDef | undefined {
  return BY_MNEMONIC.get(mnemonic);
}

/** Overlapping encodings and why they are fine: the more specific mask wins (decoder), and these pairs
 *  are the only ones the overlap test accepts. */
export const ALLOWED_OVERLAPS: readonly { a: string; b: string; why: string }[] = [
  { a: 'fence.tso', b: 'fence', why: 'fence.tso is fence with fm=1000 and rw,rw; decoded as the more specific row' },
  { a: 'c.nop', b: 'c.addi', why: 'c.nop is c.addi with rd=x0 and imm=0' },
  { a: 'c.addi16sp', b: 'c.lui', why: 'c.lui with rd=x2 encodes c.addi16sp' },
  { a: 'c.jr', b: 'c.mv', why: 'c.mv with rs2=x0 encodes c.jr' },
  { a: 'c.ebreak', b: 'c.jalr', why: 'c.jalr with rs1=x0 encodes c.ebreak' },
  { a: 'c.ebreak', b: 'c.add', why: 'c.add with rd=x0, rs2=x0 encodes c.ebreak' },
  { a: 'c.jalr', b: 'c.add', why: 'c.add with rs2=x0 encodes c.jalr' },
];
