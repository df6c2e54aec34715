// Ringside's hardware-assisted VMM (`--mode hw`): HS-mode software, written in TypeScript the way the built-in
// firmware is, that runs an S-mode kernel as a VS-mode guest on the H extension (Priv ch. 13), as KVM does.
// It is entered only by real traps from V=1 into HS (VM exits), handles each, and resumes the guest with sret.
//
// - Memory: guest RAM is guest-physical [0x8000_0000, +size), mapped 1:1 onto host RAM by a G-stage table
//   (Sv39x4) filled lazily, one 2 MiB megapage per first touch (a 'guest-page-fault' exit). The VMM's own
//   area (the tables) lies above guest RAM, where the G stage maps nothing.
// - Devices: every device region stays unmapped, so a guest access faults (cause 21/23) and the VMM decodes the
//   faulting instruction (fetched through both stages, as with HLVX) and emulates it on a VirtualBoard.
// - SBI: ecalls from VS (cause 10) are hypercalls answered by the shared SBI implementation (sbi-calls.ts).
// - Timer: the guest's timer (SBI set_timer, or stimecmp, which traps because henvcfg.STCE = 0) is the VMM's
//   own Sstc timer; its interrupt is an 'interrupt' exit that injects hvip.VSTIP. IPIs and the virtual PLIC
//   inject hvip.VSSIP / hvip.VSEIP directly.
// - wfi (hstatus.VTW = 1) is a 'wfi' exit: the vCPU sleeps until an interrupt for it is pending.
// - vCPU n is host hart n; HSM hart_start asks the firmware for the host hart, then enters the guest there.
import { Hart, NO_TRAP } from '../cpu/hart';
import { pcFromPair } from '../cpu/int64';
import {
  HSTATUS_SPV, HSTATUS_SPVP, HSTATUS_VTSR, HSTATUS_VTVM, HSTATUS_VTW, MIP_VSSIP, MIP_VSTIP, MSTATUS_SPP, PRIV_M, PRIV_S,
} from '../cpu/privilege';
import { recordSupervisorTrap, sret } from '../cpu/traps';
import { Ram } from '../devices/ram';
import { handleSbiCall, SbiCall, SbiHost, sbiCallName } from '../firmware/sbi-calls';
import { HartState } from '../firmware/sbi-constants';
import { csrName } from '../isa/csr-table';
import { instructionByMnemonic } from '../isa/instructions';
import { disassemble } from '../isa/disassembler';
import type { Machine } from '../machine';
import { ExitStream } from './exit-stream';
import { GStageTable, MEGAPAGE } from './g-stage';
import { csrOpOf, memoryAccessOf } from './guest-access';
import { VirtualBoard } from './virtual-board';
import { PrivilegeView, VmExit, VmExitDetails, VmExitReason } from './vm-exit';

/** Host RAM above guest RAM that belongs to the VMM (its G-stage tables). */
export const HW_VMM_RESERVE = 2 * 1024 * 1024;

const TWO32 = 4294967296;
const CSR_STIMECMP = 0x14d;
/** wfi has no operands: its encoding is the table row's match value. */
const WFI = instructionByMnemonic('wfi')!.match;
const ECALL = instructionByMnemonic('ecall')!.match;
const INTERRUPT_NAMES: Record<number, string> = { 1: 'supervisor software', 5: 'supervisor timer', 9: 'supervisor external' };
const EXCEPTION_NAMES: Record<number, string> = {
  0: 'instruction address misaligned', 1: 'instruction access fault', 2: 'illegal instruction', 3: 'breakpoint',
  4: 'load address misaligned', 5: 'load access fault', 6: 'store/AMO address misaligned', 7: 'store/AMO access fault',
  8: 'environment call from U-mode', 12: 'instruction page fault', 13: 'load page fault', 15: 'store/AMO page fault',
  20: 'instruction guest-page fault', 21: 'load guest-page fault', 22: 'virtual instruction', 23: 'store/AMO guest-page fault',
};
/** Guest exceptions the guest kernel handles itself, without an exit (hedeleg, as KVM sets it): misaligned fetch,
 *  breakpoint, ecall from VU, page faults. The rest reach HS (some through the firmware) and are forwarded. */
