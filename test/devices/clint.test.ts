// Unit tests for the CLINT: mtime from the machine clock, mtime offset, mtimecmp halves, MTIP and MSIP.

import { strict as assert } from 'assert';
import { Clint, MIP_MSIP_BIT, MIP_MTIP_BIT } from '../../engine/devices/clint';
import type { InterruptLines } from '../../engine/devices/device';

const MTIME = 0xbff8;
const MTIMECMP = 0x4000;

class RecordingLines implements InterruptLines {
  readonly log: [hart: number, bit: number, level: boolean][] = [];
  private readonly levels = new Map<string, boolean>();
  setPending(hartId: number, mipBit: number, level: boolean): void {
    this.log.push([hartId, mipBit, level]);
    this.levels.set(`${hartId}:${mipBit}`, level);
  }
  level(hart: number, bit: number): boolean | undefined {
    return this.levels.get(`${hart}:${bit}`);
  }
  calls(bit: number): number {
    return this.log.filter((e) => e[1] === bit).length;
  }
}

function setup(numHarts = 1, start = 0) {
  const clock = { ticks: start };
  const lines = new RecordingLines();
  const clint = new Clint(numHarts, lines, () => clock.ticks);
  const r = (offset: number) => clint.read(offset, 4);
  const w = (offset: number, value: number) => clint.write(offset, 4, value);
  /** Program mtimecmp without passing through a smaller value (high word to all-ones first). */
  const setCmp = (hart: number, hi: number, lo: number) => {
    w(MTIMECMP + 8 * hart + 4, 0xffff_ffff);
    w(MTIMECMP + 8 * hart, lo);
    w(MTIMECMP + 8 * hart + 4, hi);
  };
  return { clint, lines, clock, r, w, setCmp };
}

