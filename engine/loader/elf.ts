// ELF64 parsing for RISC-V guests: validates the file, extracts PT_LOAD segments, sections and symbols.
//
// Layouts and constants are from the System V gABI (chapter 4 "Object Files": ELF header, sections, symbol
// table; chapter 5 "Program Loading": program header) and the RISC-V ELF psABI ("File Header": EM_RISCV =
// 243, e_flags). Parsing uses BigInt for every 64-bit field so no offset/size arithmetic can overflow or round;
// results are converted to numbers with the engine's exactness rule (see `vaddr` and `paddr` below). This is
// not a hot path.

import { classifySymbol, Sym, SymbolTable } from './symbols';

/** A user-facing, one-line problem with an ELF file: "<file>: <what is wrong>". */
export class ElfError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ElfError';
  }
}

export interface LoadSegment {
  /** Index in the program header table (as `readelf -l` numbers segments). */
  index: number;
  /** Physical load address: non-negative, < 2^56, exact. */
  paddr: number;
  /** Virtual address: the signed 64-bit value (sign-extended canonical address), exact. */
  vaddr: number;
  /** The p_filesz bytes from the file (a view into the input). */
  fileBytes: Uint8Array;
  /** p_memsz; bytes beyond fileBytes.length are zero (bss). */
  memSize: number;
  flags: { r: boolean; w: boolean; x: boolean };
}

export interface SectionInfo {
  index: number;
  name: string;
  /** sh_type (SHT_PROGBITS = 1, SHT_SYMTAB = 2, SHT_STRTAB = 3, SHT_NOBITS = 8, ...). */
  type: number;
  /** sh_flags low 32 bits (SHF_WRITE = 1, SHF_ALLOC = 2, SHF_EXECINSTR = 4, ...). */
  flags: number;
  /** sh_addr as a signed virtual address (0 for sections that are not loaded). */
  addr: number;
  offset: number;
  size: number;
  link: number;
  info: number;
  entSize: number;
  /** The section's bytes (a view into the input); empty for SHT_NOBITS and SHT_NULL. */
  bytes: Uint8Array;
}

export interface ElfImage {
  /** e_entry as a signed virtual address. */
  entry: number;
  type: 'exec' | 'dyn';
  /** e_flags; RISC-V psABI: bit 0 EF_RISCV_RVC, bits 1-2 float ABI, bit 3 RVE, bit 4 TSO. */
  eFlags: number;
  segments: LoadSegment[];
  symbols: SymbolTable;
  sections: SectionInfo[];
  /**
   * Address of the `tohost` symbol (riscv-tests / Spike HTIF convention), when present. Like every symbol value
   * it is a virtual address; `segmentPaddr` gives the physical one (the same for identity-linked guests).
   */
  tohost?: number;
  fromhost?: number;
}

// gABI sizes of the ELF64 structures.
const EHDR_SIZE = 64, PHDR_SIZE = 56, SHDR_SIZE = 64, SYM_SIZE = 24;
// gABI e_ident indexes and values.
const EI_CLASS = 4, EI_DATA = 5, EI_VERSION = 6;
const ELFCLASS32 = 1, ELFCLASS64 = 2, ELFDATA2LSB = 1, ELFDATA2MSB = 2, EV_CURRENT = 1;
const ET_EXEC = 2, ET_DYN = 3;
const EM_RISCV = 243; // RISC-V ELF psABI, "File Header"
const PT_LOAD = 1;
const PF_X = 1, PF_W = 2, PF_R = 4;
const SHT_NULL = 0, SHT_SYMTAB = 2, SHT_STRTAB = 3, SHT_NOBITS = 8, SHT_DYNSYM = 11;
const SHN_ABS = 0xfff1;
// gABI extended numbering: counts/indexes too large for the 16-bit header fields live in section 0.
const PN_XNUM = 0xffff, SHN_XINDEX = 0xffff;

const TYPE_NAMES: Record<number, string> = { 0: 'NONE', 1: 'REL (relocatable object)', 4: 'CORE (core dump)' };
const MACHINE_NAMES: Record<number, string> = {
  2: 'SPARC', 3: 'x86', 8: 'MIPS', 20: 'PowerPC', 21: 'PowerPC64', 22: 'S/390', 40: 'ARM', 43: 'SPARC V9',
  62: 'x86-64', 183: 'AArch64', 258: 'LoongArch',
};

const MAX_EXACT = BigInt(Number.MAX_SAFE_INTEGER);
const PHYS_LIMIT = 1n << 56n;
const ADDR_LIMIT = 1n << 64n;

/** 64-bit hex as readelf prints addresses: negative (sign-extended) values as their unsigned encoding. */
function hex(v: number | bigint): string {
  return '0x' + BigInt.asUintN(64, BigInt(v)).toString(16);
}

