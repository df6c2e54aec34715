// Unit tests for the PLIC: priorities, thresholds, per-context enables, claim/complete, level-triggered
// gateways, the MEIP/SEIP lines of two harts, and harmless bad accesses.

import { strict as assert } from 'assert';
import type { InterruptLines } from '../../engine/devices/device';
import { MIP_MEIP_BIT, MIP_SEIP_BIT, PLIC_MAX_SOURCE, PLIC_NUM_SOURCES, Plic } from '../../engine/devices/plic';
import { PLIC_SIZE, UART0_IRQ } from '../../engine/devices/virt-map';

const PENDING = 0x1000;
const enableAt = (ctx: number, word = 0) => 0x2000 + 0x80 * ctx + 4 * word;
const thresholdAt = (ctx: number) => 0x20_0000 + 0x1000 * ctx;
const claimAt = (ctx: number) => thresholdAt(ctx) + 4;

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
}

function setup(numHarts = 1) {
  const lines = new RecordingLines();
  const plic = new Plic(numHarts, lines);
  const r = (offset: number) => plic.read(offset, 4);
  const w = (offset: number, value: number) => plic.write(offset, 4, value);
  const enable = (ctx: number, ...sources: number[]) => {
    for (const s of sources) w(enableAt(ctx, s >>> 5), r(enableAt(ctx, s >>> 5)) | (1 << (s & 31)));
  };
  const claim = (ctx: number) => r(claimAt(ctx));
  const complete = (ctx: number, s: number) => w(claimAt(ctx), s);
  return { plic, lines, r, w, enable, claim, complete };
}

