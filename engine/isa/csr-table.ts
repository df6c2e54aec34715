// The CSR table: every standard CSR's address, name and privilege; write masks and WARL rules for the
// ones this hart implements (privileged spec §2 "CSR Listing", §3 machine, §10 supervisor, §13 hypervisor).
// Rows without an implementation (impl false) name the other standard CSRs GNU objdump knows, for the disassembler
// and the debugger's descriptions; accessing them raises illegal-instruction. Besides Unpriv and Priv, rows cite the
// vector spec (RVV 1.0), the scalar crypto spec (Zkr), the Advanced Interrupt Architecture 1.0 (AIA) and the debug spec.

export type CsrPrivilege = 'U' | 'S' | 'H' | 'M' | 'D';

export interface CsrDef {
  readonly addr: number;
  readonly name: string;
  readonly priv: CsrPrivilege;
  /** Bits 11:10 = 0b11 mark a read-only CSR (Priv §2.1). */
  readonly readOnly: boolean;
  readonly summary: string;
  readonly spec: string;
  /** Implemented by the hart; unimplemented CSRs raise illegal-instruction. */
  readonly implemented: boolean;
  /** Bits software can write (the rest are read-only or WARL-fixed); absent = handled by the CSR's own rule. */
  readonly writeMask?: bigint;
  /** How illegal writes are legalized, when more than the mask. */
  readonly warl?: string;
}

type Row = [addr: number, name: string, summary: string, spec: string, impl?: { mask?: bigint; warl?: string } | false];

const S_INT = (1n << 1n) | (1n << 5n) | (1n << 9n); // SSIP, STIP, SEIP
const VS_INT = (1n << 2n) | (1n << 6n) | (1n << 10n); // VSSIP, VSTIP, VSEIP
const SGEI = 1n << 12n;
const MIP_VSSIP = 1n << 2n;
/** SIE MIE SPIE MPIE SPP MPP MPRV SUM MXR TVM TW TSR, and the H extension's GVA (38) and MPV (39). */
const M_STATUS_MASK = 0x7e19aan | (3n << 38n);
const S_STATUS_MASK = 0xc0122n; // SIE SPIE SPP SUM MXR
/** hstatus GVA SPV SPVP HU VGEIN VTVM VTW VTSR. */
const H_STATUS_MASK = (1n << 6n) | (1n << 7n) | (1n << 8n) | (1n << 9n) | (0x3fn << 12n) | (7n << 20n);

