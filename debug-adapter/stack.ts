// Call stack from the pc, the return address in ra and, where the guest keeps one, the frame-pointer chain.
//
// Without CFI (.debug_frame is not read yet) only these are reliable: frame 0 is the pc; ra names the caller
// while it still points outside the current function right after a call instruction (leaf functions, and any
// function before its first call); a frame-pointer chain (s0 = the frame's CFA, return address at fp-8, the
// caller's fp at fp-16: the frame record gcc keeps with -fno-omit-frame-pointer; a leaf keeps only the fp,
// at fp-8) is followed
// only while every link checks out: in RAM, above sp, growing upward, each return address after a call.
// Guests built at -O2 without frame pointers therefore show the pc and, when ra allows, the caller.
//
// Below a trap handler: when the outermost frame found is in the function that holds the trap vector of the
// hart's privilege (stvec in S, mtvec in M), the handler was entered by a trap, and the trapped context's pc
// (sepc/mepc, in the privilege sstatus.SPP/mstatus.MPP names) is one more frame. The trapped context's other
// registers are in the handler's save area, which only the guest knows, so unwinding stops there.
import { Hart } from '../engine/cpu/hart';
import { PRIV_M, PRIV_S } from '../engine/cpu/privilege';
import { readCsr } from './state';
import { Target } from './target';

export interface Frame {
  pc: number;
  /** How this frame was found. */
  how: 'pc' | 'ra' | 'frame pointer' | 'trap';
  /** For 'trap': the trap that entered the handler above (from xcause) and the privilege it came from. */
  trap?: { cause: bigint; fromPriv: number; toPriv: number };
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

/** The callers of code at `pc` whose registers the hart holds: from ra and the frame-pointer chain. */
function callers(target: Target, h: Hart, pc: number): Frame[] {
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

/** The trap vector of the hart's privilege (stvec in S, mtvec in M; its BASE) and the last trap taken there. */
function trapState(h: Hart): { tvec: number; frame: Frame } | undefined {
  if (h.priv !== PRIV_M && h.priv !== PRIV_S) return undefined;
  const m = h.priv === PRIV_M;
  const tvec = Number(BigInt.asIntN(64, readCsr(h, m ? 0x305 : 0x105) & ~3n));
  const epc = Number(BigInt.asIntN(64, readCsr(h, m ? 0x341 : 0x141)));
  const status = readCsr(h, 0x300);
  const fromPriv = m ? Number((status >> 11n) & 3n) : Number((status >> 8n) & 1n);
  return { tvec, frame: { pc: epc, how: 'trap', trap: { cause: readCsr(h, m ? 0x342 : 0x142), fromPriv, toPriv: h.priv } } };
}
