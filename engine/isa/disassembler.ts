// Disassembles one instruction word from the table's syntax tokens, the way binutils 2.40 objdump prints it.
//
// Without options the text is `objdump -d -M no-aliases`'s mnemonic and operands column: the row's mnemonic
// (plus .aq/.rl/.aqrl for rows with an aqrl operand), a TAB, then the row's `syntax` tokens joined by ','.
// With `aliases: true` it is objdump's default column instead: ALIASES turns a row with particular operand
// values into a pseudo-instruction, and a compressed row without a rule of its own prints as the base row it
// runs (its `semantics`), aliased in turn. Encodings objdump names differently are in OBJDUMP_SPELLINGS.
import { csrName } from './csr-table';
import { decode, DecodedInsn, instructionLength } from './decoder';
import { InsnDef, OperandName, SyntaxToken } from './insn-def';
import { instructionByMnemonic } from './instructions';
import { ABI_NAMES } from './registers';

export interface DisasmOptions {
  /** objdump's default form (pseudo-instructions) instead of `-M no-aliases`. */
  aliases?: boolean;
  /** Name for a branch or jump target, already formatted (`sym` or `sym+0x1c`); printed as ` <name>`. */
  symbolize?: (addr: bigint) => string | undefined;
}

export interface Disassembly {
  /** `mnemonic` TAB `operands`, or the mnemonic alone when there are no operands. */
  text: string;
  size: 2 | 4;
  mnemonic: string;
  operands: string;
}

/**
 * A pseudo-instruction: row `of`, when every operand named in `when` has that value, prints as `alias` with
 * `syntax`. A rule without `alias` keeps the row's own form: objdump leaves most compressed HINT encodings
 * (rd = x0, shift by 0) compressed instead of expanding them.
 */
export interface AliasRule {
  readonly of: string;
  readonly when: Partial<Record<OperandName, number>>;
  readonly alias?: string;
  readonly syntax?: readonly SyntaxToken[];
}

const hex = (v: number) => '0x' + (v >>> 0).toString(16);
/** The instruction in `raw`: its low parcel when compressed, else the unsigned 32-bit word. */
const wordOf = (raw: number) => (instructionLength(raw & 0xffff) === 2 ? raw & 0xffff : raw >>> 0);

const alias = (of: string, when: AliasRule['when'], name: string, ...syntax: SyntaxToken[]): AliasRule =>
  ({ of, when, alias: name, syntax });
const unaliased = (of: string, when: AliasRule['when']): AliasRule => ({ of, when });

const ZERO = 0, RA = 1;
const CYCLE = 0xc00, TIME = 0xc01, INSTRET = 0xc02;
const IORW = 0b1111;

/**
 * objdump's aliases in its order of preference: for a row, the first rule whose `when` holds wins. The
 * register-register spellings of immediate forms (`add a0,a1,-5` for addi, `sll` for slli, `csrrw` for
 * csrrwi) are binutils 2.40's: its opcode table lists those assembler conveniences as aliases ahead of the
 * real rows. objdump never prints bgt/ble/bgtu/bleu, csrwi/csrsi/csrci or sext.w for anything but addiw.
 */