/** Reads one file; every method that can find a problem throws ElfError naming the file. */
class Reader {
  private readonly view: DataView;
  readonly length: bigint;

  constructor(readonly bytes: Uint8Array, readonly fileName: string) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.length = BigInt(bytes.length);
  }

  fail(problem: string): never {
    throw new ElfError(`${this.fileName}: ${problem}`);
  }

  u8(off: number): number { return this.view.getUint8(off); }
  u16(off: number): number { return this.view.getUint16(off, true); }
  u32(off: number): number { return this.view.getUint32(off, true); }
  u64(off: number): bigint { return this.view.getBigUint64(off, true); }

  /** Checks that [off, off+size) lies in the file and returns it as exact numbers. */
  range(off: bigint, size: bigint, what: string): { off: number; size: number } {
    if (off > this.length || (off === this.length && size > 0n)) {
      this.fail(`${what} offset ${hex(off)} is past end of file (${this.length} bytes)`);
    }
    if (size > this.length - off) {
      this.fail(`truncated ${what} (needs bytes [${hex(off)}-${hex(off + size)}), file has ${this.length})`);
    }
    return { off: Number(off), size: Number(size) };
  }

  /** A guest virtual address: the signed 64-bit value, rejected unless exactly representable. */
  vaddr(v: bigint, what: string): number {
    const s = BigInt.asIntN(64, v);
    if (s > MAX_EXACT || s < -MAX_EXACT) {
      this.fail(`${what} ${hex(v)} cannot be represented exactly ` +
        '(virtual addresses must be sign-extended with magnitude below 2^53)');
    }
    return Number(s);
  }

  /** A physical address: non-negative, below 2^56, and exact. */
  paddr(v: bigint, what: string): number {
    if (v >= PHYS_LIMIT) this.fail(`${what} ${hex(v)} is beyond the 56-bit physical address space`);
    if (v > MAX_EXACT) this.fail(`${what} ${hex(v)} cannot be represented exactly (above 2^53)`);
    return Number(v);
  }

  /** A size or count that must be exact. */
  size(v: bigint, what: string): number {
    if (v > MAX_EXACT) this.fail(`${what} ${hex(v)} is too large`);
    return Number(v);
  }

  /** The NUL-terminated string at `off` in string table `tab`. */
  cstring(tab: Uint8Array, off: number, what: string): string {
    if (off >= tab.length) {
      this.fail(`${what} name offset ${off} is outside its string table (${tab.length} bytes)`);
    }
    const end = tab.indexOf(0, off);
    if (end < 0) this.fail(`${what} name at offset ${off} is not NUL-terminated`);
    return decoder.decode(tab.subarray(off, end));
  }
}

const decoder = new TextDecoder('utf-8');

/** Parses and validates an ELF64 little-endian RISC-V EXEC or DYN file. Throws ElfError on any problem. */
export function parseElf(bytes: Uint8Array, fileName: string): ElfImage {
  const r = new Reader(bytes, fileName);
  checkIdent(r);
  const type = r.u16(16), machine = r.u16(18);
  if (machine !== EM_RISCV) {
    const known = MACHINE_NAMES[machine];
    r.fail(`machine ${machine}${known ? ` (${known})` : ''} is not RISC-V`);
  }
  if (type !== ET_EXEC && type !== ET_DYN) {
    r.fail(`ELF type ${TYPE_NAMES[type] ?? type} is not supported (need EXEC or DYN)`);
  }
  if (r.u32(20) !== EV_CURRENT) r.fail(`unsupported ELF version ${r.u32(20)} in e_version`);
  const ehsize = r.u16(52);
  if (ehsize < EHDR_SIZE) r.fail(`ELF header size ${ehsize} is too small (need ${EHDR_SIZE})`);

  const segments = parseSegments(r); // first: problems with what gets loaded matter most
  const sections = parseSections(r);
  const symbols = parseSymbols(r, sections);
  const image: ElfImage = {
    entry: r.vaddr(r.u64(24), 'entry point'),
    type: type === ET_EXEC ? 'exec' : 'dyn',
    eFlags: r.u32(48),
    segments, symbols, sections,
  };
  const tohost = symbols.lookup('tohost'), fromhost = symbols.lookup('fromhost');
  if (tohost) image.tohost = tohost.addr;
  if (fromhost) image.fromhost = fromhost.addr;
  return image;
}

