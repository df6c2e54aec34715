// ELF64 loader: a real cross-compiled guest, cross-checked against readelf, then malformed and fuzzed copies.
import { strict as assert } from 'assert';
import { checkSegmentsFit, ElfError, ElfImage, findSection, parseElf, segmentPaddr } from '../../engine/loader/elf';
import { buildFixture, Fixture, toolchainAvailable } from './fixture';

const RAM_BASE = 0x80000000, RAM_SIZE = 0x8000000; // QEMU virt: 128 MiB at 0x80000000
const NAME = 'kernel.elf';

// ELF64 header field offsets (gABI "ELF Header") and program header field offsets (gABI "Program Header").
const E_TYPE = 16, E_MACHINE = 18, E_ENTRY = 24, E_PHOFF = 32, E_SHOFF = 40, E_PHNUM = 56;
const P_OFFSET = 8, P_PADDR = 24, P_FILESZ = 32, P_MEMSZ = 40, PHDR_SIZE = 56;

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** A copy of `bytes` changed by `edit`. */
function mutate(bytes: Uint8Array, edit: (v: DataView, b: Uint8Array) => void): Uint8Array {
  const copy = bytes.slice();
  edit(view(copy), copy);
  return copy;
}

/** Offset of program header `i`. */
function phdr(bytes: Uint8Array, i: number): number {
  return Number(view(bytes).getBigUint64(E_PHOFF, true)) + i * PHDR_SIZE;
}

function assertElfError(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ElfError, `expected ElfError, got ${String(e)}`);
    assert.match(e.message, message);
    assert.ok(!e.message.includes('\n'), 'messages are one line');
    return true;
  });
}

