// Unit tests for guest RAM: construction rules, shared views and bounds.

import { strict as assert } from 'assert';
import { Ram } from '../../engine/devices/ram';

describe('devices/Ram', () => {
  it('exposes base, size, end and views over one buffer', () => {
    const ram = new Ram(0x8000_0000, 2 * 4096);
    assert.equal(ram.base, 0x8000_0000);
    assert.equal(ram.size, 8192);
    assert.equal(ram.end, 0x8000_2000);
    assert.equal(ram.buffer.byteLength, 8192);
    assert.equal(ram.u8.buffer, ram.buffer);
    assert.equal(ram.u16.buffer, ram.buffer);
    assert.equal(ram.i32.buffer, ram.buffer);
    assert.equal(ram.view.buffer, ram.buffer);
    assert.equal(ram.i32.length, 2048);
    assert.equal(ram.u16.length, 4096);
  });

  it('shows the same little-endian bytes through every view', () => {
    const ram = new Ram(0, 4096);
    ram.u8.set([0x78, 0x56, 0x34, 0x12], 8);
    assert.equal(ram.i32[2], 0x12345678);
    assert.equal(ram.u16[4], 0x5678);
    assert.equal(ram.view.getUint32(8, true), 0x12345678);
    ram.i32[3] = -1;
    assert.deepEqual([...ram.u8.subarray(12, 16)], [0xff, 0xff, 0xff, 0xff]);
  });

  it('starts zeroed', () => {
    const ram = new Ram(0x1000, 4096);
    assert.equal(ram.u8.reduce((a, b) => a | b, 0), 0);
  });

  it('contains() checks the whole access against [base, end)', () => {
    const ram = new Ram(0x8000_0000, 4096);
    assert.equal(ram.contains(0x8000_0000, 1), true);
    assert.equal(ram.contains(0x8000_0000, 4096), true);
    assert.equal(ram.contains(0x8000_0ffc, 4), true);
    assert.equal(ram.contains(0x8000_0ffd, 4), false, 'straddles the end');
    assert.equal(ram.contains(0x8000_1000, 1), false, 'first byte past the end');
    assert.equal(ram.contains(0x7fff_ffff, 1), false, 'below base');
    assert.equal(ram.contains(0x7fff_ffff, 2), false, 'straddles the base');
    assert.equal(ram.contains(2 ** 55, 8), false, 'far above');
  });

  it('rejects sizes that are zero, negative or not page multiples', () => {
    assert.throws(() => new Ram(0x8000_0000, 0), /positive multiple of 4096/);
    assert.throws(() => new Ram(0x8000_0000, -4096), /positive multiple of 4096/);
    assert.throws(() => new Ram(0x8000_0000, 4095), /positive multiple of 4096/);
    assert.throws(() => new Ram(0x8000_0000, 4096 + 1), /positive multiple of 4096/);
    assert.throws(() => new Ram(0x8000_0000, 1.5 * 4096), /positive multiple of 4096/);
  });

  it('rejects bases that are negative or not page aligned', () => {
    assert.throws(() => new Ram(-4096, 4096), /RAM base/);
    assert.throws(() => new Ram(0x8000_0010, 4096), /RAM base 0x80000010/);
  });
});
