// Privilege levels, trap causes and mstatus/mip/hstatus bit positions (privileged spec §1.2, §3.1.6, §3.1.9,
// Table 3.6; the H extension's additions from §13.2.1, §13.4.1 and §13.6.1).

export const PRIV_U = 0;
export const PRIV_S = 1;
export const PRIV_M = 3;
export type Privilege = 0 | 1 | 3;

export const PRIVILEGE_NAMES: Record<number, string> = { 0: 'U', 1: 'S', 3: 'M' };

/** The mode's name with the virtualization bit V (Priv §13.1, Table "Privilege modes with the hypervisor
 *  extension"): U, HS, M when V=0; VU, VS when V=1. */
export function modeName(priv: number, virt: boolean): string {
  if (virt) return priv === PRIV_S ? 'VS' : 'VU';
  return priv === PRIV_S ? 'HS' : PRIVILEGE_NAMES[priv] ?? '?';
}

/** Exception causes (Priv Table 3.6). */
export const enum Cause {
  InsnMisaligned = 0,
  InsnAccessFault = 1,
  IllegalInsn = 2,
  Breakpoint = 3,
  LoadMisaligned = 4,
  LoadAccessFault = 5,
  StoreMisaligned = 6,
  StoreAccessFault = 7,
  EcallFromU = 8,
  EcallFromS = 9,
  EcallFromVS = 10,
  EcallFromM = 11,
  InsnPageFault = 12,
  LoadPageFault = 13,
  StorePageFault = 15,
  InsnGuestPageFault = 20,
  LoadGuestPageFault = 21,
  VirtualInsn = 22,
  StoreGuestPageFault = 23,
}

export const EXCEPTION_NAMES: Record<number, string> = {
  0: 'instruction address misaligned', 1: 'instruction access fault', 2: 'illegal instruction', 3: 'breakpoint',
  4: 'load address misaligned', 5: 'load access fault', 6: 'store/AMO address misaligned', 7: 'store/AMO access fault',
  8: 'environment call from U-mode', 9: 'environment call from S-mode', 10: 'environment call from VS-mode',
  11: 'environment call from M-mode', 12: 'instruction page fault', 13: 'load page fault', 15: 'store/AMO page fault',
  20: 'instruction guest-page fault', 21: 'load guest-page fault', 22: 'virtual instruction',
  23: 'store/AMO guest-page fault',
};

export const INTERRUPT_NAMES: Record<number, string> = {
  1: 'supervisor software interrupt', 2: 'virtual supervisor software interrupt', 3: 'machine software interrupt',
  5: 'supervisor timer interrupt', 6: 'virtual supervisor timer interrupt', 7: 'machine timer interrupt',
  9: 'supervisor external interrupt', 10: 'virtual supervisor external interrupt', 11: 'machine external interrupt',
  12: 'supervisor guest external interrupt',
};

// mip/mie bits
export const MIP_SSIP = 1 << 1;
export const MIP_MSIP = 1 << 3;
export const MIP_STIP = 1 << 5;
export const MIP_MTIP = 1 << 7;
export const MIP_SEIP = 1 << 9;
export const MIP_MEIP = 1 << 11;
// The H extension's interrupts (Priv §13.2.3, §13.4.3): VS-level software, timer, external; HS-level guest external.
export const MIP_VSSIP = 1 << 2;
export const MIP_VSTIP = 1 << 6;
export const MIP_VSEIP = 1 << 10;
export const MIP_SGEIP = 1 << 12;
/** The S-level interrupts (what sip/sie show of mip/mie). */
export const S_INTERRUPTS = MIP_SSIP | MIP_STIP | MIP_SEIP;
/** The VS-level interrupts: always delegated past M (mideleg bits read-only one, Priv §13.4.2). */
export const VS_INTERRUPTS = MIP_VSSIP | MIP_VSTIP | MIP_VSEIP;

/** Interrupt priority order for simultaneous pending interrupts (Priv §3.1.9, with §13.2.3's additions):
 *  MEI, MSI, MTI, SEI, SSI, STI, SGEI, VSEI, VSSI, VSTI. */
export const INTERRUPT_PRIORITY: readonly number[] = [11, 3, 7, 9, 1, 5, 12, 10, 2, 6];

// mstatus fields (low word)
export const MSTATUS_SIE = 1 << 1;
export const MSTATUS_MIE = 1 << 3;
export const MSTATUS_SPIE = 1 << 5;
export const MSTATUS_MPIE = 1 << 7;
export const MSTATUS_SPP = 1 << 8;
export const MSTATUS_MPP_SHIFT = 11;
export const MSTATUS_MPP = 3 << 11;
export const MSTATUS_MPRV = 1 << 17;
export const MSTATUS_SUM = 1 << 18;
export const MSTATUS_MXR = 1 << 19;
export const MSTATUS_TVM = 1 << 20;
export const MSTATUS_TW = 1 << 21;
export const MSTATUS_TSR = 1 << 22;
/** High word of mstatus: UXL = SXL = 2 (64-bit), read-only (Priv §3.1.6.2). */
export const MSTATUS_HI_XLEN64 = (2 << 0) | (2 << 2);
// mstatus high word, H extension (Priv §13.4.1): GVA (bit 38) and MPV (bit 39).
export const MSTATUSH_GVA = 1 << 6;
export const MSTATUSH_MPV = 1 << 7;

// hstatus fields (Priv §13.2.1); VSXL (bits 33:32) is read-only 2 (VSXLEN = 64) and lives in the high word.
export const HSTATUS_VSBE = 1 << 5;
export const HSTATUS_GVA = 1 << 6;
export const HSTATUS_SPV = 1 << 7;
export const HSTATUS_SPVP = 1 << 8;
export const HSTATUS_HU = 1 << 9;
export const HSTATUS_VGEIN_SHIFT = 12;
export const HSTATUS_VGEIN = 0x3f << 12;
export const HSTATUS_VTVM = 1 << 20;
export const HSTATUS_VTW = 1 << 21;
export const HSTATUS_VTSR = 1 << 22;
export const HSTATUS_HI_VSXL64 = 2;
