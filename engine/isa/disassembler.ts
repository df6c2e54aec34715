// Disassembles one instruction word from the table's syntax tokens, as binutils 2.40 objdump prints it.
//
// Without options the text is `objdump -d -M no-aliases`'s mnemonic and operand column: the row's mnemonic
// (plus .aq/.rl/.aqrl for rows with an aqrl operand), a TAB, then the row's `syntax` tokens joined by ','.
// With `aliases: true` it is objdump's default column instead: ALIASES rewrites a row with particular operand
// values to a pseudo-instruction, and a compressed row with no alias of its own prints as the base row it
// runs (`semantics`), aliased in turn. Rows objdump spells differently are listed in OBJDUMP_SPELLINGS.
import { csrName } from './csr-table';
import { decode, DecodedInsn, instructionLength } from './decoder';
import { InsnDef, OperandName, SyntaxToken } from './insn-def';
import { instructionByMnemonic } from './instructions';
import { ABI_NAMES } from './registers';

export interface DisasmOptions {
  /** objdump's default (pseudo-instruction) form instead of `-M no-aliases`. */
  aliases?: boolean;
  /** Name for a branch or jump target, already formatted (`sym` or `sym+0x1c`); printed as ` <name>`. */
  symbolize?: (addr: bigint) => string | undefined;
}

export interface Disassembly {
  /** `mnemonic` TAB `operands`, or just the mnemonic when there are no operands. */
  text: string;
  size: 2 | 4;
  mnemonic: string;
  operands: string;
}

/**
 * A pseudo-instruction: row `of`, when every operand named in `when` has that value, prints as `alias` with
 * `syntax`. A rule without `alias` keeps the row's own form (objdump shows HINT encodings uncompressed).
 */
export interface AliasRule {
  readonly of: string;
  readonly when: Partial<Record<OperandName, number>>;
  readonly alias?: string;
  readonly syntax?: readonly SyntaxToken[];
}

const rule = (of: string, when: AliasRule['when'], alias: string, ...syntax: SyntaxToken[]): AliasRule =>
  ({ of, when, alias, syntax });
const asIs = (of: string, when: AliasRule['when']): AliasRule => ({ of, when });
const ZERO = 0, RA = 1;
const CYCLE = 0xc00, TIME = 0xc01, INSTRET = 0xc02;
const IORW = 0b1111;

/**
 * objdump's aliases, in its order of preference: for each row the first rule whose `when` holds wins.
 * The immediate forms without `i` (`add a0,a1,-5` for addi, `sll` for slli, `addw` for addiw) are binutils
 * 2.40's: its opcode table lists those assembler conveniences as aliases ahead of the real rows.
 */
