// Call stack from the pc, the return address in ra and, where the guest keeps one, the frame-pointer chain.
//
// Without CFI (.debug_frame is not read yet) only these are reliable: frame 0 is the pc; ra names the caller
// while it still points outside the current function right after a call instruction (leaf functions, and any
// function before its first call); a frame-pointer chain (s0 = the frame's CFA, return address at fp-8, the
// caller's fp at fp-16: the frame record gcc keeps with -fno-omit-frame-pointer; a leaf keeps only the fp,
// at fp-8) is followed
// only while every link checks out: in RAM, above sp, growing upward, each return address after a call.
// Guests built at -O2 without frame pointers therefore show the pc and, when ra allows, the caller.
import { Hart } from '../engine/cpu/hart';
import { Target } from './target';

export interface Frame {
  pc: number;
  /** How this frame was found. */
  how: 'pc' | 'ra' | 'frame pointer';
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
  const frames: Frame[] = [{ pc, how: 'pc' }];
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
  return frames.slice(0, MAX_FRAMES);
}
