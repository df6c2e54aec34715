// Builds the loader tests' guest ELFs with the RISC-V cross toolchain and parses readelf's view of them.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const GCC = 'riscv64-unknown-elf-gcc';
const READELF = 'riscv64-unknown-elf-readelf';
const GCC_FLAGS = ['-march=rv64imac_zicsr', '-mabi=lp64', '-nostdlib', '-nostartfiles', '-g'];

// A kernel-shaped program: a FUNC entry, a called FUNC, a weak FUNC with a local label inside it, HTIF
// tohost/fromhost objects in their own page (riscv-tests style), initialised data and a 4 KiB bss buffer.
const SOURCE = `
    .section .text.init, "ax", @progbits
    .globl _start
    .type _start, @function
_start:
    la t0, tohost
    li a0, 41
    call compute
    slli a0, a0, 1
    ori a0, a0, 1
1:  sd a0, 0(t0)
    j 1b
    .size _start, .-_start

    .text
    .globl compute
    .type compute, @function
compute:
    la t1, counter
    ld t2, 0(t1)
    addi t2, t2, 1
    sd t2, 0(t1)
    addi a0, a0, 1
    ret
    .size compute, .-compute

    .weak spare
    .type spare, @function
spare:
    nop
inner_label:
    nop
    .size spare, .-spare

    .section .tohost, "aw", @progbits
    .align 6
    .globl tohost
    .type tohost, @object
tohost: .dword 0
    .size tohost, 8
    .align 6
    .globl fromhost
    .type fromhost, @object
fromhost: .dword 0
    .size fromhost, 8

    .data
    .align 3
    .type counter, @object
counter: .dword 0x1122334455667788
    .size counter, 8

    .bss
    .align 3
    .type buffer, @object
buffer: .zero 4096
    .size buffer, 4096
`;

// RAM at 0x80000000 as on QEMU's virt board; the HTIF page aligned like riscv-tests' env/p/link.ld.
const LINKER_SCRIPT = `
OUTPUT_ARCH(riscv)
ENTRY(_start)
SECTIONS
{
  . = 0x80000000;
  .text : { *(.text.init) *(.text .text.*) }
  . = ALIGN(0x1000);
  .tohost : { *(.tohost) }
  . = ALIGN(0x1000);
  .data : { *(.data .data.*) }
  .bss : { *(.bss .bss.*) *(COMMON) }
  _end = .;
}
`;

export interface ReadelfSegment { index: number; type: string; offset: number; vaddr: number; paddr: number;
  filesz: number; memsz: number; flags: string }
export interface ReadelfSymbol { name: string; value: number; size: number; type: string; bind: string; ndx: string }
export interface ReadelfSection { index: number; name: string; type: string; addr: number; offset: number;
  size: number }

export interface Fixture {
  /** Linked with LINKER_SCRIPT: every segment inside RAM. */
  bytes: Uint8Array;
  /** Linked with the default script and -Ttext=0x80000000: ld maps the ELF headers below the text. */
  defaultLinkBytes: Uint8Array;
  segments: ReadelfSegment[];
  symbols: ReadelfSymbol[];
  sections: ReadelfSection[];
}

export function toolchainAvailable(): boolean {
  try {
    execFileSync(GCC, ['--version'], { stdio: 'ignore' });
    execFileSync(READELF, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

let cached: Fixture | undefined;

export function buildFixture(): Fixture {
  if (cached) return cached;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringside-loader-'));
  try {
    const src = path.join(dir, 'kernel.S'), ld = path.join(dir, 'link.ld');
    const elf = path.join(dir, 'kernel.elf'), defaultElf = path.join(dir, 'default.elf');
    fs.writeFileSync(src, SOURCE);
    fs.writeFileSync(ld, LINKER_SCRIPT);
    execFileSync(GCC, [...GCC_FLAGS, '-T', ld, '-o', elf, src]);
    execFileSync(GCC, [...GCC_FLAGS, '-Ttext=0x80000000', '-o', defaultElf, src]);
    const listing = execFileSync(READELF, ['-lsSW', elf], { encoding: 'utf8' });
    cached = {
      bytes: new Uint8Array(fs.readFileSync(elf)),
      defaultLinkBytes: new Uint8Array(fs.readFileSync(defaultElf)),
      segments: parseSegments(listing), symbols: parseSymbols(listing), sections: parseSections(listing),
    };
    return cached;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** readelf prints addresses as 64-bit hex; the engine holds virtual addresses as signed values. */
function signedHex(h: string): number {
  return Number(BigInt.asIntN(64, BigInt('0x' + h.replace(/^0x/, ''))));
}

function decOrHex(s: string): number {
  return s.startsWith('0x') ? Number(BigInt(s)) : Number(s);
}

function block(listing: string, title: RegExp): string[] {
  const lines = listing.split('\n');
  const start = lines.findIndex((l) => title.test(l));
  if (start < 0) return [];
  const end = lines.findIndex((l, i) => i > start && l.trim() === '');
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

function parseSegments(listing: string): ReadelfSegment[] {
  // "  LOAD  0x001000 0x0000000080000000 0x0000000080000000 0x000024 0x000024 R E 0x1000"
  const hex = '\\s+0x([0-9a-f]+)';
  const row = new RegExp(`^\\s+(\\S+)${hex}${hex}${hex}${hex}${hex}\\s+(.*?)\\s+0x[0-9a-f]+$`);
  const out: ReadelfSegment[] = [];
  for (const line of block(listing, /^Program Headers:/)) {
    const m = row.exec(line);
    if (!m) continue;
    out.push({ index: out.length, type: m[1], offset: parseInt(m[2], 16), vaddr: signedHex(m[3]),
      paddr: parseInt(m[4], 16), filesz: parseInt(m[5], 16), memsz: parseInt(m[6], 16), flags: m[7].trim() });
  }
  return out;
}

function parseSymbols(listing: string): ReadelfSymbol[] {
  // "    19: 0000000080000000    28 FUNC    GLOBAL DEFAULT    1 _start"
  const row = /^\s*\d+:\s+([0-9a-f]+)\s+(\d+|0x[0-9a-f]+)\s+(\w+)\s+(\w+)\s+\w+\s+(\w+)\s?(.*)$/;
  const out: ReadelfSymbol[] = [];
  for (const line of block(listing, /^Symbol table '\.symtab'/)) {
    const m = row.exec(line);
    if (!m) continue;
    out.push({ value: signedHex(m[1]), size: decOrHex(m[2]), type: m[3], bind: m[4], ndx: m[5], name: m[6] });
  }
  return out;
}

function parseSections(listing: string): ReadelfSection[] {
  // "  [ 1] .text             PROGBITS        0000000080000000 001000 000024 00  AX  0   0  2"
  const row = /^\s*\[\s*(\d+)\]\s+(\S+)\s+(\S+)\s+([0-9a-f]{16})\s+([0-9a-f]+)\s+([0-9a-f]+)\s/;
  const out: ReadelfSection[] = [];
  for (const line of block(listing, /^Section Headers:/)) {
    const m = row.exec(line);
    if (!m) continue;
    out.push({ index: Number(m[1]), name: m[2], type: m[3], addr: signedHex(m[4]), offset: parseInt(m[5], 16),
      size: parseInt(m[6], 16) });
  }
  return out;
}
