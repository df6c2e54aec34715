// The debugged guest: the engine's Machine booted as the launch configuration says (a bare-metal program, or
// firmware and a kernel through engine/boot.ts, with disks), its symbol files, and the debugger's own
// (side-effect free) view of guest memory.
import * as fs from 'fs';
import { Hart } from '../engine/cpu/hart';
import { BootError, bootMachine, BootOptions, GuestFile } from '../engine/boot';
import { ConsoleIO } from '../engine/devices/device';
import { BlockBackend } from '../engine/devices/virtio/blk-backends';
import { openFileBackend } from '../engine/devices/virtio/file-backend';
import { ElfError, ElfImage, parseElf } from '../engine/loader/elf';
import { Sym } from '../engine/loader/symbols';
import { decode, DecodedInsn } from '../engine/isa/decoder';
import { Machine } from '../engine/machine';
import { EXCEPTION_NAMES, MSTATUS_MPP, MSTATUS_MPP_SHIFT, MSTATUS_MPRV, MSTATUS_MXR, MSTATUS_SUM, PRIV_M } from '../engine/cpu/privilege';
import { Access } from '../engine/mmu/hart-memory';
import { SATP_BARE, SATP_SV39, SATP_SV48, walk, WalkResult, walkStats } from '../engine/mmu/page-walk';
import { DebugImage, ImageRole, ImageSet, Row } from './images';
import { ConfigError, isElfFile, LaunchConfig } from './launch-config';

/** A DWARF path with where it is on this host (undefined when no search root has the file). */
export interface SourceLocation {
  file: string;
  hostPath: string | undefined;
  line: number;
  column: number;
  image: DebugImage;
}

/** A guest file as read once at launch: a reset boots the very same bytes again (as QEMU's ROM blobs). */
interface PlannedFile {
  field: string;
  file: GuestFile;
  elf?: ElfImage;
}

/**
 * What one launch boots, read and opened once: the images' bytes, the disks (so a guest reset keeps what was
 * written to them, as on QEMU) and the symbol files. Every problem is a ConfigError naming its field.
 */
export class BootPlan {
  readonly drives: BlockBackend[] = [];
  readonly program: PlannedFile | undefined;
  readonly bios: PlannedFile | undefined;
  readonly kernel: PlannedFile | undefined;
  /** Symbol files in priority order: program or kernel, firmware, then `symbolFiles`. */
  readonly images: DebugImage[] = [];

  constructor(readonly config: LaunchConfig) {
    if (config.program !== undefined) {
      this.program = readGuest('program', config.program, true);
    } else {
      if (typeof config.bios === 'object') this.bios = readGuest('bios', config.bios.file, false);
      if (config.kernel !== undefined) this.kernel = readGuest('kernel', config.kernel, false);
    }
    const booted: [PlannedFile | undefined, ImageRole][] = [[this.program, 'program'], [this.kernel, 'kernel'], [this.bios, 'bios']];
    for (const [f, role] of booted) if (f?.elf) this.images.push(new DebugImage(f.file.name, role, f.elf, 0, config.cwd));
    config.symbolFiles.forEach((sf, i) => {
      const elf = parseGuestElf(`symbolFiles[${i}].path`, sf.path, new Uint8Array(fs.readFileSync(sf.path)));
      this.images.push(new DebugImage(sf.path, 'symbols', elf, sf.offset, config.cwd));
    });
    try {
      config.drives.forEach((d, i) => {
        try {
          this.drives.push(openFileBackend(d.file, { writeThrough: !d.snapshot }));
        } catch (e) {
          throw new ConfigError(config.drives.length > 1 ? `drive[${i}]` : 'drive', (e as Error).message.replace(/^drive image '[^']*':? ?/, `${d.file}: `));
        }
      });
    } catch (e) {
      this.close();
      throw e;
    }
  }

  /** Closes the disks (their copy-on-write overlays go with them). */
  close(): void {
    for (const d of this.drives.splice(0)) d.close?.();
  }
}

function parseGuestElf(field: string, file: string, bytes: Uint8Array): ElfImage {
  try {
    return parseElf(bytes, file);
  } catch (e) {
    if (e instanceof ElfError) throw new ConfigError(field, `is not a usable RISC-V guest ELF: ${e.message}`);
    throw e;
  }
}

function readGuest(field: string, file: string, elfOnly: boolean): PlannedFile {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(fs.readFileSync(file));
  } catch (e) {
    throw new ConfigError(field, `cannot be read: ${(e as Error).message}`);
  }
  if (elfOnly || isElfFile(file)) {
    let elf: ElfImage;
    try {
      elf = parseElf(bytes, file);
    } catch (e) {
      if (!(e instanceof ElfError)) throw e;
      throw new ConfigError(field, elfOnly ? `is not a usable guest: ${e.message}` : `is not a usable RISC-V ELF: ${e.message}`);
    }
    return { field, file: { name: file, bytes, format: 'elf' }, elf };
  }
  return { field, file: { name: file, bytes } };
}