const ROWS: Row[] = [
  // Unprivileged floating-point CSRs (F is not implemented: named for the disassembler only)
  [0x001, 'fflags', 'Floating-point accrued exceptions', 'Unpriv §11.2', false],
  [0x002, 'frm', 'Floating-point dynamic rounding mode', 'Unpriv §11.2', false],
  [0x003, 'fcsr', 'Floating-point control and status', 'Unpriv §11.2', false],
  // Vector CSRs (V is not implemented: named for the disassembler only; RVV 1.0 §3)
  [0x008, 'vstart', 'Vector start element index', 'V spec §3.7', false],
  [0x009, 'vxsat', 'Vector fixed-point saturation flag', 'V spec §3.9', false],
  [0x00a, 'vxrm', 'Vector fixed-point rounding mode', 'V spec §3.8', false],
  [0x00f, 'vcsr', 'Vector control and status (vxrm and vxsat)', 'V spec §3.10', false],
  [0xc20, 'vl', 'Vector length', 'V spec §3.5', false],
  [0xc21, 'vtype', 'Vector data type', 'V spec §3.4', false],
  [0xc22, 'vlenb', 'Vector register length in bytes (VLEN/8)', 'V spec §3.6', false],
  // Entropy source (Zkr is not implemented)
  [0x015, 'seed', 'Entropy source (Zkr)', 'Scalar crypto spec §4.1', false],
  // Unprivileged counters
  [0xc00, 'cycle', 'Cycle counter (read-only shadow of mcycle)', 'Unpriv §10.1; Priv §3.1.11', {}],
  [0xc01, 'time', 'Real-time counter (CLINT mtime)', 'Unpriv §10.1', {}],
  [0xc02, 'instret', 'Instructions retired (read-only shadow of minstret)', 'Unpriv §10.1', {}],
  [0xc80, 'cycleh', 'Upper 32 bits of cycle (RV32 only)', 'Unpriv §10.1', false],
  [0xc81, 'timeh', 'Upper 32 bits of time (RV32 only)', 'Unpriv §10.1', false],
  [0xc82, 'instreth', 'Upper 32 bits of instret (RV32 only)', 'Unpriv §10.1', false],
  // Supervisor
  [0x100, 'sstatus', 'Supervisor status: a restricted view of mstatus', 'Priv §10.1.1', { mask: S_STATUS_MASK }],
  [0x104, 'sie', 'Supervisor interrupt enable: view of mie through mideleg', 'Priv §10.1.3', { mask: S_INT }],
  [0x105, 'stvec', 'Supervisor trap vector base and mode', 'Priv §10.1.2', { warl: 'MODE 0 (direct) or 1 (vectored); a write with MODE ≥ 2 is ignored, as QEMU does' }],
  [0x106, 'scounteren', 'Supervisor counter enable', 'Priv §10.1.5', { mask: 0xffffffffn }],
  [0x10a, 'senvcfg', 'Supervisor environment configuration', 'Priv §10.1.10', { mask: 0x1n }],
  [0x140, 'sscratch', 'Supervisor scratch', 'Priv §10.1.6', { mask: -1n }],
  [0x141, 'sepc', 'Supervisor exception pc', 'Priv §10.1.7', { mask: -2n, warl: 'bit 0 reads as zero' }],
  [0x142, 'scause', 'Supervisor trap cause', 'Priv §10.1.8', { mask: -1n }],
  [0x143, 'stval', 'Supervisor trap value', 'Priv §10.1.9', { mask: -1n }],
  [0x144, 'sip', 'Supervisor interrupt pending: view of mip through mideleg', 'Priv §10.1.3', { mask: 1n << 1n }],
  [0x14d, 'stimecmp', 'Supervisor timer compare (Sstc): STIP = time ≥ stimecmp while menvcfg.STCE', 'Sstc §1', { mask: -1n }],
  [0x180, 'satp', 'Supervisor address translation and protection', 'Priv §10.1.11', { warl: 'MODE Bare, Sv39 or Sv48; a write with another MODE has no effect' }],
  // Supervisor CSRs of extensions this hart lacks (AIA, Sstc's RV32 half, Sscofpmf): named for the disassembler only
  [0x114, 'sieh', 'Upper 32 bits of sie (AIA, RV32 only)', 'AIA §2.2', false],
  [0x150, 'siselect', 'Supervisor indirect register select (AIA)', 'AIA §2.2', false],
  [0x151, 'sireg', 'Supervisor indirect register alias (AIA)', 'AIA §2.2', false],
  [0x154, 'siph', 'Upper 32 bits of sip (AIA, RV32 only)', 'AIA §2.2', false],
  [0x15c, 'stopei', 'Supervisor top external interrupt (AIA, with an IMSIC)', 'AIA §2.2', false],
  [0x15d, 'stimecmph', 'Upper 32 bits of stimecmp (Sstc, RV32 only)', 'Sstc §1', false],
  [0xda0, 'scountovf', 'Supervisor count overflow: read-only shadow of the mhpmevent OF bits (Sscofpmf)', 'Priv §12.2', false],
  [0xdb0, 'stopi', 'Supervisor top interrupt (AIA)', 'AIA §2.2', false],
  [0x5a8, 'scontext', 'Supervisor context (debug)', 'Debug spec §5.7', false],
  // Hypervisor and virtual supervisor (Priv §13.2). H and VS CSRs are accessible from HS-mode and M-mode; from
  // VS/VU they raise virtual-instruction exceptions (§13.6.1). Rules beyond the masks live in engine/cpu/csr-file.ts.
  [0x600, 'hstatus', 'Hypervisor status: VS-mode trap behaviour (SPV, SPVP, GVA, HU, VTVM, VTW, VTSR, VGEIN)', 'Priv §13.2.1',
    { mask: H_STATUS_MASK, warl: 'VSXL reads 2 (VSXLEN = 64) and VSBE 0 (little-endian); VGEIN holds 0..GEILEN, larger values are stored as 0' }],
  [0x602, 'hedeleg', 'Hypervisor exception delegation (to VS-mode)', 'Priv §13.2.2',
    { mask: 0xb1ffn, warl: 'causes 9, 10, 11 and 20–23 are read-only zero (Table "Bits of hedeleg that must be writable or must be read-only zero")' }],
  [0x603, 'hideleg', 'Hypervisor interrupt delegation (to VS-mode)', 'Priv §13.2.2', { mask: VS_INT, warl: 'only VSSI, VSTI, VSEI (bits 2, 6, 10) are writable' }],
  [0x604, 'hie', 'Hypervisor interrupt enable: the VS-level and guest-external bits of mie', 'Priv §13.2.3', { mask: VS_INT | SGEI, warl: 'SGEIE is read-only zero while GEILEN = 0' }],
  [0x605, 'htimedelta', 'Delta of VS/VU time from real time', 'Priv §13.2.7', { mask: -1n }],
  [0x606, 'hcounteren', 'Hypervisor counter enable (VS/VU access to cycle, time, instret, hpmcounters)', 'Priv §13.2.6', { mask: 0xffffffffn }],
  [0x607, 'hgeie', 'Hypervisor guest external interrupt enable', 'Priv §13.2.4', { mask: 0xfffffffen, warl: 'bits GEILEN:1 are writable (none on the virt board)' }],
  [0x60a, 'henvcfg', 'Hypervisor environment configuration (FIOM, STCE)', 'Priv §13.2.5; Sstc', { mask: 0x8000000000000001n, warl: 'STCE is writable only while menvcfg.STCE is 1 and reads as zero while menvcfg.STCE is 0; PBMTE, ADUE zero' }],
  [0x643, 'htval', 'Hypervisor trap value (guest physical address >> 2)', 'Priv §13.2.8', { mask: -1n }],
  [0x644, 'hip', 'Hypervisor interrupt pending: the VS-level and guest-external bits of mip', 'Priv §13.2.3', { mask: MIP_VSSIP, warl: 'only VSSIP (an alias of hvip.VSSIP) is writable' }],
  [0x645, 'hvip', 'Hypervisor virtual interrupt pending: injects VS-level interrupts', 'Priv §13.2.3', { mask: VS_INT }],
  [0x64a, 'htinst', 'Hypervisor trap instruction (transformed instruction or pseudoinstruction)', 'Priv §13.2.9', { mask: -1n }],
  [0x680, 'hgatp', 'Hypervisor guest address translation and protection (G-stage: Bare, Sv39x4, Sv48x4)', 'Priv §13.2.10',
    { warl: 'MODE Bare, Sv39x4 or Sv48x4; another MODE is legalized to Bare with zero PPN and VMID; PPN[1:0] read as zero; VMIDLEN = 14' }],
  [0x6a8, 'hcontext', 'Hypervisor context (debug)', 'Debug spec §5.7', false],
  [0xe12, 'hgeip', 'Hypervisor guest external interrupt pending (read-only)', 'Priv §13.2.4', {}],
  // Hypervisor CSRs of AIA and the RV32 high halves (not implemented)
  [0x608, 'hvien', 'Hypervisor virtual interrupt enables (AIA)', 'AIA §2.3', false],
  [0x609, 'hvictl', 'Hypervisor virtual interrupt control (AIA)', 'AIA §2.3', false],
  [0x613, 'hidelegh', 'Upper 32 bits of hideleg (AIA, RV32 only)', 'AIA §2.3', false],
  [0x615, 'htimedeltah', 'Upper 32 bits of htimedelta (RV32 only)', 'Priv §13.2.7', false],
  [0x618, 'hvienh', 'Upper 32 bits of hvien (AIA, RV32 only)', 'AIA §2.3', false],
  [0x61a, 'henvcfgh', 'Upper 32 bits of henvcfg (RV32 only)', 'Priv §13.2.5', false],
  [0x646, 'hviprio1', 'Hypervisor VS-level interrupt priorities 1 (AIA)', 'AIA §2.3', false],
  [0x647, 'hviprio2', 'Hypervisor VS-level interrupt priorities 2 (AIA)', 'AIA §2.3', false],
  [0x655, 'hviph', 'Upper 32 bits of hvip (AIA, RV32 only)', 'AIA §2.3', false],
  [0x656, 'hviprio1h', 'Upper 32 bits of hviprio1 (AIA, RV32 only)', 'AIA §2.3', false],
  [0x657, 'hviprio2h', 'Upper 32 bits of hviprio2 (AIA, RV32 only)', 'AIA §2.3', false],
  [0x200, 'vsstatus', 'Virtual supervisor status: sstatus while V=1', 'Priv §13.2.11', { mask: S_STATUS_MASK }],
  [0x204, 'vsie', 'Virtual supervisor interrupt enable: sie while V=1 (VS bits of hie through hideleg, shifted)', 'Priv §13.2.12', { mask: S_INT }],
  [0x205, 'vstvec', 'Virtual supervisor trap vector', 'Priv §13.2.13', { warl: 'MODE 0 (direct) or 1 (vectored); a write with MODE ≥ 2 is ignored' }],
  [0x240, 'vsscratch', 'Virtual supervisor scratch', 'Priv §13.2.14', { mask: -1n }],
  [0x241, 'vsepc', 'Virtual supervisor exception pc', 'Priv §13.2.15', { mask: -2n, warl: 'bit 0 reads as zero' }],
  [0x242, 'vscause', 'Virtual supervisor trap cause', 'Priv §13.2.16', { mask: -1n }],
  [0x243, 'vstval', 'Virtual supervisor trap value', 'Priv §13.2.17', { mask: -1n }],
  [0x244, 'vsip', 'Virtual supervisor interrupt pending: sip while V=1 (VS bits of hip through hideleg, shifted)', 'Priv §13.2.12', { mask: 1n << 1n }],
  [0x24d, 'vstimecmp', 'Virtual supervisor timer compare (Sstc): VSTIP |= time + htimedelta ≥ vstimecmp while henvcfg.STCE; stimecmp while V=1', 'Sstc; Priv §13.2.3', { mask: -1n }],
  [0x280, 'vsatp', 'Virtual supervisor address translation: satp while V=1 (VS-stage)', 'Priv §13.2.18', { warl: 'MODE Bare, Sv39 or Sv48; a write with another MODE has no effect' }],
  // Virtual supervisor CSRs of AIA and the RV32 high halves (not implemented)
  [0x214, 'vsieh', 'Upper 32 bits of vsie (AIA, RV32 only)', 'AIA §2.3', false],
  [0x250, 'vsiselect', 'Virtual supervisor indirect register select (AIA)', 'AIA §2.3', false],
  [0x251, 'vsireg', 'Virtual supervisor indirect register alias (AIA)', 'AIA §2.3', false],
  [0x254, 'vsiph', 'Upper 32 bits of vsip (AIA, RV32 only)', 'AIA §2.3', false],
  [0x25c, 'vstopei', 'Virtual supervisor top external interrupt (AIA, with an IMSIC)', 'AIA §2.3', false],
  [0x25d, 'vstimecmph', 'Upper 32 bits of vstimecmp (Sstc, RV32 only)', 'Sstc §1', false],
  [0xeb0, 'vstopi', 'Virtual supervisor top interrupt (AIA)', 'AIA §2.3', false],
  // Machine information
  [0xf11, 'mvendorid', 'Vendor ID (0: non-commercial)', 'Priv §3.1.2', {}],
  [0xf12, 'marchid', 'Architecture ID', 'Priv §3.1.3', {}],
  [0xf13, 'mimpid', 'Implementation ID', 'Priv §3.1.4', {}],
  [0xf14, 'mhartid', 'Hart ID', 'Priv §3.1.5', {}],
  [0xf15, 'mconfigptr', 'Pointer to configuration data structure (0: none)', 'Priv §3.1.17', {}],
  // Machine trap setup and handling
  [0x300, 'mstatus', 'Machine status', 'Priv §3.1.6', { mask: M_STATUS_MASK, warl: 'MPP keeps its old value when written with the reserved value 2' }],
  [0x301, 'misa', 'ISA and extensions (read-only here: RV64IMACHSU)', 'Priv §3.1.1', { mask: 0n }],
  [0x302, 'medeleg', 'Machine exception delegation', 'Priv §3.1.8, §13.6.2',
    { mask: 0xf0b7ffn, warl: 'ecall-from-M (11) and reserved causes are not delegable; ecall from VS (10), guest-page faults (20, 21, 23) and virtual instruction (22) are' }],
  [0x303, 'mideleg', 'Machine interrupt delegation', 'Priv §3.1.8, §13.4.2',
    { mask: S_INT, warl: 'VSSI, VSTI, VSEI (bits 2, 6, 10) are read-only one, and SGEI (12) too when GEILEN > 0' }],
  [0x304, 'mie', 'Machine interrupt enable', 'Priv §3.1.9, §13.4.3', { mask: 0xaaan | VS_INT | SGEI, warl: 'SGEIE is read-only zero while GEILEN = 0' }],
  [0x305, 'mtvec', 'Machine trap vector base and mode', 'Priv §3.1.7', { warl: 'MODE 0 (direct) or 1 (vectored); a write with MODE ≥ 2 is ignored, as QEMU does' }],
  [0x306, 'mcounteren', 'Machine counter enable', 'Priv §3.1.11', { mask: 0xffffffffn }],
  [0x30a, 'menvcfg', 'Machine environment configuration (FIOM, STCE)', 'Priv §3.1.18', { mask: 0x8000000000000001n }],
  [0x320, 'mcountinhibit', 'Machine counter inhibit (CY, IR)', 'Priv §3.1.12', { mask: 0x5n }],
  [0x340, 'mscratch', 'Machine scratch', 'Priv §3.1.13', { mask: -1n }],
  [0x341, 'mepc', 'Machine exception pc', 'Priv §3.1.14', { mask: -2n, warl: 'bit 0 reads as zero' }],
  [0x342, 'mcause', 'Machine trap cause', 'Priv §3.1.15', { mask: -1n }],
  [0x343, 'mtval', 'Machine trap value', 'Priv §3.1.16', { mask: -1n }],
  [0x344, 'mip', 'Machine interrupt pending', 'Priv §3.1.9, §13.4.3',
    { mask: S_INT | MIP_VSSIP, warl: 'MSIP, MTIP, MEIP follow the CLINT and PLIC lines; VSTIP, VSEIP, SGEIP follow hvip and hgeip' }],
  [0x34a, 'mtinst', 'Machine trap instruction (H extension)', 'Priv §13.4.5', { mask: -1n }],
  [0x34b, 'mtval2', 'Machine second trap value: guest physical address >> 2 (H extension)', 'Priv §13.4.4', { mask: -1n }],
  [0x747, 'mseccfg', 'Machine security configuration', 'Priv §3.1.21', false],
  // Machine CSRs of AIA and the RV32 high halves (not implemented)
  [0x310, 'mstatush', 'Upper 32 bits of mstatus (RV32 only)', 'Priv §3.1.6', false],
  [0x31a, 'menvcfgh', 'Upper 32 bits of menvcfg (RV32 only)', 'Priv §3.1.18', false],
  [0x757, 'mseccfgh', 'Upper 32 bits of mseccfg (RV32 only)', 'Priv §3.1.19', false],
  [0x308, 'mvien', 'Machine virtual interrupt enables (AIA)', 'AIA §2.1', false],
  [0x309, 'mvip', 'Machine virtual interrupt-pending bits (AIA)', 'AIA §2.1', false],
  [0x313, 'midelegh', 'Upper 32 bits of mideleg (AIA, RV32 only)', 'AIA §2.1', false],
  [0x314, 'mieh', 'Upper 32 bits of mie (AIA, RV32 only)', 'AIA §2.1', false],
  [0x318, 'mvienh', 'Upper 32 bits of mvien (AIA, RV32 only)', 'AIA §2.1', false],
  [0x319, 'mviph', 'Upper 32 bits of mvip (AIA, RV32 only)', 'AIA §2.1', false],
  [0x350, 'miselect', 'Machine indirect register select (AIA)', 'AIA §2.1', false],
  [0x351, 'mireg', 'Machine indirect register alias (AIA)', 'AIA §2.1', false],
  [0x354, 'miph', 'Upper 32 bits of mip (AIA, RV32 only)', 'AIA §2.1', false],
  [0x35c, 'mtopei', 'Machine top external interrupt (AIA, with an IMSIC)', 'AIA §2.1', false],
  [0xfb0, 'mtopi', 'Machine top interrupt (AIA)', 'AIA §2.1', false],
  // Machine counters
  [0xb00, 'mcycle', 'Machine cycle counter', 'Priv §3.1.11', { mask: -1n }],
  [0xb02, 'minstret', 'Machine instructions-retired counter', 'Priv §3.1.11', { mask: -1n }],
  [0xb80, 'mcycleh', 'Upper 32 bits of mcycle (RV32 only)', 'Priv §3.1.10', false],
  [0xb82, 'minstreth', 'Upper 32 bits of minstret (RV32 only)', 'Priv §3.1.10', false],
  // Debug and trigger CSRs (not implemented)
  [0x7a0, 'tselect', 'Debug/trace trigger select', 'Debug spec §5.7', false],
  [0x7a1, 'tdata1', 'Trigger data 1', 'Debug spec §5.7', false],
  [0x7a2, 'tdata2', 'Trigger data 2', 'Debug spec §5.7', false],
  [0x7a3, 'tdata3', 'Trigger data 3', 'Debug spec §5.7', false],
  [0x7a4, 'tinfo', 'Trigger info: the types the selected trigger supports', 'Debug spec §5.7', false],
  [0x7a5, 'tcontrol', 'Trigger control (M-mode trigger enable and its previous value)', 'Debug spec §5.7', false],
  [0x7a8, 'mcontext', 'Machine context (debug)', 'Debug spec §5.7', false],
  [0x7aa, 'mscontext', 'Machine-mode alias of scontext at its pre-1.0 address (debug)', 'Debug spec §5.7', false],
  [0x7b0, 'dcsr', 'Debug control and status', 'Debug spec §4.9', false],
  [0x7b1, 'dpc', 'Debug pc', 'Debug spec §4.9', false],
  [0x7b2, 'dscratch0', 'Debug scratch 0', 'Debug spec §4.9', false],
  [0x7b3, 'dscratch1', 'Debug scratch 1', 'Debug spec §4.9', false],
];

