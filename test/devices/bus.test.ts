// Unit tests for the bus: RAM slow path, device dispatch, overlap rejection and access faults.

import { strict as assert } from 'assert';
import { Bus } from '../../engine/devices/bus';
import type { MmioDevice } from '../../engine/devices/device';
import { Ram } from '../../engine/devices/ram';

type Access = [op: 'r' | 'w', offset: number, width: number, value?: number];

/** A device whose register at offset o reads back (base tag + o), and that records every access. */
class Probe implements MmioDevice {
  readonly log: Access[] = [];
  constructor(readonly name: string, readonly size: number, private readonly tag = 0) {}
  read(offset: number, width: 1 | 2 | 4): number {
    this.log.push(['r', offset, width]);
    return (this.tag + offset) >>> 0;
  }
  write(offset: number, width: 1 | 2 | 4, value: number): void {
    this.log.push(['w', offset, width, value]);
  }
}

const RAM_BASE = 0x8000_0000;

function makeBus(): Bus {
  return new Bus(new Ram(RAM_BASE, 4 * 4096));
}

describe('devices/Bus', () => {
  describe('RAM', () => {
    it('loads and stores little-endian values of each width', () => {
      const bus = makeBus();
      assert.equal(bus.store(RAM_BASE + 0x10, 4, 0xdeadbeef), true);
      assert.equal(bus.load(RAM_BASE + 0x10, 4), 0xdeadbeef);
      assert.equal(bus.load(RAM_BASE + 0x10, 2), 0xbeef);
      assert.equal(bus.load(RAM_BASE + 0x12, 2), 0xdead);
      assert.equal(bus.load(RAM_BASE + 0x13, 1), 0xde);
      assert.equal(bus.ram.u8[0x10], 0xef);
      assert.equal(bus.store(RAM_BASE + 0x20, 2, 0x1234), true);
      assert.equal(bus.store(RAM_BASE + 0x22, 1, 0xab), true);
      assert.equal(bus.load(RAM_BASE + 0x20, 4), 0x00ab1234);
    });

    it('handles misaligned accesses byte by byte', () => {
      const bus = makeBus();
      assert.equal(bus.store(RAM_BASE + 0x101, 4, 0x11223344), true);
      assert.deepEqual([...bus.ram.u8.subarray(0x100, 0x106)], [0, 0x44, 0x33, 0x22, 0x11, 0]);
      assert.equal(bus.load(RAM_BASE + 0x101, 4), 0x11223344);
      assert.equal(bus.load(RAM_BASE + 0x103, 2), 0x1122);
    });

    it('returns unsigned values and truncates stored values to the width', () => {
      const bus = makeBus();
      assert.equal(bus.store(RAM_BASE, 4, -1), true);
      assert.equal(bus.load(RAM_BASE, 4), 0xffffffff);
      assert.equal(bus.store(RAM_BASE + 8, 1, 0x1ff), true);
      assert.equal(bus.load(RAM_BASE + 8, 2), 0x00ff);
      assert.equal(bus.store(RAM_BASE + 12, 2, 0x12345), true);
      assert.equal(bus.load(RAM_BASE + 12, 4), 0x2345);
    });

    it('faults on accesses that straddle the end of RAM', () => {
      const bus = makeBus();
      const last = RAM_BASE + 4 * 4096;
      assert.equal(bus.load(last - 4, 4), 0);
      assert.equal(bus.load(last - 2, 4), undefined);
      assert.equal(bus.store(last - 1, 2, 0xffff), false);
      assert.equal(bus.ram.u8[4 * 4096 - 1], 0, 'nothing written by the faulting store');
      assert.equal(bus.load(last, 1), undefined);
      assert.equal(bus.load(RAM_BASE - 1, 2), undefined, 'straddles the start');
    });

    it('does 64-bit accesses as two words, low first', () => {
      const bus = makeBus();
      const out = new Uint32Array(2);
      assert.equal(bus.store64(RAM_BASE + 0x203, 0x89abcdef, 0x01234567), true);
      assert.equal(bus.ram.view.getBigUint64(0x203, true), 0x0123456789abcdefn);
      assert.equal(bus.load64(RAM_BASE + 0x203, out), true);
      assert.deepEqual([...out], [0x89abcdef, 0x01234567]);
      assert.equal(bus.load64(RAM_BASE + 4 * 4096 - 4, out), false);
    });
  });

  describe('unmapped addresses', () => {
    it('load gives undefined and store gives false', () => {
      const bus = makeBus();
      bus.attach(0x1000_0000, new Probe('p', 0x100));
      for (const a of [0, 0x0fff_ffff, 0x1000_0100, 0x7fff_fffc, 2 ** 40, 2 ** 56 - 8]) {
        assert.equal(bus.load(a, 4), undefined, `load 0x${a.toString(16)}`);
        assert.equal(bus.store(a, 4, 1), false, `store 0x${a.toString(16)}`);
        assert.equal(bus.findDevice(a), undefined);
      }
      assert.equal(bus.load64(0x2000, new Uint32Array(2)), false);
      assert.equal(bus.store64(0x2000, 1, 2), false);
    });
  });

  describe('devices', () => {
    it('dispatches loads and stores with the offset inside the window', () => {
      const bus = makeBus();
      const dev = new Probe('uart', 0x100, 0x5000);
      bus.attach(0x1000_0000, dev);
      assert.equal(bus.load(0x1000_0005, 1), 0x5005);
      assert.equal(bus.load(0x1000_0010, 4), 0x5010);
      assert.equal(bus.store(0x1000_0002, 2, 0xbeef), true);
      assert.equal(bus.store(0x1000_0004, 4, -2), true);
      assert.equal(bus.store(0x1000_0007, 1, 0x1ab), true);
      assert.deepEqual(dev.log, [
        ['r', 5, 1], ['r', 0x10, 4], ['w', 2, 2, 0xbeef], ['w', 4, 4, 0xfffffffe], ['w', 7, 1, 0xab],
      ]);
    });

    it('finds the right device among several attached out of order', () => {
      const bus = makeBus();
      const a = new Probe('a', 0x1000);
      const b = new Probe('b', 0x10000);
      const c = new Probe('c', 0x100);
      const d = new Probe('d', 0x1000);
      bus.attach(0x1000_0000, c);
      bus.attach(0x0010_0000, a);
      bus.attach(0x1000_1000, d);
      bus.attach(0x0200_0000, b);
      assert.deepEqual(bus.mappings().map((m) => [m.dev.name, m.base]),
        [['a', 0x10_0000], ['b', 0x200_0000], ['c', 0x1000_0000], ['d', 0x1000_1000]]);
      assert.deepEqual(bus.findDevice(0x0010_0000), { dev: a, offset: 0 });
      assert.deepEqual(bus.findDevice(0x0010_0fff), { dev: a, offset: 0xfff });
      assert.equal(bus.findDevice(0x0010_1000), undefined);
      assert.deepEqual(bus.findDevice(0x0200_bff8), { dev: b, offset: 0xbff8 });
      assert.deepEqual(bus.findDevice(0x1000_00ff), { dev: c, offset: 0xff });
      assert.equal(bus.findDevice(0x1000_0100), undefined, 'gap between c and d');
      assert.deepEqual(bus.findDevice(0x1000_1004), { dev: d, offset: 4 });
      assert.equal(bus.findDevice(0x000f_ffff), undefined, 'below the first device');
      assert.equal(bus.findDevice(RAM_BASE), undefined, 'RAM is not a device');
    });

    it('faults on an access that straddles the window end, without touching the device', () => {
      const bus = makeBus();
      const dev = new Probe('p', 0x100);
      bus.attach(0x1000_0000, dev);
      bus.attach(0x1000_0100, new Probe('next', 0x100));
      assert.equal(bus.load(0x1000_00fc, 4), 0xfc);
      dev.log.length = 0;
      assert.equal(bus.load(0x1000_00fe, 4), undefined);
      assert.equal(bus.store(0x1000_00ff, 2, 1), false);
      assert.equal(bus.load64(0x1000_00f8, new Uint32Array(2)), true);
      dev.log.length = 0;
      assert.equal(bus.store64(0x1000_00fc, 1, 2), false);
      assert.deepEqual(dev.log, []);
    });

    it('faults on an aligned access that runs past the end of an odd-sized window', () => {
      const bus = makeBus();
      const dev = new Probe('fwcfg', 6);
      bus.attach(0x1010_0000, dev);
      assert.equal(bus.load(0x1010_0004, 2), 4);
      assert.equal(bus.load(0x1010_0004, 4), undefined);
      assert.equal(bus.store(0x1010_0004, 4, 1), false);
      assert.deepEqual(dev.log, [['r', 4, 2]]);
    });

    it('faults on misaligned device accesses', () => {
      const bus = makeBus();
      const dev = new Probe('p', 0x100);
      bus.attach(0x1000_0000, dev);
      assert.equal(bus.load(0x1000_0002, 4), undefined);
      assert.equal(bus.load(0x1000_0001, 2), undefined);
      assert.equal(bus.store(0x1000_0003, 4, 0), false);
      assert.equal(bus.store64(0x1000_0004, 0, 0), false);
      assert.deepEqual(dev.log, []);
      assert.equal(bus.load(0x1000_0003, 1), 3);
    });

    it('splits 64-bit device accesses into two 4-byte ones, low word first', () => {
      const bus = makeBus();
      const dev = new Probe('p', 0x100, 0x1000);
      bus.attach(0x1000_0000, dev);
      const out = new Uint32Array(2);
      assert.equal(bus.load64(0x1000_0008, out), true);
      assert.deepEqual([...out], [0x1008, 0x100c]);
      assert.equal(bus.store64(0x1000_0010, 0xaaaa_aaaa, 0x5555_5555), true);
      assert.deepEqual(dev.log, [['r', 8, 4], ['r', 12, 4], ['w', 16, 4, 0xaaaa_aaaa], ['w', 20, 4, 0x5555_5555]]);
    });
  });

  describe('attach', () => {
    it('rejects a device overlapping RAM', () => {
      const bus = makeBus();
      assert.throws(() => bus.attach(RAM_BASE + 0x1000, new Probe('x', 0x100)), /x.*overlaps RAM/);
      assert.throws(() => bus.attach(RAM_BASE - 0x80, new Probe('y', 0x100)), /y.*overlaps RAM/);
      assert.throws(() => bus.attach(RAM_BASE + 4 * 4096 - 1, new Probe('z', 2)), /z.*overlaps RAM/);
      bus.attach(RAM_BASE + 4 * 4096, new Probe('after', 0x100));
      bus.attach(RAM_BASE - 0x100, new Probe('before', 0x100));
      assert.equal(bus.mappings().length, 2);
    });

    it('rejects a device overlapping another device, naming both', () => {
      const bus = makeBus();
      bus.attach(0x1000_0000, new Probe('uart0', 0x100));
      assert.throws(() => bus.attach(0x1000_0080, new Probe('dup', 0x100)), /dup.*overlaps uart0/);
      assert.throws(() => bus.attach(0x0fff_ff00, new Probe('low', 0x101)), /low.*overlaps uart0/);
      assert.throws(() => bus.attach(0x0fff_0000, new Probe('big', 0x10_0000)), /big.*overlaps uart0/);
      assert.throws(() => bus.attach(0x1000_0000, new Probe('same', 0x100)), /same.*overlaps uart0/);
      bus.attach(0x1000_0100, new Probe('adjacent', 0x100));
      bus.attach(0x0fff_ff00, new Probe('adjacent-below', 0x100));
      assert.equal(bus.mappings().length, 3);
      assert.equal(bus.load(0x1000_0000, 1), 0, 'the rejected devices left no trace');
    });

    it('rejects malformed bases and sizes', () => {
      const bus = makeBus();
      assert.throws(() => bus.attach(-0x1000, new Probe('neg', 0x100)), /neg/);
      assert.throws(() => bus.attach(0.5, new Probe('frac', 0x100)), /frac/);
      assert.throws(() => bus.attach(0x1000, new Probe('empty', 0)), /empty/);
      assert.throws(() => bus.attach(2 ** 56 - 0x80, new Probe('top', 0x100)), /top.*56-bit/);
    });
  });
});
