// Call stack from the pc: by call frame information (.debug_frame/.eh_frame, DWARF 5 §6.4) wherever the symbol
// files have it, each step recovering the caller's sp, return address and callee-saved registers; otherwise from
// the return address in ra and, where the guest keeps one, the frame-pointer chain.
//
// Without CFI (assembly, stripped files) only these are reliable: frame 0 is the pc; ra names the caller while it
// still points outside the current function right after a call instruction (leaf functions, and any function
// before its first call); a frame-pointer chain (s0 = the frame's CFA, return address at fp-8, the caller's fp
// at fp-16: the frame record gcc keeps with -fno-omit-frame-pointer; a leaf keeps only the fp, at fp-8) is
// followed only while every link checks out: in RAM, above sp, growing upward, each return address after a call.
//
// Below a trap handler: when the outermost frame found is in the function that holds the trap vector of the
// hart's privilege (stvec in S, mtvec in M, vstvec in a guest kernel), the handler was entered by a trap, and
// the trapped context's pc (sepc/mepc/vsepc, in the privilege the status register's SPP/MPP names) is one more
// frame. The trapped context's other registers are in the handler's save area, which only the guest knows, so
// unwinding stops there.
import { Hart } from '../engine/cpu/hart';
import { PRIV_M, PRIV_S } from '../engine/cpu/privilege';
import { unwindStep } from '../engine/loader/dwarf-cfi';
import { readCsr } from './state';
import { Target } from './target';

export interface Frame {
  pc: number;
  /** How this frame was found. */
  how: 'pc' | 'ra' | 'frame pointer' | 'cfi' | 'trap';
  /** For 'trap': the trap that entered the handler above (from xcause) and the privilege it came from. */
  trap?: { cause: bigint; fromPriv: number; toPriv: number };
  /** For 'cfi': this frame's registers as unwinding recovered them (sp, callee-saved, ra), by x number. */
  regs?: ReadonlyMap<number, bigint>;
}

const MAX_FRAMES = 64;

function u64(target: Target, h: Hart, addr: bigint): bigint | undefined {
  try { return target.readValue(h, addr, 8); } catch { return undefined; }
}

/** Return addresses along a frame-pointer chain starting at `fp`, as long as each link is plausible. */
function framePointerChain(target: Target, h: Hart, fp: bigint): number[] {
  const out: number[] = [];
  const sp = h.getX(2);
  for (let i = 0; i < MAX_FRAMES; i++) {
    if (fp === 0n || fp % 8n !== 0n || fp < sp || fp - sp > 0x100000n) break;
    const ret = u64(target, h, fp - 8n), prev = u64(target, h, fp - 16n);
    if (ret === undefined || prev === undefined) break;
    const r = Number(BigInt.asIntN(64, ret));
    if (!target.followsCall(h, r)) break;
    out.push(r);
    if (prev <= fp) break;
    fp = prev;
  }
  return out;
}

export function unwind(target: Target, h: Hart): Frame[] {
  const pc = h.pc;
  const trap = trapState(h);
  if (trap && pc === trap.tvec) {
    // At the handler's first instruction every register still belongs to the trapped context: it unwinds as if
    // it were stopped at its trapping instruction.
    const atEntry: Frame[] = [{ pc, how: 'pc' }, trap.frame, ...callers(target, h, trap.frame.pc)];
    return atEntry.slice(0, MAX_FRAMES);
  }
  const frames: Frame[] = [{ pc, how: 'pc' }, ...callers(target, h, pc)];
  // Below a handler rooted in the trap vector's function: the trapped context.
  const outer = target.symbolAt(frames[frames.length - 1].pc);
  if (trap && outer && outer.sym.addr === trap.tvec) frames.push(trap.frame);
  return frames.slice(0, MAX_FRAMES);
}

