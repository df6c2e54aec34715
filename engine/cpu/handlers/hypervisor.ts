// The H extension's instructions (privileged spec §13.3): virtual-machine loads and stores (HLV, HLVX, HSV)
// and the hypervisor memory-management fences (HFENCE.VVMA, HFENCE.GVMA).
import type { Hart } from '../hart';
import type { Handler, Op } from '../op';
import { HSTATUS_HU, HSTATUS_SPVP, MSTATUS_TVM, PRIV_S, PRIV_U } from '../privilege';
import { illegal, setW, virtualInstruction } from './common';

/**
 * Guards of HLV/HLVX/HSV (Priv §13.3.1): a virtual-instruction exception when V=1, illegal in U-mode unless
 * hstatus.HU = 1. Returns false after raising.
 */
function mayAccessGuest(h: Hart, d: Op): boolean {
  if (h.virt) { virtualInstruction(h, d); return false; }
  if (h.priv === PRIV_U && (h.csrLo[0x600] & HSTATUS_HU) === 0) { illegal(h, d); return false; }
  return true;
}

/** The effective privilege of a virtual-machine access: VS when hstatus.SPVP = 1, else VU. */
const spvp = (h: Hart) => ((h.csrLo[0x600] & HSTATUS_SPVP) !== 0 ? 1 : 0);

/** HLV.{B,BU,H,HU,W,WU,D} and HLVX.{HU,WU}: a load at rs1 (no offset) as though V=1. */
function hlv(width: 1 | 2 | 4 | 8, signed: boolean, hlvx = false): Handler {
  return (h, d) => {
    if (!mayAccessGuest(h, d)) return;
    const m = h.mem;
    const v = m.guestLoad(h.lo[d.rs1], h.hi[d.rs1], width, spvp(h), hlvx);
    if (h.exc >= 0) return;
    switch (width) {
      case 1: setW(h, d.rd, signed ? (v << 24) >> 24 : v & 0xff); break;
      case 2: setW(h, d.rd, signed ? (v << 16) >> 16 : v & 0xffff); break;
      case 4: h.lo[d.rd] = v; h.hi[d.rd] = signed ? v >> 31 : 0; break;
      default: h.lo[d.rd] = v; h.hi[d.rd] = m.hiOut;
    }
  };
}

/** HSV.{B,H,W,D}: a store of rs2 at rs1 as though V=1. */
function hsv(width: 1 | 2 | 4 | 8): Handler {
  return (h, d) => {
    if (!mayAccessGuest(h, d)) return;
    h.mem.guestStore(h.lo[d.rs1], h.hi[d.rs1], width, h.lo[d.rs2], width === 8 ? h.hi[d.rs2] : 0, spvp(h));
  };
}

/**
 * HFENCE.VVMA and HFENCE.GVMA (Priv §13.3.2): virtual instruction when V=1, illegal in U-mode, and GVMA also
 * illegal in HS-mode under mstatus.TVM. The TLBs hold only the current mode's translations (hart-memory.ts),
 * so neither can leave a stale guest translation behind; both flush everything, which the spec allows.
 */
function hfence(gvma: boolean): Handler {
  return (h, d) => {
    if (h.virt) { virtualInstruction(h, d); return; }
    if (h.priv === PRIV_U || (gvma && h.priv === PRIV_S && (h.mstatus & MSTATUS_TVM) !== 0)) { illegal(h, d); return; }
    h.fx.translationChanged(h);
  };
}

export const HYPERVISOR_HANDLERS: Record<string, Handler> = {
  'hfence.vvma': hfence(false),
  'hfence.gvma': hfence(true),
  'hlv.b': hlv(1, true), 'hlv.bu': hlv(1, false),
  'hlv.h': hlv(2, true), 'hlv.hu': hlv(2, false), 'hlvx.hu': hlv(2, false, true),
  'hlv.w': hlv(4, true), 'hlv.wu': hlv(4, false), 'hlvx.wu': hlv(4, false, true),
  'hlv.d': hlv(8, true),
  'hsv.b': hsv(1), 'hsv.h': hsv(2), 'hsv.w': hsv(4), 'hsv.d': hsv(8),
};