export const ALIASES: readonly AliasRule[] = [
  alias('addi', { rd: ZERO, rs1: ZERO, imm: 0 }, 'nop'),
  alias('addi', { rs1: ZERO }, 'li', 'rd', 'imm'),
  alias('addi', { imm: 0 }, 'mv', 'rd', 'rs1'),
  alias('addi', {}, 'add', 'rd', 'rs1', 'imm'),
  alias('addiw', { imm: 0 }, 'sext.w', 'rd', 'rs1'),
  alias('addiw', {}, 'addw', 'rd', 'rs1', 'imm'),
  alias('xori', { imm: -1 }, 'not', 'rd', 'rs1'),
  alias('xori', {}, 'xor', 'rd', 'rs1', 'imm'),
  alias('ori', {}, 'or', 'rd', 'rs1', 'imm'),
  alias('andi', { imm: 0xff }, 'zext.b', 'rd', 'rs1'),
  alias('andi', {}, 'and', 'rd', 'rs1', 'imm'),
  alias('sltiu', { imm: 1 }, 'seqz', 'rd', 'rs1'),
  alias('slli', {}, 'sll', 'rd', 'rs1', 'shamt'),
  alias('srli', {}, 'srl', 'rd', 'rs1', 'shamt'),
  alias('srai', {}, 'sra', 'rd', 'rs1', 'shamt'),
  alias('slliw', {}, 'sllw', 'rd', 'rs1', 'shamt'),
  alias('srliw', {}, 'srlw', 'rd', 'rs1', 'shamt'),
  alias('sraiw', {}, 'sraw', 'rd', 'rs1', 'shamt'),
  alias('sub', { rs1: ZERO }, 'neg', 'rd', 'rs2'),
  alias('subw', { rs1: ZERO }, 'negw', 'rd', 'rs2'),
  alias('slt', { rs2: ZERO }, 'sltz', 'rd', 'rs1'),
  alias('slt', { rs1: ZERO }, 'sgtz', 'rd', 'rs2'),
  alias('sltu', { rs1: ZERO }, 'snez', 'rd', 'rs2'),
  alias('beq', { rs2: ZERO }, 'beqz', 'rs1', 'target'),
  alias('bne', { rs2: ZERO }, 'bnez', 'rs1', 'target'),
  alias('blt', { rs2: ZERO }, 'bltz', 'rs1', 'target'),
  alias('blt', { rs1: ZERO }, 'bgtz', 'rs2', 'target'),
  alias('bge', { rs1: ZERO }, 'blez', 'rs2', 'target'),
  alias('bge', { rs2: ZERO }, 'bgez', 'rs1', 'target'),
  alias('jal', { rd: ZERO }, 'j', 'target'),
  alias('jal', { rd: RA }, 'jal', 'target'),
  alias('jalr', { rd: ZERO, rs1: RA, imm: 0 }, 'ret'),
  alias('jalr', { rd: ZERO, imm: 0 }, 'jr', 'rs1'),
  alias('jalr', { rd: ZERO }, 'jr', 'imm(rs1)'),
  alias('jalr', { rd: RA, imm: 0 }, 'jalr', 'rs1'),
  alias('jalr', { rd: RA }, 'jalr', 'imm(rs1)'),
  alias('jalr', { imm: 0 }, 'jalr', 'rd', 'rs1'),
  alias('fence', { pred: IORW, succ: IORW }, 'fence'),
  alias('csrrw', { rd: ZERO, csr: CYCLE, rs1: ZERO }, 'unimp'),
  alias('csrrw', { rd: ZERO }, 'csrw', 'csr', 'rs1'),
  alias('csrrs', { csr: CYCLE, rs1: ZERO }, 'rdcycle', 'rd'),
  alias('csrrs', { csr: TIME, rs1: ZERO }, 'rdtime', 'rd'),
  alias('csrrs', { csr: INSTRET, rs1: ZERO }, 'rdinstret', 'rd'),
  alias('csrrs', { rs1: ZERO }, 'csrr', 'rd', 'csr'),
  alias('csrrs', { rd: ZERO }, 'csrs', 'csr', 'rs1'),
  alias('csrrc', { rd: ZERO }, 'csrc', 'csr', 'rs1'),
  alias('csrrwi', { rd: ZERO }, 'csrw', 'csr', 'zimm'),
  alias('csrrwi', {}, 'csrrw', 'rd', 'csr', 'zimm'),
  alias('csrrsi', { rd: ZERO }, 'csrs', 'csr', 'zimm'),
  alias('csrrsi', {}, 'csrrs', 'rd', 'csr', 'zimm'),
  alias('csrrci', { rd: ZERO }, 'csrc', 'csr', 'zimm'),
  alias('csrrci', {}, 'csrrc', 'rd', 'csr', 'zimm'),
  alias('sfence.vma', { rs1: ZERO, rs2: ZERO }, 'sfence.vma'),
  alias('sfence.vma', { rs2: ZERO }, 'sfence.vma', 'rs1'),
  alias('hfence.vvma', { rs1: ZERO, rs2: ZERO }, 'hfence.vvma'),
  alias('hfence.vvma', { rs2: ZERO }, 'hfence.vvma', 'rs1'),
  alias('hfence.gvma', { rs1: ZERO, rs2: ZERO }, 'hfence.gvma'),
  alias('hfence.gvma', { rs2: ZERO }, 'hfence.gvma', 'rs1'),
  // Compressed rows whose objdump form is not their base row's (the rest print as their base row).
  alias('c.addi', { rd: ZERO }, 'c.nop', 'imm'),
  alias('c.addi', { imm: 0 }, 'add', 'rd', 'rs1', 'imm'),
  unaliased('c.mv', { rd: ZERO }),
  alias('c.mv', {}, 'mv', 'rd', 'rs2'),
  unaliased('c.li', { rd: ZERO }),
  unaliased('c.lui', { rd: ZERO }),
  unaliased('c.slli', { rd: ZERO }),
  unaliased('c.slli', { imm: 0 }),
  unaliased('c.srli', { imm: 0 }),
  unaliased('c.srai', { imm: 0 }),
  unaliased('c.add', { rd: ZERO }),
];