const HEDELEG = (1 << 0) | (1 << 3) | (1 << 8) | (1 << 12) | (1 << 13) | (1 << 15);
/** VS-level interrupts belong to the guest (hideleg). */
const HIDELEG = MIP_VSSIP | MIP_VSTIP | (1 << 10);
const SIE_STIE = 1 << 5;
/** Where stvec points: inside the VMM's area (never executed: the VMM runs as TypeScript on trap entry). */
const VECTOR_OFFSET = HW_VMM_RESERVE - 4096;

/** Per-vCPU state the VMM keeps beside the hart's own registers. */
interface Vcpu {
  state: HartState;
  /** The guest's timer compare value (what it wrote to stimecmp or passed to set_timer). */
  stimecmp: bigint;
}

/** What one exit handler learned, for the record (built only when someone listens). */
interface ExitNote {
  reason: VmExitReason;
  details: VmExitDetails;
  /** Instruction word when the handler already fetched it. */
  raw?: number;
}

export class HwVmm {
  readonly exits = new ExitStream();
  readonly board: VirtualBoard;
  readonly gstage: GStageTable;
  readonly guestRamSize: number;
  private readonly vcpus: Vcpu[];
  private readonly guestRam: Ram;
  private readonly vector: number;
  private readonly sbi: SbiHost;

  constructor(private readonly m: Machine) {
    this.guestRamSize = m.ram.size - HW_VMM_RESERVE;
    if (this.guestRamSize < MEGAPAGE || this.guestRamSize % MEGAPAGE !== 0) {
      throw new Error(`hw mode needs guest RAM in whole 2 MiB units (host RAM ${m.ram.size} bytes)`);
    }
    const vmmBase = m.ram.base + this.guestRamSize;
    this.gstage = new GStageTable(m.ram, vmmBase, HW_VMM_RESERVE - 4096);
    this.vector = vmmBase + VECTOR_OFFSET;
    this.guestRam = m.ram; // bounded at guestRamSize wherever the guest reaches it: the VMM area is not guest memory
    this.vcpus = m.harts.map(() => ({ state: HartState.Stopped, stimecmp: 0xffff_ffff_ffff_ffffn }));
    this.board = new VirtualBoard({
      vcpus: m.harts, guestRam: this.guestRam, console: m.console, drives: m.drives, dma: m.ramDma(),
      mtime: () => m.mtimeTicks(), onPower: (ev) => m.powerEvent(ev), onDeviceError: m.onDeviceError,
    });
    this.sbi = this.sbiHost();
  }

  /** Starts vCPU 0 at the guest kernel's entry with a0 = 0, a1 = the guest's DTB (the other vCPUs wait for
   *  HSM hart_start, SBI §9). The firmware must have booted hart 0 into HS-mode at `entryVector`. */
  boot(entry: number, dtb: number): void {
    this.enterGuest(this.m.harts[0], entry, 0n, BigInt(dtb));
  }

  /** Where the firmware should start HS-mode: the VMM's trap vector. */
  get entryVector(): number { return this.vector; }

  /** Real privilege and the guest's own idea of it. */
  privilege(hartId: number): PrivilegeView {
    const h = this.m.harts[hartId];
    if (h.virt) return { real: h.priv === PRIV_S ? 'VS' : 'VU', virtual: h.priv === PRIV_S ? 'S' : 'U' };
    return { real: h.priv === PRIV_M ? 'M' : h.priv === PRIV_S ? 'HS' : 'U' };
  }