describe('loader/elf', function () {
  let fx: Fixture;
  let img: ElfImage;

  before(function () {
    if (!toolchainAvailable()) {
      console.warn('    riscv64-unknown-elf-gcc/readelf not found: skipping ELF loader tests');
      this.skip();
    }
    fx = buildFixture();
    img = parseElf(fx.bytes, NAME);
  });

  describe('a cross-compiled guest', function () {
    it('has the entry point, type and RVC flag of the linked file', function () {
      assert.equal(img.entry, 0x80000000);
      assert.equal(img.type, 'exec');
      assert.equal(img.eFlags & 1, 1, 'EF_RISCV_RVC: built with the C extension');
    });

    it('has the PT_LOAD segments readelf lists, with their bytes and flags', function () {
      const loads = fx.segments.filter((s) => s.type === 'LOAD');
      assert.equal(img.segments.length, loads.length);
      assert.ok(loads.length >= 2);
      img.segments.forEach((seg, i) => {
        const ref = loads[i];
        assert.equal(seg.index, ref.index);
        assert.equal(seg.vaddr, ref.vaddr);
        assert.equal(seg.paddr, ref.paddr);
        assert.equal(seg.fileBytes.length, ref.filesz);
        assert.equal(seg.memSize, ref.memsz);
        assert.deepEqual(seg.fileBytes, fx.bytes.subarray(ref.offset, ref.offset + ref.filesz));
        // readelf prints the flags as three columns: "R E", "RW ", "RWE".
        const flags = `${seg.flags.r ? 'R' : ' '}${seg.flags.w ? 'W' : ' '}${seg.flags.x ? 'E' : ' '}`;
        assert.equal(flags.trim(), ref.flags);
      });
    });

    it('keeps bss as memory beyond the file bytes', function () {
      const data = img.segments.find((s) => s.flags.w);
      assert.ok(data);
      assert.ok(data.memSize >= data.fileBytes.length + 4096, 'the 4 KiB buffer is in bss');
    });

    it('has the symbols readelf lists, less section/file/mapping symbols', function () {
      const expected = fx.symbols.filter((s) => ['FUNC', 'OBJECT', 'NOTYPE'].includes(s.type) && s.ndx !== 'UND' &&
        s.name !== '' && !(s.bind === 'LOCAL' && /^(\$[xd]|\.L)/.test(s.name)));
      assert.ok(fx.symbols.some((s) => s.name.startsWith('$x')), 'the fixture has mapping symbols to drop');
      const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
      const got = [...img.symbols.all()].sort(byName).map((s) => [s.name, s.addr, s.size, s.kind, s.bind]);
      const want = expected.sort(byName).map((s) => [s.name, s.value, s.size, s.type.toLowerCase(),
        s.bind.toLowerCase()]);
      assert.deepEqual(got, want);
    });

    it('finds functions, objects and HTIF symbols by name', function () {
      const start = img.symbols.lookup('_start');
      assert.deepEqual(start && { kind: start.kind, bind: start.bind, addr: start.addr },
        { kind: 'func', bind: 'global', addr: 0x80000000 });
      assert.equal(img.symbols.lookup('spare')?.bind, 'weak');
      assert.equal(img.symbols.lookup('buffer')?.size, 4096);
      const tohost = fx.symbols.find((s) => s.name === 'tohost');
      const fromhost = fx.symbols.find((s) => s.name === 'fromhost');
      assert.equal(img.tohost, tohost?.value);
      assert.equal(img.fromhost, fromhost?.value);
      assert.equal((img.tohost ?? 0) % 64, 0);
      assert.equal(img.symbols.lookup('no_such_symbol'), undefined);
    });

    it('maps addresses to the nearest symbol', function () {
      const compute = img.symbols.lookup('compute')!;
      const spare = img.symbols.lookup('spare')!;
      const buffer = img.symbols.lookup('buffer')!;
      const n = (a: number) => {
        const r = img.symbols.nearest(a);
        return r && `${r.sym.name}+${r.offset}`;
      };
      assert.equal(n(0x80000000), '_start+0');
      assert.equal(n(0x80000004), '_start+4');
      assert.equal(n(compute.addr + 6), 'compute+6');
      assert.equal(n(spare.addr + 2), 'spare+2', 'the sized function wins over the local label inside it');
      assert.equal(n(buffer.addr + 0x900), 'buffer+2304', 'covering object wins over __global_pointer$');
      assert.equal(n(img.tohost! + 4), 'tohost+4');
      assert.equal(n(0x7ffffffc), undefined);
    });

    it('exposes sections by name, with the bytes readelf locates', function () {
      for (const ref of fx.sections) {
        const sec = img.sections[ref.index];
        assert.equal(sec.name, ref.name);
        assert.equal(sec.addr, ref.addr);
        assert.equal(sec.size, ref.size);
      }
      const line = fx.sections.find((s) => s.name === '.debug_line');
      assert.ok(line, 'built with -g');
      assert.deepEqual(findSection(img, '.debug_line'), fx.bytes.subarray(line.offset, line.offset + line.size));
      assert.equal(findSection(img, '.bss')?.length, 0, 'NOBITS has no file bytes');
      assert.equal(findSection(img, '.debug_nothing'), undefined);
    });

    it('maps virtual addresses to physical ones through the segments', function () {
      assert.equal(segmentPaddr(img, img.tohost!), img.tohost, 'identity-linked');
      const at = phdr(fx.bytes, img.segments[1].index);
      const moved = parseElf(mutate(fx.bytes, (v) => v.setBigUint64(at + P_PADDR, 0x80200000n, true)), NAME);
      assert.equal(segmentPaddr(moved, moved.tohost! + 8), 0x80200000 + (moved.tohost! + 8 - moved.segments[1].vaddr));
      assert.equal(segmentPaddr(img, 0x7ffff000), undefined);
    });

    it('fits in RAM', function () {
      checkSegmentsFit(img, RAM_BASE, RAM_SIZE, NAME);
    });

    it('accepts sign-extended (kernel-half) virtual addresses as negative numbers', function () {
      const high = parseElf(mutate(fx.bytes, (v) => v.setBigUint64(E_ENTRY, 0xffffffff80000000n, true)), NAME);
      assert.equal(high.entry, -0x80000000);
    });

    it('accepts ET_DYN', function () {
      assert.equal(parseElf(mutate(fx.bytes, (v) => v.setUint16(E_TYPE, 3, true)), NAME).type, 'dyn');
    });
  });

  describe('malformed files', function () {
    const firstLoad = (b: Uint8Array) => {
      const img0 = parseElf(b, NAME);
      return phdr(b, img0.segments[0].index);
    };

    it('empty file', function () {
      assertElfError(() => parseElf(new Uint8Array(0), NAME), /^kernel\.elf: not an ELF file \(empty file\)$/);
    });

    it('bad magic', function () {
      assertElfError(() => parseElf(mutate(fx.bytes, (_, b) => { b[1] = 0x58; }), NAME),
        /^kernel\.elf: not an ELF file \(bad magic\)$/);
      assertElfError(() => parseElf(new TextEncoder().encode('#!/bin/sh\n'), NAME), /bad magic/);
    });

    it('ELF32', function () {
      assertElfError(() => parseElf(mutate(fx.bytes, (_, b) => { b[4] = 1; }), NAME),
        /^kernel\.elf: ELF class 32 is not supported \(need ELF64\)$/);
    });

    it('big-endian', function () {
      assertElfError(() => parseElf(mutate(fx.bytes, (_, b) => { b[5] = 2; }), NAME),
        /big-endian ELF is not supported/);
    });

    it('wrong machine', function () {
      assertElfError(() => parseElf(mutate(fx.bytes, (v) => v.setUint16(E_MACHINE, 62, true)), NAME),
        /^kernel\.elf: machine 62 \(x86-64\) is not RISC-V$/);
      assertElfError(() => parseElf(mutate(fx.bytes, (v) => v.setUint16(E_MACHINE, 0x1234, true)), NAME),
        /machine 4660 is not RISC-V/);
    });

    it('relocatable object instead of an executable', function () {
      assertElfError(() => parseElf(mutate(fx.bytes, (v) => v.setUint16(E_TYPE, 1, true)), NAME),
        /ELF type REL \(relocatable object\) is not supported/);
    });

    it('truncated ELF header', function () {
      assertElfError(() => parseElf(fx.bytes.slice(0, 40), NAME), /truncated ELF header \(40 bytes, need 64\)/);
    });

    it('truncated program header table', function () {
      assertElfError(() => parseElf(fx.bytes.slice(0, phdr(fx.bytes, 1) + 10), NAME),
        /^kernel\.elf: truncated program header table/);
    });

    it('program header offset past end of file', function () {
      const b = mutate(fx.bytes, (v) => v.setBigUint64(E_PHOFF, BigInt(fx.bytes.length + 0x100), true));
      assertElfError(() => parseElf(b, NAME), /program header table offset 0x[0-9a-f]+ is past end of file/);
      const huge = mutate(fx.bytes, (v) => v.setBigUint64(E_PHOFF, 0xfffffffffffffff0n, true));
      assertElfError(() => parseElf(huge, NAME), /program header table offset 0xfffffffffffffff0 is past end/);
    });

    it('section header table truncated', function () {
      const shoff = Number(view(fx.bytes).getBigUint64(E_SHOFF, true));
      assertElfError(() => parseElf(fx.bytes.slice(0, shoff + 10), NAME), /truncated section header table/);
    });

    it('no program headers', function () {
      assertElfError(() => parseElf(mutate(fx.bytes, (v) => v.setUint16(E_PHNUM, 0, true)), NAME),
        /no program headers/);
    });

    it('segment file size larger than its memory size', function () {
      const at = firstLoad(fx.bytes);
      const b = mutate(fx.bytes, (v) => v.setBigUint64(at + P_MEMSZ, v.getBigUint64(at + P_FILESZ, true) - 1n, true));
      assertElfError(() => parseElf(b, NAME), /segment 1: file size 0x[0-9a-f]+ exceeds memory size 0x[0-9a-f]+/);
    });

    it('segment data past end of file', function () {
      const at = firstLoad(fx.bytes);
      const b = mutate(fx.bytes, (v) => v.setBigUint64(at + P_OFFSET, BigInt(fx.bytes.length - 4), true));
      assertElfError(() => parseElf(b, NAME), /truncated segment 1 data/);
      const wrap = mutate(fx.bytes, (v) => v.setBigUint64(at + P_OFFSET, 0xffffffffffffff00n, true));
      assertElfError(() => parseElf(wrap, NAME), /segment 1 data offset 0xffffffffffffff00 is past end of file/);
    });

    it('virtual address that a number cannot hold exactly', function () {
      const b = mutate(fx.bytes, (v) => v.setBigUint64(E_ENTRY, 0x0040000000000001n, true));
      assertElfError(() => parseElf(b, NAME), /entry point 0x40000000000001 cannot be represented exactly/);
    });

    it('physical address beyond 56 bits', function () {
      const at = firstLoad(fx.bytes);
      const b = mutate(fx.bytes, (v) => v.setBigUint64(at + P_PADDR, 1n << 56n, true));
      assertElfError(() => parseElf(b, NAME), /segment 1 physical address 0x100000000000000 is beyond the 56-bit/);
    });

    it('segment outside RAM', function () {
      assertElfError(() => checkSegmentsFit(img, 0x90000000, RAM_SIZE, NAME),
        /^kernel\.elf: segment 1 \[0x80000000-0x80000036\) lies outside RAM \[0x90000000-0x98000000\)$/);
      assertElfError(() => checkSegmentsFit(img, RAM_BASE, 0x1000, NAME),
        /^kernel\.elf: segment 2 \[0x80001000-0x[0-9a-f]+\) lies outside RAM \[0x80000000-0x80001000\)$/);
    });

    it('the default -Ttext link maps the ELF headers below RAM', function () {
      const dflt = parseElf(fx.defaultLinkBytes, 'default.elf');
      assertElfError(() => checkSegmentsFit(dflt, RAM_BASE, RAM_SIZE, 'default.elf'),
        /^default\.elf: segment \d \[0x7ffff000-0x800000[0-9a-f]{2}\) lies outside RAM/);
    });

    it('symbol table linked to something other than a string table', function () {
      const symtab = img.sections.find((s) => s.name === '.symtab')!;
      const shoff = Number(view(fx.bytes).getBigUint64(E_SHOFF, true));
      const b = mutate(fx.bytes, (v) => v.setUint32(shoff + symtab.index * 64 + 40, 1, true));
      assertElfError(() => parseElf(b, NAME), /symbol table \(section \d+\) links to section 1, not a string table/);
    });
  });

  describe('fuzzing', function () {
    it('2000 random byte flips and truncations only ever throw ElfError', function () {
      const rand = mulberry32(0x5eed1e5);
      const base = fx.bytes;
      const shoff = Number(view(base).getBigUint64(E_SHOFF, true));
      // Most flips land in the headers and tables, where they reach validation rather than code bytes.
      const regions: [number, number][] = [[0, 64], [64, 64 + 3 * PHDR_SIZE], [shoff, base.length],
        ...img.sections.filter((s) => s.type === 2 || s.type === 3).map((s): [number, number] =>
          [s.offset, s.offset + s.size]), [0, base.length]];
      const extremes = [0n, 1n, 0x7fn, 0xffffn, BigInt(base.length), 0x7fffffffffffffffn, 0x8000000000000000n,
        0xffffffffffffffffn, 1n << 53n, 1n << 56n];
      let parsed = 0, rejected = 0;
      for (let iter = 0; iter < 2000; iter++) {
        let b = base.slice();
        const v = view(b);
        const edits = 1 + Math.floor(rand() * 4);
        for (let e = 0; e < edits; e++) {
          const [lo, hi] = regions[Math.floor(rand() * regions.length)];
          const at = lo + Math.floor(rand() * (hi - lo));
          const what = rand();
          if (what < 0.6) b[at] ^= 1 << Math.floor(rand() * 8);
          else if (what < 0.8) b[at] = Math.floor(rand() * 256);
          else if (at + 8 <= b.length) v.setBigUint64(at & ~7, extremes[Math.floor(rand() * extremes.length)], true);
        }
        if (rand() < 0.2) b = b.slice(0, Math.floor(rand() * b.length));
        try {
          const got = parseElf(b, NAME);
          parsed++;
          got.symbols.nearest(got.entry);
          findSection(got, '.debug_line');
          try {
            checkSegmentsFit(got, RAM_BASE, RAM_SIZE, NAME);
          } catch (e) {
            if (!(e instanceof ElfError)) throw e;
          }
        } catch (e) {
          if (!(e instanceof ElfError)) {
            assert.fail(`iteration ${iter}: ${e instanceof Error ? e.stack : String(e)}`);
          }
          assert.match(e.message, /^kernel\.elf: \S/);
          rejected++;
        }
      }
      assert.ok(parsed > 0 && rejected > 0, `parsed ${parsed}, rejected ${rejected}: both paths exercised`);
    });
  });
});

/** Small seeded PRNG so a failing fuzz iteration reproduces. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
