// The adapter's view of a guest (no DAP): side-effect-free Sv39 translation through the engine's walker, and
// what the debugger may read and write.
import { strict as assert } from 'assert';
import { csrByName } from '../../engine/isa/csr-table';
import { walkStats } from '../../engine/mmu/page-walk';
import { validateLaunchConfig } from '../../debug-adapter/launch-config';
import { writeCsr } from '../../debug-adapter/state';
import { runMonitorCommand } from '../../debug-adapter/monitor';
import { BreakpointManager } from '../../debug-adapter/breakpoints';
import { Target } from '../../debug-adapter/target';
import { guest } from './support';

const ROOT = 0x80400000, L1 = 0x80401000, L0 = 0x80402000, PAGE = 0x80003000;
const V = 1, R = 2, X = 8, A = 64;

describe('debug-adapter: target', function () {
  let t: Target;
  const ram = () => t.machine.ram;
  const pte = (table: number, index: number, target: number, flags: number) =>
    ram().view.setBigUint64(table + index * 8 - ram().base, (BigInt(target >>> 12) << 10n) | BigInt(flags), true);
  const csr = (name: string, v: bigint) => writeCsr(t.hart(0), csrByName(name)!, v);

  beforeEach(() => {
    t = new Target(validateLaunchConfig({ program: guest('demo.elf') }), { write: () => undefined });
    // VA 0x40001000 (VPN 1, 0, 1) → PA 0x80003000, readable and executable, A clear.
    pte(ROOT, 1, L1, V);
    pte(L1, 0, L0, V);
    pte(L0, 1, PAGE, V | R | X);
    csr('pmpaddr0', (1n << 54n) - 1n);
    csr('pmpcfg0', 0x1fn); // NAPOT over everything, RWX: S may walk and access
    csr('satp', (8n << 60n) | BigInt(ROOT >>> 12));
  });

  it('Sv39: S-mode fetch and load translate through three levels without setting A', () => {
    const h = t.hart(0);
    h.priv = 1;
    const before = { ...walkStats };
    const tr = t.translate(h, 0x40001234n, 'fetch');
    assert.equal(tr.paddr, PAGE + 0x234);
    assert.equal(tr.mode, 'Sv39');
    assert.deepEqual(tr.ptes.map((p) => p.addr), [ROOT + 8, L1, L0 + 8]);
    assert.equal(tr.pageSize, 4096);
    assert.equal(ram().view.getUint32(L0 + 8 - ram().base, true) & A, 0, 'the walk did not set A in guest memory');
    assert.deepEqual({ ...walkStats }, before, 'nor did it count as a guest walk');
    assert.match(t.translate(h, 0x40001234n, 'store').fault!, /store\/AMO page fault/);
    assert.match(t.translate(h, 0x40201000n, 'load').fault!, /load page fault/);
    // Memory reads in expressions go through the same translation.
    ram().view.setUint32(PAGE - ram().base, 0xcafef00f, true); // low bits 11: a 32-bit instruction word
    assert.equal(t.readValue(h, 0x40001000n, 4), 0xcafef00fn);
    assert.equal(t.fetch(h, 0x40001000)?.raw, 0xcafef00f);
  });

  it('M-mode is untranslated unless MPRV sends loads through MPP; info mmu shows the walk', () => {
    const h = t.hart(0);
    assert.equal(t.translate(h, 0x40001000n, 'load').paddr, 0x40001000, 'M-mode: identity');
    csr('mstatus', (1n << 17n) | (1n << 11n)); // MPRV, MPP = S
    assert.equal(t.translate(h, 0x40001000n, 'load').paddr, PAGE);
    assert.equal(t.translate(h, 0x40001000n, 'fetch').paddr, 0x40001000, 'fetches ignore MPRV');
    const text = runMonitorCommand('info mmu 0x40001008', t, h, new BreakpointManager());
    assert.match(text, /satp.MODE = Sv39, S-mode access/);
    assert.match(text, /level 0: PTE at pa 0x80402008 = 0x0000000020000c0b \[VR-X----\]/);
    assert.match(text, /va 0x40001008 → pa 0x80003008 \(4 KiB page\)/);
    assert.match(text, /store: faults/);
    assert.match(text, /PMP: M rwx, S rwx, U rwx/);
  });

  it('debugger memory: RAM only, and writes drop decoded code', () => {
    const { data, unreadable } = t.readPhysical(0x7ffffffe, 4);
    assert.equal(data.length, 0);
    assert.equal(unreadable, 2, 'unreadable up to the start of RAM');
    const before = t.machine.interp.invalidations;
    t.hart(0).priv = 3;
    t.machine.step(0); // decode the first page
    assert.equal(t.writePhysical(0x80000000, new Uint8Array([0x13, 0, 0, 0])), 4);
    assert.ok(t.machine.interp.invalidations > before);
    assert.equal(t.writePhysical(0x10000000, new Uint8Array([1])), 0, 'devices are not written');
  });
});