  /** HS-mode set-up of a host hart for its vCPU, then sret into VS-mode at `entry`. */
  private enterGuest(h: Hart, entry: number, a0: bigint, a1: bigint): void {
    const c = h.csrLo, ch = h.csrHi;
    c[0x105] = this.vector; ch[0x105] = 0; // stvec
    c[0x602] = HEDELEG; ch[0x602] = 0;
    c[0x603] = HIDELEG; ch[0x603] = 0;
    c[0x606] = 7; // hcounteren: cycle, time, instret
    c[0x60a] = 0; ch[0x60a] = 0; // henvcfg.STCE = 0: the guest's stimecmp traps to the VMM
    c[0x605] = 0; ch[0x605] = 0; // htimedelta: guest time is host time
    const [gLo, gHi] = this.gstage.hgatp();
    c[0x680] = gLo; ch[0x680] = gHi;
    // The guest starts with its S-mode state reset: vsstatus, vsie, vstvec, vsatp, vsscratch.
    for (const csr of [0x200, 0x204, 0x205, 0x240, 0x280]) { c[csr] = 0; ch[csr] = 0; }
    h.mipSoftware &= ~(MIP_VSSIP | MIP_VSTIP);
    h.mie = (h.mie & ~HIDELEG) | SIE_STIE; // the VMM's timer interrupt; the guest enables its own through vsie
    this.vcpus[h.id].stimecmp = 0xffff_ffff_ffff_ffffn;
    this.programHostTimer(h, undefined);
    h.csrLo[0x600] = (h.csrLo[0x600] | HSTATUS_SPV | HSTATUS_SPVP | HSTATUS_VTW) & ~(HSTATUS_VTSR | HSTATUS_VTVM);
    h.mstatus |= MSTATUS_SPP;
    setPair(h, 0x141, entry);
    h.setX(10, a0);
    h.setX(11, a1);
    h.fx.translationChanged(h);
    this.vcpus[h.id].state = HartState.Started;
    this.resume(h);
  }

  /** Returns to the guest: sret from HS to VS/VU at sepc. */
  private resume(h: Hart): void {
    sret(h, h.fx);
    h.pc = h.npc;
    h.interruptCheck = true;
  }

  /** The VM exit handler: the hart has just trapped from V=1 into HS (directly, or redirected by the firmware). */
  onHostTrap(h: Hart): void {
    const t0 = performance.now();
    const cause = h.csrLo[0x142] >>> 0, interrupt = h.csrHi[0x142] < 0;
    const epc = pcFromPair(h.csrLo[0x141], h.csrHi[0x141]);
    const hs = h.csrLo[0x600];
    if ((hs & HSTATUS_SPV) === 0) {
      this.m.requestStop({ kind: 'error', message: `hw VMM: trap into HS-mode from HS itself (cause ${cause}) at 0x${epc.toString(16)}` });
      return;
    }
    const before: PrivilegeView = (hs & HSTATUS_SPVP) ? { real: 'VS', virtual: 'S' } : { real: 'VU', virtual: 'U' };
    const instret = h.instret;
    const note = interrupt ? this.onInterrupt(h, cause) : this.onException(h, cause, epc);
    const stopped = this.vcpus[h.id].state !== HartState.Started;
    if (!stopped) this.resume(h);
    const ns = Math.round((performance.now() - t0) * 1e6);
    if (!this.exits.wantsRecords) { this.exits.count(note.reason, ns); return; }
    // The exit is the transfer into the VMM: it arrived in HS-mode (where the guest resumes is its next `before`).
    const after: PrivilegeView = { real: 'HS' };
    const raw = note.raw ?? (interrupt ? undefined : this.fetchGuestInstruction(h, epc, (hs & HSTATUS_SPVP) ? 1 : 0));
    const pc = BigInt.asUintN(64, BigInt(epc));
    const e: VmExit = {
      seq: this.exits.nextSeq(), vcpu: h.id, reason: note.reason,
      cause: interrupt ? (1n << 63n) | BigInt(cause) : BigInt(cause), guestPc: pc,
      instruction: raw === undefined ? undefined : { raw, text: disassemble(raw, pc).text },
      details: note.details, before, after, instret, hostNs: ns,
    };
    this.exits.emit(e);
  }

  private onInterrupt(h: Hart, cause: number): ExitNote {
    if (cause === 5) {
      // The VMM's timer stands for the guest's: the guest's compare value has been reached.
      this.programHostTimer(h, undefined);
      h.mipSoftware |= MIP_VSTIP;
    } else {
      // The VMM enables only its timer; anything else reaching HS is not its to take: masked, so it cannot storm.
      h.mie &= ~(1 << cause);
    }
    return { reason: 'interrupt', details: { interrupt: { cause, name: INTERRUPT_NAMES[cause] ?? `interrupt ${cause}` } } };
  }

  private onException(h: Hart, cause: number, epc: number): ExitNote {
    switch (cause) {
      case 10: return this.hypercall(h, epc);
      case 20: case 21: case 23: return this.guestPageFault(h, cause, epc);
      case 22: return this.virtualInstruction(h, epc);
      default: {
        // Not delegated to the guest by hedeleg (illegal instruction, access faults…): the guest kernel handles it.
        const tval = pairBig(h, 0x143);
        this.injectException(h, cause, tval);
        return { reason: 'exception-forward', details: { exception: { cause, name: EXCEPTION_NAMES[cause] ?? `exception ${cause}`, tval } } };
      }
    }
  }

