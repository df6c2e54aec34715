// Physical memory protection (privileged spec §3.7): decoded regions and the access check.

export const PMP_R = 1;
export const PMP_W = 2;
export const PMP_X = 4;
const PMP_L = 0x80;

export interface PmpRegion {
  readonly start: number;
  /** Exclusive. */
  readonly end: number;
  readonly perms: number;
  readonly locked: boolean;
}

/** Decodes the active entries from pmpcfg bytes and pmpaddr values (both as bigint: this runs on CSR writes only). */
export function decodePmp(cfg: readonly number[], addr: readonly bigint[]): PmpRegion[] {
  const out: PmpRegion[] = [];
  for (let i = 0; i < cfg.length; i++) {
    const c = cfg[i];
    const mode = (c >> 3) & 3;
    let start: bigint, end: bigint;
    if (mode === 0) { out.push({ start: 0, end: 0, perms: 0, locked: false }); continue; }
    if (mode === 1) { // TOR
      start = i === 0 ? 0n : addr[i - 1] << 2n;
      end = addr[i] << 2n;
    } else if (mode === 2) { // NA4
      start = addr[i] << 2n;
      end = start + 4n;
    } else { // NAPOT: trailing ones of pmpaddr give the size
      let t = 0n;
      while (((addr[i] >> t) & 1n) === 1n && t < 54n) t++;
      const size = 1n << (t + 3n);
      start = (addr[i] & ~((1n << (t + 1n)) - 1n)) << 2n;
      end = start + size;
    }
    out.push({ start: Number(start), end: Number(end > start ? end : start), perms: c & 7, locked: (c & PMP_L) !== 0 });
  }
  return out;
}

/** Whether [paddr, paddr+len) may be accessed with `perm` at privilege `priv` (3 = M). */
export function pmpAllows(regions: readonly PmpRegion[], paddr: number, len: number, perm: number, priv: number): boolean {
  const last = paddr + len;
  for (const r of regions) {
    if (r.end <= r.start) continue;
    if (last <= r.start || paddr >= r.end) continue;
    if (paddr < r.start || last > r.end) return false; // partial match fails (Priv §3.7.1.3)
    if (priv === 3 && !r.locked) return true;
    return (r.perms & perm) !== 0;
  }
  // No match: M-mode succeeds; S and U fail because PMP entries are implemented.
  return priv === 3;
}
