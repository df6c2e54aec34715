// DWARF .debug_line: the checked-in guests (DWARF 5 from gcc 12) against objdump --dwarf=decodedline, a
// DWARF 4 build, a hand-assembled v5 unit with MD5 sums and 64-bit DWARF, and malformed input.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { findSection, parseElf } from '../../engine/loader/elf';
import { DwarfError, LineTable, joinPath, parseDebugLine, DwarfSections } from '../../engine/loader/dwarf-line';
import { crossBuild, crossTool, crossToolchainAvailable } from '../support/cross';

const GUESTS = path.join(__dirname, '..', '..', '..', 'guests', 'bin');

function sectionsOf(file: string): DwarfSections | undefined {
  const img = parseElf(new Uint8Array(fs.readFileSync(file)), file);
  const debugLine = findSection(img, '.debug_line');
  return debugLine && { debugLine, debugLineStr: findSection(img, '.debug_line_str'), debugStr: findSection(img, '.debug_str') };
}

/** Our rows in objdump's decodedline form: "basename line address [x]" ("-" as the line of end rows). */
function ourRows(s: DwarfSections): string[] {
  return parseDebugLine(s).flatMap((p) => p.rows.map((r) =>
    `${r.file.split('/').pop()} ${r.endSequence ? '-' : r.line} 0x${r.address.toString(16)}${r.isStmt && !r.endSequence ? ' x' : ''}`));
}

function objdumpRows(file: string): string[] {
  const out = crossTool('objdump', ['--dwarf=decodedline', file]);
  const rows: string[] = [];
  for (const l of out.split('\n')) {
    const m = /^(\S+)\s+(\d+|-)\s+(0x[0-9a-f]+)(?:\s+\d+)?(\s+x)?\s*$/.exec(l);
    if (m) rows.push(`${m[1]} ${m[2]} ${m[3]}${m[4] ? ' x' : ''}`);
  }
  return rows;
}

/** Little-endian byte writer for hand-made units. */
class Bytes {
  readonly b: number[] = [];
  u8(...v: number[]): this { this.b.push(...v.map((x) => x & 0xff)); return this; }
  u16(v: number): this { return this.u8(v, v >> 8); }
  u32(v: number): this { return this.u8(v, v >> 8, v >> 16, v >>> 24); }
  u64(v: bigint): this { for (let i = 0n; i < 8n; i++) this.u8(Number((v >> (8n * i)) & 0xffn)); return this; }
  uleb(v: number): this {
    do { let byte = v & 0x7f; v >>>= 7; if (v) byte |= 0x80; this.u8(byte); } while (v);
    return this;
  }
  sleb(v: number): this {
    for (;;) {
      const byte = v & 0x7f; v >>= 7;
      if ((v === 0 && !(byte & 0x40)) || (v === -1 && (byte & 0x40))) { this.u8(byte); return this; }
      this.u8(byte | 0x80);
    }
  }
  str(s: string): this { for (const c of Buffer.from(s, 'utf8')) this.u8(c); return this.u8(0); }
  bytes(a: number[]): this { this.b.push(...a); return this; }
}

/**
 * A DWARF 5 unit: directories "/build" and "src" (line_strp), files with udata directory indexes and
 * DW_FORM_data16 MD5 sums, then a program: two rows, a file switch, a non-stmt row, end_sequence.
 * `dwarf64` writes the 64-bit DWARF format (unit_length escape 0xffffffff, 8-byte offsets).
 */