  // ---- hypercalls -----------------------------------------------------------------------------------------

  private hypercall(h: Hart, epc: number): ExitNote {
    // Details only for a record (the common case, nobody listening, allocates little): the arguments are read
    // first, as the answer overwrites a0 and a1.
    const record = this.exits.wantsRecords;
    const args = record ? [10, 11, 12, 13, 14, 15].map((r) => h.getX(r)) : [];
    const call: SbiCall = handleSbiCall(h, this.sbi);
    if (!call.noReturn) setPair(h, 0x141, epc + 4);
    return {
      reason: call.noReturn ? 'halt' : 'hypercall', raw: ECALL,
      details: record ? {
        hypercall: { extension: call.eid, function: call.fid, args, error: call.error, value: call.value, name: sbiCallName(call.eid, call.fid) },
      } : {},
    };
  }

  private sbiHost(): SbiHost {
    const harts = this.m.harts;
    return {
      hartCount: harts.length,
      hartState: (id) => this.vcpus[id].state,
      setTimer: (h, when) => this.setGuestTimer(h, BigInt.asUintN(64, when)),
      sendIpi: (id) => { harts[id].mipSoftware |= MIP_VSSIP; harts[id].interruptCheck = true; },
      clearIpi: (h) => { h.mipSoftware &= ~MIP_VSSIP; },
      fenceI: () => this.m.interp.flushAll(),
      sfenceVma: (ids) => { for (const id of ids) harts[id].fx.translationChanged(harts[id]); },
      startHart: (id, start, opaque) => {
        this.m.firmware!.startSupervisor(id, this.vector, 0n, 0n);
        this.enterGuest(harts[id], start, BigInt(id), opaque);
      },
      stopHart: (h) => {
        this.vcpus[h.id].state = HartState.Stopped;
        this.programHostTimer(h, undefined);
        this.m.firmware!.stopHart(h);
      },
      suspendHart: (h) => { h.waitingForInterrupt = true; },
      powerOff: (code) => this.m.powerEvent(code === 0 ? { kind: 'pass' } : { kind: 'fail', code }),
      reset: () => this.m.powerEvent({ kind: 'reset' }),
      putByte: (b) => this.board.putByte(b),
      getByte: () => this.board.getByte(),
      memory: (addr, len) => {
        const off = addr - this.guestRam.base;
        if (!Number.isSafeInteger(addr) || len < 0 || off < 0 || off + len > this.guestRamSize) return undefined;
        return this.guestRam.u8.subarray(off, off + len);
      },
    };
  }

  /** The guest's timer: VSTIP follows `time ≥ stimecmp`; a future deadline arms the VMM's own timer. */
  private setGuestTimer(h: Hart, when: bigint): void {
    this.vcpus[h.id].stimecmp = when;
    const now = BigInt(this.m.mtimeTicks());
    if (when <= now) {
      h.mipSoftware |= MIP_VSTIP;
      this.programHostTimer(h, undefined);
    } else {
      h.mipSoftware &= ~MIP_VSTIP;
      this.programHostTimer(h, when);
    }
    h.interruptCheck = true;
  }

  /** The VMM's Sstc timer (stimecmp at HS): armed for the guest's deadline, or off. */
  private programHostTimer(h: Hart, when: bigint | undefined): void {
    const v = when ?? 0xffff_ffff_ffff_ffffn;
    h.csrLo[CSR_STIMECMP] = Number(v & 0xffffffffn) | 0;
    h.csrHi[CSR_STIMECMP] = Number(v >> 32n) | 0;
    h.fx.timerChanged(h);
  }

  // ---- memory: G-stage faults and MMIO --------------------------------------------------------------------

