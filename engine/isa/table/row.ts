// Shorthands for writing table rows: operand formats, sensitivity classes and the row builder.
import { F } from '../fields';
import { InsnFlags, OperandMap, ReservedWhen, Sensitivity, SyntaxToken, Extension } from '../insn-def';

export interface Format {
  readonly operands: OperandMap;
  readonly syntax: readonly SyntaxToken[];
}

// Base formats (unprivileged spec §2.2–2.3)
export const R: Format = { operands: { rd: F.rd, rs1: F.rs1, rs2: F.rs2 }, syntax: ['rd', 'rs1', 'rs2'] };
export const I: Format = { operands: { rd: F.rd, rs1: F.rs1, imm: F.immI }, syntax: ['rd', 'rs1', 'imm'] };
export const LOAD: Format = { operands: { rd: F.rd, rs1: F.rs1, imm: F.immI }, syntax: ['rd', 'imm(rs1)'] };
export const STORE: Format = { operands: { rs1: F.rs1, rs2: F.rs2, imm: F.immS }, syntax: ['rs2', 'imm(rs1)'] };
export const B: Format = { operands: { rs1: F.rs1, rs2: F.rs2, imm: F.immB }, syntax: ['rs1', 'rs2', 'target'] };
export const U: Format = { operands: { rd: F.rd, imm: F.immU }, syntax: ['rd', 'uimm20'] };
export const J: Format = { operands: { rd: F.rd, imm: F.immJ }, syntax: ['rd', 'target'] };
export const JALR: Format = { operands: { rd: F.rd, rs1: F.rs1, imm: F.immI }, syntax: ['rd', 'imm(rs1)'] };
export const SHIFT64: Format = { operands: { rd: F.rd, rs1: F.rs1, imm: F.shamt6 }, syntax: ['rd', 'rs1', 'shamt'] };
export const SHIFT32: Format = { operands: { rd: F.rd, rs1: F.rs1, imm: F.shamt5 }, syntax: ['rd', 'rs1', 'shamt'] };
export const CSR: Format = { operands: { rd: F.rd, rs1: F.rs1, csr: F.csr }, syntax: ['rd', 'csr', 'rs1'] };
export const CSRI: Format = { operands: { rd: F.rd, imm: F.zimm, csr: F.csr }, syntax: ['rd', 'csr', 'zimm'] };
export const AMO: Format = { operands: { rd: F.rd, rs1: F.rs1, rs2: F.rs2, aqrl: F.aqrl }, syntax: ['rd', 'rs2', '(rs1)'] };
export const LR: Format = { operands: { rd: F.rd, rs1: F.rs1, aqrl: F.aqrl }, syntax: ['rd', '(rs1)'] };
export const FENCE: Format = { operands: { pred: F.pred, succ: F.succ }, syntax: ['pred', 'succ'] };
export const NONE: Format = { operands: {}, syntax: [] };

/** Sensitivity classes (Popek & Goldberg 1974; how each behaves in real U-mode under ring compression). */
export const INNOCUOUS: Sensitivity = {
  privileged: false, controlSensitive: false, behaviourSensitive: false, inUserMode: 'unchanged',
  note: 'Innocuous: runs directly in a deprivileged guest with the same result.',
};
export const MEMORY_ACCESS: Sensitivity = {
  privileged: false, controlSensitive: false, behaviourSensitive: false, inUserMode: 'unchanged',
  note: 'Innocuous once translation is virtualized: addresses go through the (shadow or two-stage) page tables.',
};
export const PRIVILEGED_CONTROL: Sensitivity = {
  privileged: true, controlSensitive: true, behaviourSensitive: true, inUserMode: 'traps',
  note: 'Privileged and sensitive: illegal-instruction trap below its privilege, so trap-and-emulate catches it.',
};
export const CSR_ACCESS: Sensitivity = {
  privileged: true, controlSensitive: true, behaviourSensitive: true, inUserMode: 'per-csr',
  note: 'Sensitive when its CSR is: traps when the CSR\'s privilege exceeds the current one (CSR table).',
};
export const ENVIRONMENT_CALL: Sensitivity = {
  privileged: false, controlSensitive: true, behaviourSensitive: true, inUserMode: 'differs',
  note: 'Always traps, but the cause encodes the caller\'s privilege: a compressed guest kernel\'s ecall ' +
    'arrives as cause 8 (from U), and the VMM must redirect it as the guest\'s cause 9 (from S).',
};

/** The H extension's fences (Priv §13.3.2): HS/M-only, virtual-instruction exceptions from VS/VU. */
export const HYPERVISOR_FENCE: Sensitivity = {
  privileged: true, controlSensitive: true, behaviourSensitive: true, inUserMode: 'traps',
  note: 'Hypervisor fence: valid in HS-mode and M-mode; illegal in U-mode (HFENCE.GVMA also in HS-mode when ' +
    'mstatus.TVM=1); a virtual-instruction exception in VS/VU-mode, so a guest never executes it natively.',
};
/** HLV/HLVX/HSV (Priv §13.3.1): HS/M (and U with hstatus.HU), virtual-instruction exceptions from VS/VU. */
export const HYPERVISOR_ACCESS: Sensitivity = {
  privileged: true, controlSensitive: false, behaviourSensitive: true, inUserMode: 'traps',
  note: 'Virtual-machine load/store: translated as though V=1 at privilege hstatus.SPVP (two-stage). Valid in ' +
    'HS-mode and M-mode, in U-mode only when hstatus.HU=1 (illegal otherwise); a virtual-instruction exception ' +
    'in VS/VU-mode.',
};

export interface RowOptions {
  readonly endsBlock?: boolean;
  readonly mayTrap?: boolean;
  readonly minPrivilege?: InsnFlags['minPrivilege'];
  readonly memory?: InsnFlags['memory'];
  readonly sensitivity?: Sensitivity;
  readonly semantics?: string;
  readonly reserved?: readonly ReservedWhen[];
  /** Operands replacing or adding to the format's (implied registers of compressed forms). */
  readonly operands?: OperandMap;
  readonly syntax?: readonly SyntaxToken[];
}

/** A table row before it gets its id. */
export type RowSpec = Omit<import('../insn-def').InsnDef, 'id'>;

export function row(
  mnemonic: string, ext: Extension, match: number, mask: number, fmt: Format,
  summary: string, spec: string, o: RowOptions = {},
): RowSpec {
  const size = (match & 3) === 3 ? 4 : 2;
  return {
    mnemonic, ext, size, match: match >>> 0, mask: mask >>> 0,
    operands: { ...fmt.operands, ...o.operands },
    syntax: o.syntax ?? fmt.syntax,
    semantics: o.semantics ?? mnemonic,
    summary, spec,
    flags: {
      endsBlock: o.endsBlock ?? false,
      mayTrap: o.mayTrap ?? (o.memory !== undefined),
      minPrivilege: o.minPrivilege ?? 'U',
      memory: o.memory,
    },
    sensitivity: o.sensitivity ?? (o.memory ? MEMORY_ACCESS : INNOCUOUS),
    reserved: o.reserved ?? [],
  };
}