/** Encodings objdump prints differently from us for reasons outside the alias rules, and what it prints. */
export interface ObjdumpSpelling {
  /** Encodings covered: (raw & mask) === match, some bit of `nonzero` set (when given), not in `except`. */
  readonly match: number;
  readonly mask: number;
  readonly nonzero?: number;
  readonly except?: readonly number[];
  /** objdump's text with `-M no-aliases` and in its default form; absent = same as ours in that mode. */
  readonly noAliases?: (ours: string, raw: number) => string;
  readonly aliases?: (ours: string, raw: number) => string;
  readonly why: string;
}

const word = (_: string, raw: number) => `.4byte\t${hex(raw)}`;
const rv128Shift = (ours: string) => ours.replace(/^c\.(s[lr][la]i)\t(\w+),0x0$/, 'c.$164\t$2');

/** Every known difference between this disassembler and objdump 2.40, with the reason we keep ours. */
export const OBJDUMP_SPELLINGS: readonly ObjdumpSpelling[] = [
  { match: 0x0001, mask: 0xffff, noAliases: () => 'c.addi\tzero,0',
    why: 'The spec names 0x0001 C.NOP (Unpriv §16.5); binutils marks its c.nop row as an alias of c.addi.' },
  { match: 0x0002, mask: 0xf07f, noAliases: rv128Shift, aliases: rv128Shift,
    why: 'C.SLLI with shamt=0 is a HINT on RV64 (Unpriv §16.5) and runs as a shift by 0; binutils names it by its ' +
      'RV128 meaning, c.slli64.' },
  { match: 0x8001, mask: 0xfc7f, noAliases: rv128Shift, aliases: rv128Shift,
    why: 'C.SRLI with shamt=0: a HINT on RV64, c.srli64 (its RV128 meaning) to binutils.' },
  { match: 0x8401, mask: 0xfc7f, noAliases: rv128Shift, aliases: rv128Shift,
    why: 'C.SRAI with shamt=0: a HINT on RV64, c.srai64 (its RV128 meaning) to binutils.' },
  { match: 0x0000, mask: 0xffff, noAliases: () => 'c.unimp', aliases: () => 'unimp',
    why: 'The all-zero parcel is the defined illegal instruction (Unpriv §16.5), not a table row; binutils ' +
      'names it c.unimp.' },
  { match: 0x6101, mask: 0xffff, noAliases: () => 'c.addi16sp\tsp,0', aliases: () => 'add\tsp,sp,0',
    why: 'C.ADDI16SP with nzimm=0 is reserved (Unpriv §16.5) and decodes as illegal; binutils accepts it.' },
  { match: 0xc0001073, mask: 0xffffffff, noAliases: () => 'unimp',
    why: 'binutils has a real (non-alias) row "unimp" for csrrw zero,cycle,zero, the 32-bit unimp idiom; ' +
      'ALIASES prints unimp in the default form.' },
  { match: 0x0000000f, mask: 0x0000707f, nonzero: 0xf00f8f80, except: [0x8330000f], noAliases: word, aliases: word,
    why: 'FENCE with nonzero rd, rs1 or fm (other than fence.tso): the spec says implementations ignore these ' +
      'reserved fields and run a normal fence (Unpriv §2.7), and the table decodes them so; binutils shows a word.' },
  { match: 0x0000100f, mask: 0x0000707f, nonzero: 0xffff8f80, noAliases: word, aliases: word,
    why: 'FENCE.I with nonzero imm, rs1 or rd: reserved fields implementations ignore (Unpriv §6.1); ' +
      'binutils shows a word.' },
];