/** The hart's virtualization mode V (Priv §13.1); false on engines without the H extension. */
export function virtOf(h: Hart): boolean {
  return (h as unknown as { virt?: boolean }).virt === true;
}

/** A debugger translation: the physical address (-1 on a fault), the scheme, and the PTEs the walk read. */
export interface Translation {
  paddr: number;
  mode: string;
  /** Effective privilege of the access (MPRV applied). */
  priv: number;
  ptes: { addr: number; value: bigint }[];
  pageSize?: number;
  fault?: string;
}

/** Why a debugger memory access could not be done. */
export class MemoryError extends Error {}

const hex = (n: number | bigint) => '0x' + BigInt.asUintN(64, BigInt(n)).toString(16);

export interface TargetOptions {
  /** The launch's files and disks; a new plan is made from the configuration when absent. */
  plan?: BootPlan;
  /** A guest programmed a device wrongly (the device resets or reports an error). */
  onDeviceError?: (message: string) => void;
}

export class Target {
  readonly machine: Machine;
  readonly plan: BootPlan;
  readonly images: ImageSet;
  /** Where the harts start: the program's entry, the reset vector (firmware), or the kernel's entry. */
  readonly resetPc: number;
  /** Entry points of the booted images: outermost frames (stepOut has no caller to return to there). */
  readonly entryPoints: readonly number[];

  constructor(readonly config: LaunchConfig, console: ConsoleIO, opts: TargetOptions = {}) {
    this.plan = opts.plan ?? new BootPlan(config);
    this.images = new ImageSet(this.plan.images);
    this.machine = new Machine({
      console, ramSize: config.memory, harts: config.smp, drives: this.plan.drives, onDeviceError: opts.onDeviceError,
    });
    const plan = this.plan;
    if (plan.program) {
      const elf = plan.program.elf!;
      try {
        this.machine.load(elf, plan.program.file.name);
      } catch (e) {
        if (e instanceof ElfError) throw this.doesNotFit(plan.program, e);
        throw e;
      }
      this.resetPc = elf.entry;
    } else {
      const options: BootOptions = {
        bios: plan.bios ? plan.bios.file : config.bios === 'none' ? 'none' : 'builtin',
        ...(plan.kernel ? { kernel: plan.kernel.file } : {}),
        ...(config.append !== undefined ? { append: config.append } : {}),
      };
      try {
        this.resetPc = bootMachine(this.machine, options).resetPc;
      } catch (e) {
        if (!(e instanceof ElfError || e instanceof BootError)) throw e;
        const culprit = [plan.kernel, plan.bios].find((f) => f && e.message.startsWith(`${f.file.name}:`));
        if (culprit) throw this.doesNotFit(culprit, e);
        throw new ConfigError('memory', `is too small for this guest: ${e.message}`);
      }
    }
    this.entryPoints = [...new Set([this.resetPc, ...this.images.images.filter((i) => i.role !== 'symbols').map((i) => i.entry)])];
  }

  /** An image that RAM cannot hold: below RAM no memory size helps; past its end, more memory does. */
  private doesNotFit(f: PlannedFile, e: Error): ConfigError {
    const below = f.elf?.segments.some((seg) => seg.memSize > 0 && seg.paddr < this.machine.ram.base) ?? false;
    if (below) return new ConfigError(f.field, `does not fit the virt board: ${e.message}`);
    return new ConfigError('memory', `is too small for the ${f.field === 'bios' ? 'firmware' : f.field}: ${e.message}`);
  }

  hart(id: number): Hart {
    return this.machine.harts[id];
  }

  /** Whether any symbol file has a line table (source breakpoints and line stepping need one). */
  get hasLines(): boolean {
    return this.images.withLines.length > 0;
  }

  /** The line-table row at a run-time address (with the image it came from). */
  rowAt(addr: number): Row | undefined {
    return this.images.row(addr);
  }

  isStatementStart(addr: number): boolean {
    return this.images.isStatementStart(addr);
  }

  location(addr: number): SourceLocation | undefined {
    const row = this.images.row(addr);
    if (!row || row.line === 0) return undefined;
    return { file: row.file, hostPath: row.image.sources.hostPath(row.file), line: row.line, column: row.column, image: row.image };
  }