describe('devices/Plic', () => {
  it('has the name, window and source count of QEMU virt plic', () => {
    const { plic } = setup(2);
    assert.equal(plic.name, 'plic');
    assert.equal(plic.size, 0x60_0000);
    assert.equal(plic.size, PLIC_SIZE);
    assert.equal(plic.numContexts, 4);
    assert.equal(PLIC_NUM_SOURCES, 96);
    assert.equal(PLIC_MAX_SOURCE, 95);
    assert.equal(MIP_MEIP_BIT, 11);
    assert.equal(MIP_SEIP_BIT, 9);
  });

  it('drives every MEIP and SEIP low at power-on', () => {
    const { lines } = setup(2);
    assert.deepEqual(lines.log, [
      [0, MIP_MEIP_BIT, false],
      [0, MIP_SEIP_BIT, false],
      [1, MIP_MEIP_BIT, false],
      [1, MIP_SEIP_BIT, false],
    ]);
  });

  it('priorities are WARL 0..7 for sources 1..95; source 0 and sources past 95 read 0', () => {
    const { r, w } = setup();
    w(4 * 1, 5);
    assert.equal(r(4 * 1), 5);
    w(4 * 95, 0xffff_ffff);
    assert.equal(r(4 * 95), 7);
    w(4 * 10, 9); // 0b1001 -> 1
    assert.equal(r(4 * 10), 1);
    w(0, 7);
    assert.equal(r(0), 0);
    w(4 * 96, 3);
    assert.equal(r(4 * 96), 0);
    w(0xffc, 3);
    assert.equal(r(0xffc), 0);
  });

  it('thresholds are WARL 0..7 per context', () => {
    const { r, w } = setup(2);
    w(thresholdAt(0), 3);
    w(thresholdAt(3), 0x0f);
    assert.equal(r(thresholdAt(0)), 3);
    assert.equal(r(thresholdAt(1)), 0);
    assert.equal(r(thresholdAt(3)), 7);
  });

  it('enable bits are per context, bit 0 is hardwired to 0, words past source 95 read 0', () => {
    const { r, w } = setup(2);
    w(enableAt(0, 0), 0xffff_ffff);
    w(enableAt(2, 2), 0x8000_0001);
    w(enableAt(1, 3), 0xffff_ffff);
    assert.equal(r(enableAt(0, 0)), 0xffff_fffe);
    assert.equal(r(enableAt(1, 0)), 0);
    assert.equal(r(enableAt(2, 2)), 0x8000_0001);
    assert.equal(r(enableAt(1, 3)), 0);
    assert.equal(r(enableAt(4, 0)), 0, 'no context 4 with 2 harts');
  });

  it('a raised line sets the pending bit, whether or not anything is enabled', () => {
    const { plic, r } = setup();
    plic.setSourceLevel(UART0_IRQ, true);
    plic.setSourceLevel(33, true);
    plic.setSourceLevel(95, true);
    assert.equal(r(PENDING), 1 << UART0_IRQ);
    assert.equal(r(PENDING + 4), 1 << 1);
    assert.equal(r(PENDING + 8), 0x8000_0000);
    assert.equal(plic.isPending(33), true);
    assert.equal(plic.isPending(34), false);
  });

  it('pending bits ignore writes', () => {
    const { plic, r, w } = setup();
    w(PENDING, 0xffff_ffff);
    assert.equal(r(PENDING), 0);
    plic.setSourceLevel(3, true);
    w(PENDING, 0);
    assert.equal(r(PENDING), 1 << 3);
  });

  it('claims the highest priority first, ties going to the lowest id', () => {
    const { plic, w, enable, claim } = setup();
    for (const [s, p] of [[5, 2], [7, 6], [9, 6], [40, 6], [41, 7], [3, 1]]) {
      w(4 * s, p);
      plic.setSourceLevel(s, true);
    }
    enable(0, 3, 5, 7, 9, 40, 41);
    assert.deepEqual([claim(0), claim(0), claim(0), claim(0), claim(0), claim(0), claim(0)], [41, 7, 9, 40, 5, 3, 0]);
  });

  it('a claim clears the pending bit and returns 0 when nothing is left', () => {
    const { plic, r, w, enable, claim } = setup();
    w(4 * 4, 1);
    enable(0, 4);
    plic.setSourceLevel(4, true);
    plic.setSourceLevel(4, false);
    assert.equal(r(PENDING), 1 << 4, 'a dropped line does not retract the request');
    assert.equal(claim(0), 4);
    assert.equal(r(PENDING), 0);
    assert.equal(claim(0), 0);
  });

  it('only sources enabled for the claiming context are claimed', () => {
    const { plic, w, enable, claim, r } = setup(2);
    w(4 * 6, 1);
    w(4 * 8, 1);
    enable(1, 6);
    enable(2, 8);
    plic.setSourceLevel(6, true);
    plic.setSourceLevel(8, true);
    assert.equal(claim(0), 0);
    assert.equal(claim(3), 0);
    assert.equal(claim(2), 8);
    assert.equal(r(PENDING), 1 << 6);
    assert.equal(claim(1), 6);
  });

  it('priority 0 never interrupts and the threshold masks priorities at or below it', () => {
    const { plic, lines, w, enable, claim } = setup();
    enable(0, 2, 3);
    plic.setSourceLevel(2, true);
    plic.setSourceLevel(3, true);
    assert.equal(lines.level(0, MIP_MEIP_BIT), false);
    assert.equal(claim(0), 0, 'priority 0');
    w(4 * 2, 3);
    w(4 * 3, 4);
    w(thresholdAt(0), 4);
    assert.equal(lines.level(0, MIP_MEIP_BIT), false);
    assert.equal(claim(0), 0, 'priority 4 is not above threshold 4');
    w(thresholdAt(0), 3);
    assert.equal(lines.level(0, MIP_MEIP_BIT), true);
    assert.equal(claim(0), 3);
    assert.equal(lines.level(0, MIP_MEIP_BIT), false, 'source 2 at priority 3 is still masked');
    w(thresholdAt(0), 0);
    assert.equal(lines.level(0, MIP_MEIP_BIT), true);
    assert.equal(claim(0), 2);
  });

  it('a level-triggered source is not re-pended while claimed, and is re-pended on completion while high', () => {
    const { plic, lines, r, w, enable, claim, complete } = setup();
    w(4 * UART0_IRQ, 1);
    enable(0, UART0_IRQ);
    plic.setSourceLevel(UART0_IRQ, true);
    assert.equal(lines.level(0, MIP_MEIP_BIT), true);
    assert.equal(claim(0), UART0_IRQ);
    assert.equal(lines.level(0, MIP_MEIP_BIT), false);
    // The device keeps (and even re-raises) its line during the handler: still no new request.
    plic.setSourceLevel(UART0_IRQ, true);
    plic.setSourceLevel(UART0_IRQ, false);
    plic.setSourceLevel(UART0_IRQ, true);
    assert.equal(r(PENDING), 0);
    assert.equal(claim(0), 0);
    assert.equal(lines.level(0, MIP_MEIP_BIT), false);
    complete(0, UART0_IRQ);
    assert.equal(r(PENDING), 1 << UART0_IRQ);
    assert.equal(lines.level(0, MIP_MEIP_BIT), true);
    assert.equal(claim(0), UART0_IRQ);
    // This time the handler quiets the device before completing: nothing pends again.
    plic.setSourceLevel(UART0_IRQ, false);
    complete(0, UART0_IRQ);
    assert.equal(r(PENDING), 0);
    assert.equal(lines.level(0, MIP_MEIP_BIT), false);
    // And the next assertion goes straight through the re-armed gateway.
    plic.setSourceLevel(UART0_IRQ, true);
    assert.equal(r(PENDING), 1 << UART0_IRQ);
  });

  it('ignores a completion for a source not enabled for the completing context', () => {
    const { plic, r, w, enable, claim, complete } = setup(2);
    w(4 * 12, 1);
    enable(0, 12);
    plic.setSourceLevel(12, true);
    assert.equal(claim(0), 12);
    complete(1, 12); // context 1 does not enable source 12
    complete(0, 0);
    complete(0, 96);
    complete(0, 0xffff_ffff);
    assert.equal(r(PENDING), 0, 'gateway still waiting');
    // Disabling the source before completing loses the completion too (spec: "currently enabled").
    w(enableAt(0), 0);
    complete(0, 12);
    assert.equal(r(PENDING), 0);
    enable(0, 12);
    complete(0, 12);
    assert.equal(r(PENDING), 1 << 12);
  });

  it('drives MEIP for M contexts and SEIP for S contexts of each hart', () => {
    const { plic, lines, w, enable, claim, complete } = setup(2);
    lines.log.length = 0;
    for (const s of [1, 2, 3, 4]) w(4 * s, 1);
    enable(0, 1); // hart 0 M
    enable(1, 2); // hart 0 S
    enable(2, 3); // hart 1 M
    enable(3, 4); // hart 1 S
    assert.deepEqual(lines.log, [], 'nothing pending yet');
    plic.setSourceLevel(2, true);
    assert.deepEqual(lines.log, [[0, MIP_SEIP_BIT, true]]);
    plic.setSourceLevel(3, true);
    plic.setSourceLevel(4, true);
    plic.setSourceLevel(1, true);
    assert.deepEqual(lines.log.slice(1), [
      [1, MIP_MEIP_BIT, true],
      [1, MIP_SEIP_BIT, true],
      [0, MIP_MEIP_BIT, true],
    ]);
    lines.log.length = 0;
    assert.equal(claim(3), 4);
    assert.deepEqual(lines.log, [[1, MIP_SEIP_BIT, false]]);
    assert.equal(lines.level(1, MIP_MEIP_BIT), true);
    plic.setSourceLevel(4, false);
    complete(3, 4);
    assert.equal(lines.level(1, MIP_SEIP_BIT), false);
  });

  it('an interrupt enabled in several contexts is signalled to all, and only the first claim wins', () => {
    const { plic, lines, w, enable, claim } = setup(2);
    w(4 * 7, 2);
    enable(1, 7);
    enable(3, 7);
    plic.setSourceLevel(7, true);
    assert.equal(lines.level(0, MIP_SEIP_BIT), true);
    assert.equal(lines.level(1, MIP_SEIP_BIT), true);
    assert.equal(claim(3), 7);
    assert.equal(lines.level(0, MIP_SEIP_BIT), false);
    assert.equal(claim(1), 0);
  });

  it('changing enables and priorities moves the lines without any claim', () => {
    const { plic, lines, w, enable } = setup();
    w(4 * 9, 1);
    plic.setSourceLevel(9, true);
    assert.equal(lines.level(0, MIP_SEIP_BIT), false);
    enable(1, 9);
    assert.equal(lines.level(0, MIP_SEIP_BIT), true);
    w(4 * 9, 0);
    assert.equal(lines.level(0, MIP_SEIP_BIT), false);
    w(4 * 9, 1);
    assert.equal(lines.level(0, MIP_SEIP_BIT), true);
    w(enableAt(1), 0);
    assert.equal(lines.level(0, MIP_SEIP_BIT), false);
  });

  it('peekClaim reports without claiming', () => {
    const { plic, w, enable, r } = setup();
    w(4 * 2, 1);
    enable(0, 2);
    plic.setSourceLevel(2, true);
    assert.equal(plic.peekClaim(0), 2);
    assert.equal(plic.peekClaim(1), 0);
    assert.equal(plic.peekClaim(99), 0);
    assert.equal(r(PENDING), 1 << 2);
  });

  it('reset clears registers, pending requests and claims, and drives the lines low', () => {
    const { plic, lines, r, w, enable, claim } = setup();
    w(4 * 5, 3);
    w(thresholdAt(1), 2);
    enable(0, 5, 6);
    plic.setSourceLevel(5, true);
    assert.equal(claim(0), 5);
    w(4 * 6, 1);
    plic.setSourceLevel(6, true);
    plic.setSourceLevel(6, false);
    plic.setSourceLevel(5, false);
    lines.log.length = 0;
    plic.reset();
    assert.deepEqual(lines.log, [
      [0, MIP_MEIP_BIT, false],
      [0, MIP_SEIP_BIT, false],
    ]);
    assert.equal(r(4 * 5), 0);
    assert.equal(r(thresholdAt(1)), 0);
    assert.equal(r(enableAt(0)), 0);
    assert.equal(r(PENDING), 0);
    // The gateway of source 5 is re-armed: a new assertion pends without any completion.
    plic.setSourceLevel(5, true);
    assert.equal(r(PENDING), 1 << 5);
  });

  it('a line still high at reset pends again through its re-armed gateway', () => {
    const { plic, r } = setup();
    plic.setSourceLevel(20, true);
    plic.reset();
    assert.equal(r(PENDING), 1 << 20);
  });

  it('refuses sources that do not exist when wiring devices', () => {
    const { plic } = setup();
    assert.throws(() => plic.setSourceLevel(0, true));
    assert.throws(() => plic.setSourceLevel(96, true));
    assert.throws(() => plic.setSourceLevel(1.5, true));
    assert.throws(() => new Plic(0, new RecordingLines()));
    assert.throws(() => new Plic(513, new RecordingLines()));
    assert.doesNotThrow(() => new Plic(512, new RecordingLines()));
  });

  it('narrow, misaligned and out-of-range accesses read 0 and change nothing', () => {
    const { plic, lines, r, w, enable } = setup(2);
    w(4 * 3, 2);
    enable(0, 3);
    plic.setSourceLevel(3, true);
    const before = lines.log.length;
    // A narrow or misaligned read of claim/complete must not claim.
    assert.equal(plic.read(claimAt(0), 1), 0);
    assert.equal(plic.read(claimAt(0), 2), 0);
    assert.equal(plic.read(claimAt(0) + 1, 4), 0);
    assert.equal(r(PENDING), 1 << 3);
    plic.write(4 * 3, 1, 7);
    plic.write(4 * 3, 2, 7);
    plic.write(4 * 3 + 2, 4, 7);
    assert.equal(r(4 * 3), 2);
    plic.write(thresholdAt(0), 1, 7);
    plic.write(claimAt(0), 2, 3);
    for (const off of [-4, PLIC_SIZE, PLIC_SIZE + 4, 2 ** 40, NaN, 0x1ffffc, thresholdAt(0) + 8, thresholdAt(4), thresholdAt(1023)]) {
      assert.doesNotThrow(() => w(off, 0xffff_ffff));
      assert.equal(r(off), 0, `offset ${off}`);
    }
    // Garbage values at real registers are masked, not refused.
    w(thresholdAt(0), -1);
    assert.equal(r(thresholdAt(0)), 7);
    w(thresholdAt(0), 1.75);
    assert.equal(r(thresholdAt(0)), 1);
    assert.equal(r(PENDING), 1 << 3);
    assert.equal(lines.log.length, before + 2, 'only the threshold writes moved MEIP (down, then up)');
  });
});
