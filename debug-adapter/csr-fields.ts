// Bit fields of the CSRs the debugger decodes for display (mstatus.MPP, mcause's code, satp.MODE, ...).
//
// The engine's CSR table (engine/isa/csr-table.ts) has names, privilege, write masks and WARL notes but no
// field layout, so this small display table lives in the adapter. Positions are from the privileged spec
// (§3.1.1 misa, §3.1.6 mstatus, §3.1.7 mtvec, §3.1.8 medeleg/mideleg, §3.1.9 mip/mie, §3.1.11 mcounteren,
// §3.1.12 mcountinhibit, §3.1.15 mcause, §3.1.18 menvcfg, §3.7.1 pmpcfg, §10.1 the S-mode views, §10.1.11
// satp); the bit constants the engine already names are imported from engine/cpu/privilege.ts.
import {
  EXCEPTION_NAMES, INTERRUPT_NAMES, MSTATUS_MIE, MSTATUS_MPIE, MSTATUS_MPP_SHIFT, MSTATUS_MPRV, MSTATUS_MXR,
  MSTATUS_SIE, MSTATUS_SPIE, MSTATUS_SPP, MSTATUS_SUM, MSTATUS_TSR, MSTATUS_TVM, MSTATUS_TW, PRIVILEGE_NAMES,
} from '../engine/cpu/privilege';

export interface CsrField {
  readonly name: string;
  readonly lsb: number;
  readonly width: number;
  readonly summary: string;
  /** Names of values (MPP: 0 U, 1 S, 3 M); also accepted when the field is written. */
  readonly values?: Readonly<Record<number, string>>;
  /** Shown as an address (value << lsb), e.g. mtvec.BASE. */
  readonly address?: boolean;
}

const bit = (mask: number) => 31 - Math.clz32(mask);
const f = (name: string, lsb: number, width: number, summary: string, extra: Partial<CsrField> = {}): CsrField =>
  ({ name, lsb, width, summary, ...extra });
const flag = (name: string, mask: number, summary: string) => f(name, bit(mask), 1, summary);

const PRIV_VALUES: Record<number, string> = { ...PRIVILEGE_NAMES };
const XLEN_VALUES = { 1: '32', 2: '64', 3: '128' };

const MSTATUS: CsrField[] = [
  flag('SIE', MSTATUS_SIE, 'S-mode interrupts enabled'),
  flag('MIE', MSTATUS_MIE, 'M-mode interrupts enabled'),
  flag('SPIE', MSTATUS_SPIE, 'SIE before the last trap into S'),
  flag('MPIE', MSTATUS_MPIE, 'MIE before the last trap into M'),
  f('SPP', bit(MSTATUS_SPP), 1, 'privilege before the last trap into S', { values: { 0: 'U', 1: 'S' } }),
  f('MPP', MSTATUS_MPP_SHIFT, 2, 'privilege before the last trap into M', { values: PRIV_VALUES }),
  flag('MPRV', MSTATUS_MPRV, 'loads and stores use MPP\'s privilege'),
  flag('SUM', MSTATUS_SUM, 'S-mode may access U pages'),
  flag('MXR', MSTATUS_MXR, 'executable pages are readable'),
  flag('TVM', MSTATUS_TVM, 'trap satp accesses and sfence.vma from S'),
  flag('TW', MSTATUS_TW, 'trap wfi below M'),
  flag('TSR', MSTATUS_TSR, 'trap sret from S'),
  f('UXL', 32, 2, 'U-mode XLEN', { values: XLEN_VALUES }),
  f('SXL', 34, 2, 'S-mode XLEN', { values: XLEN_VALUES }),
  f('SD', 63, 1, 'some extension state is dirty'),
];
const S_VIEW = new Set(['SIE', 'SPIE', 'SPP', 'SUM', 'MXR', 'UXL', 'SD']);

const interruptBits = (suffix: string, levels: readonly string[]): CsrField[] => [
  ['SS', 1, 'S'], ['MS', 3, 'M'], ['ST', 5, 'S'], ['MT', 7, 'M'], ['SE', 9, 'S'], ['ME', 11, 'M'],
].filter(([, , level]) => levels.includes(level as string)).map(([n, b]) =>
  f(`${n}${suffix}`, b as number, 1, INTERRUPT_NAMES[b as number]));

const TVEC: CsrField[] = [
  f('MODE', 0, 2, 'trap vector mode', { values: { 0: 'Direct', 1: 'Vectored' } }),
  f('BASE', 2, 62, 'trap vector base address', { address: true }),
];
const CAUSE: CsrField[] = [
  f('Interrupt', 63, 1, 'the trap was an interrupt'),
  f('Code', 0, 63, 'exception or interrupt code'),
];
const COUNTEREN: CsrField[] = [f('CY', 0, 1, 'cycle'), f('TM', 1, 1, 'time'), f('IR', 2, 1, 'instret')];

