// Call frame information: every row of every FDE agrees with binutils' own interpretation
// (`readelf --debug-dump=frames-interp`) for the checked-in guests and for an .eh_frame build, and unwinding a
// real -O2 program stopped in a leaf recovers the whole call chain with the callers' saved registers.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { CallFrameTable, DwarfError, unwindStep } from '../../engine/loader/dwarf-cfi';
import { findSection, parseElf } from '../../engine/loader/elf';
import { ABI_NAMES } from '../../engine/isa/registers';
import { Machine } from '../../engine/machine';
import { crossBuild, crossTool, crossToolchainAvailable } from '../support/cross';
import { GUEST_BIN } from '../support/run-guest';

interface InterpRow { loc: number; cfa: string; cols: Map<string, string> }
interface InterpFde { start: number; end: number; rows: InterpRow[] }

/** Parses one section's part of `readelf --debug-dump=frames-interp`. */
function readelfInterp(elf: string, section: '.debug_frame' | '.eh_frame'): InterpFde[] {
  const text = crossTool('readelf', ['--debug-dump=frames-interp', elf]);
  const start = text.indexOf(`Contents of the ${section} section:`);
  if (start < 0) return [];
  const next = text.indexOf('Contents of the ', start + 10);
  const lines = text.slice(start, next < 0 ? undefined : next).split('\n');
  const fdes: InterpFde[] = [];
  let cur: InterpFde | undefined, header: string[] = [];
  for (const line of lines) {
    const f = /FDE cie=[0-9a-f]+ pc=([0-9a-f]+)\.\.([0-9a-f]+)/.exec(line);
    if (f) { cur = { start: parseInt(f[1], 16), end: parseInt(f[2], 16), rows: [] }; fdes.push(cur); continue; }
    if (/CIE/.test(line)) { cur = undefined; continue; }
    if (/^\s+LOC\s+CFA/.test(line)) { header = line.trim().split(/\s+/).slice(2); continue; }
    const r = /^([0-9a-f]{8,16}) (\S+)\s*(.*)$/.exec(line);
    if (r && cur) {
      const vals = r[3].trim().length ? r[3].trim().split(/\s+/) : [];
      cur.rows.push({ loc: parseInt(r[1], 16), cfa: r[2], cols: new Map(header.map((h, i) => [h, vals[i]])) });
    }
  }
  return fdes;
}

/** Our row, rendered the way readelf prints it. */
function render(t: CallFrameTable, pc: number, columns: string[]): { cfa: string; cols: Map<string, string> } {
  const row = t.rowAt(pc)!;
  const cfa = row.cfa ? `${ABI_NAMES[row.cfa.reg]}+${row.cfa.offset}` : 'exp';
  const cols = new Map<string, string>();
  for (const name of columns) {
    const reg = ABI_NAMES.indexOf(name === 's0' ? 's0' : name);
    const rule = row.rules.get(reg);
    cols.set(name, !rule || rule.kind === 'undefined' ? 'u' : rule.kind === 'same' ? 's' : rule.kind === 'offset' ? `c${rule.n >= 0 ? '+' : ''}${rule.n}` :
      rule.kind === 'val-offset' ? `v${rule.n >= 0 ? '+' : ''}${rule.n}` : rule.kind === 'register' ? ABI_NAMES[rule.reg] : 'exp');
  }
  return { cfa, cols };
}

function compareWithReadelf(elf: string, t: CallFrameTable, section: '.debug_frame' | '.eh_frame'): number {
  const fdes = readelfInterp(elf, section);
  assert.ok(fdes.length > 0, `readelf lists FDEs in ${section}`);
  let rows = 0;
  for (const f of fdes) {
    assert.ok(t.covers(f.start), `FDE at 0x${f.start.toString(16)}`);
    if (f.end > f.start) assert.equal(t.covers(f.end), fdes.some((g) => g !== f && g.start <= f.end && f.end < g.end));
    f.rows.forEach((r, i) => {
      const until = i + 1 < f.rows.length ? f.rows[i + 1].loc : f.end;
      for (const pc of new Set([r.loc, until - 1])) {
        const ours = render(t, pc, [...r.cols.keys()]);
        assert.equal(ours.cfa, r.cfa, `CFA at 0x${pc.toString(16)} in ${path.basename(elf)}`);
        assert.deepEqual(ours.cols, r.cols, `registers at 0x${pc.toString(16)} in ${path.basename(elf)}`);
        rows++;
      }
    });
  }
  return rows;
}