function handMadeV5(dwarf64: boolean): DwarfSections {
  const lineStr = new Bytes().str('/build').str('src').str('main.c').str('util.h');
  const off = (s: string) => Buffer.from(lineStr.b).indexOf(Buffer.from(s + '\0'));
  const offset = (w: Bytes, v: number) => (dwarf64 ? w.u64(BigInt(v)) : w.u32(v));
  const header = new Bytes()
    .u8(1, 1, 1).u8(-5).u8(14).u8(13) // min_inst_length, max_ops, default_is_stmt, line_base, line_range, opcode_base
    .u8(0, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 1); // standard_opcode_lengths
  header.u8(1).uleb(1).uleb(0x1f); // directory formats: DW_LNCT_path line_strp
  header.uleb(2); offset(header, off('/build')); offset(header, off('src'));
  header.u8(3).uleb(1).uleb(0x1f).uleb(2).uleb(0x0f).uleb(5).uleb(0x1e); // path, directory_index udata, MD5 data16
  const md5a = Array.from({ length: 16 }, (_, i) => i), md5b = Array.from({ length: 16 }, (_, i) => 0xf0 + i);
  header.uleb(2);
  offset(header, off('main.c')); header.uleb(1).bytes(md5a);
  offset(header, off('util.h')); header.uleb(0).bytes(md5b);
  const program = new Bytes()
    .u8(0).uleb(9).u8(2).u64(0x80001000n) // DW_LNE_set_address
    .u8(4).uleb(0) // set_file 0 (v5: main.c)
    .u8(3).sleb(9) // advance_line to 10
    .u8(5).uleb(7) // column 7
    .u8(1) // copy → row 10
    .u8(13 + (4 - -5) + 14 * 4) // special: address += 4, line += 4 → 14
    .u8(4).uleb(1) // set_file 1 (util.h)
    .u8(6) // negate_stmt
    .u8(9).u16(6) // fixed_advance_pc 6
    .u8(3).sleb(-11) // line 3
    .u8(1) // copy
    .u8(2).uleb(2) // advance_pc 2
    .u8(0).uleb(1).u8(1); // end_sequence
  const afterLength = new Bytes().u16(5).u8(8).u8(0); // version, address_size, seg_sel_size
  offset(afterLength, header.b.length);
  afterLength.bytes(header.b).bytes(program.b);
  const unit = new Bytes();
  if (dwarf64) unit.u32(0xffffffff).u64(BigInt(afterLength.b.length)); else unit.u32(afterLength.b.length);
  unit.bytes(afterLength.b);
  return { debugLine: new Uint8Array(unit.b), debugLineStr: new Uint8Array(lineStr.b) };
}