describe('devices/Clint', () => {
  it('has the name and window of QEMU virt clint', () => {
    const { clint } = setup();
    assert.equal(clint.name, 'clint');
    assert.equal(clint.size, 0x10000);
    assert.equal(MIP_MSIP_BIT, 3);
    assert.equal(MIP_MTIP_BIT, 7);
  });

  it('resets mtimecmp to 0 like QEMU, so MTIP is pending until firmware programs it', () => {
    const { lines, r } = setup(2);
    assert.equal(r(MTIMECMP), 0);
    assert.equal(r(MTIMECMP + 4), 0);
    assert.equal(lines.level(0, MIP_MTIP_BIT), true);
    assert.equal(lines.level(1, MIP_MTIP_BIT), true);
    assert.equal(lines.level(0, MIP_MSIP_BIT), false);
  });

  it('reset clears msip and mtime but keeps mtimecmp, as QEMU does on a warm reset', () => {
    const { clint, lines, clock, r, w, setCmp } = setup();
    clock.ticks = 1000;
    w(0, 1);
    setCmp(0, 0, 5000);
    assert.equal(lines.level(0, MIP_MTIP_BIT), false);
    clint.reset();
    assert.equal(r(0), 0);
    assert.equal(lines.level(0, MIP_MSIP_BIT), false);
    assert.equal(r(MTIME), 0);
    assert.equal(r(MTIMECMP), 5000);
    assert.equal(lines.level(0, MIP_MTIP_BIT), false);
    clock.ticks = 6000;
    clint.update();
    assert.equal(lines.level(0, MIP_MTIP_BIT), true);
  });

  it('reads mtime from the machine clock, both halves', () => {
    const { clock, r, clint } = setup();
    clock.ticks = 12345;
    assert.equal(r(MTIME), 12345);
    assert.equal(r(MTIME + 4), 0);
    clock.ticks = 2 ** 32 * 3 + 7;
    assert.equal(r(MTIME), 7);
    assert.equal(r(MTIME + 4), 3);
    assert.equal(clint.mtimeLo(), 7);
    assert.equal(clint.mtimeHi(), 3);
    assert.equal(clint.read(MTIME + 1, 1), 0);
    clock.ticks = 0x1234_5678;
    assert.equal(clint.read(MTIME + 1, 1), 0x56);
    assert.equal(clint.read(MTIME + 2, 2), 0x1234);
  });

  it('starts mtime at 0 even when the clock does not', () => {
    const { clock, r } = setup(1, 5000);
    assert.equal(r(MTIME), 0);
    clock.ticks = 5100;
    assert.equal(r(MTIME), 100);
  });

  it('makes mtime writes an offset from the clock, which keeps running', () => {
    const { clock, r, w } = setup();
    clock.ticks = 100;
    w(MTIME, 1000);
    assert.equal(r(MTIME), 1000);
    assert.equal(r(MTIME + 4), 0);
    clock.ticks = 150;
    assert.equal(r(MTIME), 1050);
    w(MTIME + 4, 2);
    assert.equal(r(MTIME + 4), 2);
    assert.equal(r(MTIME), 1050, 'low half kept by a high-half write');
    clock.ticks = 160;
    assert.equal(r(MTIME), 1060);
    // Setting mtime below the clock needs a borrow across the halves of the offset.
    clock.ticks = 2 ** 32 + 500;
    w(MTIME + 4, 0);
    w(MTIME, 10);
    assert.equal(r(MTIME), 10);
    assert.equal(r(MTIME + 4), 0);
    clock.ticks += 0x1_0000;
    assert.equal(r(MTIME), 0x1_000a);
    assert.equal(r(MTIME + 4), 0);
    // ...and the offset stays right when the clock's low half wraps.
    clock.ticks = 2 ** 33 + 5;
    assert.equal(r(MTIME), 2 ** 32 - 485);
    assert.equal(r(MTIME + 4), 0);
    clock.ticks = 2 ** 33 + 495;
    assert.equal(r(MTIME), 5);
    assert.equal(r(MTIME + 4), 1);
  });

  it('wraps mtime modulo 2^64', () => {
    const { clock, r, w } = setup();
    w(MTIME + 4, 0xffff_ffff);
    w(MTIME, 0xffff_fffe);
    clock.ticks = 3;
    assert.equal(r(MTIME), 1);
    assert.equal(r(MTIME + 4), 0);
  });

  it('stores mtimecmp as exact 32-bit halves, including all-ones', () => {
    const { r, w, lines } = setup();
    w(MTIMECMP, 0xffff_ffff);
    w(MTIMECMP + 4, 0xffff_ffff);
    assert.equal(r(MTIMECMP), 0xffff_ffff);
    assert.equal(r(MTIMECMP + 4), 0xffff_ffff);
    assert.equal(lines.level(0, MIP_MTIP_BIT), false);
    w(MTIMECMP + 4, 0x8000_0001);
    w(MTIMECMP, 0x0000_0002);
    assert.equal(r(MTIMECMP), 2);
    assert.equal(r(MTIMECMP + 4), 0x8000_0001);
  });

  it('raises MTIP when mtime reaches mtimecmp and lowers it when mtimecmp moves ahead', () => {
    const { clint, lines, clock, setCmp } = setup();
    clock.ticks = 100;
    setCmp(0, 0, 200);
    assert.equal(lines.level(0, MIP_MTIP_BIT), false, 'lowered as soon as mtimecmp is written');
    clock.ticks = 199;
    clint.update();
    assert.equal(lines.level(0, MIP_MTIP_BIT), false);
    clock.ticks = 200;
    clint.update();
    assert.equal(lines.level(0, MIP_MTIP_BIT), true, 'mtime >= mtimecmp');
    setCmp(0, 0, 300);
    assert.equal(lines.level(0, MIP_MTIP_BIT), false);
    setCmp(0, 0, 150);
    assert.equal(lines.level(0, MIP_MTIP_BIT), true, 'a compare value in the past fires at once');
    assert.deepEqual(lines.log.filter((e) => e[1] === MIP_MTIP_BIT).map((e) => e[2]),
      [true, false, true, false, true]);
  });

  it('compares the high halves first', () => {
    const { clint, lines, clock, setCmp } = setup();
    setCmp(0, 1, 0);
    clock.ticks = 0xffff_ffff;
    clint.update();
    assert.equal(lines.level(0, MIP_MTIP_BIT), false);
    clock.ticks = 2 ** 32;
    clint.update();
    assert.equal(lines.level(0, MIP_MTIP_BIT), true);
  });

  it('re-evaluates MTIP when mtime is written', () => {
    const { lines, clock, w, setCmp } = setup();
    clock.ticks = 10;
    setCmp(0, 0, 1000);
    assert.equal(lines.level(0, MIP_MTIP_BIT), false);
    w(MTIME, 2000);
    assert.equal(lines.level(0, MIP_MTIP_BIT), true);
    w(MTIME, 0);
    assert.equal(lines.level(0, MIP_MTIP_BIT), false);
  });

  it('drives the line only when the level changes', () => {
    const { clint, lines, clock, setCmp } = setup();
    setCmp(0, 0, 50);
    const before = lines.calls(MIP_MTIP_BIT);
    for (let t = 0; t < 40; t++) {
      clock.ticks = t;
      clint.update();
    }
    assert.equal(lines.calls(MIP_MTIP_BIT), before);
  });

  it('tells the machine how many ticks remain until the next timer interrupt', () => {
    const { clint, clock, setCmp, w } = setup(2);
    clock.ticks = 150;
    setCmp(0, 0, 200);
    assert.equal(clint.ticksUntilNextTimer(0), 50);
    setCmp(0, 1, 100);
    assert.equal(clint.ticksUntilNextTimer(0), 2 ** 32 - 50);
    clock.ticks = 2 ** 32 + 100;
    assert.equal(clint.ticksUntilNextTimer(0), 0, 'due');
    assert.equal(clint.ticksUntilNextTimer(1), 0, 'hart 1 still at its reset value 0');
    setCmp(1, 0xffff_ffff, 0xffff_ffff);
    assert.equal(clint.ticksUntilNextTimer(1), Infinity);
    assert.equal(clint.ticksUntilNextTimer(2), Infinity, 'no such hart');
    w(MTIME + 4, 0);
    w(MTIME, 0);
    setCmp(0, 0, 5);
    assert.equal(clint.ticksUntilNextTimer(0), 5, 'measured against mtime, not the raw clock');
  });

  it('sets and clears MSIP through bit 0 of msip', () => {
    const { lines, r, w, clint } = setup();
    w(0, 1);
    assert.equal(lines.level(0, MIP_MSIP_BIT), true);
    assert.equal(r(0), 1);
    w(0, 0xffff_fffe);
    assert.equal(lines.level(0, MIP_MSIP_BIT), false);
    assert.equal(r(0), 0);
    w(0, 0xffff_ffff);
    assert.equal(r(0), 1, 'upper bits read as 0');
    clint.write(0, 1, 0);
    assert.equal(r(0), 0, 'byte write');
    assert.equal(lines.level(0, MIP_MSIP_BIT), false);
  });

  it('addresses each hart at its own msip and mtimecmp, and ignores harts that do not exist', () => {
    const { lines, r, w, clock, clint } = setup(2);
    w(4, 1);
    assert.equal(lines.level(1, MIP_MSIP_BIT), true);
    assert.equal(lines.level(0, MIP_MSIP_BIT), false);
    assert.equal(r(0), 0);
    assert.equal(r(4), 1);
    clock.ticks = 10;
    w(MTIMECMP + 8 + 4, 0xffff_ffff);
    assert.equal(lines.level(1, MIP_MTIP_BIT), false);
    assert.equal(lines.level(0, MIP_MTIP_BIT), true);
    assert.equal(r(MTIMECMP + 12), 0xffff_ffff);
    assert.equal(r(MTIMECMP + 4), 0);
    const calls = lines.log.length;
    w(8, 1);
    w(MTIMECMP + 16, 5);
    assert.equal(lines.log.length, calls, 'hart 2 does not exist');
    assert.equal(r(8), 0);
    assert.equal(r(MTIMECMP + 16), 0);
    assert.equal(r(0x3ffc), 0);
    assert.equal(r(0xbff0), 0);
    assert.equal(r(0xc000), 0);
    assert.doesNotThrow(() => clint.write(0xfffc, 4, 0xffff_ffff));
  });

  it('rejects impossible hart counts', () => {
    const lines = new RecordingLines();
    assert.throws(() => new Clint(0, lines, () => 0), /1\.\.4095 harts/);
    assert.throws(() => new Clint(4096, lines, () => 0), /1\.\.4095 harts/);
  });
});