const pmpEntries = (first: number): CsrField[] => Array.from({ length: 8 }, (_, i) =>
  f(`pmp${first + i}cfg`, i * 8, 8, `PMP entry ${first + i}: L, A (OFF/TOR/NA4/NAPOT), X, W, R`));

export const CSR_FIELDS: Readonly<Record<string, readonly CsrField[]>> = {
  mstatus: MSTATUS,
  sstatus: MSTATUS.filter((x) => S_VIEW.has(x.name)),
  mie: interruptBits('IE', ['M', 'S']),
  mip: interruptBits('IP', ['M', 'S']),
  mideleg: interruptBits('I', ['S']),
  sie: interruptBits('IE', ['S']),
  sip: interruptBits('IP', ['S']),
  medeleg: Object.entries(EXCEPTION_NAMES).filter(([c]) => Number(c) !== 11 && Number(c) !== 10)
    .map(([c, name]) => f(`cause${c}`, Number(c), 1, `delegate: ${name}`)),
  mtvec: TVEC,
  stvec: TVEC,
  mcause: CAUSE,
  scause: CAUSE,
  satp: [
    f('MODE', 60, 4, 'translation scheme', { values: { 0: 'Bare', 8: 'Sv39', 9: 'Sv48', 10: 'Sv57' } }),
    f('ASID', 44, 16, 'address-space identifier'),
    f('PPN', 0, 44, 'root page table physical page number'),
  ],
  misa: [
    f('MXL', 62, 2, 'machine XLEN', { values: XLEN_VALUES }),
    f('Extensions', 0, 26, 'one bit per letter A–Z'),
  ],
  mcounteren: COUNTEREN,
  scounteren: COUNTEREN,
  mcountinhibit: [f('CY', 0, 1, 'mcycle stops'), f('IR', 2, 1, 'minstret stops')],
  menvcfg: [f('FIOM', 0, 1, 'fence of I/O implies memory'), f('STCE', 63, 1, 'Sstc supervisor timer enabled')],
  pmpcfg0: pmpEntries(0),
  pmpcfg2: pmpEntries(8),
};

export function fieldValue(v: bigint, fd: CsrField): bigint {
  return (BigInt.asUintN(64, v) >> BigInt(fd.lsb)) & ((1n << BigInt(fd.width)) - 1n);
}

export function withField(v: bigint, fd: CsrField, x: bigint): bigint {
  const mask = ((1n << BigInt(fd.width)) - 1n) << BigInt(fd.lsb);
  return BigInt.asUintN(64, (BigInt.asUintN(64, v) & ~mask) | ((x << BigInt(fd.lsb)) & mask));
}

const PMP_A = ['OFF', 'TOR', 'NA4', 'NAPOT'];

/** How a field's value reads: "3 (M)", "0x80000000", "1", "illegal instruction (2)". */
export function describeField(csr: string, fd: CsrField, v: bigint, whole: bigint): string {
  const x = fieldValue(v, fd);
  if (fd.values && fd.values[Number(x)] !== undefined) return `${x} (${fd.values[Number(x)]})`;
  if (fd.address) return '0x' + (x << BigInt(fd.lsb)).toString(16);
  if (fd.name === 'Code' && (csr === 'mcause' || csr === 'scause')) {
    const interrupt = (BigInt.asUintN(64, whole) >> 63n) === 1n;
    const name = (interrupt ? INTERRUPT_NAMES : EXCEPTION_NAMES)[Number(x)];
    return name ? `${x} (${name})` : String(x);
  }
  if (fd.name === 'Extensions') {
    let letters = '';
    for (let i = 0; i < 26; i++) if ((x >> BigInt(i)) & 1n) letters += String.fromCharCode(65 + i);
    return `0x${x.toString(16)} (${letters})`;
  }
  if (/^pmp\d+cfg$/.test(fd.name)) {
    const b = Number(x);
    const flags = [b & 0x80 ? 'L' : '', PMP_A[(b >> 3) & 3], b & 4 ? 'X' : '', b & 2 ? 'W' : '', b & 1 ? 'R' : '']
      .filter((s) => s !== '').join(' ');
    return `0x${b.toString(16).padStart(2, '0')} (${flags})`;
  }
  return fd.width > 8 ? '0x' + x.toString(16) : String(x);
}

/** Parses a field value as written by the user: a number or one of the field's value names ("M", "Vectored"). */
export function parseFieldValue(fd: CsrField, text: string): bigint | undefined {
  const t = text.trim().replace(/\s*\(.*\)$/, '');
  if (fd.values) {
    for (const [k, name] of Object.entries(fd.values)) if (name.toLowerCase() === t.toLowerCase()) return BigInt(k);
  }
  if (!/^(0[xX][0-9a-fA-F]+|0[bB][01]+|\d+)$/.test(t)) return undefined;
  const v = BigInt(t);
  const raw = fd.address ? v >> BigInt(fd.lsb) : v;
  return raw < (1n << BigInt(fd.width)) ? raw : undefined;
}
