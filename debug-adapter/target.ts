// The debugged guest: the engine's Machine with the program loaded, its symbols, line table and sources,
// and the debugger's own (side-effect free) view of guest memory.
import * as fs from 'fs';
import * as path from 'path';
import { Hart } from '../engine/cpu/hart';
import { ConsoleIO } from '../engine/devices/device';
import { DwarfError, LineRow, LineTable } from '../engine/loader/dwarf-line';
import { ElfError, ElfImage, findSection, parseElf } from '../engine/loader/elf';
import { Sym, SymbolTable } from '../engine/loader/symbols';
import { decode, DecodedInsn } from '../engine/isa/decoder';
import { Machine } from '../engine/machine';
import { EXCEPTION_NAMES, MSTATUS_MPP, MSTATUS_MPP_SHIFT, MSTATUS_MPRV, MSTATUS_MXR, MSTATUS_SUM, PRIV_M } from '../engine/cpu/privilege';
import { Access } from '../engine/mmu/hart-memory';
import { SATP_BARE, SATP_SV39, SATP_SV48, walk, WalkResult, walkStats } from '../engine/mmu/page-walk';
import { ConfigError, LaunchConfig } from './launch-config';

/** A DWARF path with where it is on this host (undefined when no search root has the file). */
export interface SourceLocation {
  file: string;
  hostPath: string | undefined;
  line: number;
  column: number;
}

/**
 * Finds the host files behind the line table's paths. gcc records paths relative to the compilation directory
 * (the guests are built with `-ffile-prefix-map` so they are relative to guests/, e.g. `demo/main.c`), so
 * relative paths are tried against the launch `cwd`, then the program's directory and its ancestors.
 */
export class SourceResolver {
  private readonly cache = new Map<string, string | undefined>();
  readonly roots: string[];

  constructor(program: string, cwd: string, compDir: string | undefined) {
    const roots: string[] = [];
    if (compDir && path.isAbsolute(compDir)) roots.push(compDir);
    roots.push(cwd);
    for (let d = path.dirname(program), i = 0; i < 6; i++) {
      roots.push(d);
      const up = path.dirname(d);
      if (up === d) break;
      d = up;
    }
    this.roots = [...new Set(roots)];
  }

  hostPath(file: string): string | undefined {
    if (this.cache.has(file)) return this.cache.get(file);
    let found: string | undefined;
    if (path.isAbsolute(file)) found = fs.existsSync(file) ? file : undefined;
    else found = this.roots.map((r) => path.join(r, file)).find((p) => fs.existsSync(p));
    this.cache.set(file, found);
    return found;
  }

  /** The line-table paths that name `clientPath` (the same file, symlinks resolved, or a path suffix as a
   *  fallback for sources that are not on this host). */
  filesFor(clientPath: string, files: readonly string[]): string[] {
    const want = path.resolve(clientPath);
    const wantReal = realPath(want);
    const exact = files.filter((f) => {
      const p = this.hostPath(f);
      return p !== undefined && (p === want || realPath(p) === wantReal);
    });
    if (exact.length > 0) return exact;
    const norm = want.split(path.sep).join('/');
    return files.filter((f) => !path.isAbsolute(f) && norm.endsWith('/' + f));
  }
}

/** The hart's virtualization mode V (Priv §13.1); false on engines without the H extension. */
export function virtOf(h: Hart): boolean {
  return (h as unknown as { virt?: boolean }).virt === true;
}

function realPath(p: string): string {
  try { return fs.realpathSync(p); } catch { return p; }
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

export class Target {
  readonly machine: Machine;
  readonly image: ElfImage;
  readonly lines: LineTable | undefined;
  /** Why there is no line table (no -g, or a malformed one), for messages. */
  readonly lineTableProblem: string | undefined;
  readonly sources: SourceResolver;

  constructor(readonly config: LaunchConfig, console: ConsoleIO) {
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(fs.readFileSync(config.program));
    } catch (e) {
      throw new ConfigError('program', `cannot be read: ${(e as Error).message}`);
    }
    try {
      this.image = parseElf(bytes, config.program);
    } catch (e) {
      if (e instanceof ElfError) throw new ConfigError('program', `is not a usable guest: ${e.message}`);
      throw e;
    }
    this.machine = new Machine({ console, ramSize: config.memory, harts: config.smp });
    try {
      this.machine.load(this.image, config.program);
    } catch (e) {
      if (e instanceof ElfError) {
        // Below RAM no memory size helps; past its end, more memory does.
        const below = this.image.segments.some((seg) => seg.memSize > 0 && seg.paddr < this.machine.ram.base);
        if (below) throw new ConfigError('program', `does not fit the virt board: ${e.message}`);
        throw new ConfigError('memory', `is too small for the program: ${e.message}`);
      }
      throw e;
    }
    const debugLine = findSection(this.image, '.debug_line');
    let lines: LineTable | undefined;
    let problem: string | undefined;
    if (!debugLine) problem = `${path.basename(config.program)} has no .debug_line section (build it with -g)`;
    else {
      try {
        lines = LineTable.fromSections({
          debugLine, debugLineStr: findSection(this.image, '.debug_line_str'), debugStr: findSection(this.image, '.debug_str'),
        });
      } catch (e) {
        if (!(e instanceof DwarfError)) throw e;
        problem = `the line table of ${path.basename(config.program)} cannot be read: ${e.message}`;
      }
    }
    this.lines = lines;
    this.lineTableProblem = problem;
    this.sources = new SourceResolver(config.program, config.cwd, lines?.programs.find((p) => p.compDir)?.compDir);
  }

  get symbols(): SymbolTable {
    return this.image.symbols;
  }

  hart(id: number): Hart {
    return this.machine.harts[id];
  }

  location(addr: number): SourceLocation | undefined {
    const row: LineRow | undefined = this.lines?.lookup(addr);
    if (!row || row.line === 0) return undefined;
    return { file: row.file, hostPath: this.sources.hostPath(row.file), line: row.line, column: row.column };
  }

  /** The function (or other symbol) an address belongs to. */
  symbolAt(addr: number): { sym: Sym; offset: number } | undefined {
    return this.symbols.nearest(addr);
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
   * are not written, and every PTE it reads is recorded for `info mmu`.
   */
  translate(h: Hart, va: bigint, access: 'fetch' | 'load' | 'store'): Translation {
    const kind = access === 'fetch' ? Access.Fetch : access === 'load' ? Access.Load : Access.Store;
    const mprv = h.priv === PRIV_M && (h.mstatus & MSTATUS_MPRV) !== 0 && access !== 'fetch';
    const priv = mprv ? (h.mstatus & MSTATUS_MPP) >>> MSTATUS_MPP_SHIFT : h.priv;
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