/** The OBJDUMP_SPELLINGS entry covering `raw`, if any. */
export function objdumpSpellingFor(raw: number): ObjdumpSpelling | undefined {
  const w = wordOf(raw);
  return OBJDUMP_SPELLINGS.find((s) => instructionLength(s.match & 0xffff) === instructionLength(w & 0xffff) &&
    ((w & s.mask) >>> 0) === s.match && (s.nonzero === undefined || (w & s.nonzero) !== 0) && !s.except?.includes(w));
}

/** objdump's text for `raw` given ours (`text`), by OBJDUMP_SPELLINGS; `text` itself where they agree. */
export function objdumpSpelling(raw: number, text: string, aliases: boolean): string {
  const s = objdumpSpellingFor(raw);
  const f = aliases ? s?.aliases : s?.noAliases;
  return f ? f(text, wordOf(raw)) : text;
}

const RULES_BY_ROW = new Map<string, AliasRule[]>();
for (const r of ALIASES) RULES_BY_ROW.set(r.of, [...(RULES_BY_ROW.get(r.of) ?? []), r]);

/** A FENCE predecessor/successor set (bits i, o, r, w from high to low); objdump prints an empty one so. */
const fenceSet = (bits: number) =>
  bits === 0 ? 'unknown' : ['i', 'o', 'r', 'w'].filter((_, i) => bits & (8 >> i)).join('');

type Formatter = (d: DecodedInsn, pc: bigint, opts: DisasmOptions) => string;

/** How each syntax token prints (objdump's operand formats). */
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
  pred: (d) => fenceSet(d.pred),
  succ: (d) => fenceSet(d.succ),
};

/** aqrl = aq << 1 | rl (inst[26:25]). */
const AQRL_SUFFIX = ['', '.rl', '.aq', '.aqrl'];

function ruleFor(def: InsnDef, d: DecodedInsn): AliasRule | undefined {
  return RULES_BY_ROW.get(def.mnemonic)?.find((r) =>
    Object.entries(r.when).every(([op, v]) => d[op as OperandName] === v));
}

function operands(syntax: readonly SyntaxToken[], d: DecodedInsn, pc: bigint, opts: DisasmOptions): string {
  return syntax.map((t) => TOKENS[t](d, pc, opts)).join(',');
}

/**
 * Disassembles the instruction in `raw` (only its low 16 bits count for a compressed one) at `pc`. An illegal
 * or unsupported encoding prints as `.2byte`/`.4byte` and its value, as objdump does; words with a 48-bit or
 * longer length prefix are treated as 4-byte words.
 */
export function disassemble(raw: number, pc: bigint, opts: DisasmOptions = {}): Disassembly {
  const d = decode(raw);
  if (d === undefined) {
    const size = instructionLength(raw & 0xffff);
    return finish(size, `.${size}byte`, hex(wordOf(raw)));
  }
  let def = d.def;
  if (opts.aliases) {
    let rule = ruleFor(def, d);
    if (rule === undefined && def.size === 2) {
      def = instructionByMnemonic(def.semantics)!;
      rule = ruleFor(def, d);
    }
    if (rule?.alias !== undefined) return finish(d.size, rule.alias, operands(rule.syntax ?? [], d, pc, opts));
    if (rule !== undefined) def = d.def;
  }
  const suffix = def.operands.aqrl === undefined ? '' : AQRL_SUFFIX[d.aqrl];
  return finish(d.size, def.mnemonic + suffix, operands(def.syntax, d, pc, opts));
}

function finish(size: 2 | 4, mnemonic: string, ops: string): Disassembly {
  return { text: ops === '' ? mnemonic : `${mnemonic}\t${ops}`, size, mnemonic, operands: ops };
}