/** The callers of code at `pc` whose registers the hart holds: by CFI, else from ra and the frame-pointer chain. */
function callers(target: Target, h: Hart, pc: number): Frame[] {
  const byCfi = cfiCallers(target, h, pc);
  if (byCfi) return byCfi;
  const frames: Frame[] = [];
  const fn = target.functionRange(pc);
  const ra = Number(BigInt.asIntN(64, h.getX(1)));
  const raIsCaller = (!fn || ra < fn.start || ra >= fn.end) && target.followsCall(h, ra);
  const s0 = h.getX(8);
  const chain = framePointerChain(target, h, s0);
  const viaFp = (list: number[]) => list.map((p): Frame => ({ pc: p, how: 'frame pointer' }));
  if (chain.length > 0 && chain[0] === ra) {
    // The frame record is this function's own: it saved ra already.
    frames.push(...viaFp(chain));
  } else if (raIsCaller) {
    frames.push({ pc: ra, how: 'ra' });
    if (chain.length > 0) {
      // Before the prologue: s0 is still the caller's frame pointer.
      frames.push(...viaFp(chain));
    } else {
      // A leaf's frame record holds only the caller's fp (gcc saves ra only when the function calls), at fp-8.
      const prev = u64(target, h, s0 - 8n);
      if (prev !== undefined && s0 >= h.getX(2) && prev > s0) frames.push(...viaFp(framePointerChain(target, h, prev)));
    }
  } else if (chain.length > 0) {
    // ra was reused by a call this function made; its own frame record names the caller.
    frames.push(...viaFp(chain));
  }
  return frames;
}

/** The caller of the function at the hart's pc by CFI: its return address and its sp (this frame's CFA), or
 *  undefined without CFI here. stepOut runs to exactly that. */
export function callerByCfi(target: Target, h: Hart): { pc: number; sp: bigint } | undefined {
  const row = target.images.unwindRow(h.pc);
  if (!row) return undefined;
  const regs = new Map(Array.from({ length: 32 }, (_, i) => [i, h.getX(i)] as [number, bigint]));
  const up = unwindStep(row, regs, (a) => u64(target, h, a));
  if (!up) return undefined;
  const pc = Number(BigInt.asIntN(64, up.pc));
  return target.followsCall(h, pc) ? { pc, sp: up.regs.get(2)! } : undefined;
}

/** Callers by call frame information, for as long as each frame has it; undefined when `pc` has none. Each step
 *  must land after a call instruction with the stack no lower than before, or unwinding stops there. */
function cfiCallers(target: Target, h: Hart, pc: number): Frame[] | undefined {
  let row = target.images.unwindRow(pc);
  if (!row) return undefined;
  let regs: ReadonlyMap<number, bigint> = new Map(Array.from({ length: 32 }, (_, i) => [i, h.getX(i)] as [number, bigint]));
  const frames: Frame[] = [];
  while (row && frames.length < MAX_FRAMES) {
    const up = unwindStep(row, regs, (a) => u64(target, h, a));
    if (!up) break;
    const ret = Number(BigInt.asIntN(64, up.pc));
    if (!target.followsCall(h, ret) || (up.regs.get(2) ?? 0n) < (regs.get(2) ?? 0n)) break;
    frames.push({ pc: ret, how: 'cfi', regs: up.regs });
    regs = up.regs;
    row = target.images.unwindRow(ret - 1); // the call instruction's row: a call can end its function
  }
  return frames;
}

/** The trap vector of the hart's privilege (stvec in S, mtvec in M, vstvec in VS: its BASE) and the last trap
 *  taken there. */
function trapState(h: Hart): { tvec: number; frame: Frame } | undefined {
  if (h.priv !== PRIV_M && h.priv !== PRIV_S) return undefined;
  const m = h.priv === PRIV_M;
  // At V=1 the guest kernel's trap CSRs are the VS ones (Priv §13.2.11–13.2.13).
  const [tvecCsr, epcCsr, causeCsr, statusCsr] = m ? [0x305, 0x341, 0x342, 0x300] : h.virt ? [0x205, 0x241, 0x242, 0x200] : [0x105, 0x141, 0x142, 0x300];
  const tvec = Number(BigInt.asIntN(64, readCsr(h, tvecCsr) & ~3n));
  const epc = Number(BigInt.asIntN(64, readCsr(h, epcCsr)));
  const status = readCsr(h, statusCsr);
  const fromPriv = m ? Number((status >> 11n) & 3n) : Number((status >> 8n) & 1n);
  return { tvec, frame: { pc: epc, how: 'trap', trap: { cause: readCsr(h, causeCsr), fromPriv, toPriv: h.priv } } };
}