  private guestPageFault(h: Hart, cause: number, epc: number): ExitNote {
    // htval holds the guest physical address >> 2; its low bits are stval's (Priv §13.2.8).
    const gpa = pairNumber(h, 0x643) * 4 + (h.csrLo[0x143] & 3);
    const gva = pairBig(h, 0x143);
    const access = cause === 20 ? 'fetch' : cause === 21 ? 'load' : 'store';
    if (this.mapGuestRam(gpa)) {
      return { reason: 'guest-page-fault', details: { fault: { guestVirtual: gva, guestPhysical: BigInt(gpa), access } } };
    }
    const dev = access === 'fetch' ? undefined : this.board.deviceAt(gpa);
    const spvp = (h.csrLo[0x600] & HSTATUS_SPVP) ? 1 : 0;
    if (dev) {
      const raw = this.fetchGuestInstruction(h, epc, spvp);
      const acc = raw === undefined ? undefined : memoryAccessOf(raw);
      if (acc && acc.kind === access) {
        const value = this.emulateMmio(h, gpa, acc.kind, acc.width, acc.reg, acc.signed);
        setPair(h, 0x141, epc + acc.length);
        return {
          reason: 'mmio', raw,
          details: {
            fault: { guestVirtual: gva, guestPhysical: BigInt(gpa), access, size: acc.width },
            device: { name: dev.name, register: dev.offset, access: acc.kind === 'load' ? 'read' : 'write', value, size: acc.width },
          },
        };
      }
    }
    // Nothing the guest may touch there (or an AMO on a device): an access fault, as on the bare board.
    const fwd = access === 'fetch' ? 1 : access === 'load' ? 5 : 7;
    this.injectException(h, fwd, gva);
    return {
      reason: 'exception-forward',
      details: { fault: { guestVirtual: gva, guestPhysical: BigInt(gpa), access }, exception: { cause: fwd, name: EXCEPTION_NAMES[fwd], tval: gva } },
    };
  }

  /** One device access on the virtual board; loads write rd (sign- or zero-extended). Returns the value moved. */
  private emulateMmio(h: Hart, gpa: number, kind: 'load' | 'store', width: 1 | 2 | 4 | 8, reg: number, signed: boolean): bigint {
    const bus = this.board.bus;
    if (kind === 'store') {
      const lo = h.lo[reg], hi = h.hi[reg];
      if (width === 8) { bus.store(gpa, 4, lo >>> 0); bus.store(gpa + 4, 4, hi >>> 0); } else bus.store(gpa, width, lo >>> 0);
      const v = BigInt.asUintN(64, (BigInt(hi) << 32n) | BigInt(lo >>> 0));
      return width === 8 ? v : BigInt.asUintN(width * 8, v);
    }
    let lo: number, hi = 0;
    if (width === 8) { lo = bus.load(gpa, 4) ?? 0; hi = bus.load(gpa + 4, 4) ?? 0; } else lo = bus.load(gpa, width) ?? 0;
    const raw = width === 8 ? BigInt.asUintN(64, (BigInt(hi) << 32n) | BigInt(lo >>> 0)) : BigInt(lo >>> 0);
    if (reg !== 0) h.setX(reg, signed ? BigInt.asIntN(width * 8, raw) : raw);
    return raw;
  }

  /** The guest instruction at `pc`, read through VS-stage and G-stage with execute permission (HLVX.HU, Priv
   *  §13.3.1), without disturbing the hart; undefined if it cannot be read. Guest RAM the G stage has not mapped
   *  yet (the second half of an instruction on the next megapage) is mapped on the way, as a fault would. */
  private fetchGuestInstruction(h: Hart, pc: number, spvp: number): number | undefined {
    const saved = h.exc;
    let word: number | undefined;
    for (let attempt = 0; attempt < 3 && word === undefined; attempt++) {
      h.exc = NO_TRAP;
      word = this.readInstruction(h, pc, spvp);
      if (word === undefined && !this.mapFaultingRam(h)) break;
    }
    h.exc = saved;
    return word;
  }

  private readInstruction(h: Hart, pc: number, spvp: number): number | undefined {
    const mem = h.mem;
    let word = mem.guestLoad(pc | 0, Math.floor(pc / TWO32) | 0, 2, spvp, true) & 0xffff;
    if (h.exc === NO_TRAP && (word & 3) === 3) {
      const p2 = pc + 2;
      word |= (mem.guestLoad(p2 | 0, Math.floor(p2 / TWO32) | 0, 2, spvp, true) & 0xffff) << 16;
    }
    return h.exc === NO_TRAP ? word >>> 0 : undefined;
  }

