// The debugged guest: the engine's Machine booted as the launch configuration says (a bare-metal program, or
// firmware and a kernel through engine/boot.ts, with disks), its symbol files, and the debugger's own
// (side-effect free) view of guest memory.
import * as fs from 'fs';
import { Hart } from '../engine/cpu/hart';
import { BootError, bootMachine, BootOptions, GuestFile, hostRamSize } from '../engine/boot';
import { ConsoleIO } from '../engine/devices/device';
import { BlockBackend } from '../engine/devices/virtio/blk-backends';
import { openFileBackend } from '../engine/devices/virtio/file-backend';
import { ElfError, ElfImage, parseElf } from '../engine/loader/elf';
import { Sym } from '../engine/loader/symbols';
import { decode, DecodedInsn } from '../engine/isa/decoder';
import { Machine } from '../engine/machine';
import { EXCEPTION_NAMES, MSTATUS_MPP, MSTATUS_MPP_SHIFT, MSTATUS_MPRV, MSTATUS_MXR, MSTATUS_SUM, PRIV_M } from '../engine/cpu/privilege';
import { Access } from '../engine/mmu/hart-memory';
import { newWalkResult, SATP_BARE, SATP_SV39, SATP_SV48, walk, WALK_GSTAGE, WALK_MXR, WALK_SUM, walkStats } from '../engine/mmu/page-walk';
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

/** The engine's virtualization mode for a configuration (validateLaunchConfig admits only these two). */
export function engineMode(config: LaunchConfig): 'bare' | 'hw' {
  return config.mode === 'hw' ? 'hw' : 'bare';
}

/** The hart's virtualization mode V (Priv §13.1). */
export function virtOf(h: Hart): boolean {
  return h.virt;
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
  /** The first-stage root CSR: satp, or vsatp at V=1. */
  root?: 'satp' | 'vsatp';
  /** At V=1: the guest physical address the VS stage gave, and how the G stage took it to host physical. */
  guestPhysical?: number;
  gStage?: string;
}