function checkIdent(r: Reader): void {
  const b = r.bytes;
  if (b.length === 0) r.fail('not an ELF file (empty file)');
  if (b.length < 4 || b[0] !== 0x7f || b[1] !== 0x45 || b[2] !== 0x4c || b[3] !== 0x46) {
    r.fail('not an ELF file (bad magic)');
  }
  if (b.length <= EI_VERSION) r.fail(`truncated ELF header (${b.length} bytes, need ${EHDR_SIZE})`);
  const cls = b[EI_CLASS], data = b[EI_DATA];
  if (cls === ELFCLASS32) r.fail('ELF class 32 is not supported (need ELF64)');
  if (cls !== ELFCLASS64) r.fail(`invalid ELF class ${cls} (need ELF64)`);
  if (data === ELFDATA2MSB) r.fail('big-endian ELF is not supported (need little-endian)');
  if (data !== ELFDATA2LSB) r.fail(`invalid ELF data encoding ${data} (need little-endian)`);
  if (b[EI_VERSION] !== EV_CURRENT) r.fail(`unsupported ELF version ${b[EI_VERSION]} in e_ident`);
  if (b.length < EHDR_SIZE) r.fail(`truncated ELF header (${b.length} bytes, need ${EHDR_SIZE})`);
}

function parseSections(r: Reader): SectionInfo[] {
  const shoff = r.u64(40), shentsize = r.u16(58);
  let shnum = BigInt(r.u16(60)), shstrndx = r.u16(62);
  if (shoff === 0n) return []; // no section header table (stripped of it): legal for loading
  if (shentsize < SHDR_SIZE) r.fail(`section header entry size ${shentsize} is too small (need ${SHDR_SIZE})`);
  if (shnum === 0n || shstrndx === SHN_XINDEX) {
    const first = r.range(shoff, BigInt(SHDR_SIZE), 'section header table').off;
    if (shnum === 0n) shnum = r.u64(first + 32);
    if (shstrndx === SHN_XINDEX) shstrndx = r.u32(first + 40);
  }
  const table = r.range(shoff, shnum * BigInt(shentsize), 'section header table');
  const count = table.size / shentsize;
  if (shstrndx >= count) r.fail(`section name table index ${shstrndx} is out of range (${count} sections)`);

  const raw: { nameOff: number; type: number; flags: bigint; addr: bigint; off: bigint; size: bigint;
               link: number; info: number; entSize: bigint }[] = [];
  for (let i = 0; i < count; i++) {
    const at = table.off + i * shentsize;
    raw.push({
      nameOff: r.u32(at), type: r.u32(at + 4), flags: r.u64(at + 8), addr: r.u64(at + 16), off: r.u64(at + 24),
      size: r.u64(at + 32), link: r.u32(at + 40), info: r.u32(at + 44), entSize: r.u64(at + 56),
    });
  }
  const bytesOf = (i: number): Uint8Array => {
    const s = raw[i];
    if (s.type === SHT_NULL || s.type === SHT_NOBITS) return new Uint8Array(0);
    const { off, size } = r.range(s.off, s.size, `section ${i} data`);
    return r.bytes.subarray(off, off + size);
  };
  const names = shstrndx === 0 ? undefined : bytesOf(shstrndx); // SHN_UNDEF: sections have no names
  return raw.map((s, i): SectionInfo => {
    const name = names ? r.cstring(names, s.nameOff, `section ${i}`) : '';
    const bytes = bytesOf(i);
    return {
      index: i, name, type: s.type, flags: Number(BigInt.asUintN(32, s.flags)),
      addr: r.vaddr(s.addr, `section ${i} (${name}) address`),
      offset: r.size(s.off, `section ${i} (${name}) offset`), size: r.size(s.size, `section ${i} (${name}) size`),
      link: s.link, info: s.info, entSize: r.size(s.entSize, `section ${i} (${name}) entry size`), bytes,
    };
  });
}

