// The symbol files of a session: every ELF the guest was booted from (firmware, kernel, bare program) plus
// the extra ELFs of `symbolFiles`, each with its symbols, line table and the offset that maps its link
// addresses to the addresses the guest runs it at.
import * as fs from 'fs';
import * as path from 'path';
import { CallFrameTable, UnwindRow } from '../engine/loader/dwarf-cfi';
import { DebugInfo, Subprogram } from '../engine/loader/dwarf-info';
import { DwarfError, LineRow, LineTable } from '../engine/loader/dwarf-line';
import { ElfImage, findSection } from '../engine/loader/elf';
import { classifySymbol, Sym, SymbolTable } from '../engine/loader/symbols';

/** Where an image came from: booted by the machine, or named only for its symbols. */
export type ImageRole = 'program' | 'kernel' | 'bios' | 'symbols';

/** gABI section types and the size of an Elf64_Sym ("Symbol Table"). */
const SHT_SYMTAB = 2, SHT_STRTAB = 3, SHT_DYNSYM = 11, SYM_SIZE = 24;
/** gABI special section index of absolute symbols. */
const SHN_ABS = 0xfff1;

/**
 * Finds the host files behind a line table's paths. gcc records paths relative to the compilation directory
 * (the guests are built with `-ffile-prefix-map` so they are relative to guests/, e.g. `demo/main.c`), so
 * relative paths are tried against the launch `cwd`, then the ELF's directory and its ancestors.
 */
export class SourceResolver {
  private readonly cache = new Map<string, string | undefined>();
  readonly roots: string[];