const PAGE = 4096;

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
      console, ramSize: hostRamSize(engineMode(config), config.memory), harts: config.smp, drives: this.plan.drives,
      onDeviceError: opts.onDeviceError,
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
        mode: engineMode(config),
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
   * (U for a user page seen from the kernel) would translate it with the same satp. With V=1 (a guest under
   * the H extension) it is two-stage: the guest's vsatp, then the G stage (hgatp).
   */
  translate(h: Hart, va: bigint, access: 'fetch' | 'load' | 'store', asPriv?: number): Translation {
    const kind = access === 'fetch' ? Access.Fetch : access === 'load' ? Access.Load : Access.Store;
    const mprv = h.priv === PRIV_M && (h.mstatus & MSTATUS_MPRV) !== 0 && access !== 'fetch';
    const priv = asPriv ?? (mprv ? (h.mstatus & MSTATUS_MPP) >>> MSTATUS_MPP_SHIFT : h.priv);
    const virt = virtOf(h) && priv !== PRIV_M;
    const root = virt ? 0x280 : 0x180; // vsatp takes satp's place at V=1 (Priv §13.2.18)
    const mode = h.csrHi[root] >>> 28;
    const u = BigInt.asUintN(64, va);
    const rootName = virt ? 'vsatp' as const : 'satp' as const;
    const walker = this.walker();
    let gpa: number;
    let result: Translation;
    if (priv === PRIV_M || mode === SATP_BARE) {
      if (u >= 1n << 56n) return { paddr: -1, mode: 'bare', root: rootName, priv, ptes: [], fault: `${hex(u)} is beyond the 56-bit physical address space` };
      gpa = Number(u);
      result = { paddr: gpa, mode: 'bare', root: rootName, priv, ptes: [] };
    } else {
      // SUM and MXR: at V=1 from vsstatus (MXR also from the HS-level mstatus), else from mstatus.
      const st = virt ? h.csrLo[0x200] : h.mstatus;
      const sum = (st & MSTATUS_SUM) !== 0, mxr = ((st | h.mstatus) & MSTATUS_MXR) !== 0;
      const flags = (sum ? WALK_SUM : 0) | (mxr ? WALK_MXR : 0);
      const out = newWalkResult();
      // At V=1 the guest's page tables are at guest-physical addresses: each PTE read goes through the G stage.
      const host = virt
        ? { pteOffset: (pa: number, write: boolean) => { const hpa = walker.gStage(h, pa, write).paddr; return hpa < 0 ? -1 : h.mem.pteOffset(hpa, write); }, ramI32: walker.view }
        : { pteOffset: (pa: number, write: boolean) => h.mem.pteOffset(pa, write), ramI32: walker.view };
      walker.recording = true;
      walk(host, h.csrLo[root], h.csrHi[root], flags, Number(u & 0xffffffffn) | 0, Number(u >> 32n) | 0, kind, priv, out);
      walker.done();
      const ptes = walker.ptes();
      const name = mode === SATP_SV39 ? 'Sv39' : mode === SATP_SV48 ? 'Sv48' : `mode ${mode}`;
      if (out.paddr < 0) {
        return { paddr: -1, mode: name, root: rootName, priv, ptes, fault: `${access} of ${hex(u)} faults under ${name}${virt ? ' (VS stage)' : ''}: ${EXCEPTION_NAMES[out.cause] ?? `cause ${out.cause}`}` };
      }
      gpa = out.paddr;
      result = { paddr: gpa, mode: name, root: rootName, priv, ptes, pageSize: out.pageSize };
    }
    if (!virt) return result;
    const g = walker.gStage(h, gpa, access === 'store', kind);
    walker.done();
    result.guestPhysical = gpa;
    result.gStage = g.how;
    if (g.paddr < 0) return { ...result, paddr: -1, fault: `${access} of ${hex(u)}: guest physical ${hex(gpa)} ${g.how}` };
    result.paddr = g.paddr;
    return result;
  }

  /** Guest RAM as the launch configured it: under hw the machine's RAM also holds the VMM's private area above it. */
  get guestRam(): { base: number; end: number } {
    const ram = this.machine.ram;
    return { base: ram.base, end: Math.min(ram.end, ram.base + this.config.memory) };
  }

  /**
   * A side-effect-free page walker for the debugger: a copy-on-write view of RAM (A/D updates stay in the
   * overlay), the VS-stage PTEs it read, and the G stage of a guest-physical address.
   */
  private walker() {
    const ram = this.machine.ram;
    const overlay = new Map<number, number>();
    const reads: number[] = [];
    const stats = { ...walkStats }; // the engine's walk counters describe the guest, not the debugger
    const w = {
      recording: false,
      view: new Proxy(ram.i32, {
        get: (t, k) => {
          if (typeof k === 'string' && /^\d+$/.test(k)) {
            const i = Number(k);
            if (w.recording && !reads.includes(i)) reads.push(i);
            return overlay.has(i) ? overlay.get(i) : t[i];
          }
          return Reflect.get(t, k);
        },
        set: (_t, k, v) => { overlay.set(Number(k), v as number); return true; },
      }),
      done: () => { Object.assign(walkStats, stats); },
      ptes: () => reads.filter((i) => i % 2 === 0)
        .map((i) => ({ addr: ram.base + i * 4, value: (BigInt(ram.i32[i + 1] >>> 0) << 32n) | BigInt(ram.i32[i] >>> 0) })),
      /** Guest physical → host physical: hgatp's table, or identity when it is Bare. Under hw the VMM maps guest
       *  RAM lazily (2 MiB at first touch) at the same address, so unmapped guest RAM is where it will be. */
      gStage: (h: Hart, gpa: number, write: boolean, kind = write ? Access.Store : Access.Load): { paddr: number; how: string } => {
        const hgatpHi = h.csrHi[0x680], gmode = hgatpHi >>> 28;
        if (gmode === SATP_BARE) return { paddr: gpa, how: 'hgatp.MODE = Bare: host physical = guest physical' };
        const out = newWalkResult();
        const was = w.recording;
        w.recording = false; // G-stage PTEs are the VMM's, not the guest's
        walk({ pteOffset: (pa, wr) => h.mem.pteOffset(pa, wr), ramI32: w.view }, h.csrLo[0x680], hgatpHi, WALK_GSTAGE,
          gpa % 4294967296 | 0, Math.floor(gpa / 4294967296) | 0, kind, 0, out);
        w.recording = was;
        const gname = gmode === SATP_SV39 ? 'Sv39x4' : gmode === SATP_SV48 ? 'Sv48x4' : `mode ${gmode}`;
        if (out.paddr >= 0) return { paddr: out.paddr, how: `${gname}: mapped` };
        const g = this.guestRam;
        if (this.config.mode === 'hw' && gpa >= g.base && gpa < g.end) {
          return { paddr: gpa, how: `${gname}: guest RAM not touched yet (the VMM maps it at the same address on first access)` };
        }
        const dev = this.config.mode === 'hw' ? this.machine.bus.findDevice(gpa) : undefined;
        if (dev) return { paddr: -1, how: `is device ${dev.dev.name} + ${hex(dev.offset)}, emulated by the VMM: accesses are 'mmio' VM exits` };
        return { paddr: -1, how: `has no G-stage mapping (${gname}): ${EXCEPTION_NAMES[out.cause] ?? `cause ${out.cause}`}` };
      },
    };
    return w;
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
    const ram = this.machine.ram, g = this.guestRam;
    const start = Math.max(paddr, ram.base), end = Math.min(paddr + count, g.end);
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
    const ram = this.machine.ram, g = this.guestRam;
    if (paddr < ram.base || paddr >= g.end) return 0;
    const n = Math.min(data.length, g.end - paddr);
    ram.u8.set(data.subarray(0, n), paddr - ram.base);
    if (n > 0) this.machine.interp.flushAll();
    return n;
  }

  /** Guest virtual memory as hart `h` would load it now, page by page: the readable prefix, then how many bytes
   *  are unreadable from the first page that does not translate or is not RAM. */
  readVirtual(h: Hart, va: number, count: number): { data: Uint8Array; unreadable: number } {
    const parts: Uint8Array[] = [];
    let done = 0;
    while (done < count) {
      const at = va + done, n = Math.min(count - done, PAGE - (((at % PAGE) + PAGE) % PAGE));
      let pa: number;
      try { pa = this.toPhysical(h, at); } catch { break; }
      const { data } = this.readPhysical(pa, n);
      parts.push(data);
      done += data.length;
      if (data.length < n) break;
    }
    const data = new Uint8Array(done);
    let o = 0;
    for (const p of parts) { data.set(p, o); o += p.length; }
    return { data, unreadable: count - done };
  }

  /** Writes guest virtual memory through hart `h`'s translation (of a load: the debugger may patch read-only
   *  code), page by page, up to the first page that does not translate or is not RAM; returns bytes written. */
  writeVirtual(h: Hart, va: number, bytes: Uint8Array): number {
    let done = 0;
    while (done < bytes.length) {
      const at = va + done, n = Math.min(bytes.length - done, PAGE - (((at % PAGE) + PAGE) % PAGE));
      let pa: number;
      try { pa = this.toPhysical(h, at); } catch { break; }
      const w = this.writePhysical(pa, bytes.subarray(done, done + n));
      done += w;
      if (w < n) break;
    }
    return done;
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