  /** The function (or other symbol) an address belongs to, from the symbol file that covers the address. */
  symbolAt(addr: number): { sym: Sym; offset: number; image: DebugImage } | undefined {
    return this.images.symbolAt(addr);
  }

  /** A symbol by name (the first symbol file that defines it). */
  lookupSymbol(name: string): Sym | undefined {
    return this.images.lookup(name);
  }

  /** `name` or `name+0x1c`, as objdump labels addresses. */
  symbolize(addr: number): string | undefined {
    const s = this.symbolAt(addr);
    if (!s) return undefined;
    return s.offset === 0 ? s.sym.name : `${s.sym.name}+0x${s.offset.toString(16)}`;
  }

  /** [start, end) of the function containing `addr`, from its symbol (end = start when it has no size). */
  functionRange(addr: number): { name: string; start: number; end: number } | undefined {
    const s = this.symbolAt(addr);
    if (!s) return undefined;
    return { name: s.sym.name, start: s.sym.addr, end: s.sym.addr + s.sym.size };
  }

  /**
   * How hart `h` would translate a virtual address for an access, without side effects: the engine's own
   * page walker (engine/mmu/page-walk.ts) runs over a copy-on-write view of RAM, so the A/D bits it would set
   * are not written, and every PTE it reads is recorded for `info mmu`. `asPriv` asks how another privilege
   * (U for a user page seen from the kernel) would translate it with the same satp.
   */
  translate(h: Hart, va: bigint, access: 'fetch' | 'load' | 'store', asPriv?: number): Translation {
    const kind = access === 'fetch' ? Access.Fetch : access === 'load' ? Access.Load : Access.Store;
    const mprv = h.priv === PRIV_M && (h.mstatus & MSTATUS_MPRV) !== 0 && access !== 'fetch';
    const priv = asPriv ?? (mprv ? (h.mstatus & MSTATUS_MPP) >>> MSTATUS_MPP_SHIFT : h.priv);
    const mode = h.csrHi[0x180] >>> 28;
    const u = BigInt.asUintN(64, va);
    if (priv === PRIV_M || mode === SATP_BARE) {
      if (u >= 1n << 56n) return { paddr: -1, mode: 'bare', priv, ptes: [], fault: `${hex(u)} is beyond the 56-bit physical address space` };
      return { paddr: Number(u), mode: 'bare', priv, ptes: [] };
    }
    if (virtOf(h)) {
      return { paddr: -1, mode: 'two-stage', priv, ptes: [], fault: `${hex(u)}: two-stage (V=1) translation is not available to the debugger yet` };
    }
    const ram = this.machine.ram;
    const overlay = new Map<number, number>();
    const reads: number[] = [];
    const view = new Proxy(ram.i32, {
      get: (t, k) => {
        if (typeof k === 'string' && /^\d+$/.test(k)) {
          const i = Number(k);
          if (!reads.includes(i)) reads.push(i);
          return overlay.has(i) ? overlay.get(i) : t[i];
        }
        return Reflect.get(t, k);
      },
      set: (_t, k, v) => { overlay.set(Number(k), v as number); return true; },
    });
    const out = { paddr: -1, paLo: 0, paHi: 0, cause: 0, pageSize: 4096, gpaLo: 0, gpaHi: 0, tinst: 0 } as WalkResult;
    const stats = { ...walkStats }; // the engine's walk counters describe the guest, not the debugger
    // SUM and MXR go both as mstatus bits (18, 19) and as the walker's flag bits (1, 2): the walker's 4th
    // parameter is changing from mstatus to a WALK_* flag set, and each form ignores the other's bits.
    const sum = (h.mstatus & MSTATUS_SUM) !== 0, mxr = (h.mstatus & MSTATUS_MXR) !== 0;
    const flags = (h.mstatus & (MSTATUS_SUM | MSTATUS_MXR)) | (sum ? 1 : 0) | (mxr ? 2 : 0);
    walk({ pteOffset: (pa, write) => h.mem.pteOffset(pa, write), ramI32: view }, h.csrLo[0x180], h.csrHi[0x180], flags,
      Number(u & 0xffffffffn) | 0, Number(u >> 32n) | 0, kind, priv, out);
    Object.assign(walkStats, stats);
    const ptes: { addr: number; value: bigint }[] = [];
    for (const w of reads) {
      if (w % 2 !== 0) continue;
      ptes.push({ addr: ram.base + w * 4, value: (BigInt(ram.i32[w + 1] >>> 0) << 32n) | BigInt(ram.i32[w] >>> 0) });
    }
    const name = mode === SATP_SV39 ? 'Sv39' : mode === SATP_SV48 ? 'Sv48' : `mode ${mode}`;
    if (out.paddr < 0) {
      return { paddr: -1, mode: name, priv, ptes, fault: `${access} of ${hex(u)} faults under ${name}: ${EXCEPTION_NAMES[out.cause] ?? `cause ${out.cause}`}` };
    }
    return { paddr: out.paddr, mode: name, priv, ptes, pageSize: out.pageSize };
  }

