// Functions, parameters and locals from .debug_info: every function's variables and their types agree with
// binutils (`readelf --debug-dump=info`) for the checked-in guests and for a small C program at -O0 and -O2, and
// location expressions evaluated at a breakpoint give the values the program computed (or "optimized out"
// exactly where readelf's location lists give nothing usable at that pc), and parameters known only by their
// value at entry (DW_OP_entry_value) come from the caller's call site (DW_AT_call_value) in the caller's frame.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { CallFrameTable, unwindStep } from '../../engine/loader/dwarf-cfi';
import { evaluate, evaluateValue, ExprContext, OPTIMIZED_OUT, readPlace, readVariable } from '../../engine/loader/dwarf-expr';
import { DebugInfo, sizeOf, Subprogram, typeName, Variable } from '../../engine/loader/dwarf-info';
import { ElfImage, findSection, parseElf } from '../../engine/loader/elf';
import { Machine } from '../../engine/machine';
import { Hart } from '../../engine/cpu/hart';
import { crossBuild, crossTool, crossToolchainAvailable } from '../support/cross';
import { GUEST_BIN } from '../support/run-guest';

interface RDie { offset: number; tag: string; attrs: Map<string, string>; children: RDie[] }

/** readelf's DIE dump as a tree (levels from the `<n><offset>` prefixes). */
function readelfDies(elf: string): Map<number, RDie> {
  const text = crossTool('readelf', ['--debug-dump=info', elf]);
  const all = new Map<number, RDie>();
  const stack: RDie[] = [];
  let cur: RDie | undefined;
  for (const line of text.split('\n')) {
    const d = /^\s*<(\d+)><([0-9a-f]+)>: Abbrev Number: (\d+)(?: \((\w+)\))?/.exec(line);
    if (d) {
      const level = Number(d[1]);
      stack.length = level;
      if (d[3] === '0') { cur = undefined; continue; }
      cur = { offset: parseInt(d[2], 16), tag: d[4], attrs: new Map(), children: [] };
      stack[level - 1]?.children.push(cur);
      stack[level] = cur;
      all.set(cur.offset, cur);
      continue;
    }
    const a = /^\s*<[0-9a-f]+>\s+(DW_AT_\w+)\s*:\s*(.*)$/.exec(line);
    if (a && cur) cur.attrs.set(a[1], a[2].trim());
  }
  return all;
}

const ref = (v: string | undefined) => (v && /^<0x([0-9a-f]+)>/.test(v) ? parseInt(/^<0x([0-9a-f]+)>/.exec(v)![1], 16) : undefined);
/** A name attribute's text: `(indirect string, offset: 0x3c): entry` or `entry`. */
const nameText = (v: string | undefined) => (v === undefined ? undefined : v.startsWith('(indirect') ? v.slice(v.indexOf('): ') + 3) : v);

/** Per function (by low pc): "param|var name @typeOffset" of every variable in it and its nested scopes. */
function readelfFunctions(elf: string): Map<number, { name: string; vars: string[] }> {
  const dies = readelfDies(elf);
  const attr = (d: RDie, at: string): string | undefined => {
    for (let x: RDie | undefined = d, n = 0; x && n < 4; n++) {
      const v = x.attrs.get(at);
      if (v !== undefined) return v;
      x = dies.get(ref(x.attrs.get('DW_AT_abstract_origin') ?? x.attrs.get('DW_AT_specification')) ?? -1);
    }
    return undefined;
  };
  const out = new Map<number, { name: string; vars: string[] }>();
  const collect = (d: RDie, vars: string[]) => {
    for (const c of d.children) {
      if ((c.tag === 'DW_TAG_formal_parameter' || c.tag === 'DW_TAG_variable') && !c.attrs.has('DW_AT_declaration')) {
        const name = nameText(attr(c, 'DW_AT_name'));
        if (name !== undefined) vars.push(`${c.tag === 'DW_TAG_formal_parameter' ? 'param' : 'var'} ${name} @${ref(attr(c, 'DW_AT_type'))}`);
      } else if (c.tag === 'DW_TAG_lexical_block' || c.tag === 'DW_TAG_inlined_subroutine') collect(c, vars);
    }
  };
  for (const d of dies.values()) {
    if (d.tag !== 'DW_TAG_subprogram' || !d.attrs.has('DW_AT_low_pc') && !d.attrs.has('DW_AT_ranges')) continue;
    const vars: string[] = [];
    collect(d, vars);
    const low = d.attrs.get('DW_AT_low_pc');
    const key = low ? parseInt(low, 16) : d.offset;
    out.set(key, { name: nameText(attr(d, 'DW_AT_name')) ?? '?', vars: vars.sort() });
  }
  return out;
}

