// Zicsr, Zifencei and privileged-instruction semantics (unprivileged §9, §6; privileged §3.3, §10.2.1), with the
// H extension's rules for V=1: VS CSRs in place of S CSRs and virtual-instruction exceptions (Priv §13.6.1).
import { CsrCheck, csrCheck, csrRead, csrTarget, csrWrite } from '../csr-file';
import type { Hart } from '../hart';
import { RESULT } from '../int64';
import type { Handler, Op } from '../op';
import {
  HSTATUS_VTSR, HSTATUS_VTVM, HSTATUS_VTW, MIP_SEIP, MSTATUS_TSR, MSTATUS_TVM, MSTATUS_TW, PRIV_M, PRIV_S, PRIV_U,
} from '../privilege';
import { mret, sret, wakesFromWfi } from '../traps';
import { illegal, virtualInstruction } from './common';

const enum CsrOp { Write, Set, Clear }

function csr(op: CsrOp, immediate: boolean): Handler {
  return (h: Hart, d: Op) => {
    const srcLo = immediate ? d.imm : h.lo[d.rs1];
    const srcHi = immediate ? 0 : h.hi[d.rs1];
    // csrrw with rd=x0 does not read; csrrs/c with rs1=x0 (or uimm=0) do not write (Unpriv §9.1).
    const doWrite = op === CsrOp.Write || (immediate ? d.imm !== 0 : d.rs1 !== 0);
    const doRead = op !== CsrOp.Write || d.rd !== 0;
    const check = csrCheck(h, d.csr, doWrite);
    if (check !== CsrCheck.Ok) { if (check === CsrCheck.Virtual) virtualInstruction(h, d); else illegal(h, d); return; }
    const addr = csrTarget(h, d.csr);
    let oldLo = 0, oldHi = 0;
    if (doRead) { oldLo = csrRead(h, addr); oldHi = RESULT.hi; }
    if (doWrite) {
      let nl = srcLo, nh = srcHi;
      // csrrs/csrrc on mip see only the software-writable SEIP bit, not the PLIC line (Priv §3.1.9).
      const baseLo = addr === 0x344 ? (oldLo & ~MIP_SEIP) | (h.mipSoftware & MIP_SEIP) : oldLo;
      if (op === CsrOp.Set) { nl = baseLo | srcLo; nh = oldHi | srcHi; }
      else if (op === CsrOp.Clear) { nl = baseLo & ~srcLo; nh = oldHi & ~srcHi; }
      csrWrite(h, addr, nl, nh, h.fx);
    }
    if (doRead) { h.lo[d.rd] = oldLo; h.hi[d.rd] = oldHi; }
  };
}

export const SYSTEM_HANDLERS: Record<string, Handler> = {
  csrrw: csr(CsrOp.Write, false),
  csrrs: csr(CsrOp.Set, false),
  csrrc: csr(CsrOp.Clear, false),
  csrrwi: csr(CsrOp.Write, true),
  csrrsi: csr(CsrOp.Set, true),
  csrrci: csr(CsrOp.Clear, true),
  'fence.i': (h) => h.env.fenceI(h.id),
  // mret is not HS-qualified: illegal in every mode but M, VS and VU included.
  mret: (h, d) => {
    if (h.priv !== PRIV_M) { illegal(h, d); return; }
    mret(h, h.fx);
  },
  sret: (h, d) => {
    if (h.virt) {
      // VU: a supervisor instruction; VS with hstatus.VTSR: trapped for the hypervisor (Priv §13.2.1, §13.6.1).
      if (h.priv === PRIV_U || (h.csrLo[0x600] & HSTATUS_VTSR) !== 0) { virtualInstruction(h, d); return; }
    } else if (h.priv === PRIV_U || (h.priv === PRIV_S && (h.mstatus & MSTATUS_TSR) !== 0)) {
      illegal(h, d);
      return;
    }
    sret(h, h.fx);
  },
  wfi: (h, d) => {
    if (h.priv !== PRIV_M) {
      // TW traps every mode but M (Priv §3.1.6.5, §13.4.1); U-mode always traps (S-mode exists).
      if ((h.mstatus & MSTATUS_TW) !== 0 || (!h.virt && h.priv === PRIV_U)) { illegal(h, d); return; }
      // VU always, VS with hstatus.VTW: virtual instruction (Priv §13.6.1; this hart traps at once).
      if (h.virt && (h.priv === PRIV_U || (h.csrLo[0x600] & HSTATUS_VTW) !== 0)) { virtualInstruction(h, d); return; }
    }
    if (!wakesFromWfi(h)) h.waitingForInterrupt = true;
  },
  'sfence.vma': (h, d) => {
    if (h.virt) {
      if (h.priv === PRIV_U || (h.csrLo[0x600] & HSTATUS_VTVM) !== 0) { virtualInstruction(h, d); return; }
    } else if (h.priv === PRIV_U || (h.priv === PRIV_S && (h.mstatus & MSTATUS_TVM) !== 0)) {
      illegal(h, d);
      return;
    }
    // With rs1 = x0 every translation goes; with an address, only that page's (the TLB has no ASID tags,
    // so an ASID argument cannot narrow it further). At V=1 the TLB holds only this guest's translations.
    if (d.rs1 === 0) h.fx.translationChanged(h);
    else h.fx.pageChanged(h, h.lo[d.rs1], h.hi[d.rs1]);
  },
};
