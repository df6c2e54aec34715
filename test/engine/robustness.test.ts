// Wild guests never crash the engine: garbage written to every device register, random instruction
// streams in every privilege mode, and DMA descriptors pointing anywhere all end as guest-visible
// effects (traps, device errors, stops), never as host exceptions.
import { strict as assert } from 'assert';
import { bootMachine, hostRamSize } from '../../engine/boot';
import { Machine } from '../../engine/machine';
import { BufferBackend, MemoryBackend } from '../../engine/devices/virtio/blk-backends';
import { VIRT_MEMMAP } from '../../engine/devices/virt-map';

/** Small deterministic PRNG (xorshift32) so failures reproduce. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x; };
}

function machine(errors: string[]): Machine {
  return new Machine({
    console: { write: () => undefined }, ramSize: 16 * 1024 * 1024,
    drives: [new MemoryBackend(new BufferBackend(new Uint8Array(64 * 1024)))],
    onDeviceError: (m) => errors.push(m),
  });
}

describe('robustness: wild guest behaviour', function () {
  this.timeout(60_000);

  it('random reads and writes of every width to every device register never throw', () => {
    const errors: string[] = [];
    const m = machine(errors);
    const next = rng(12345);
    const regions = VIRT_MEMMAP.filter((r) => r.name !== 'dram' && r.size > 0);
    for (let i = 0; i < 50_000; i++) {
      const r = regions[next() % regions.length];
      // Bias towards the first registers, where the interesting state lives.
      const off = next() % 4 === 0 ? next() % r.size : next() % Math.min(r.size, 0x200);
      const width = ([1, 2, 4] as const)[next() % 3];
      if (r.name === 'test') continue; // pass/fail/reset are legitimate stops, covered elsewhere
      if (next() % 2) m.bus.load(r.base + off, width);
      else m.bus.store(r.base + off, width, next());
    }
    assert.ok(true);
  });

  it('virtio queues pointed at garbage put the device in DEVICE_NEEDS_RESET with a message', () => {
    const errors: string[] = [];
    const m = machine(errors);
    const slot = 0x1000_8000; // the drive sits in the highest slot
    const w = (off: number, v: number) => m.bus.store(slot + off, 4, v);
    w(0x70, 0); w(0x70, 1); w(0x70, 3); // reset, ACKNOWLEDGE, DRIVER
    w(0x24, 1); w(0x20, 1); w(0x24, 0); w(0x20, 0); // VERSION_1 only
    w(0x70, 11); // FEATURES_OK
    w(0x30, 0); w(0x38, 8);
    w(0x80, 0xdead0000); w(0x84, 0xffffffff); // descriptor table nowhere near RAM
    w(0x90, 0x8000_1000); w(0x94, 0); w(0xa0, 0x8000_2000); w(0xa4, 0);
    w(0x44, 1); w(0x70, 15);
    m.ram.view.setUint16(0x1002, 1, true); // avail.idx = 1
    w(0x50, 0); // notify
    const status = m.bus.load(slot + 0x70, 4)!;
    assert.ok(status & 0x40 || errors.length > 0, `DEVICE_NEEDS_RESET or an error report (status 0x${status.toString(16)})`);
    assert.ok(errors.length > 0);
  });

  for (const [priv, name] of [[3, 'M'], [1, 'S'], [0, 'U']] as const) {
    it(`random instruction words executed in ${name}-mode only ever trap (no host exception)`, () => {
      const errors: string[] = [];
      const m = machine(errors);
      const next = rng(777 + priv);
      const h = m.harts[0];
      // Fill the first 64 KiB of RAM with random code; every trap vector points back into it.
      for (let i = 0; i < 16384; i++) m.ram.view.setUint32(i * 4, next(), true);
      m.interp.flushAll();
      h.csrLo[0x305] = 0x8000_0000; h.csrLo[0x105] = 0x8000_0100;
      h.priv = priv;
      h.pc = 0x8000_0000;
      let stops = 0;
      for (let round = 0; round < 20; round++) {
        const r = m.run(5_000);
        if (r.kind === 'exit' || r.kind === 'reset' || r.kind === 'idle') { stops++; break; }
        // Keep it wandering inside the random code rather than in unmapped space.
        if (h.pc < 0x8000_0000 || h.pc >= 0x8001_0000) h.pc = 0x8000_0000 + (next() % 16384) * 4;
        h.waitingForInterrupt = false;
      }
      assert.ok(stops <= 1);
    });
  }

  it('a VS-mode guest running random code under the hw VMM gets only guest-visible effects: every exit is handled', () => {
    const errors: string[] = [];
    const guestRam = 16 * 1024 * 1024;
    const m = new Machine({
      console: { write: () => undefined }, ramSize: hostRamSize('hw', guestRam),
      drives: [new MemoryBackend(new BufferBackend(new Uint8Array(64 * 1024)))], onDeviceError: (e) => errors.push(e),
    });
    // The kernel image: 64 KiB of random words, with loads, stores, ecalls, CSR accesses and wfi mixed in so the
    // VMM sees every kind of exit; registers point at devices, RAM, the VMM's area and nowhere.
    const next = rng(4242);
    const code = new Uint8Array(64 * 1024);
    const v = new DataView(code.buffer);
    const templates = [
      () => 0x00000073, // ecall
      () => 0x10500073, // wfi
      () => ((next() & 0xfff) << 20) | ((next() & 31) << 15) | (((next() % 7) + 1) << 12) | ((next() & 31) << 7) | 0x73, // CSR op
      () => ((next() & 0xfff) << 20) | ((next() & 31) << 15) | ((next() % 7) << 12) | ((next() & 31) << 7) | 0x03, // load
      () => (((next() & 0x7f) << 25) | ((next() & 31) << 20) | ((next() & 31) << 15) | ((next() & 3) << 12) | ((next() & 31) << 7) | 0x23), // store
    ];
    for (let i = 0; i < code.length / 4; i++) v.setUint32(i * 4, (next() & 1 ? templates[next() % templates.length]() : next()) >>> 0, true);
    bootMachine(m, { bios: 'builtin', kernel: { name: 'random', bytes: code }, mode: 'hw' });
    const h = m.harts[0];
    const places = [0x1000_0000, 0x0c00_0000, 0x0200_0000, 0x1000_1000, 0x8020_0000, 0x8000_0000 + guestRam, 0x4000_0000, 0];
    for (let r = 1; r < 32; r++) h.setX(r, BigInt(places[next() % places.length] + (next() & 0xff)));
    h.csrLo[0x205] = 0x8020_0000 + 0x100; // vstvec: back into the random code
    let ended = false;
    for (let round = 0; round < 200 && !ended; round++) {
      const r = m.run(5_000);
      assert.notEqual(r.kind, 'error', JSON.stringify(r));
      if (r.kind === 'exit' || r.kind === 'reset') ended = true;
      if (!h.virt || h.halted) break; // a vCPU the guest stopped (HSM) stays down
      // Keep it wandering inside the random code (also out of a wfi nothing will end).
      if (r.kind === 'idle' || h.pc < 0x8020_0000 || h.pc >= 0x8021_0000) h.pc = 0x8020_0000 + (next() % 16384) * 4;
      h.waitingForInterrupt = false;
    }
    const stats = m.exits!.statistics();
    assert.ok(m.exits!.total > 50, `exits: ${m.exits!.summary()}`);
    assert.ok((stats.get('exception-forward')?.count ?? 0) + (stats.get('virtual-instruction')?.count ?? 0) > 0);
    assert.ok(m.ram.u8.subarray(guestRam, guestRam + 24).some((b) => b !== 0), 'the VMM\'s G-stage root is intact');
  });
});