  constructor(elfPath: string, cwd: string, compDir: string | undefined) {
    const roots: string[] = [];
    if (compDir && path.isAbsolute(compDir)) roots.push(compDir);
    roots.push(cwd);
    for (let d = path.dirname(elfPath), i = 0; i < 6; i++) {
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

function realPath(p: string): string {
  try { return fs.realpathSync(p); } catch { return p; }
}

/**
 * The symbols of an ELF: its .symtab, or, for a stripped file, its .dynsym (Debian's OpenSBI fw_jump.elf and
 * U-Boot's uboot.elf keep only the dynamic symbols their self-relocation needs). The engine's loader reads
 * .symtab only, and its symbols do not say which are absolute (SHN_ABS: constants such as a linker script's
 * KERNEL_BASE, which would otherwise name code at the same address), so both tables are read here with the
 * engine's classification: `byName` has every symbol, `byAddress` those defined in a section.
 */
export function elfSymbols(elf: ElfImage): { byName: SymbolTable; byAddress: SymbolTable; source: '.symtab' | '.dynsym' | 'none' } {
  for (const [type, source] of [[SHT_SYMTAB, '.symtab'], [SHT_DYNSYM, '.dynsym']] as const) {
    const tab = elf.sections.find((s) => s.type === type);
    const strtab = tab && elf.sections[tab.link];
    if (!tab || !strtab || strtab.type !== SHT_STRTAB || tab.entSize < SYM_SIZE) continue;
    const v = new DataView(tab.bytes.buffer, tab.bytes.byteOffset, tab.bytes.byteLength);
    const decoder = new TextDecoder('utf-8');
    const all: Sym[] = [], located: Sym[] = [];
    for (let at = tab.entSize; at + SYM_SIZE <= tab.bytes.length; at += tab.entSize) {
      const nameOff = v.getUint32(at, true), info = v.getUint8(at + 4), shndx = v.getUint16(at + 6, true);
      const end = strtab.bytes.indexOf(0, nameOff);
      if (nameOff >= strtab.bytes.length || end < 0) continue;
      const name = decoder.decode(strtab.bytes.subarray(nameOff, end));
      const cls = classifySymbol(name, info, shndx);
      const value = BigInt.asIntN(64, v.getBigUint64(at + 8, true));
      const size = v.getBigUint64(at + 16, true);
      if (!cls || value > BigInt(Number.MAX_SAFE_INTEGER) || value < -BigInt(Number.MAX_SAFE_INTEGER) || size > 1n << 40n) continue;
      const sym: Sym = { name, addr: Number(value), size: Number(size), kind: cls.kind, bind: cls.bind };
      all.push(sym);
      if (shndx !== SHN_ABS) located.push(sym);
    }
    if (all.length > 0) return { byName: new SymbolTable(all), byAddress: new SymbolTable(located), source };
  }
  return { byName: new SymbolTable(), byAddress: new SymbolTable(), source: 'none' };
}

/** A line-table row at a run-time address. */
export interface Row extends LineRow {
  image: DebugImage;
}

/**
 * One symbol file. Run-time address = link address + `offset`: 0 for images the machine loaded at their
 * link addresses; for code that moves itself (U-Boot relocates to the top of RAM) the distance it moved.
 * The image answers only for addresses inside its loadable segments (shifted by the offset), so several files
 * can share one address space without one's symbols naming another's code.
 */
export class DebugImage {
  readonly name: string;
  /** Symbols at run-time addresses: every one for lookups by name, ... */
  readonly symbols: SymbolTable;
  /** ... and those defined in a section for naming addresses (no absolute constants). */
  readonly locatedSymbols: SymbolTable;
  readonly symbolSource: '.symtab' | '.dynsym' | 'none';
  readonly lines: LineTable | undefined;
  /** Why there is no line table, for messages. */
  readonly lineProblem: string | undefined;
  readonly sources: SourceResolver;
  /** Run-time [start, end) of each loadable segment. */
  readonly extents: readonly { start: number; end: number }[];

  constructor(readonly file: string, readonly role: ImageRole, readonly elf: ElfImage, readonly offset: number, cwd: string) {
    this.name = path.basename(file);
    const syms = elfSymbols(elf);
    this.symbolSource = syms.source;
    const shift = (t: SymbolTable) => (offset === 0 ? t : new SymbolTable(t.all().map((s) => ({ ...s, addr: s.addr + offset }))));
    this.symbols = shift(syms.byName);
    this.locatedSymbols = shift(syms.byAddress);
    this.extents = elf.segments.filter((s) => s.memSize > 0).map((s) => ({ start: s.vaddr + offset, end: s.vaddr + s.memSize + offset }));
    const debugLine = findSection(elf, '.debug_line');
    let lines: LineTable | undefined;
    let problem: string | undefined;
    if (!debugLine) problem = `${this.name} has no .debug_line section (build it with -g)`;
    else {
      try {
        lines = LineTable.fromSections({
          debugLine, debugLineStr: findSection(elf, '.debug_line_str'), debugStr: findSection(elf, '.debug_str'),
        });
      } catch (e) {
        if (!(e instanceof DwarfError)) throw e;
        problem = `the line table of ${this.name} cannot be read: ${e.message}`;
      }
    }
    this.lines = lines;
    this.lineProblem = problem;
    this.sources = new SourceResolver(file, cwd, lines?.programs.find((p) => p.compDir)?.compDir);
  }

  /** Call frame information from .debug_frame, else .eh_frame, parsed on first use. */
  private readonly cfi = new LazyDwarf<CallFrameTable>(() => {
    const debugFrame = findSection(this.elf, '.debug_frame');
    const eh = this.elf.sections.find((s) => s.name === '.eh_frame' && s.bytes.length > 0);
    if (debugFrame) return CallFrameTable.fromDebugFrame(debugFrame);
    return eh && CallFrameTable.fromEhFrame(eh.bytes, eh.addr);
  }, () => `${this.name} has no .debug_frame or .eh_frame`, () => `the call frame information of ${this.name}`);

  get frames(): CallFrameTable | null { return this.cfi.value; }

  /** The unwind row at a run-time address (its CFA rule and where the caller's registers are saved). */
  unwindRow(addr: number): UnwindRow | undefined {
    return this.frames?.rowAt(addr - this.offset);
  }

  /** Functions, variables and types from .debug_info, parsed on first use. */
  private readonly dwarfInfo = new LazyDwarf<DebugInfo>(() => DebugInfo.fromElf(this.elf),
    () => `${this.name} has no .debug_info (build it with -g)`, () => `the debugging information of ${this.name}`);

  get info(): DebugInfo | null { return this.dwarfInfo.value; }
  /** Why there is no .debug_info (missing, or malformed), once `info` was asked for. */
  get infoProblem(): string | undefined { return this.dwarfInfo.problem; }

  /** The function whose code holds a run-time address (its ranges and locations are at link addresses). */
  functionAt(addr: number): Subprogram | undefined {
    return this.info?.functionAt(addr - this.offset);
  }

  /** Run-time entry point. */
  get entry(): number {
    return this.elf.entry + this.offset;
  }

  contains(addr: number): boolean {
    return this.extents.some((e) => addr >= e.start && addr < e.end);
  }

  row(addr: number): Row | undefined {
    const r = this.lines?.lookup(addr - this.offset);
    return r && { ...r, address: r.address + this.offset, image: this };
  }

  isStatementStart(addr: number): boolean {
    return this.lines?.isStatementStart(addr - this.offset) ?? false;
  }

  /** Run-time addresses where statements of `file` (as recorded) at `line` begin. */
  addressesFor(file: string, line: number): number[] {
    return (this.lines?.addressesFor(file, line) ?? []).map((a) => a + this.offset);
  }

  /** One line for the debug console and the Modules view: what the file gives and where it lies. */
  describe(): string {
    const range = this.extents.length === 0 ? 'nothing loadable' : this.extents.map((e) => `${hexAddr(e.start)}-${hexAddr(e.end)}`).join(', ');
    const syms = this.symbolSource === 'none' ? 'no symbols' : `${this.symbols.size} symbols from ${this.symbolSource}`;
    const offset = this.offset === 0 ? 'at its link addresses' : `link address ${this.offset < 0 ? '-' : '+'} ${hexAddr(Math.abs(this.offset))}`;
    return `${this.name} (${ROLE_NAMES[this.role]}): ${syms}, ${this.lines ? 'line table' : 'no line table'}; ${offset}: ${range}`;
  }
}

/** A DWARF section parsed on first use: its value, or null with the reason (missing, or malformed) in `problem`. */
class LazyDwarf<T> {
  private parsed: T | null | undefined;
  problem: string | undefined;

  constructor(private readonly parse: () => T | undefined, private readonly missing: () => string, private readonly what: () => string) {}

  get value(): T | null {
    if (this.parsed !== undefined) return this.parsed;
    this.parsed = null;
    try {
      this.parsed = this.parse() ?? null;
      if (this.parsed === null) this.problem = this.missing();
    } catch (e) {
      if (!(e instanceof DwarfError)) throw e;
      this.problem = `${this.what()} cannot be read: ${e.message}`;
    }
    return this.parsed;
  }
}

export const ROLE_NAMES: Record<ImageRole, string> = {
  program: 'bare-metal program', kernel: 'kernel', bios: 'firmware', symbols: 'symbol file',
};

function hexAddr(n: number): string {
  return '0x' + BigInt.asUintN(64, BigInt(n)).toString(16);
}

/**
 * All symbol files of a session, in priority order: the program or kernel, the firmware, then `symbolFiles`
 * in the order given. An address belongs to the first image whose segments contain it; a name, to the first
 * image that defines it (function breakpoints take every image that defines it).
 */
export class ImageSet {
  constructor(readonly images: readonly DebugImage[]) {}

  at(addr: number): DebugImage | undefined {
    return this.images.find((i) => i.contains(addr));
  }

  row(addr: number): Row | undefined {
    return this.at(addr)?.row(addr);
  }

  isStatementStart(addr: number): boolean {
    return this.at(addr)?.isStatementStart(addr) ?? false;
  }

  get withLines(): DebugImage[] {
    return this.images.filter((i) => i.lines);
  }

  symbolAt(addr: number): { sym: Sym; offset: number; image: DebugImage } | undefined {
    const image = this.at(addr);
    const s = image?.locatedSymbols.nearest(addr);
    return s && image && { ...s, image };
  }

  unwindRow(addr: number): UnwindRow | undefined {
    return this.at(addr)?.unwindRow(addr);
  }

  lookup(name: string): Sym | undefined {
    for (const i of this.images) {
      const s = i.symbols.lookup(name);
      if (s) return s;
    }
    return undefined;
  }

  /** The symbol of that name in every image that has one. */
  lookupAll(name: string): { sym: Sym; image: DebugImage }[] {
    return this.images.flatMap((image) => {
      const sym = image.symbols.lookup(name);
      return sym ? [{ sym, image }] : [];
    });
  }

  /** Why no source line can be shown, naming each image's problem. */
  lineProblem(): string {
    if (this.images.length === 0) return 'no symbol file: the guest was booted from raw images only (name their ELFs in "symbolFiles")';
    return this.images.map((i) => i.lineProblem ?? `${i.name} has a line table`).join('; ');
  }
}
