// The instruction table's invariants: encodings, overlaps, operand fields, handlers, and decode round trips;
// and the CSR table's: unique numbers and names, citations, and which CSRs the hart implements.
import { strict as assert } from 'assert';
import { HANDLERS } from '../../engine/cpu/handlers';
import { CSRS, csrByAddress, csrByName, csrName } from '../../engine/isa/csr-table';
import { decode, lookup } from '../../engine/isa/decoder';
import { FieldSpec, fieldMask, fieldWidth } from '../../engine/isa/fields';
import { InsnDef, OperandName } from '../../engine/isa/insn-def';
import { ALLOWED_OVERLAPS, INSTRUCTIONS, instructionByMnemonic } from '../../engine/isa/instructions';
import * as A from '../support/asm';
import { BASE, CSR, M_TRAP, Rig } from '../cpu/harness';

const fieldsOf = (d: InsnDef) =>
  Object.entries(d.operands).filter((e): e is [OperandName, FieldSpec] => typeof e[1] !== 'number');

const wordMask = (d: InsnDef) => (d.size === 2 ? 0xffff : 0xffffffff);
const hex = (v: number) => '0x' + (v >>> 0).toString(16).padStart(8, '0');

/**
 * Bits that are neither fixed by the mask nor read by an operand: fields the spec reserves and tells
 * implementations to ignore, so the table matches any value there.
 */
const IGNORED_BITS: Record<string, { bits: number; why: string }> = {
  fence: { bits: 0xf00f8f80, why: 'fm, rs1 and rd: reserved, ignored by base implementations (Unpriv §2.7)' },
  'fence.tso': { bits: 0x000f8f80, why: 'rs1 and rd: reserved, ignored (Unpriv §2.7)' },
  'fence.i': { bits: 0xffff8f80, why: 'imm, rs1 and rd: reserved, ignored (Unpriv §6.1)' },
};

/**
 * Sample legal values per operand: `low` is each field's smallest nonzero step, `high` all ones. Registers are
 * never x0/x1/x2 so that no sample hits an overlap (c.lui rd=2 is c.addi16sp) or a reserved encoding.
 */
function sample(name: OperandName, f: FieldSpec, which: 'low' | 'high'): number {
  const w = fieldWidth(f);
  const step = 1 << Math.min(...f.slices.map((s) => s.at));
  if (name === 'rd' || name === 'rs1' || name === 'rs2') return which === 'low' ? Math.max(10, f.bias) : f.bias + (1 << w) - 1;
  if (name === 'csr') return which === 'low' ? 0x340 : 0xfff;
  if (which === 'low') return step;
  return f.signed ? -step : (1 << w) - step;
}

function overlaps(a: InsnDef, b: InsnDef): boolean {
  return a.size === b.size && ((a.match ^ b.match) & a.mask & b.mask) === 0;
}

function allowed(a: InsnDef, b: InsnDef): boolean {
  return ALLOWED_OVERLAPS.some((o) => (o.a === a.mnemonic && o.b === b.mnemonic) || (o.a === b.mnemonic && o.b === a.mnemonic));
}

