// Unit tests for the SiFive test finisher: pass, fail with code, reset, and ignored writes.

import { strict as assert } from 'assert';
import { Bus } from '../../engine/devices/bus';
import type { PowerEvent } from '../../engine/devices/device';
import { Ram } from '../../engine/devices/ram';
import { SifiveTest } from '../../engine/devices/syscon';

function setup() {
  const events: PowerEvent[] = [];
  const dev = new SifiveTest((ev) => events.push(ev));
  return { dev, events };
}

describe('devices/SifiveTest', () => {
  it('has the name and window of QEMU virt test', () => {
    const { dev } = setup();
    assert.equal(dev.name, 'test');
    assert.equal(dev.size, 0x1000);
  });

  it('reports pass for 0x5555', () => {
    const { dev, events } = setup();
    dev.write(0, 4, 0x5555);
    assert.deepEqual(events, [{ kind: 'pass' }]);
  });

  it('reports fail with the exit code from the high half for 0x3333', () => {
    const { dev, events } = setup();
    dev.write(0, 4, (42 << 16) | 0x3333);
    dev.write(0, 4, 0xffff_3333);
    dev.write(0, 4, 0x3333);
    assert.deepEqual(events, [{ kind: 'fail', code: 42 }, { kind: 'fail', code: 0xffff }, { kind: 'fail', code: 0 }]);
  });

  it('reports reset for 0x7777', () => {
    const { dev, events } = setup();
    dev.write(0, 4, 0x0001_7777);
    assert.deepEqual(events, [{ kind: 'reset' }]);
  });

  it('ignores other values, other offsets and byte writes', () => {
    const { dev, events } = setup();
    dev.write(0, 4, 0);
    dev.write(0, 4, 0x1234);
    dev.write(0, 4, 0x5556);
    dev.write(0, 4, 0x5555_0000);
    dev.write(4, 4, 0x5555);
    dev.write(0xffc, 4, 0x3333);
    dev.write(0, 1, 0x55);
    assert.deepEqual(events, []);
  });

  it('accepts a 16-bit command write as QEMU does', () => {
    const { dev, events } = setup();
    dev.write(0, 2, 0x5555);
    assert.deepEqual(events, [{ kind: 'pass' }]);
  });

  it('reads as 0', () => {
    const { dev } = setup();
    dev.write(0, 4, 0x1234);
    assert.equal(dev.read(0, 4), 0);
    assert.equal(dev.read(0x10, 1), 0);
  });

  it('works through the bus at 0x10_0000', () => {
    const { dev, events } = setup();
    const bus = new Bus(new Ram(0x8000_0000, 4096));
    bus.attach(0x10_0000, dev);
    assert.equal(bus.store(0x10_0000, 4, (3 << 16) | 0x3333), true);
    assert.equal(bus.load(0x10_0000, 4), 0);
    assert.deepEqual(events, [{ kind: 'fail', code: 3 }]);
  });
});
