// RISC-V PLIC as on QEMU's virt board: level-triggered gateways, priorities, per-context enables and
// thresholds, claim/complete, and the MEIP/SEIP lines it drives.
//
// Register layout: RISC-V PLIC Specification 1.0.0, "Memory Map", with QEMU's virt parameters
// (include/hw/riscv/virt.h: VIRT_PLIC_*_BASE/_STRIDE, VIRT_IRQCHIP_NUM_SOURCES = 96 including the
// reserved source 0, VIRT_IRQCHIP_NUM_PRIO_BITS = 3) and hart config "MS" per hart, so context 2h is
// hart h in M mode and 2h+1 hart h in S mode.

import type { InterruptLines, MmioDevice } from './device';
import { PLIC_SIZE } from './virt-map';

export const MIP_SEIP_BIT = 9;
export const MIP_MEIP_BIT = 11;

/** Source ids 0..95 exist; 0 is reserved ("no interrupt") and never pends. */
export const PLIC_NUM_SOURCES = 96;
export const PLIC_MAX_SOURCE = PLIC_NUM_SOURCES - 1;
/** Priorities 0..7 ((1 << VIRT_IRQCHIP_NUM_PRIO_BITS) - 1); 0 means "never interrupt". */
export const PLIC_MAX_PRIORITY = 7;

const PENDING_BASE = 0x1000;
const ENABLE_BASE = 0x2000;
const ENABLE_STRIDE = 0x80;
const CONTEXT_BASE = 0x20_0000;
const CONTEXT_STRIDE = 0x1000;
const CLAIM_COMPLETE = 4;

/** 32-bit words of pending / enable bits that hold sources 0..95. */
const WORDS = (PLIC_NUM_SOURCES + 31) >>> 5;
/** Context register blocks that fit the window: 2 per hart. */
const MAX_HARTS = (PLIC_SIZE - CONTEXT_BASE) / CONTEXT_STRIDE / 2;

export class Plic implements MmioDevice {
  readonly name = 'plic';
  readonly size = PLIC_SIZE;
  readonly numHarts: number;
  readonly numContexts: number;

  private readonly lines: InterruptLines;
  private readonly priority = new Uint8Array(PLIC_NUM_SOURCES);
  private readonly pending = new Uint32Array(WORDS);
  /** WORDS words per context. */
  private readonly enable: Uint32Array;
  private readonly threshold: Uint8Array;
  /** The input line of each source as its device last drove it. */
  private readonly level = new Uint8Array(PLIC_NUM_SOURCES);
  /** Gateway state: a request was forwarded and its completion has not arrived yet. */
  private readonly inFlight = new Uint8Array(PLIC_NUM_SOURCES);
  /** Last EIP level driven per context (-1 = not yet driven), so unchanged levels are not re-sent. */
  private readonly eip: Int8Array;

  constructor(numHarts: number, lines: InterruptLines) {
    if (!Number.isInteger(numHarts) || numHarts < 1 || numHarts > MAX_HARTS) {
      throw new Error(`PLIC supports 1..${MAX_HARTS} harts, not ${numHarts}`);
    }
    this.numHarts = numHarts;
    this.numContexts = 2 * numHarts;
    this.lines = lines;
    this.enable = new Uint32Array(this.numContexts * WORDS);
    this.threshold = new Uint8Array(this.numContexts);
    this.eip = new Int8Array(this.numContexts);
    this.reset();
  }

  /** Device reset, as QEMU's sifive_plic_reset: priorities, thresholds, enables, pending and claims cleared,
   *  every MEIP/SEIP driven low. Input lines keep their levels (they belong to the devices), and a line
   *  still high pends again through its re-armed gateway; reset devices before the PLIC to avoid that. */
  reset(): void {
    this.priority.fill(0);
    this.pending.fill(0);
    this.enable.fill(0);
    this.threshold.fill(0);
    this.inFlight.fill(0);
    this.eip.fill(-1);
    for (let s = 1; s < PLIC_NUM_SOURCES; s++) if (this.level[s]) this.forward(s);
    this.update();
  }

  /** A device's interrupt line (level-triggered, active high). The gateway turns the first assertion into
   *  a pending request and forwards no other until the claimed request is completed; dropping the line
   *  does not retract a request already pending (PLIC spec, "Interrupt Gateways"). */
  setSourceLevel(source: number, level: boolean): void {
    if (!Number.isInteger(source) || source < 1 || source > PLIC_MAX_SOURCE) {
      throw new Error(`PLIC source ${source} does not exist (1..${PLIC_MAX_SOURCE})`);
    }
    this.level[source] = level ? 1 : 0;
    if (level && !this.inFlight[source]) {
      this.forward(source);
      this.update();
    }
  }

  /** Whether `source`'s pending (IP) bit is set: for inspection views and tests. */
  isPending(source: number): boolean {
    return source > 0 && source < PLIC_NUM_SOURCES && (this.pending[source >>> 5] & (1 << (source & 31))) !== 0;
  }

  /** The source a claim by `context` would return now (0 = none), without claiming it. */
  peekClaim(context: number): number {
    return context >= 0 && context < this.numContexts ? this.best(context) : 0;
  }