function ours(f: Subprogram): string[] {
  const vars: string[] = [];
  const walk = (s: { variables: Variable[]; scopes: typeof f.scopes }) => {
    for (const v of s.variables) vars.push(`${v.isParameter ? 'param' : 'var'} ${v.name} @${v.typeOffset}`);
    s.scopes.forEach(walk);
  };
  walk(f);
  return vars.sort();
}

function compareWithReadelf(file: string, info: DebugInfo): number {
  const theirs = readelfFunctions(file);
  const mine = new Map(info.subprograms.map((f) => [f.ranges.length === 1 ? f.ranges[0].start : f.offset, f]));
  let n = 0;
  for (const [key, t] of theirs) {
    const f = mine.get(key) ?? info.subprograms.find((x) => x.offset === key);
    assert.ok(f, `${path.basename(file)}: function ${t.name} at 0x${key.toString(16)}`);
    assert.equal(f.name, t.name);
    assert.deepEqual(ours(f), t.vars, `${path.basename(file)}: variables of ${t.name}`);
    n += t.vars.length;
  }
  assert.equal(info.subprograms.length, theirs.size, `${path.basename(file)}: number of functions with code`);
  return n;
}

/** readelf's location lists: list offset → entries (only offsets that start a list are looked up). */
function readelfLocLists(elf: string): { offset: number; start: number; end: number; expr: string }[] {
  const text = crossTool('readelf', ['--debug-dump=loc', elf]);
  const out: { offset: number; start: number; end: number; expr: string }[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s+([0-9a-f]{8}) ([0-9a-f]{16}) ([0-9a-f]{16}) (.*)$/.exec(line);
    if (m) out.push({ offset: parseInt(m[1], 16), start: parseInt(m[2], 16), end: parseInt(m[3], 16), expr: m[4] });
    const e = /^\s+([0-9a-f]{8}) <End of list>/.exec(line);
    if (e) out.push({ offset: parseInt(e[1], 16), start: 0, end: 0, expr: 'end' });
  }
  return out;
}

const SOURCE = `
struct point { long x; int y; char tag; };
typedef unsigned int u32;
enum color { RED, GREEN = 5, BLUE };
volatile long sink;
const char greeting[] = "hi";

__attribute__((noinline)) long work(long a, u32 b, const char *name, struct point *p, enum color c) {
  long sum = a * 2;
  int arr[3] = { (int)b, 2, 3 };
  for (int i = 0; i < 3; i++) {
    long inner = sum + p->x + i;
    sink = inner;
    if (i == 1) __asm__ volatile("stop_here: nop");
    sink = inner + arr[i] + name[0] + c;
  }
  sink = b;
  return sum + a;
}

void entry(void) {
  struct point local = { 40, 2, 'q' };
  long r = work(-5, 3000000000u, greeting, &local, GREEN);
  sink = r + local.y;
}
__asm__(".globl _start\\n_start: li sp, 0x80100000\\n call entry\\n1: j 1b");
`;