// Families: PMP (16 entries; RV64 has only the even pmpcfg registers), HPM counters and events (hardwired to 0).
const PMP_ENTRIES = 16;
for (let i = 0; i < 16; i++) {
  const impl = i % 2 === 0 && i < PMP_ENTRIES / 4 ? { warl: 'locked entries ignore writes; W=1,R=0 is reserved and is stored as 0' } : false;
  ROWS.push([0x3a0 + i, `pmpcfg${i}`, `PMP configuration of entries ${i * 4}–${i * 4 + 7 > 63 ? 63 : i * 4 + 7}`, 'Priv §3.7.1', impl]);
}
for (let i = 0; i < 64; i++) {
  ROWS.push([0x3b0 + i, `pmpaddr${i}`, `PMP address ${i} (physical address bits 55:2)`, 'Priv §3.7.1',
    i < PMP_ENTRIES ? { mask: (1n << 54n) - 1n, warl: 'locked entries ignore writes' } : false]);
}
for (let i = 3; i < 32; i++) {
  ROWS.push([0xc00 + i, `hpmcounter${i}`, `Hardware performance counter ${i} (hardwired to 0)`, 'Unpriv §10.3', {}]);
  ROWS.push([0xb00 + i, `mhpmcounter${i}`, `Machine performance counter ${i} (hardwired to 0)`, 'Priv §3.1.11', { mask: 0n }]);
  ROWS.push([0x320 + i, `mhpmevent${i}`, `Machine performance event selector ${i} (hardwired to 0)`, 'Priv §3.1.11', { mask: 0n }]);
}
// Not implemented: the RV32-only upper halves of the HPM counters and (Sscofpmf) event selectors, and the
// Smstateen state-enable registers (Priv §4.1), named for the disassembler only.
for (let i = 3; i < 32; i++) {
  ROWS.push([0xc80 + i, `hpmcounter${i}h`, `Upper 32 bits of hpmcounter${i} (RV32 only)`, 'Unpriv §10.2', false]);
  ROWS.push([0xb80 + i, `mhpmcounter${i}h`, `Upper 32 bits of mhpmcounter${i} (RV32 only)`, 'Priv §3.1.10', false]);
  ROWS.push([0x720 + i, `mhpmevent${i}h`, `Upper 32 bits of mhpmevent${i} (Sscofpmf, RV32 only)`, 'Priv §12.1', false]);
}
for (let i = 0; i < 4; i++) {
  ROWS.push([0x30c + i, `mstateen${i}`, `Machine state enable ${i}: access below M to extension state (Smstateen)`, 'Priv §4.1', false]);
  ROWS.push([0x31c + i, `mstateen${i}h`, `Upper 32 bits of mstateen${i} (Smstateen, RV32 only)`, 'Priv §4.1', false]);
  ROWS.push([0x10c + i, `sstateen${i}`, `Supervisor state enable ${i}: U/VU access to extension state (Smstateen)`, 'Priv §4.1', false]);
  ROWS.push([0x60c + i, `hstateen${i}`, `Hypervisor state enable ${i}: VS/VU access to extension state (Smstateen)`, 'Priv §4.1', false]);
  ROWS.push([0x61c + i, `hstateen${i}h`, `Upper 32 bits of hstateen${i} (Smstateen, RV32 only)`, 'Priv §4.1', false]);
}

function privOf(addr: number): CsrPrivilege {
  switch ((addr >> 8) & 3) {
    case 0: return 'U';
    case 1: return 'S';
    case 2: return 'H';
    default: return (addr & 0xff0) === 0x7b0 ? 'D' : 'M';
  }
}

export const CSRS: readonly CsrDef[] = ROWS.map(([addr, name, summary, spec, impl]) => ({
  addr, name, summary, spec,
  priv: privOf(addr),
  readOnly: ((addr >> 10) & 3) === 3,
  implemented: impl !== false && impl !== undefined,
  writeMask: impl ? impl.mask : undefined,
  warl: impl ? impl.warl : undefined,
}));

const BY_ADDR = new Map(CSRS.map((c) => [c.addr, c]));
const BY_NAME = new Map(CSRS.map((c) => [c.name, c]));

export function csrByAddress(addr: number): CsrDef | undefined {
  return BY_ADDR.get(addr);
}
export function csrByName(name: string): CsrDef | undefined {
  return BY_NAME.get(name);
}
/** Name as objdump prints it: the standard name, else hex. */
export function csrName(addr: number): string {
  return BY_ADDR.get(addr)?.name ?? `0x${addr.toString(16)}`;
}
