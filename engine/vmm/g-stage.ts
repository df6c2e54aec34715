// The VMM's G-stage page table (Priv §13.5.1, Sv39x4): guest-physical → host-physical, built in host RAM the
// guest cannot reach, and walked by the hart's MMU on every guest access like any hardware would.
import { Ram } from '../devices/ram';

const PTE_V = 1, PTE_R = 2, PTE_W = 4, PTE_X = 8, PTE_U = 16, PTE_A = 64, PTE_D = 128;
/** G-stage leaves are always U (every guest access is checked as a U-mode access, §13.5.1); A and D preset
 *  so the hardware never has to write them. */
const LEAF_RWX = PTE_V | PTE_R | PTE_W | PTE_X | PTE_U | PTE_A | PTE_D;
/** hgatp.MODE = 8: Sv39x4 (§13.2.10). */
const HGATP_MODE_SV39X4 = 8;
const ROOT_BYTES = 16 * 1024; // 2048 entries: guest-physical addresses are 41 bits wide
export const MEGAPAGE = 2 * 1024 * 1024;
const GIB = 1024 * 1024 * 1024;
export const GPA_LIMIT = 2 ** 41;

export class GStageTable {
  /** Host physical address of the root table (16 KiB-aligned, as hgatp requires). */
  readonly root: number;
  private next: number;
  private readonly end: number;
  /** Level-1 table of each 1 GiB slot, by root index. */
  private readonly level1 = new Map<number, number>();
  private mapped = 0;

  /** Tables are allocated in host RAM [base, base + size). */
  constructor(private readonly ram: Ram, base: number, size: number) {
    if (base % ROOT_BYTES !== 0) throw new Error(`G-stage table area 0x${base.toString(16)} is not 16 KiB-aligned`);
    this.root = base;
    this.next = base + ROOT_BYTES;
    this.end = base + size;
    this.ram.u8.fill(0, base - ram.base, base - ram.base + size);
  }

  /** hgatp for this table, VMID 0, as (lo, hi) words. */
  hgatp(): [number, number] {
    const ppn = this.root / 4096;
    return [ppn | 0, (HGATP_MODE_SV39X4 << 28) | Math.floor(ppn / 4294967296)];
  }

  /** Megapages mapped so far. */
  get mappedMegapages(): number { return this.mapped; }

  /** Maps the 2 MiB guest-physical megapage containing `gpa` to host `hpa` (both 2 MiB-aligned), RWX. */
  mapMegapage(gpa: number, hpa: number): void {
    if (gpa % MEGAPAGE !== 0 || hpa % MEGAPAGE !== 0 || gpa >= GPA_LIMIT) {
      throw new Error(`cannot map guest 0x${gpa.toString(16)} → host 0x${hpa.toString(16)}: not 2 MiB-aligned or beyond Sv39x4`);
    }
    const i2 = Math.floor(gpa / GIB);
    let l1 = this.level1.get(i2);
    if (l1 === undefined) {
      if (this.next + 4096 > this.end) throw new Error('G-stage table area exhausted');
      l1 = this.next;
      this.next += 4096;
      this.level1.set(i2, l1);
      this.writePte(this.root + 8 * i2, l1 / 4096, PTE_V); // a pointer: V only
    }
    const i1 = Math.floor((gpa % GIB) / MEGAPAGE);
    if (this.readPteLo(l1 + 8 * i1) & PTE_V) return;
    this.writePte(l1 + 8 * i1, hpa / 4096, LEAF_RWX);
    this.mapped++;
  }

  isMapped(gpa: number): boolean {
    const l1 = this.level1.get(Math.floor(gpa / GIB));
    return l1 !== undefined && (this.readPteLo(l1 + 8 * Math.floor((gpa % GIB) / MEGAPAGE)) & PTE_V) !== 0;
  }

  private writePte(addr: number, ppn: number, flags: number): void {
    const v = BigInt(ppn) << 10n | BigInt(flags);
    this.ram.view.setBigUint64(addr - this.ram.base, v, true);
  }

  private readPteLo(addr: number): number {
    return this.ram.view.getUint32(addr - this.ram.base, true);
  }
}