function parseSegments(r: Reader): LoadSegment[] {
  const phoff = r.u64(32), phentsize = r.u16(54);
  let phnum = r.u16(56);
  if (phnum === PN_XNUM) { // the real count is section 0's sh_info
    const shoff = r.u64(40);
    if (shoff === 0n) r.fail('e_phnum is PN_XNUM but there is no section 0 holding the real count');
    phnum = r.u32(r.range(shoff, BigInt(SHDR_SIZE), 'section header table').off + 44);
  }
  if (phnum === 0) r.fail('no program headers (nothing to load)');
  if (phentsize < PHDR_SIZE) r.fail(`program header entry size ${phentsize} is too small (need ${PHDR_SIZE})`);
  const table = r.range(phoff, BigInt(phnum) * BigInt(phentsize), 'program header table');

  const segments: LoadSegment[] = [];
  for (let i = 0; i < phnum; i++) {
    const at = table.off + i * phentsize;
    const type = r.u32(at), flags = r.u32(at + 4), off = r.u64(at + 8), vaddr = r.u64(at + 16);
    const paddr = r.u64(at + 24), filesz = r.u64(at + 32), memsz = r.u64(at + 40);
    if (type !== PT_LOAD) {
      if (filesz > 0n) r.range(off, filesz, `segment ${i} data`);
      continue;
    }
    if (filesz > memsz) r.fail(`segment ${i}: file size ${hex(filesz)} exceeds memory size ${hex(memsz)}`);
    const data = r.range(off, filesz, `segment ${i} data`);
    if (vaddr + memsz > ADDR_LIMIT) r.fail(`segment ${i} [${hex(vaddr)}+${hex(memsz)}) wraps around the address space`);
    const v = r.vaddr(vaddr, `segment ${i} virtual address`);
    if (BigInt(v) + memsz > MAX_EXACT) {
      r.fail(`segment ${i} virtual end ${hex(BigInt(v) + memsz)} cannot be represented exactly (above 2^53)`);
    }
    const p = r.paddr(paddr, `segment ${i} physical address`);
    const pEnd = paddr + memsz;
    if (pEnd > PHYS_LIMIT) r.fail(`segment ${i} physical end ${hex(pEnd)} is beyond the 56-bit physical address space`);
    if (pEnd > MAX_EXACT) r.fail(`segment ${i} physical end ${hex(pEnd)} cannot be represented exactly (above 2^53)`);
    segments.push({
      index: i, paddr: p, vaddr: v, fileBytes: r.bytes.subarray(data.off, data.off + data.size),
      memSize: r.size(memsz, `segment ${i} memory size`),
      flags: { r: (flags & PF_R) !== 0, w: (flags & PF_W) !== 0, x: (flags & PF_X) !== 0 },
    });
  }
  if (segments.length === 0) r.fail('no PT_LOAD segments (nothing to load)');
  return segments;
}

function parseSymbols(r: Reader, sections: SectionInfo[]): SymbolTable {
  // gABI: an object file has at most one SHT_SYMTAB section; its sh_link is the string table. A stripped
  // file (Debian's fw_jump.elf) keeps only the dynamic symbols: use them then.
  const symtab = sections.find((s) => s.type === SHT_SYMTAB) ?? sections.find((s) => s.type === SHT_DYNSYM);
  if (!symtab) return new SymbolTable();
  const where = `symbol table (section ${symtab.index})`;
  if (symtab.entSize < SYM_SIZE) r.fail(`${where} entry size ${symtab.entSize} is too small (need ${SYM_SIZE})`);
  if (symtab.size % symtab.entSize !== 0) r.fail(`${where} size ${symtab.size} is not a multiple of its entry size`);
  const strtab = sections[symtab.link];
  if (!strtab || strtab.type !== SHT_STRTAB) r.fail(`${where} links to section ${symtab.link}, not a string table`);

  const base = symtab.offset, count = symtab.size / symtab.entSize;
  const syms: Sym[] = [];
  for (let i = 1; i < count; i++) { // entry 0 is the reserved undefined symbol (STN_UNDEF)
    const at = base + i * symtab.entSize;
    const info = r.u8(at + 4), shndx = r.u16(at + 6);
    const name = r.cstring(strtab.bytes, r.u32(at), `symbol ${i}`);
    const cls = classifySymbol(name, info, shndx);
    if (!cls) continue;
    syms.push({
      name, addr: r.vaddr(r.u64(at + 8), `symbol ${name} value`),
      size: r.size(r.u64(at + 16), `symbol ${name} size`), kind: cls.kind, bind: cls.bind,
      ...(shndx === SHN_ABS ? { absolute: true } : {}),
    });
  }
  return new SymbolTable(syms);
}

/**
 * The physical address a virtual address is loaded at, through the PT_LOAD segment containing it (LMA vs VMA),
 * or undefined when no segment contains it.
 */
export function segmentPaddr(img: ElfImage, vaddr: number): number | undefined {
  const s = img.segments.find((seg) => vaddr >= seg.vaddr && vaddr < seg.vaddr + seg.memSize);
  return s && s.paddr + (vaddr - s.vaddr);
}

/** The bytes of the first section called `name` (e.g. '.debug_line'), or undefined when there is none. */
export function findSection(img: ElfImage, name: string): Uint8Array | undefined {
  return img.sections.find((s) => s.name === name)?.bytes;
}

/** Throws ElfError unless every non-empty PT_LOAD segment's physical range lies in [ramBase, ramBase+ramSize). */
export function checkSegmentsFit(img: ElfImage, ramBase: number, ramSize: number, fileName: string): void {
  const ramEnd = ramBase + ramSize;
  for (const s of img.segments) {
    if (s.memSize === 0) continue;
    const end = s.paddr + s.memSize;
    if (s.paddr < ramBase || end > ramEnd) {
      throw new ElfError(`${fileName}: segment ${s.index} [${hex(s.paddr)}-${hex(end)}) lies outside RAM ` +
        `[${hex(ramBase)}-${hex(ramEnd)})`);
    }
  }
}