  /** After a failed guest access by the VMM: maps the guest RAM megapage a G-stage fault named; false otherwise. */
  private mapFaultingRam(h: Hart): boolean {
    if (h.exc !== 20 && h.exc !== 21 && h.exc !== 23) return false;
    return this.mapGuestRam(((h.excTval2Hi >>> 0) * TWO32 + (h.excTval2Lo >>> 0)) * 4);
  }

  /** Maps the guest RAM megapage holding `gpa` (1:1); false when `gpa` is not guest RAM or already mapped. */
  private mapGuestRam(gpa: number): boolean {
    const off = gpa - this.guestRam.base;
    if (off < 0 || off >= this.guestRamSize) return false;
    const page = gpa - (off % MEGAPAGE);
    if (this.gstage.isMapped(page)) return false;
    this.gstage.mapMegapage(page, page);
    for (const x of this.m.harts) x.fx.translationChanged(x); // hfence.gvma: the new mapping on every hart
    return true;
  }

  // ---- virtual instructions -------------------------------------------------------------------------------

  private virtualInstruction(h: Hart, epc: number): ExitNote {
    const spvp = (h.csrLo[0x600] & HSTATUS_SPVP) ? 1 : 0;
    // stval holds the instruction bits (Priv §13.6.1 writes them as for illegal instructions).
    const raw = (h.csrLo[0x143] >>> 0) || this.fetchGuestInstruction(h, epc, spvp) || 0;
    if (raw === WFI) { // wfi: the vCPU sleeps until an interrupt for it is pending (Priv §3.3.3)
      setPair(h, 0x141, epc + 4);
      h.waitingForInterrupt = true;
      return { reason: 'wfi', raw, details: {} };
    }
    const op = csrOpOf(raw);
    if (op && op.csr === CSR_STIMECMP && spvp === 1) {
      const old = this.vcpus[h.id].stimecmp;
      let value = old;
      if (op.writes) {
        const src = op.rs1 !== undefined ? h.getX(op.rs1) : BigInt(op.imm);
        value = op.op === 'write' ? src : op.op === 'set' ? old | src : old & ~src;
        this.setGuestTimer(h, BigInt.asUintN(64, value));
      }
      if (op.rd !== 0) h.setX(op.rd, old);
      setPair(h, 0x141, epc + op.length);
      return { reason: 'csr-access', raw, details: { csr: { number: op.csr, name: csrName(op.csr), write: op.writes, value: op.writes ? value : old } } };
    }
    // Anything else VS/VU may not do (hypervisor CSRs and instructions, …) is illegal for a guest that believes
    // it runs on a CPU without the H extension.
    this.injectException(h, 2, BigInt(raw));
    return { reason: 'virtual-instruction', raw, details: { exception: { cause: 2, name: EXCEPTION_NAMES[2], tval: BigInt(raw) } } };
  }

  // ---- forwarding into the guest --------------------------------------------------------------------------

  /** Delivers an exception to the guest kernel as a trap into VS-mode would (Priv §13.6.2): vsepc, vscause,
   *  vstval, vsstatus.SPP/SPIE/SIE, and the guest resumes at its vstvec. */
  private injectException(h: Hart, cause: number, tval: bigint): void {
    const fromVs = (h.csrLo[0x600] & HSTATUS_SPVP) !== 0;
    const t = BigInt.asUintN(64, tval);
    recordSupervisorTrap(h, true, h.csrLo[0x141], h.csrHi[0x141], cause, 0, Number(t & 0xffffffffn) | 0, Number(t >> 32n) | 0, fromVs);
    h.csrLo[0x141] = h.csrLo[0x205] & ~3; h.csrHi[0x141] = h.csrHi[0x205];
    h.csrLo[0x600] |= HSTATUS_SPVP;
    h.mstatus |= MSTATUS_SPP; // return into VS-mode, at the guest's handler
  }
}

function setPair(h: Hart, csr: number, v: number): void {
  h.csrLo[csr] = v | 0;
  h.csrHi[csr] = Math.floor(v / TWO32) | 0;
}

function pairBig(h: Hart, csr: number): bigint {
  return BigInt.asUintN(64, (BigInt(h.csrHi[csr]) << 32n) | BigInt(h.csrLo[csr] >>> 0));
}

function pairNumber(h: Hart, csr: number): number {
  return (h.csrHi[csr] >>> 0) * TWO32 + (h.csrLo[csr] >>> 0);
}