describe('loader/dwarf-line', function () {
  const elfs = fs.readdirSync(GUESTS).filter((f) => f.endsWith('.elf')).sort();
  const haveObjdump = crossToolchainAvailable(['objdump']);

  describe('the checked-in guests (DWARF 5, gcc 12)', function () {
    for (const name of elfs) {
      it(`${name}: every row matches objdump --dwarf=decodedline`, function () {
        if (!haveObjdump) this.skip();
        const file = path.join(GUESTS, name);
        const sections = sectionsOf(file);
        const theirs = objdumpRows(file);
        if (!sections) { assert.deepEqual(theirs, [], 'no .debug_line: objdump has no rows either'); return; }
        assert.deepEqual(ourRows(sections), theirs);
      });
    }

    it('demo.elf: version 5, paths relative to guests/, lookups both ways', function () {
      const file = path.join(GUESTS, 'demo.elf');
      const s = sectionsOf(file)!;
      const programs = parseDebugLine(s);
      assert.ok(programs.every((p) => p.version === 5));
      assert.equal(programs[0].compDir, '.');
      const table = new LineTable(programs);
      assert.ok(table.files().includes('common/crt0.S'));
      assert.ok(table.files().includes('demo/main.c'));
      assert.ok(table.files().includes('demo/asm.S'));
      // crt0.S line 8 is `csrr t0, mhartid` at the reset address.
      assert.deepEqual(table.lookup(0x80000000), { ...table.lookup(0x80000000)!, file: 'common/crt0.S', line: 8 });
      assert.deepEqual(table.addressesFor('common/crt0.S', 8), [0x80000000]);
      assert.equal(table.lookup(0x80000002)!.line, 8, 'a row covers the addresses up to the next row');
      assert.equal(table.isStatementStart(0x80000004), true);
      assert.equal(table.isStatementStart(0x80000002), false);
      const img = parseElf(new Uint8Array(fs.readFileSync(file)), file);
      const gcd = img.symbols.lookup('demo_gcd')!;
      const row = table.lookup(gcd.addr)!;
      assert.equal(row.file, 'demo/asm.S');
      assert.equal(fs.readFileSync(path.join(GUESTS, '..', row.file), 'utf8').split('\n')[row.line - 1].trim(), 'beqz    a1, 2f');
      const main = img.symbols.lookup('main')!;
      assert.equal(table.lookup(main.addr)!.file, 'demo/main.c');
      assert.equal(table.lookup(0x7ffffffc), undefined, 'no row below the first sequence');
      assert.equal(table.lookup(0x90000000), undefined, 'no row past the last sequence');
      assert.deepEqual(table.addressesFor('demo/main.c', 1), [], 'a comment line has no code');
    });
  });

  it('a DWARF 4 build (gcc -gdwarf-4) matches objdump', function () {
    if (!crossToolchainAvailable(['gcc', 'objdump'])) this.skip();
    const src = [
      'static volatile int sink;',
      'static int twice(int x) { return x * 2; }',
      'void _start(void) {',
      '  for (int i = 0; i < 3; i++)',
      '    sink = twice(sink + i);',
      '  for (;;) {}',
      '}',
    ].join('\n');
    const b = crossBuild(src, { lang: 'c', flags: ['-gdwarf-4', '-O1', '-mcmodel=medany'], name: 'v4' });
    try {
      const s = sectionsOf(b.elf)!;
      const programs = parseDebugLine(s);
      assert.deepEqual(programs.map((p) => p.version), [4]);
      assert.equal(programs[0].files.get(1)?.name, 'v4.c');
      assert.deepEqual(ourRows(s), objdumpRows(b.elf));
      const table = new LineTable(programs);
      const file = programs[0].files.get(1)!.path;
      assert.ok(table.addressesFor(file, 5).length > 0, 'line 5 has code');
    } finally {
      b.cleanup();
    }
  });

  for (const dwarf64 of [false, true]) {
    it(`a hand-made DWARF 5 unit (${dwarf64 ? '64' : '32'}-bit DWARF): line_strp paths, udata indexes, data16 MD5`, function () {
      const [p] = parseDebugLine(handMadeV5(dwarf64));
      assert.equal(p.version, 5);
      assert.equal(p.compDir, '/build');
      assert.deepEqual(p.files.get(0), { name: 'main.c', dir: 'src', path: 'src/main.c', md5: '000102030405060708090a0b0c0d0e0f' });
      assert.deepEqual(p.files.get(1), { name: 'util.h', dir: '/build', path: 'util.h', md5: 'f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff' });
      assert.deepEqual(p.rows.map((r) => [r.address, r.file, r.line, r.column, r.isStmt, r.endSequence]), [
        [0x80001000, 'src/main.c', 10, 7, true, false],
        [0x80001004, 'src/main.c', 14, 7, true, false],
        [0x8000100a, 'util.h', 3, 7, false, false],
        [0x8000100c, 'util.h', 3, 7, false, true],
      ]);
      const t = new LineTable([p]);
      assert.equal(t.lookup(0x80001006)!.line, 14);
      assert.equal(t.lookup(0x8000100b)!.file, 'util.h');
      assert.equal(t.lookup(0x8000100c), undefined, 'the end_sequence address is past the sequence');
      assert.deepEqual(t.addressesFor('util.h', 3), [], 'non-stmt rows are not breakpoint locations');
      assert.deepEqual(t.addressesFor('src/main.c', 14), [0x80001004]);
    });
  }

  it('malformed units throw DwarfError naming the unit', function () {
    const good = handMadeV5(false);
    const truncated = { ...good, debugLine: good.debugLine.subarray(0, 30) };
    assert.throws(() => parseDebugLine(truncated), (e: unknown) => e instanceof DwarfError && /unit at 0x0: .*past the section/.test(e.message));
    const badVersion = { ...good, debugLine: good.debugLine.slice() };
    badVersion.debugLine[4] = 9;
    assert.throws(() => parseDebugLine(badVersion), /version 9 is not supported/);
    const noStr = { debugLine: good.debugLine };
    assert.throws(() => parseDebugLine(noStr), /\.debug_line_str, which the file does not have/);
    const shortBody = good.debugLine.slice();
    new DataView(shortBody.buffer).setUint32(0, 20, true); // unit ends inside the header
    assert.throws(() => parseDebugLine({ ...good, debugLine: shortBody }), DwarfError);
  });

  it('joinPath keeps relative paths relative and resolves dot segments', function () {
    assert.equal(joinPath('.', 'common', 'uart.c'), 'common/uart.c');
    assert.equal(joinPath('', 'uart.c'), 'uart.c');
    assert.equal(joinPath('/usr/lib', 'x/../y.h'), '/usr/lib/y.h');
    assert.equal(joinPath('src', '/abs/f.c'), '/abs/f.c');
    assert.equal(joinPath('..', 'f.c'), '../f.c');
  });
});