// mix's parameters are dead after its first call, so at mix_stop gcc -O2 describes them only by their values at
// entry; entry passes x in a callee-saved register (s0, which mix reuses and saves) and k as a constant.
const ENTRY_SOURCE = `
volatile long sink;
__attribute__((noinline)) long get(void) { return sink; }
__attribute__((noinline)) void put(long v) { sink = v; }

__attribute__((noinline)) long mix(long n, long k) {
  put(n * k);
  long t = get();
  put(t + 1);
  __asm__ volatile("mix_stop: nop");
  return t;
}

void entry(void) {
  long x = get() + 40;
  long r = mix(x, 3);
  sink = r + x;
}
__asm__(".globl _start\\n_start: li sp, 0x80100000\\n call entry\\n1: j 1b");
`;

const LINK = 'ENTRY(_start)\nSECTIONS { . = 0x80000000; .text : { *(.text*) } .data : { *(.rodata*) *(.data*) *(.sdata*) } ' +
  '.bss : { *(.sbss*) *(.bss*) } }\n';

function load(file: string): ElfImage {
  return parseElf(new Uint8Array(fs.readFileSync(file)), file);
}

/** A frame's evaluation context from registers (x0–x31; the rest unknown) and the CFI row at `pc`. */
function frameContext(m: Machine, cfi: CallFrameTable, info: DebugInfo, fn: Subprogram, pc: number, regs: ReadonlyMap<number, bigint>,
  entryValue?: (reg: number) => bigint | undefined): ExprContext {
  const row = cfi.rowAt(pc);
  const base = row?.cfa && regs.get(row.cfa.reg);
  return {
    ...(entryValue ? { entryValue } : {}),
    reg: (n) => regs.get(n),
    ...(row?.cfa && base !== undefined ? { cfa: BigInt.asUintN(64, base + BigInt(row.cfa.offset)) } : {}),
    ...(fn.frameBase ? { frameBase: fn.frameBase } : {}),
    read: (addr, size) => {
      let v = 0n;
      for (let i = size - 1; i >= 0; i--) {
        const b = m.bus.load(Number(addr) + i, 1);
        if (b === undefined) return undefined;
        v = (v << 8n) | BigInt(b);
      }
      return v;
    },
    addrx: (i) => info.addrx(fn.unit, i),
  };
}

function hartRegs(h: Hart): Map<number, bigint> {
  return new Map(Array.from({ length: 32 }, (_, i) => [i, h.getX(i)] as [number, bigint]));
}

function int(bytes: Uint8Array, signed: boolean): bigint {
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
  return signed ? BigInt.asIntN(bytes.length * 8, v) : v;
}