  /** The physical address of a guest virtual address for a debugger load on hart `h` (its current translation). */
  toPhysical(h: Hart, va: number | bigint, access: 'fetch' | 'load' = 'load'): number {
    const t = this.translate(h, BigInt(va), access);
    if (t.fault) throw new MemoryError(t.fault);
    return t.paddr;
  }

  /** Readable RAM bytes from `paddr`: the prefix inside RAM (device registers are never read: reads have side
   *  effects, e.g. the UART's receive buffer), and how many bytes after it are unreadable. */
  readPhysical(paddr: number, count: number): { data: Uint8Array; unreadable: number } {
    const ram = this.machine.ram;
    const start = Math.max(paddr, ram.base), end = Math.min(paddr + count, ram.end);
    if (paddr < ram.base) {
      // Unreadable up to RAM (or to the end of the request).
      return { data: new Uint8Array(0), unreadable: Math.min(count, ram.base - paddr) };
    }
    if (start >= end) return { data: new Uint8Array(0), unreadable: count };
    const data = ram.u8.slice(start - ram.base, end - ram.base);
    return { data, unreadable: count - data.length };
  }

  /** Writes RAM; the interpreter forgets decoded instructions so patched code runs as written. */
  writePhysical(paddr: number, data: Uint8Array): number {
    const ram = this.machine.ram;
    if (paddr < ram.base || paddr >= ram.end) return 0;
    const n = Math.min(data.length, ram.end - paddr);
    ram.u8.set(data.subarray(0, n), paddr - ram.base);
    if (n > 0) this.machine.interp.flushAll();
    return n;
  }

  /** A little-endian value of `size` bytes at a guest virtual address (through toPhysical). */
  readValue(h: Hart, va: bigint, size: number): bigint {
    const pa = this.toPhysical(h, va);
    const { data } = this.readPhysical(pa, size);
    if (data.length < size) throw new MemoryError(`cannot read ${size} bytes at ${hex(va)}: not RAM`);
    let v = 0n;
    for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(data[i]);
    return v;
  }

  /** The instruction word at a virtual address (16 bits for a compressed one), or undefined if unreadable. */
  fetch(h: Hart, pc: number): { raw: number; size: 2 | 4 } | undefined {
    let pa: number;
    try { pa = this.toPhysical(h, pc, 'fetch'); } catch { return undefined; }
    const { data } = this.readPhysical(pa, 4);
    if (data.length < 2) return undefined;
    const lo = data[0] | (data[1] << 8);
    if ((lo & 3) !== 3) return { raw: lo, size: 2 };
    if (data.length < 4) return undefined;
    return { raw: (lo | (data[2] << 16) | (data[3] << 24)) >>> 0, size: 4 };
  }

  decodeAt(h: Hart, pc: number): DecodedInsn | undefined {
    const f = this.fetch(h, pc);
    return f && decode(f.raw);
  }

  /** Whether `addr` is a return address: the instruction just before it is a call. */
  followsCall(h: Hart, addr: number): boolean {
    if (addr % 2 !== 0) return false;
    const d4 = this.decodeAt(h, addr - 4);
    if (d4 && d4.size === 4 && isCall(d4)) return true;
    const d2 = this.decodeAt(h, addr - 2);
    return d2 !== undefined && d2.size === 2 && isCall(d2);
  }
}

/** Link registers of the RISC-V calling convention (Unpriv §2.5: x1 and the alternate x5). */
const LINK = new Set([1, 5]);

/** A call: jal/jalr (or c.jalr) writing a link register. The return lands at pc + size. */
export function isCall(d: DecodedInsn | undefined): boolean {
  if (!d) return false;
  const m = d.def.semantics;
  return (m === 'jal' || m === 'jalr') && LINK.has(d.rd);
}

/** A return: jalr x0, 0(ra) (or c.jr ra), the psABI's `ret`. */
export function isReturn(d: DecodedInsn | undefined): boolean {
  if (!d) return false;
  return d.def.semantics === 'jalr' && d.rd === 0 && LINK.has(d.rs1) && d.imm === 0 && d.def.mnemonic !== 'c.jalr';
}

export { hex };