describe('loader: call frame information (.debug_frame, .eh_frame)', function () {
  this.timeout(60_000);
  before(function () {
    if (!crossToolchainAvailable(['gcc', 'readelf'])) this.skip();
  });

  for (const name of ['kernel.elf', 'demo.elf', 'sbi-test.elf', 'bench.elf']) {
    it(`${name}: every row of every FDE matches readelf's frames-interp`, () => {
      const file = path.join(GUEST_BIN, name);
      const img = parseElf(new Uint8Array(fs.readFileSync(file)), file);
      const t = CallFrameTable.fromDebugFrame(findSection(img, '.debug_frame')!);
      assert.ok(compareWithReadelf(file, t, '.debug_frame') > 20);
    });
  }

  const SOURCE = `
    volatile long sink;
    __attribute__((noinline)) long leaf(long x) { sink = x; __asm__ volatile("stop_here: nop"); return x * 3; }
    __attribute__((noinline)) long middle(long x) { long s = 0; for (long i = 0; i < x; i++) s += leaf(i + x); return s + 1; }
    __attribute__((noinline)) long outer(long x) { long r = middle(x + 1); sink = r; return r + middle(2); }
    void entry(void) { sink = outer(3); }
    __asm__(".globl _start\\n_start: li sp, 0x80100000\\n call entry\\n1: j 1b");
  `;

  const LINK = 'ENTRY(_start)\nSECTIONS { . = 0x80000000; .text : { *(.text*) } .data : { *(.rodata*) *(.data*) *(.sdata*) } ' +
    '.bss : { *(.sbss*) *(.bss*) } }\n';

  it('.eh_frame (pc-relative pointers, augmentation "zR") matches readelf too', () => {
    const b = crossBuild(SOURCE, { lang: 'c', name: 'eh', flags: ['-O2', '-mcmodel=medany', '-fasynchronous-unwind-tables', '-fno-omit-frame-pointer'] });
    try {
      const img = parseElf(new Uint8Array(fs.readFileSync(b.elf)), b.elf);
      const sec = img.sections.find((s) => s.name === '.eh_frame');
      assert.ok(sec, 'gcc emitted .eh_frame');
      const t = CallFrameTable.fromEhFrame(sec.bytes, sec.addr);
      assert.ok(compareWithReadelf(b.elf, t, '.eh_frame') >= 6);
    } finally { b.cleanup(); }
  });

  it('unwinds an -O2 program (no frame pointers) stopped in a leaf: leaf ← middle ← outer ← _start, with saved registers', () => {
    const b = crossBuild(SOURCE, { lang: 'c', name: 'cfi', flags: ['-O2', '-g', '-mcmodel=medany'], linkerScript: LINK });
    try {
      const img = parseElf(new Uint8Array(fs.readFileSync(b.elf)), b.elf);
      const syms = img.symbols;
      const t = CallFrameTable.fromDebugFrame(findSection(img, '.debug_frame')!);
      const m = new Machine({ console: { write: () => undefined } });
      m.load(img, b.elf);
      const stopHere = syms.lookup('stop_here')!.addr;
      m.addBreakpoint(BigInt(stopHere));
      // Second hit: middle's loop is in its second iteration, outer in its first call.
      assert.equal(m.run(100_000).kind, 'breakpoint');
      assert.equal(m.run(100_000).kind, 'breakpoint');
      const h = m.harts[0];
      let regs = new Map<number, bigint>(Array.from({ length: 32 }, (_, i) => [i, h.getX(i)] as [number, bigint]));
      let pc = BigInt(h.pc);
      const frames: { name: string; pc: bigint; regs: Map<number, bigint> }[] = [];
      const readU64 = (a: bigint) => BigInt.asUintN(64, BigInt(m.bus.load(Number(a), 4)!) | (BigInt(m.bus.load(Number(a) + 4, 4)!) << 32n));
      for (let depth = 0; depth < 8; depth++) {
        frames.push({ name: syms.nearest(Number(pc))!.sym.name, pc, regs });
        // A caller's pc is a return address: its row is the call instruction's (pc - 1).
        const row = t.rowAt(Number(pc) - (depth === 0 ? 0 : 1));
        if (!row) break;
        const up = unwindStep(row, regs, readU64);
        if (!up) break;
        regs = up.regs; pc = up.pc;
      }
      assert.deepEqual(frames.map((f) => f.name), ['leaf', 'middle', 'outer', 'entry', '_start']);
      assert.equal(frames[4].regs.get(2), 0x8010_0000n, "_start's sp at its call is recovered");
      // Run on to each caller's return address: the registers there are what unwinding predicted.
      m.removeBreakpoint(BigInt(stopHere));
      for (const f of frames.slice(1, 4)) {
        m.addBreakpoint(f.pc);
        assert.equal(m.run(100_000).kind, 'breakpoint');
        m.removeBreakpoint(f.pc);
        assert.equal(h.getPc(), f.pc);
        for (const r of [2, 8, 9, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27]) {
          if (f.regs.has(r)) assert.equal(h.getX(r), f.regs.get(r), `${ABI_NAMES[r]} in ${f.name}`);
        }
      }
    } finally { b.cleanup(); }
  });

  it('rejects malformed sections with DwarfError naming the entry', () => {
    const truncated = new Uint8Array([0x20, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 3]);
    assert.throws(() => CallFrameTable.fromDebugFrame(truncated), (e: unknown) => e instanceof DwarfError && /entry at 0x0: length 32 runs past/.test(e.message));
    const orphan = new Uint8Array(24);
    new DataView(orphan.buffer).setUint32(0, 20, true); // an FDE naming a CIE at offset 0x40 that does not exist
    new DataView(orphan.buffer).setUint32(4, 0x40, true);
    assert.throws(() => CallFrameTable.fromDebugFrame(orphan), /names no CIE/);
    const badVersion = new Uint8Array([12, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 9, 0, 1, 0x7c, 1, 0, 0, 0]);
    assert.throws(() => CallFrameTable.fromDebugFrame(badVersion), /CIE version 9/);
  });
});
