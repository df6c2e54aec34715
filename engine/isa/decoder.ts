// Decodes instruction words by the table: operands arrive assembled and sign-extended.
import { extract } from './fields';
import { InsnDef, OperandName, OperandSource } from './insn-def';
import { INSTRUCTIONS } from './instructions';

/** A decoded instruction. Handlers read these fields and never touch instruction bits. */
export class DecodedInsn {
  def: InsnDef = INSTRUCTIONS[0];
  raw = 0;
  size: 2 | 4 = 4;
  rd = 0;
  rs1 = 0;
  rs2 = 0;
  imm = 0;
  csr = 0;
  aqrl = 0;
  pred = 0;
  succ = 0;
}

function popcount(x: number): number {
  let n = 0;
  for (x >>>= 0; x; x &= x - 1) n++;
  return n;
}

function operand(raw: number, src: OperandSource | undefined): number {
  if (src === undefined) return 0;
  return typeof src === 'number' ? src : extract(raw, src);
}

const OPERANDS: readonly OperandName[] = ['rd', 'rs1', 'rs2', 'imm', 'csr', 'aqrl', 'pred', 'succ'];

function isReserved(def: InsnDef, raw: number): boolean {
  for (const r of def.reserved) if (operand(raw, def.operands[r.operand]) === r.equals) return true;
  return false;
}

/** Most specific row matching `raw`, or undefined; more mask bits win, so overlaps resolve as the spec says. */
function matchRow(rows: readonly InsnDef[], raw: number): InsnDef | undefined {
  for (const d of rows) if (((raw & d.mask) >>> 0) === d.match) return isReserved(d, raw) ? undefined : d;
  return undefined;
}

const bySpecificity = (a: InsnDef, b: InsnDef) => popcount(b.mask) - popcount(a.mask);

// 32-bit rows bucketed by major opcode; 16-bit words resolved once into a dense table.
const WIDE_BY_OPCODE: InsnDef[][] = Array.from({ length: 128 }, () => []);
for (const d of INSTRUCTIONS) if (d.size === 4) WIDE_BY_OPCODE[d.match & 0x7f].push(d);
for (const b of WIDE_BY_OPCODE) b.sort(bySpecificity);

const COMPRESSED_ROWS = INSTRUCTIONS.filter((d) => d.size === 2).sort(bySpecificity);
const COMPRESSED: (InsnDef | undefined)[] = new Array(65536);
for (let w = 0; w < 65536; w++) if ((w & 3) !== 3) COMPRESSED[w] = matchRow(COMPRESSED_ROWS, w);

/** Length in bytes of the instruction starting with this 16-bit parcel (only 16- and 32-bit forms exist here). */
export function instructionLength(firstParcel: number): 2 | 4 {
  return (firstParcel & 3) === 3 ? 4 : 2;
}

/** Finds the row for an instruction word (the low 16 bits alone for compressed forms). */
export function lookup(raw: number): InsnDef | undefined {
  if ((raw & 3) !== 3) return COMPRESSED[raw & 0xffff];
  if ((raw & 0x1c) === 0x1c) return undefined; // 48-bit and longer encodings: none supported
  return matchRow(WIDE_BY_OPCODE[raw & 0x7f], raw);
}

/** Decodes into `out`; returns false for an illegal or unsupported encoding. */
export function decodeInto(raw: number, out: DecodedInsn): boolean {
  const def = lookup(raw);
  if (def === undefined) return false;
  const word = def.size === 2 ? raw & 0xffff : raw >>> 0;
  out.def = def;
  out.raw = word;
  out.size = def.size;
  for (const name of OPERANDS) out[name] = operand(word, def.operands[name]);
  return true;
}

export function decode(raw: number): DecodedInsn | undefined {
  const d = new DecodedInsn();
  return decodeInto(raw, d) ? d : undefined;
}