describe('isa/table', function () {
  it('has unique mnemonics', function () {
    const seen = new Set<string>();
    const dup = INSTRUCTIONS.filter((d) => seen.has(d.mnemonic) || !seen.add(d.mnemonic)).map((d) => d.mnemonic);
    assert.deepEqual(dup, []);
  });

  it('numbers rows by their index', function () {
    INSTRUCTIONS.forEach((d, i) => assert.equal(d.id, i, d.mnemonic));
  });

  it('cites a spec section in every row', function () {
    const bad = INSTRUCTIONS.filter((d) => !/^(Unpriv|Priv) §\d+(\.\d+)*/.test(d.spec)).map((d) => `${d.mnemonic}: '${d.spec}'`);
    assert.deepEqual(bad, []);
  });

  it('sizes every row by its match and keeps match bits inside the mask', function () {
    const bad: string[] = [];
    for (const d of INSTRUCTIONS) {
      if ((d.match & ~d.mask) !== 0) bad.push(`${d.mnemonic}: match ${hex(d.match)} has bits outside mask ${hex(d.mask)}`);
      if (d.size === 4 && (d.mask & 0x7f) !== 0x7f) bad.push(`${d.mnemonic}: mask does not fix the major opcode`);
      if (d.size === 2 && ((d.mask & 3) !== 3 || d.mask > 0xffff || (d.match & 3) === 3)) {
        bad.push(`${d.mnemonic}: not a 16-bit quadrant 0-2 encoding`);
      }
    }
    assert.deepEqual(bad, []);
  });

  it('has no overlapping encodings except ALLOWED_OVERLAPS, where the more specific mask contains the other', function () {
    const bad: string[] = [];
    for (let i = 0; i < INSTRUCTIONS.length; i++) {
      for (let j = i + 1; j < INSTRUCTIONS.length; j++) {
        const a = INSTRUCTIONS[i], b = INSTRUCTIONS[j];
        if (!overlaps(a, b)) continue;
        if (!allowed(a, b)) bad.push(`${a.mnemonic} (${hex(a.match)}/${hex(a.mask)}) overlaps ${b.mnemonic} (${hex(b.match)}/${hex(b.mask)})`);
        else if ((a.mask & b.mask) !== a.mask && (a.mask & b.mask) !== b.mask) bad.push(`${a.mnemonic}/${b.mnemonic}: neither mask contains the other`);
        else if (a.mask === b.mask) bad.push(`${a.mnemonic}/${b.mnemonic}: identical encodings`);
      }
    }
    assert.deepEqual(bad, []);
  });

  it('lists only real overlaps in ALLOWED_OVERLAPS, each with a reason', function () {
    for (const o of ALLOWED_OVERLAPS) {
      const a = instructionByMnemonic(o.a), b = instructionByMnemonic(o.b);
      assert.ok(a && b, `${o.a}/${o.b}: unknown mnemonic`);
      assert.ok(overlaps(a, b), `${o.a}/${o.b} do not overlap`);
      assert.ok(o.why.length > 10, `${o.a}/${o.b}: no reason given`);
    }
  });

  it('reads operands only from bits outside the mask, and distinct operands from identical or disjoint fields', function () {
    const bad: string[] = [];
    for (const d of INSTRUCTIONS) {
      const fields = fieldsOf(d);
      for (const [name, f] of fields) {
        if ((fieldMask(f) & d.mask) !== 0) bad.push(`${d.mnemonic}.${name} reads fixed bits ${hex(fieldMask(f) & d.mask)}`);
        if ((fieldMask(f) & ~wordMask(d)) !== 0) bad.push(`${d.mnemonic}.${name} reads beyond the ${d.size}-byte word`);
      }
      for (const [n1, f1] of fields) {
        for (const [n2, f2] of fields) {
          if (n1 < n2 && (fieldMask(f1) & fieldMask(f2)) !== 0 && JSON.stringify(f1) !== JSON.stringify(f2)) {
            bad.push(`${d.mnemonic}: ${n1} and ${n2} share bits but differ`);
          }
        }
      }
    }
    assert.deepEqual(bad, []);
  });

  it('covers every bit with the mask or an operand, except the reserved fields in IGNORED_BITS', function () {
    const bad: string[] = [];
    for (const d of INSTRUCTIONS) {
      let covered = d.mask;
      for (const [, f] of fieldsOf(d)) covered |= fieldMask(f);
      const free = (~covered & wordMask(d)) >>> 0;
      const expected = IGNORED_BITS[d.mnemonic]?.bits ?? 0;
      if (free !== expected) bad.push(`${d.mnemonic}: bits ${hex(free)} are free, expected ${hex(expected)}`);
    }
    assert.deepEqual(bad, []);
  });

  it('has a handler for every row', function () {
    assert.equal(HANDLERS.length, INSTRUCTIONS.length);
  });

  it('names a 32-bit base row as the semantics of every compressed row (the disassembler expands by it)', function () {
    for (const d of INSTRUCTIONS.filter((r) => r.size === 2)) {
      assert.equal(instructionByMnemonic(d.semantics)?.size, 4, `${d.mnemonic} runs '${d.semantics}'`);
    }
  });

  it('decodes each row from its match word with sample operands, and returns those operands', function () {
    const bad: string[] = [];
    for (const d of INSTRUCTIONS) {
      for (const which of ['low', 'high'] as const) {
        let w = d.match;
        const want: Partial<Record<OperandName, number>> = {};
        for (const [name, f] of fieldsOf(d)) {
          want[name] = sample(name, f, which);
          w = A.encodeField(w, f, want[name]!);
        }
        for (const [name, v] of Object.entries(d.operands)) if (typeof v === 'number') want[name as OperandName] = v;
        const got = decode(w);
        if (got?.def !== d) { bad.push(`${d.mnemonic} ${which} ${hex(w)} decodes as ${got?.def.mnemonic}`); continue; }
        for (const [name, v] of Object.entries(want)) {
          if (got[name as OperandName] !== v) bad.push(`${d.mnemonic} ${which}: ${name} = ${got[name as OperandName]}, want ${v}`);
        }
        if (got.size !== d.size || got.raw !== w) bad.push(`${d.mnemonic}: size ${got.size} raw ${hex(got.raw)}`);
      }
    }
    assert.deepEqual(bad, []);
  });

  it('decodes reserved encodings as undefined', function () {
    const words: [number, string][] = [
      [0x0000, 'c.addi4spn with nzuimm=0 (all-zero parcel)'], [0x0010, 'c.addi4spn a2,sp,0'],
      [0x6001, 'c.lui zero,0'], [0x6501, 'c.lui a0,0'], [0x6101, 'c.addi16sp sp,0'],
      [0x8002, 'c.jr zero'], [0x4002, 'c.lwsp zero'], [0x6002, 'c.ldsp zero'], [0x707e, 'c.ldsp zero,504(sp)'],
      [0x2001, 'c.addiw zero,0'], [0x307d, 'c.addiw zero,-1'],
    ];
    for (const [w, what] of words) assert.equal(decode(w), undefined, `${hex(w)} ${what}`);
    // Every declared reserved value, with the other operands at sample values.
    for (const d of INSTRUCTIONS) {
      for (const r of d.reserved) {
        let w = d.match;
        for (const [name, f] of fieldsOf(d)) w = A.encodeField(w, f, sample(name, f, 'low'));
        // Last, since operands may share its field (c.addiw's rd is its rs1).
        w = A.encodeField(w, d.operands[r.operand] as FieldSpec, r.equals);
        assert.equal(decode(w), undefined, `${d.mnemonic} with ${r.operand}=${r.equals} (${hex(w)})`);
      }
    }
  });

  it('rejects 48-bit and longer length prefixes and unknown words', function () {
    for (const w of [0x0000001f, 0x0000003f, 0x0000007f, 0xffffffff, 0x0200101b, 0x00000077]) {
      assert.equal(decode(w), undefined, hex(w));
    }
  });

  it('decodes all 65536 16-bit parcels consistently', function () {
    const bad: string[] = [];
    let legal = 0;
    for (let p = 0; p < 0x10000; p++) {
      if ((p & 3) === 3) continue;
      let d;
      try {
        d = decode(p);
      } catch (e) {
        bad.push(`${hex(p)} throws ${(e as Error).message}`);
        continue;
      }
      if (d === undefined) continue;
      legal++;
      const def = d.def;
      if (def.size !== 2 || d.size !== 2) bad.push(`${hex(p)}: ${def.mnemonic} is not compressed`);
      if (((p & def.mask) >>> 0) !== def.match) bad.push(`${hex(p)}: does not match ${def.mnemonic}`);
      let again = def.match;
      for (const [name, f] of fieldsOf(def)) again = A.encodeField(again, f, d[name]);
      if (again !== p) bad.push(`${hex(p)}: ${def.mnemonic} re-encodes as ${hex(again)}`);
      if (lookup((p | 0xabcd0000) >>> 0) !== def) bad.push(`${hex(p)}: the upper half changes the decode`);
      if (bad.length > 50) break;
    }
    assert.deepEqual(bad, []);
    // The legal RV64C space here (no F/D loads/stores): counted once, pinned so table edits show up.
    assert.equal(legal, 38551);
  });
});