  read(offset: number, width: 1 | 2 | 4): number {
    // The spec's registers are 32 bits wide and accessed with LW/SW; QEMU accepts nothing narrower.
    if (width !== 4 || (offset & 3) !== 0 || !(offset >= 0 && offset < this.size)) return 0;
    if (offset < PENDING_BASE) {
      const s = offset >>> 2;
      return s < PLIC_NUM_SOURCES ? this.priority[s] : 0;
    }
    if (offset < ENABLE_BASE) {
      const w = (offset - PENDING_BASE) >>> 2;
      return w < WORDS ? this.pending[w] : 0;
    }
    if (offset < CONTEXT_BASE) {
      const ctx = Math.floor((offset - ENABLE_BASE) / ENABLE_STRIDE);
      const w = (offset & (ENABLE_STRIDE - 1)) >>> 2;
      return ctx < this.numContexts && w < WORDS ? this.enable[ctx * WORDS + w] : 0;
    }
    const ctx = Math.floor((offset - CONTEXT_BASE) / CONTEXT_STRIDE);
    if (ctx >= this.numContexts) return 0;
    const reg = offset & (CONTEXT_STRIDE - 1);
    if (reg === 0) return this.threshold[ctx];
    if (reg === CLAIM_COMPLETE) return this.claim(ctx);
    return 0;
  }

  write(offset: number, width: 1 | 2 | 4, value: number): void {
    if (width !== 4 || (offset & 3) !== 0 || !(offset >= 0 && offset < this.size)) return;
    value >>>= 0;
    if (offset < PENDING_BASE) {
      const s = offset >>> 2;
      if (s === 0 || s >= PLIC_NUM_SOURCES) return; // source 0 does not exist
      // WARL: with 2^n - 1 levels every value of the low n bits is legal, the rest read as zero.
      this.priority[s] = value & PLIC_MAX_PRIORITY;
      this.update();
      return;
    }
    if (offset < ENABLE_BASE) return; // pending bits are read-only; claims clear them
    if (offset < CONTEXT_BASE) {
      const ctx = Math.floor((offset - ENABLE_BASE) / ENABLE_STRIDE);
      const w = (offset & (ENABLE_STRIDE - 1)) >>> 2;
      if (ctx >= this.numContexts || w >= WORDS) return;
      this.enable[ctx * WORDS + w] = w === 0 ? value & ~1 : value; // bit 0 = source 0, hardwired to 0
      this.update();
      return;
    }
    const ctx = Math.floor((offset - CONTEXT_BASE) / CONTEXT_STRIDE);
    if (ctx >= this.numContexts) return;
    const reg = offset & (CONTEXT_STRIDE - 1);
    if (reg === 0) {
      this.threshold[ctx] = value & PLIC_MAX_PRIORITY;
      this.update();
    } else if (reg === CLAIM_COMPLETE) {
      this.complete(ctx, value);
    }
  }

  /** Claim: the best pending source for `ctx` (see best()), whose IP bit is cleared; 0 when none. */
  private claim(ctx: number): number {
    const s = this.best(ctx);
    if (s === 0) return 0;
    this.pending[s >>> 5] &= ~(1 << (s & 31));
    this.update();
    return s;
  }

  /** Completion: re-arms the source's gateway, which forwards again at once if the line is still high.
   *  "If the completion ID does not match an interrupt source that is currently enabled for the target,
   *  the completion is silently ignored" (PLIC spec, "Interrupt Completion"). */
  private complete(ctx: number, source: number): void {
    if (source === 0 || source >= PLIC_NUM_SOURCES) return;
    if ((this.enable[ctx * WORDS + (source >>> 5)] & (1 << (source & 31))) === 0) return;
    this.inFlight[source] = 0;
    if (this.level[source]) {
      this.forward(source);
      this.update();
    }
  }

  /** The gateway hands one request to the core: the IP bit is set and the gateway waits for completion. */
  private forward(source: number): void {
    this.pending[source >>> 5] |= 1 << (source & 31);
    this.inFlight[source] = 1;
  }

  /** Highest-priority source that is pending, enabled for `ctx` and above its threshold; ties go to the
   *  lowest id (PLIC spec, "Interrupt Priorities"). The threshold also filters claims, as in QEMU's
   *  sifive_plic_claimed(); the spec text says a claim ignores it, which only matters to a hart that claims
   *  without having been notified. Priority 0 never wins, since no threshold is below 0. */
  private best(ctx: number): number {
    let bestSource = 0;
    let bestPriority = this.threshold[ctx];
    const base = ctx * WORDS;
    for (let w = 0; w < WORDS; w++) {
      let bits = this.pending[w] & this.enable[base + w];
      while (bits !== 0) {
        const low = bits & -bits;
        const s = (w << 5) + (31 - Math.clz32(low));
        // Strictly greater: an equal priority later (higher id) does not displace the earlier one.
        if (this.priority[s] > bestPriority) {
          bestPriority = this.priority[s];
          bestSource = s;
        }
        bits ^= low;
      }
    }
    return bestSource;
  }

  /** Recomputes each context's EIP and drives mip.MEIP (even contexts) or mip.SEIP (odd) on change. */
  private update(): void {
    for (let ctx = 0; ctx < this.numContexts; ctx++) {
      const level = this.best(ctx) !== 0 ? 1 : 0;
      if (this.eip[ctx] === level) continue;
      this.eip[ctx] = level;
      this.lines.setPending(ctx >>> 1, ctx & 1 ? MIP_SEIP_BIT : MIP_MEIP_BIT, level === 1);
    }
  }
}
