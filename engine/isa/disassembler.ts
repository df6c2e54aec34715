// Disassembles one instruction word from the table's syntax tokens, as `objdump -d -M no-aliases` prints it.
import { csrName } from './csr-table';
import { decode, DecodedInsn, instructionLength } from './decoder';
import { SyntaxToken } from './insn-def';
import { ABI_NAMES } from './registers';

export interface DisasmOptions {
  aliases?: boolean;
  symbolize?: (addr: bigint) => string | undefined;
}

export interface Disassembly {
  text: string;
  size: 2 | 4;
  mnemonic: string;
  operands: string;
}

const hex = (v: number) => '0x' + (v >>> 0).toString(16);
const FENCE_SET = (bits: number) => bits === 0 ? 'unknown' : ['i', 'o', 'r', 'w'].filter((_, i) => bits & (8 >> i)).join('');

type Formatter = (d: DecodedInsn, pc: bigint, opts: DisasmOptions) => string;

const TOKENS: Record<SyntaxToken, Formatter> = {
  rd: (d) => ABI_NAMES[d.rd],
  rs1: (d) => ABI_NAMES[d.rs1],
  rs2: (d) => ABI_NAMES[d.rs2],
  imm: (d) => String(d.imm),
  'imm(rs1)': (d) => `${d.imm}(${ABI_NAMES[d.rs1]})`,
  '(rs1)': (d) => `(${ABI_NAMES[d.rs1]})`,
  target: (d, pc, opts) => {
    const addr = BigInt.asUintN(64, pc + BigInt(d.imm));
    const sym = opts.symbolize?.(addr);
    return addr.toString(16) + (sym === undefined ? '' : ` <${sym}>`);
  },
  uimm20: (d) => hex((d.imm >> 12) & 0xfffff),
  shamt: (d) => hex(d.imm),
  csr: (d) => csrName(d.csr),
  zimm: (d) => String(d.imm),
  pred: (d) => FENCE_SET(d.pred),
  succ: (d) => FENCE_SET(d.succ),
};

const AQRL_SUFFIX = ['', '.rl', '.aq', '.aqrl'];

export function disassemble(raw: number, pc: bigint, opts: DisasmOptions = {}): Disassembly {
  const d = decode(raw);
  if (d === undefined) {
    const size = instructionLength(raw & 0xffff);
    const word = size === 2 ? raw & 0xffff : raw >>> 0;
    return finish(size, `.${size}byte`, hex(word));
  }
  const def = d.def;
  const mnemonic = def.mnemonic + (def.operands.aqrl === undefined ? '' : AQRL_SUFFIX[d.aqrl]);
  const operands = def.syntax.map((t) => TOKENS[t](d, pc, opts)).join(',');
  return finish(def.size, mnemonic, operands);
}

function finish(size: 2 | 4, mnemonic: string, operands: string): Disassembly {
  return { text: operands === '' ? mnemonic : `${mnemonic}\t${operands}`, size, mnemonic, operands };
}