export const ALIASES: readonly AliasRule[] = [
  rule('addi', { rd: ZERO, rs1: ZERO, imm: 0 }, 'nop'),
  rule('addi', { rs1: ZERO }, 'li', 'rd', 'imm'),
  rule('addi', { imm: 0 }, 'mv', 'rd', 'rs1'),
  rule('addi', {}, 'add', 'rd', 'rs1', 'imm'),
  rule('addiw', { imm: 0 }, 'sext.w', 'rd', 'rs1'),
  rule('addiw', {}, 'addw', 'rd', 'rs1', 'imm'),
  rule('xori', { imm: -1 }, 'not', 'rd', 'rs1'),
  rule('xori', {}, 'xor', 'rd', 'rs1', 'imm'),
  rule('ori', {}, 'or', 'rd', 'rs1', 'imm'),
  rule('andi', {}, 'and', 'rd', 'rs1', 'imm'),
  rule('sltiu', { imm: 1 }, 'seqz', 'rd', 'rs1'),
  rule('slli', {}, 'sll', 'rd', 'rs1', 'shamt'),
  rule('srli', {}, 'srl', 'rd', 'rs1', 'shamt'),
  rule('srai', {}, 'sra', 'rd', 'rs1', 'shamt'),
  rule('slliw', {}, 'sllw', 'rd', 'rs1', 'shamt'),
  rule('srliw', {}, 'srlw', 'rd', 'rs1', 'shamt'),
  rule('sraiw', {}, 'sraw', 'rd', 'rs1', 'shamt'),
  rule('sub', { rs1: ZERO }, 'neg', 'rd', 'rs2'),
  rule('subw', { rs1: ZERO }, 'negw', 'rd', 'rs2'),
  rule('slt', { rs2: ZERO }, 'sltz', 'rd', 'rs1'),
  rule('slt', { rs1: ZERO }, 'sgtz', 'rd', 'rs2'),
  rule('sltu', { rs1: ZERO }, 'snez', 'rd', 'rs2'),
  rule('beq', { rs2: ZERO }, 'beqz', 'rs1', 'target'),
  rule('bne', { rs2: ZERO }, 'bnez', 'rs1', 'target'),
  rule('blt', { rs2: ZERO }, 'bltz', 'rs1', 'target'),
  rule('blt', { rs1: ZERO }, 'bgtz', 'rs2', 'target'),
  rule('bge', { rs1: ZERO }, 'blez', 'rs2', 'target'),
  rule('bge', { rs2: ZERO }, 'bgez', 'rs1', 'target'),
  rule('jal', { rd: ZERO }, 'j', 'target'),
  rule('jal', { rd: RA }, 'jal', 'target'),
  rule('jalr', { rd: ZERO, rs1: RA, imm: 0 }, 'ret'),
  rule('jalr', { rd: ZERO, imm: 0 }, 'jr', 'rs1'),
  rule('jalr', { rd: ZERO }, 'jr', 'imm(rs1)'),
  rule('jalr', { rd: RA, imm: 0 }, 'jalr', 'rs1'),
  rule('jalr', { rd: RA }, 'jalr', 'imm(rs1)'),
  rule('jalr', { imm: 0 }, 'jalr', 'rd', 'rs1'),
  rule('fence', { pred: IORW, succ: IORW }, 'fence'),
  rule('csrrw', { rd: ZERO, csr: CYCLE, rs1: ZERO }, 'unimp'),
  rule('csrrw', { rd: ZERO }, 'csrw', 'csr', 'rs1'),
  rule('csrrs', { csr: CYCLE, rs1: ZERO }, 'rdcycle', 'rd'),
  rule('csrrs', { csr: TIME, rs1: ZERO }, 'rdtime', 'rd'),
  rule('csrrs', { csr: INSTRET, rs1: ZERO }, 'rdinstret', 'rd'),
  rule('csrrs', { rs1: ZERO }, 'csrr', 'rd', 'csr'),
  rule('csrrs', { rd: ZERO }, 'csrs', 'csr', 'rs1'),
  rule('csrrc', { rd: ZERO }, 'csrc', 'csr', 'rs1'),
  rule('csrrwi', { rd: ZERO }, 'csrw', 'csr', 'zimm'),
  rule('csrrsi', { rd: ZERO }, 'csrs', 'csr', 'zimm'),
  rule('csrrci', { rd: ZERO }, 'csrc', 'csr', 'zimm'),
  rule('csrrwi', {}, 'csrrw', 'rd', 'csr', 'zimm'),
  rule('csrrsi', {}, 'csrrs', 'rd', 'csr', 'zimm'),
  rule('csrrci', {}, 'csrrc', 'rd', 'csr', 'zimm'),
  rule('sfence.vma', { rs1: ZERO, rs2: ZERO }, 'sfence.vma'),
  rule('sfence.vma', { rs2: ZERO }, 'sfence.vma', 'rs1'),
  // Compressed rows whose objdump form is not their base row's; HINT encodings (rd = x0, shamt = 0) as is.
  rule('c.addi', { rd: ZERO }, 'c.nop', 'imm'),
  rule('c.addi', {}, 'add', 'rd', 'rs1', 'imm'),
  asIs('c.li', { rd: ZERO }),
  asIs('c.lui', { rd: ZERO }),
  asIs('c.slli', { rd: ZERO }),
  asIs('c.slli', { imm: 0 }),
  asIs('c.srli', { imm: 0 }),
  asIs('c.srai', { imm: 0 }),
  asIs('c.mv', { rd: ZERO }),
  rule('c.mv', {}, 'mv', 'rd', 'rs2'),
  asIs('c.add', { rd: ZERO }),
];

const RULES_BY_ROW = new Map<string, AliasRule[]>();
for (const r of ALIASES) {
  if (!RULES_BY_ROW.has(r.of)) RULES_BY_ROW.set(r.of, []);
  RULES_BY_ROW.get(r.of)!.push(r);
}

const hex = (v: number) => '0x' + (v >>> 0).toString(16);
const FENCE_SET = (bits: number) =>
  bits === 0 ? 'unknown' : ['i', 'o', 'r', 'w'].filter((_, i) => bits & (8 >> i)).join('');

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

function aliasFor(def: InsnDef, d: DecodedInsn): AliasRule | undefined {
  for (const r of RULES_BY_ROW.get(def.mnemonic) ?? []) {
    if (Object.entries(r.when).every(([op, v]) => d[op as OperandName] === v)) return r;
  }
  return undefined;
}

/** Disassembles the instruction in `raw` (its low 16 bits for a compressed one) at `pc`. */
export function disassemble(raw: number, pc: bigint, opts: DisasmOptions = {}): Disassembly {
  const d = decode(raw);
  if (d === undefined) {
    const size = instructionLength(raw & 0xffff);
    return finish(size, `.${size}byte`, hex(size === 2 ? raw & 0xffff : raw));
  }
  let def = d.def;
  if (opts.aliases) {
    let alias = aliasFor(def, d);
    if (alias === undefined && def.size === 2) {
      def = instructionByMnemonic(def.semantics)!;
      alias = aliasFor(def, d);
    }
    if (alias?.alias !== undefined) {
      return finish(d.size, alias.alias, (alias.syntax ?? []).map((t) => TOKENS[t](d, pc, opts)).join(','));
    }
    if (alias) def = d.def;
  }
  const mnemonic = def.mnemonic + (def.operands.aqrl === undefined ? '' : AQRL_SUFFIX[d.aqrl]);
  return finish(d.size, mnemonic, def.syntax.map((t) => TOKENS[t](d, pc, opts)).join(','));
}

function finish(size: 2 | 4, mnemonic: string, operands: string): Disassembly {
  return { text: operands === '' ? mnemonic : `${mnemonic}\t${operands}`, size, mnemonic, operands };
}