describe('loader: .debug_info functions, variables, types and locations', function () {
  this.timeout(60_000);
  before(function () {
    if (!crossToolchainAvailable(['gcc', 'readelf'])) this.skip();
  });

  for (const name of fs.readdirSync(GUEST_BIN).filter((f) => f.endsWith('.elf')).sort()) {
    it(`${name}: parses, and every function's parameters and locals match readelf`, () => {
      const file = path.join(GUEST_BIN, name);
      const info = DebugInfo.fromElf(load(file));
      assert.ok(info, `${name} has .debug_info`);
      compareWithReadelf(file, info);
    });
  }

  for (const [opt, dwarf] of [['-O0', '-g'], ['-O2', '-g'], ['-O2', '-gdwarf-4']]) {
    it(`${opt} ${dwarf}: the test program's variables and types, and their values at a breakpoint (callee and caller frame)`, () => {
      const b = crossBuild(SOURCE, { lang: 'c', name: `info${opt}`, flags: [opt, dwarf, '-mcmodel=medany'], linkerScript: LINK });
      try {
        const img = load(b.elf);
        const info = DebugInfo.fromElf(img)!;
        assert.ok(compareWithReadelf(b.elf, info) >= 10);
        const cfi = CallFrameTable.fromDebugFrame(findSection(img, '.debug_frame')!);
        const stop = img.symbols.lookup('stop_here')!.addr;
        const work = info.functionAt(stop)!;
        assert.equal(work.name, 'work');
        const vars = info.variablesAt(work, stop);
        assert.deepEqual(vars.map((v) => `${typeName(v.type)} ${v.name}`),
          ['long int a', 'u32 b', 'const char * name', 'struct point * p', 'enum color c', 'long int inner', 'int i', 'long int sum', 'int[3] arr']);
        const point = vars.find((v) => v.name === 'p')!.type;
        assert.ok(point?.kind === 'pointer' && point.target?.kind === 'struct');
        assert.deepEqual(point.target.members.map((m) => `${m.name}@${m.offset}:${typeName(m.type)}`), ['x@0:long int', 'y@8:int', 'tag@12:char']);
        assert.equal(sizeOf(point.target), 16);
        // Outside the loop's block only the function's own variables are in scope.
        assert.deepEqual(info.variablesAt(work, work.ranges[0].start).map((v) => v.name), ['a', 'b', 'name', 'p', 'c', 'sum', 'arr']);

        const m = new Machine({ console: { write: () => undefined } });
        m.load(img, b.elf);
        m.addBreakpoint(BigInt(stop));
        assert.equal(m.run(100_000).kind, 'breakpoint');
        const h = m.harts[0];
        const regs = hartRegs(h);
        const ctx = frameContext(m, cfi, info, work, stop, regs);
        const lists = readelfLocLists(b.elf);
        const got = new Map<string, bigint | string>();
        for (const v of vars) {
          const r = readVariable(v.location, stop, sizeOf(v.type), ctx);
          if (!r.ok) {
            got.set(v.name, r.reason);
            // Unavailable only where readelf's list gives no entry at this pc, or only the value at entry.
            assert.ok(r.reason.startsWith(OPTIMIZED_OUT), `${v.name}: ${r.reason}`);
            assert.equal(v.location.kind, 'list', `${v.name} has a single location, yet it is unavailable`);
            const start = lists.findIndex((e) => v.location.kind === 'list' && v.location.entries.length > 0 && e.start === v.location.entries[0].start && e.end === v.location.entries[0].end);
            const list = lists.slice(start, lists.findIndex((e, i) => i > start && e.expr === 'end'));
            const here = list.filter((e) => stop >= e.start && stop < e.end);
            assert.ok(here.every((e) => /DW_OP_(GNU_)?entry_value/.test(e.expr)), `${v.name}: readelf has ${here.map((e) => e.expr).join(', ')} at the pc`);
            continue;
          }
          if (v.name === 'arr') { got.set(v.name, [0, 4, 8].map((o) => int(r.bytes.subarray(o, o + 4), true)).join(',')); continue; }
          const t = v.type!;
          const signed = typeName(t) !== 'u32' && !(t.kind === 'pointer');
          got.set(v.name, int(r.bytes, signed));
        }
        const greeting = BigInt(img.symbols.lookup('greeting')!.addr);
        assert.equal(got.get('a'), -5n);
        assert.equal(got.get('b'), 3000000000n);
        assert.equal(got.get('name'), greeting);
        assert.equal(got.get('sum'), -10n);
        assert.equal(got.get('arr'), '-1294967296,2,3');
        assert.equal(got.get('i'), 1n);
        assert.equal(got.get('inner'), 31n);
        if (opt === '-O0') assert.equal(got.get('c'), 5n);
        else assert.ok(got.get('c') === 5n || String(got.get('c')).startsWith(OPTIMIZED_OUT));

        // The caller, from CFI-recovered registers: `local` is what p points to; `r` is not assigned yet.
        const up = unwindStep(cfi.rowAt(stop)!, regs, (a) => ctx.read(a, 8))!;
        const callPc = Number(up.pc) - 1;
        const entry = info.functionAt(callPc)!;
        assert.equal(entry.name, 'entry');
        const cctx = frameContext(m, cfi, info, entry, callPc, up.regs);
        const [local, r] = info.variablesAt(entry, callPc);
        assert.equal(local.name, 'local');
        const place = evaluate((local.location as { expr: Uint8Array }).expr, cctx);
        assert.ok(place.kind === 'memory' && place.addr === got.get('p'), 'p points to the caller\'s local');
        const bytes = readPlace(place, 16, cctx);
        assert.ok(bytes.ok);
        assert.deepEqual([int(bytes.bytes.subarray(0, 8), true), int(bytes.bytes.subarray(8, 12), true), bytes.bytes[12]], [40n, 2n, 'q'.charCodeAt(0)]);
        assert.equal(r.name, 'r');
        const rv = readVariable(r.location, callPc, 8, cctx);
        if (opt === '-O2') assert.deepEqual(rv, { ok: false, reason: OPTIMIZED_OUT });
      } finally { b.cleanup(); }
    });
  }

  for (const dwarf of ['-g', '-gdwarf-4']) {
    it(`-O2 ${dwarf}: a parameter known only by its value at entry takes the caller's call-site value, computed in the caller's frame`, () => {
      const b = crossBuild(ENTRY_SOURCE, { lang: 'c', name: `entry${dwarf}`, flags: ['-O2', dwarf, '-mcmodel=medany'], linkerScript: LINK });
      try {
        const img = load(b.elf);
        const info = DebugInfo.fromElf(img)!;
        const cfi = CallFrameTable.fromDebugFrame(findSection(img, '.debug_frame')!);
        const stop = img.symbols.lookup('mix_stop')!.addr;
        const mix = info.functionAt(stop)!;
        const [n, k] = info.variablesAt(mix, stop);
        assert.deepEqual([n.name, k.name], ['n', 'k']);
        // readelf agrees that at the stop n and k are only their values at entry (in a0 and a1).
        const lists = readelfLocLists(b.elf);
        for (const [v, reg] of [[n, 'a0'], [k, 'a1']] as const) {
          const first = v.location.kind === 'list' ? v.location.entries[0] : undefined;
          const start = lists.findIndex((e) => e.start === first?.start && e.end === first?.end);
          const here = lists.slice(start, lists.findIndex((e, i) => i > start && e.expr === 'end')).filter((e) => stop >= e.start && stop < e.end);
          assert.deepEqual(here.map((e) => e.expr.replace('GNU_', '')), [`(DW_OP_entry_value: (DW_OP_reg1${reg.slice(1)} (${reg})); DW_OP_stack_value)`], v.name);
        }

        const m = new Machine({ console: { write: () => undefined } });
        m.load(img, b.elf);
        m.addBreakpoint(BigInt(stop));
        assert.equal(m.run(100_000).kind, 'breakpoint');
        const regs = hartRegs(m.harts[0]);
        const plain = frameContext(m, cfi, info, mix, stop, regs);
        assert.ok(!readVariable(n.location, stop, 8, plain).ok, 'without the caller, n is optimized out');

        // The caller by CFI: its call site at the return address, as readelf shows it (registers and value bytes).
        const up = unwindStep(cfi.rowAt(stop)!, regs, (a) => plain.read(a, 8))!;
        const ret = Number(up.pc);
        const entry = info.functionAt(ret - 1)!;
        assert.equal(entry.name, 'entry');
        const site = info.callSiteAt(entry, ret)!;
        assert.equal(site.callee, 'mix');
        const dies = [...readelfDies(b.elf).values()];
        const theirs = dies.find((d) => /call_site$/.test(d.tag) && parseInt(d.attrs.get('DW_AT_call_return_pc') ?? d.attrs.get('DW_AT_low_pc') ?? '', 16) === ret)!;
        const block = (v: string | undefined) => /^\d+ byte block: ([0-9a-f ]+?)\s*\t?\(/.exec(v ?? '')?.[1].split(' ').map((x) => parseInt(x, 16));
        assert.deepEqual(site.parameters.map((p) => [p.reg, [...p.value]]), theirs.children.map((c) =>
          [block(c.attrs.get('DW_AT_location'))![0] - 0x50, block(c.attrs.get('DW_AT_call_value') ?? c.attrs.get('DW_AT_GNU_call_site_value'))]));

        // Entry values: the call values evaluated with the caller's registers (s0 restored from mix's frame).
        const callerCtx = frameContext(m, cfi, info, entry, ret - 1, up.regs);
        const atEntry = (reg: number) => { const p = site.parameters.find((x) => x.reg === reg); return p && evaluateValue(p.value, callerCtx); };
        const ctx = frameContext(m, cfi, info, mix, stop, regs, atEntry);
        const value = (v: Variable) => { const r = readVariable(v.location, stop, 8, ctx); assert.ok(r.ok, `${v.name}: ${!r.ok && r.reason}`); return int(r.bytes, true); };
        assert.equal(value(n), 40n);
        assert.equal(value(k), 3n);
        // mix's own calls to put pass n * k (through entry values again) and t + 1 (t = 120 in s0).
        const puts = mix.callSites.filter((c) => c.callee === 'put').map((c) => evaluateValue(c.parameters[0].value, ctx));
        assert.deepEqual(puts, [120n, 121n]);
      } finally { b.cleanup(); }
    });
  }

  it('evaluates the stack machine: arithmetic, stack_value, implicit_value, pieces, unknown registers', () => {
    const ctx: ExprContext = { reg: (n) => (n === 10 ? 100n : undefined), cfa: 0x1000n, frameBase: new Uint8Array([0x9c]), read: () => 7n };
    assert.deepEqual(evaluate(new Uint8Array([0x35, 0x37, 0x1e, 0x9f]), ctx), { kind: 'value', value: 35n }); // lit5 lit7 mul
    assert.deepEqual(evaluate(new Uint8Array([0x91, 0x70]), ctx), { kind: 'memory', addr: 0x1000n - 16n }); // fbreg -16
    assert.deepEqual(evaluate(new Uint8Array([0x7a, 0x04, 0x9f]), ctx), { kind: 'value', value: 104n }); // breg10 +4
    assert.deepEqual(evaluate(new Uint8Array([0x7b, 0x00]), ctx), { kind: 'unavailable', reason: 'not available' }); // breg11
    assert.deepEqual(evaluate(new Uint8Array([]), ctx), { kind: 'unavailable', reason: OPTIMIZED_OUT });
    const iv = evaluate(new Uint8Array([0x9e, 2, 0x34, 0x12]), ctx);
    assert.deepEqual(readPlace(iv, 2, ctx), { ok: true, bytes: new Uint8Array([0x34, 0x12]) });
    // reg10 piece 4, lit1 stack_value piece 4 → 100, 1.
    const pieces = evaluate(new Uint8Array([0x5a, 0x93, 4, 0x31, 0x9f, 0x93, 4]), ctx);
    assert.deepEqual(readPlace(pieces, 8, ctx), { ok: true, bytes: new Uint8Array([100, 0, 0, 0, 1, 0, 0, 0]) });
    const partly = evaluate(new Uint8Array([0x5b, 0x93, 4, 0x93, 4]), ctx); // reg11 unknown; second piece empty
    assert.deepEqual(readPlace(partly, 8, ctx), { ok: false, reason: 'partly not available' });
    assert.equal(evaluate(new Uint8Array([0xa3, 1, 0x5a, 0x9f]), ctx).kind, 'unavailable'); // entry_value, no caller
    const entry: ExprContext = { ...ctx, entryValue: (r) => (r === 10 ? 9n : undefined) };
    assert.deepEqual(evaluate(new Uint8Array([0xa3, 1, 0x5a, 0x33, 0x1e, 0x9f]), entry), { kind: 'value', value: 27n }); // (reg10) lit3 mul
    assert.deepEqual(evaluate(new Uint8Array([0xa3, 2, 0x90, 10, 0x9f]), entry), { kind: 'value', value: 9n }); // (regx 10)
    assert.equal(evaluate(new Uint8Array([0xa3, 1, 0x5b, 0x9f]), entry).kind, 'unavailable'); // reg11: the caller does not say
    assert.equal(evaluate(new Uint8Array([0xa3, 2, 0x7a, 0, 0x9f]), entry).kind, 'unavailable'); // breg10 0: a memory entry value
  });
});