describe('isa/csr-table', function () {
  it('has unique 12-bit CSR numbers and unique names, found by csrByAddress, csrByName and csrName', function () {
    const bad: string[] = [];
    const addrs = new Set<number>(), names = new Set<string>();
    for (const c of CSRS) {
      if (!Number.isInteger(c.addr) || c.addr < 0 || c.addr > 0xfff) bad.push(`${c.name}: number ${c.addr}`);
      if (addrs.has(c.addr)) bad.push(`0x${c.addr.toString(16)} twice`);
      if (names.has(c.name)) bad.push(`${c.name} twice`);
      if (!/^[a-z][a-z0-9]*$/.test(c.name)) bad.push(`name '${c.name}'`);
      addrs.add(c.addr); names.add(c.name);
      if (csrByAddress(c.addr) !== c || csrByName(c.name) !== c || csrName(c.addr) !== c.name) bad.push(`${c.name}: lookups`);
    }
    assert.deepEqual(bad, []);
    assert.equal(csrName(0x7c0), '0x7c0', 'custom CSR numbers print in hex');
    assert.equal(csrByName('0x7c0'), undefined);
  });

  it('summarizes every CSR and cites its spec section', function () {
    const cite = /^(Unpriv|Priv|V spec|Scalar crypto spec|AIA|Debug spec|Sstc)\b.*§\d+(\.\d+)*/;
    const bad = CSRS.filter((c) => c.summary.length < 5 || !cite.test(c.spec)).map((c) => `${c.name}: '${c.summary}' '${c.spec}'`);
    assert.deepEqual(bad, []);
  });

  it('derives read-only and privilege from the CSR number (Priv §2.1)', function () {
    const bad: string[] = [];
    for (const c of CSRS) {
      if (c.readOnly !== (c.addr >> 10 === 3)) bad.push(`${c.name}: readOnly ${c.readOnly}`);
      const level = (c.addr >> 8) & 3;
      const want = level === 0 ? 'U' : level === 1 ? 'S' : level === 2 ? 'H' : (c.addr & 0xff0) === 0x7b0 ? 'D' : 'M';
      if (c.priv !== want) bad.push(`${c.name}: priv ${c.priv}, want ${want}`);
    }
    assert.deepEqual(bad, []);
  });

  it('implements a fixed set of CSRs: rows named only for the disassembler have no write mask or WARL rule', function () {
    const named = CSRS.filter((c) => !c.implemented);
    assert.deepEqual(named.filter((c) => c.writeMask !== undefined || c.warl !== undefined).map((c) => c.name), []);
    // Counted once, pinned so that a new row cannot quietly become implemented (CSR file, debugger views, expressions).
    assert.equal(CSRS.length - named.length, 167);
    for (const n of ['vstart', 'seed', 'cycleh', 'mstatush', 'mstateen0', 'miselect', 'mtopi', 'tinfo', 'scountovf', 'mhpmevent31h']) {
      assert.equal(csrByName(n)?.implemented, false, n);
    }
  });

  it('raises illegal-instruction for csrr and csrw of every CSR it names but does not implement, even in M-mode', function () {
    const r = new Rig();
    const bad: string[] = [];
    for (const c of CSRS.filter((x) => !x.implemented)) {
      for (const insn of [A.csrr(10, c.addr), A.csrrw(0, c.addr, 11)]) {
        r.setCsr(CSR.mcause, 0n);
        r.code(BASE, [insn]);
        r.step();
        if (r.pc() !== M_TRAP || r.csr(CSR.mcause) !== 2n) bad.push(`${c.name} ${hex(insn)}: pc ${hex(r.pc())} mcause ${r.csr(CSR.mcause)}`);
      }
    }
    assert.deepEqual(bad, []);
  });
});
