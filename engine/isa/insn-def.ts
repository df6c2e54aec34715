// The shape of one instruction-table row: encoding, operands, syntax, flags and virtualization sensitivity.
import { FieldSpec } from './fields';

export type Extension = 'I' | 'M' | 'A' | 'C' | 'Zicsr' | 'Zifencei' | 'Priv' | 'H';

export type OperandName = 'rd' | 'rs1' | 'rs2' | 'imm' | 'csr' | 'aqrl' | 'pred' | 'succ';

/** Where each operand comes from: a field of the encoding, or a value the encoding implies (c.lwsp's sp). */
export type OperandSource = FieldSpec | number;
export type OperandMap = Partial<Record<OperandName, OperandSource>>;

/** How an operand prints. `imm(rs1)` is a memory operand; `target` is pc + imm; `uimm20` is lui's
 *  upper immediate in hex; `shamt` a shift amount in hex; `zimm` the CSR-immediate; `fence` iorw sets. */
export type SyntaxToken =
  | 'rd' | 'rs1' | 'rs2' | 'imm' | 'imm(rs1)' | '(rs1)' | 'target' | 'uimm20' | 'shamt' | 'csr' | 'zimm'
  | 'pred' | 'succ';

/** Popek–Goldberg classification, and what the instruction does when a deprivileged guest kernel
 *  (ring compression: real U-mode) executes it. */
export interface Sensitivity {
  /** Traps when executed below its privilege (so trap-and-emulate sees it). */
  readonly privileged: boolean;
  /** Changes machine configuration: privilege, translation, interrupt state. */
  readonly controlSensitive: boolean;
  /** Result depends on configuration: current privilege, translation. */
  readonly behaviourSensitive: boolean;
  /** In real U-mode: 'traps' (illegal instruction), 'unchanged', 'differs' (no trap, different result),
   *  or 'per-csr' (decided by the CSR table's privilege for the CSR operand). */
  readonly inUserMode: 'traps' | 'unchanged' | 'differs' | 'per-csr';
  readonly note: string;
}

export interface InsnFlags {
  /** Control may leave the straight-line sequence (branches, jumps, xRET, traps by design). */
  readonly endsBlock: boolean;
  /** Can raise an exception other than by fetch. */
  readonly mayTrap: boolean;
  /** Lowest privilege that may execute it without trapping: 'U', 'S', 'M' (CSR ops: per CSR). */
  readonly minPrivilege: 'U' | 'S' | 'M';
  readonly memory?: { readonly kind: 'load' | 'store' | 'amo'; readonly width: 1 | 2 | 4 | 8 };
}

/** Encodings of an otherwise matching word that are reserved (illegal), e.g. c.addi4spn with a zero immediate. */
export interface ReservedWhen {
  readonly operand: OperandName;
  readonly equals: number;
}

export interface InsnDef {
  /** Index in INSTRUCTIONS; handlers and translator templates are arrays indexed by it. */
  readonly id: number;
  readonly mnemonic: string;
  readonly ext: Extension;
  readonly size: 2 | 4;
  readonly match: number;
  readonly mask: number;
  readonly operands: OperandMap;
  readonly syntax: readonly SyntaxToken[];
  /** Mnemonic of the instruction whose semantics this one runs (c.addi runs 'addi'). */
  readonly semantics: string;
  readonly summary: string;
  /** Spec section, e.g. "Unpriv §2.4.1". */
  readonly spec: string;
  readonly flags: InsnFlags;
  readonly sensitivity: Sensitivity;
  readonly reserved: readonly ReservedWhen[];
}
