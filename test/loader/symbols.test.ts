// SymbolTable and the .symtab filter, on hand-made symbols (the ELF-built table is tested in elf.test.ts).
import { strict as assert } from 'assert';
import { classifySymbol, Sym, SymbolTable } from '../../engine/loader/symbols';
import { parseElf } from '../../engine/loader/elf';

const sym = (name: string, addr: number, size = 0, kind: Sym['kind'] = 'func', bind: Sym['bind'] = 'global'): Sym =>
  ({ name, addr, size, kind, bind });

function near(t: SymbolTable, addr: number): string | undefined {
  const r = t.nearest(addr);
  return r && `${r.sym.name}+${r.offset}`;
}

// st_info = bind << 4 | type (gABI); shndx 1 = some defined section, 0 = SHN_UNDEF, 0xfff1 = SHN_ABS.
const info = (bind: number, type: number) => (bind << 4) | type;

describe('loader/symbols', function () {
  describe('classifySymbol', function () {
    it('keeps defined FUNC, OBJECT and NOTYPE symbols with their binding', function () {
      assert.deepEqual(classifySymbol('main', info(1, 2), 1), { kind: 'func', bind: 'global' });
      assert.deepEqual(classifySymbol('table', info(0, 1), 3), { kind: 'object', bind: 'local' });
      assert.deepEqual(classifySymbol('__global_pointer$', info(1, 0), 0xfff1), { kind: 'notype', bind: 'global' });
      assert.deepEqual(classifySymbol('hook', info(2, 2), 1), { kind: 'func', bind: 'weak' });
      assert.deepEqual(classifySymbol('once', info(10, 1), 1), { kind: 'object', bind: 'global' }, 'STB_GNU_UNIQUE');
    });

    it('drops undefined, section, file, TLS and unnamed symbols', function () {
      assert.equal(classifySymbol('printf', info(1, 2), 0), undefined);
      assert.equal(classifySymbol('.text', info(0, 3), 1), undefined);
      assert.equal(classifySymbol('crt0.S', info(0, 4), 0xfff1), undefined);
      assert.equal(classifySymbol('errno', info(1, 6), 5), undefined);
      assert.equal(classifySymbol('', info(0, 0), 1), undefined);
    });

    it('drops local mapping symbols and .L labels, but not globals that look like them', function () {
      for (const name of ['$x', '$d', '$xrv64i2p1_m2p0_a2p1_c2p0', '$x.3', '$d.1', '.Lpcrel_hi0', '.L1']) {
        assert.equal(classifySymbol(name, info(0, 0), 1), undefined, name);
      }
      assert.deepEqual(classifySymbol('$xyz', info(0, 0), 1), { kind: 'notype', bind: 'local' });
      assert.deepEqual(classifySymbol('$x', info(1, 0), 1), { kind: 'notype', bind: 'global' });
    });
  });

  describe('SymbolTable', function () {
    it('is empty by default', function () {
      const t = new SymbolTable();
      assert.equal(t.size, 0);
      assert.equal(t.nearest(0x80000000), undefined);
      assert.equal(t.lookup('x'), undefined);
    });

    it('sorts all() by address', function () {
      const t = new SymbolTable([sym('c', 30), sym('a', 10), sym('b', 20)]);
      assert.deepEqual(t.all().map((s) => s.name), ['a', 'b', 'c']);
    });

    it('finds the symbol at or below an address, by binary search', function () {
      const syms = Array.from({ length: 1000 }, (_, i) => sym(`f${i}`, 0x80000000 + i * 16));
      const t = new SymbolTable(syms.reverse());
      assert.equal(near(t, 0x80000000), 'f0+0');
      assert.equal(near(t, 0x80000000 + 500 * 16 + 7), 'f500+7');
      assert.equal(near(t, 0x80000000 + 999 * 16 + 100), 'f999+100');
      assert.equal(near(t, 0x7fffffff), undefined);
    });

    it('prefers FUNC, then global over weak over local, at the same address', function () {
      const t = new SymbolTable([sym('lbl', 0x100, 0, 'notype'), sym('obj', 0x100, 0, 'object'),
        sym('loc', 0x100, 0, 'func', 'local'), sym('wk', 0x100, 0, 'func', 'weak'), sym('glob', 0x100, 0, 'func')]);
      assert.equal(near(t, 0x104), 'glob+4');
      const u = new SymbolTable([sym('loc', 0x100, 0, 'func', 'local'), sym('wk', 0x100, 0, 'func', 'weak')]);
      assert.equal(near(u, 0x100), 'wk+0');
      const v = new SymbolTable([sym('lbl', 0x100, 0, 'notype'), sym('loc', 0x100, 0, 'func', 'local')]);
      assert.equal(near(v, 0x100), 'loc+0', 'FUNC beats binding');
    });

    it('respects st_size: a sized symbol covers only [addr, addr+size)', function () {
      const t = new SymbolTable([sym('f', 0x100, 0x40), sym('g', 0x200, 0x10)]);
      assert.equal(near(t, 0x13f), 'f+63');
      assert.equal(near(t, 0x140), undefined, 'padding after f');
      assert.equal(near(t, 0x1ff), undefined);
      assert.equal(near(t, 0x20f), 'g+15');
      assert.equal(near(t, 0x210), undefined);
    });

    it('prefers a covering sized symbol over a nearer unsized label inside it', function () {
      const t = new SymbolTable([sym('f', 0x100, 0x40), sym('loop', 0x120, 0, 'notype', 'local'),
        sym('buf', 0x1000, 0x1000, 'object', 'local'), sym('__global_pointer$', 0x1800, 0, 'notype')]);
      assert.equal(near(t, 0x124), 'f+36');
      assert.equal(near(t, 0x1900), 'buf+2304');
    });

    it('uses unsized labels (assembly) up to the next sized symbol that has ended', function () {
      const t = new SymbolTable([sym('_start', 0x100, 0, 'notype'), sym('trap', 0x180, 0, 'notype', 'local'),
        sym('f', 0x200, 0x20), sym('after', 0x300, 0, 'notype')]);
      assert.equal(near(t, 0x17c), '_start+124');
      assert.equal(near(t, 0x1f0), 'trap+112');
      assert.equal(near(t, 0x210), 'f+16');
      assert.equal(near(t, 0x230), undefined, '_start/trap are closed by f, which ended');
      assert.equal(near(t, 0x308), 'after+8');
    });

    it('finds an outer sized symbol behind a shorter nested one', function () {
      const t = new SymbolTable([sym('outer', 0x100, 0x100, 'object'), sym('inner', 0x110, 0x10, 'object')]);
      assert.equal(near(t, 0x118), 'inner+8');
      assert.equal(near(t, 0x150), 'outer+80');
      assert.equal(near(t, 0x200), undefined);
    });

    it('orders sign-extended kernel addresses (negative numbers) before user ones', function () {
      const t = new SymbolTable([sym('user', 0x10000, 0x100), sym('kernel', -0x80000000, 0x1000),
        sym('kernel2', -0x7ffff000, 0x10)]);
      assert.deepEqual(t.all().map((s) => s.name), ['kernel', 'kernel2', 'user']);
      assert.equal(near(t, -0x80000000 + 0x10), 'kernel+16');
      assert.equal(near(t, -0x7ffff000 + 4), 'kernel2+4');
      assert.equal(near(t, 0x10004), 'user+4');
    });

    it('looks names up, preferring global over weak over local among duplicates', function () {
      const t = new SymbolTable([sym('helper', 0x100, 4, 'func', 'local'), sym('helper', 0x200, 4, 'func', 'local'),
        sym('dup', 0x300, 0, 'func', 'weak'), sym('dup', 0x400, 0, 'func', 'global')]);
      assert.equal(t.lookup('helper')?.addr, 0x100, 'first (lowest address) of equals');
      assert.equal(t.lookup('dup')?.addr, 0x400);
      assert.equal(t.size, 4);
    });
  });
});

describe('loader/symbols: absolute symbols and stripped files', () => {
  it('finds absolute (SHN_ABS) symbols by name but never names an address with them', () => {
    const t = new SymbolTable([
      { name: 'STACK_SIZE', addr: 0x8000_1000, size: 0, kind: 'notype', bind: 'global', absolute: true },
      { name: 'func', addr: 0x8000_0f00, size: 0, kind: 'func', bind: 'global' },
    ]);
    assert.equal(t.lookup('STACK_SIZE')?.addr, 0x8000_1000);
    assert.equal(t.nearest(0x8000_1004)?.sym.name, 'func');
    assert.equal(t.size, 1);
  });

  it('reads the dynamic symbols of a stripped ELF (Debian\'s OpenSBI fw_jump.elf)', function () {
    const file = '/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf';
    if (!require('fs').existsSync(file)) this.skip();
    const img = parseElf(new Uint8Array(require('fs').readFileSync(file)), file);
    assert.ok(img.symbols.lookup('ecall_base'), 'ecall_base from .dynsym');
  });
});
