// Split virtqueue tests: chain walking (direct, indirect, mixed), scatter-gather, and malformed chains that
// must end in DEVICE_NEEDS_RESET with a config-change interrupt, never a hang or an exception.

import { strict as assert } from 'assert';
import { VirtioMmioReg as R, VirtioStatus as S, VIRTIO_INT_CONFIG_CHANGE } from '../../../engine/devices/virtio/mmio';
import {
  VIRTQ_DESC_F_INDIRECT as IND, VIRTQ_DESC_F_NEXT as NEXT, VIRTQ_DESC_F_WRITE as WRITE,
} from '../../../engine/devices/virtio/virtqueue';
import { ramDma } from '../../../engine/devices/virtio/dma';
import { ALL_BUT_INDIRECT, RAM_BASE, TestDriver } from './driver';
import { EchoDevice } from './echo-device';

function setup(size = 8, accept?: (f: bigint) => bigint) {
  const dev = new EchoDevice();
  const d = new TestDriver(dev);
  d.init(size, accept);
  return { dev, d, q: d.queue(0) };
}

/** Publishes `head`, notifies, and checks the device stopped with a guest error matching `why`. */
function expectGuestError(d: TestDriver, dev: EchoDevice, head: number, why: RegExp) {
  d.publish(0, head);
  assert.doesNotThrow(() => d.notify(0));
  assert.ok(d.needsReset, 'DEVICE_NEEDS_RESET');
  assert.match(d.dev.lastError ?? '', why);
  assert.equal(d.errors.length, 1);
  assert.deepEqual(d.takeUsed(0), [], 'nothing is returned on the used ring');
  assert.equal(dev.requests.length, 0);
  // §2.1.2: the driver is told through a configuration change notification.
  assert.equal(d.r(R.InterruptStatus) & VIRTIO_INT_CONFIG_CHANGE, VIRTIO_INT_CONFIG_CHANGE);
  assert.equal(d.irq, true);
}

describe('devices/virtio/Virtqueue', () => {
  it('gathers readable and scatters writable bytes across many descriptors', () => {
    const { dev, d } = setup();
    const { head, addrs } = d.submit(0, [
      { data: Uint8Array.from([1, 2]) }, { data: Uint8Array.from([3]) }, { data: Uint8Array.from([4, 5, 6]) },
      { len: 4, write: true }, { len: 1, write: true }, { len: 3, write: true },
    ]);
    assert.deepEqual([...dev.requests[0]], [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(d.takeUsed(0), [{ id: head, len: 6 }]);
    assert.deepEqual([...d.peek(addrs[3], 4)], [1, 2, 3, 4]);
    assert.deepEqual([...d.peek(addrs[4], 1)], [5]);
    assert.deepEqual([...d.peek(addrs[5], 3)], [6, 0, 0]);
  });

  it('walks indirect descriptor tables', () => {
    const { dev, d } = setup();
    const { head, addrs } = d.submit(0, [
      { data: Uint8Array.from([7, 8]) }, { data: Uint8Array.from([9]) }, { len: 2, write: true }, { len: 2, write: true },
    ], { indirect: true });
    assert.deepEqual([...dev.requests[0]], [7, 8, 9]);
    assert.deepEqual(d.takeUsed(0), [{ id: head, len: 3 }]);
    assert.deepEqual([...d.peek(addrs[2], 2)], [7, 8]);
    assert.deepEqual([...d.peek(addrs[3], 1)], [9]);
  });

  it('accepts direct descriptors followed by one indirect descriptor (§2.7.5.3.2)', () => {
    const { dev, d, q } = setup();
    const a = d.alloc(16), b = d.alloc(16), table = d.alloc(32);
    d.poke(a, [0xaa]);
    d.poke(b, [0xbb]);
    d.writeDesc(table, 0, b, 1, NEXT, 1);
    d.writeDesc(table, 1, b + 8, 2, WRITE, 0);
    d.writeDesc(q.desc, 3, a, 1, NEXT, 5);
    d.writeDesc(q.desc, 5, table, 32, IND | WRITE, 0); // WRITE on the table pointer is ignored
    d.publish(0, 3);
    d.notify(0);
    assert.ok(!d.needsReset, d.dev.lastError);
    assert.deepEqual([...dev.requests[0]], [0xaa, 0xbb]);
    assert.deepEqual(d.takeUsed(0), [{ id: 3, len: 2 }]);
  });

  it('skips zero-length descriptors', () => {
    const { dev, d, q } = setup();
    const a = d.alloc(16);
    d.poke(a, [1, 2]);
    d.writeDesc(q.desc, 0, 0xdead_0000, 0, NEXT, 1); // address irrelevant: nothing to transfer
    d.writeDesc(q.desc, 1, a, 2, 0, 0);
    d.publish(0, 0);
    d.notify(0);
    assert.ok(!d.needsReset);
    assert.deepEqual([...dev.requests[0]], [1, 2]);
  });

  it('works over a DmaMemory with only read and write (no contains)', () => {
    const dev = new EchoDevice();
    const d = new TestDriver(dev, {
      dma: (ram) => { const m = ramDma(ram); return { read: m.read, write: m.write }; },
    });
    d.init(8);
    const { head } = d.submit(0, [{ data: Uint8Array.from([4, 2]) }, { len: 2, write: true }], { indirect: true });
    assert.deepEqual(d.takeUsed(0), [{ id: head, len: 2 }]);
    d.writeDesc(d.queue(0).desc, 7, RAM_BASE - 4, 8, 0, 0);
    d.publish(0, 7);
    d.notify(0);
    assert.ok(d.needsReset);
    assert.match(d.dev.lastError ?? '', /buffer at 0x7ffffffc \(\+8\) is not in RAM/);
    assert.equal(dev.requests.length, 1);
  });

  it('processes many requests around the 16-bit ring indices', () => {
    const { dev, d } = setup(4);
    for (let i = 0; i < 70; i++) {
      const { head } = d.submit(0, [{ data: Uint8Array.from([i]) }, { len: 1, write: true }]);
      assert.deepEqual(d.takeUsed(0), [{ id: head, len: 1 }]);
    }
    assert.equal(dev.requests.length, 70);
    assert.equal(d.u16(d.queue(0).used + 2), 70);
  });

  describe('malformed chains: DEVICE_NEEDS_RESET, no exception, no hang', () => {
    it('a descriptor loop', () => {
      const { dev, d, q } = setup(8);
      const a = d.alloc(16);
      d.writeDesc(q.desc, 0, a, 4, NEXT, 1);
      d.writeDesc(q.desc, 1, a, 4, NEXT, 2);
      d.writeDesc(q.desc, 2, a, 4, NEXT, 0);
      expectGuestError(d, dev, 0, /longer than the queue size 8/);
    });

    it('a self-referencing descriptor', () => {
      const { dev, d, q } = setup(8);
      d.writeDesc(q.desc, 2, d.alloc(16), 4, NEXT, 2);
      expectGuestError(d, dev, 2, /a loop/);
    });

    it('a loop inside an indirect table', () => {
      const { dev, d, q } = setup(8);
      const a = d.alloc(16), table = d.alloc(64);
      d.writeDesc(table, 0, a, 4, NEXT, 1);
      d.writeDesc(table, 1, a, 4, NEXT, 0);
      d.writeDesc(q.desc, 0, table, 64, IND, 0);
      expectGuestError(d, dev, 0, /longer than the queue size/);
    });

    it('an indirect chain longer than the queue size', () => {
      const { dev, d, q } = setup(4);
      const a = d.alloc(16), table = d.alloc(16 * 5);
      for (let i = 0; i < 5; i++) d.writeDesc(table, i, a, 1, i < 4 ? NEXT : 0, i + 1);
      d.writeDesc(q.desc, 0, table, 16 * 5, IND, 0);
      expectGuestError(d, dev, 0, /longer than the queue size 4/);
    });

    it('a buffer outside RAM', () => {
      const { dev, d, q } = setup();
      d.writeDesc(q.desc, 0, 0x1000, 16, 0, 0);
      expectGuestError(d, dev, 0, /buffer at 0x1000 \(\+16\) is not in RAM/);
    });

    it('a buffer running off the end of RAM', () => {
      const { dev, d, q } = setup();
      d.writeDesc(q.desc, 0, RAM_BASE + 1024 * 1024 - 8, 16, WRITE, 0);
      expectGuestError(d, dev, 0, /not in RAM/);
    });

    it('a buffer whose address + length wraps the 64-bit space', () => {
      const { dev, d, q } = setup();
      d.writeDesc(q.desc, 0, 0xffff_ffff_ffff_f000n, 0x2000, 0, 0);
      expectGuestError(d, dev, 0, /not in RAM/);
    });

    it('a chain longer than 2^32 bytes in total (§2.7.5.2)', () => {
      const dev = new EchoDevice(64);
      const d = new TestDriver(dev, { ramSize: 128 * 1024 * 1024 });
      d.init(64);
      const q = d.queue(0);
      // 33 descriptors each covering all 128 MiB of RAM: every one in RAM, 4.1 GiB together.
      for (let i = 0; i < 33; i++) d.writeDesc(q.desc, i, RAM_BASE, 128 * 1024 * 1024, i < 32 ? NEXT : 0, i + 1);
      expectGuestError(d, dev, 0, /longer than 2\^32 bytes/);
    });

    it('a next index past the descriptor table', () => {
      const { dev, d, q } = setup(8);
      d.writeDesc(q.desc, 0, d.alloc(16), 4, NEXT, 8);
      expectGuestError(d, dev, 0, /descriptor index 8 is outside the descriptor table of 8/);
    });

    it('a head index past the descriptor table', () => {
      const { dev, d } = setup(8);
      expectGuestError(d, dev, 0xffff, /descriptor index 65535/);
    });

    it('a next index past an indirect table', () => {
      const { dev, d, q } = setup(8);
      const table = d.alloc(32);
      d.writeDesc(table, 0, d.alloc(16), 4, NEXT, 2);
      d.writeDesc(q.desc, 0, table, 32, IND, 0);
      expectGuestError(d, dev, 0, /outside the indirect table of 2/);
    });

    it('an indirect table outside RAM', () => {
      const { dev, d, q } = setup();
      d.writeDesc(q.desc, 0, 0x2000_0000, 64, IND, 0);
      expectGuestError(d, dev, 0, /indirect table at 0x20000000 \(\+64\) is not in RAM/);
    });

    it('an indirect table whose length is not a multiple of 16', () => {
      const { dev, d, q } = setup();
      d.writeDesc(q.desc, 0, d.alloc(64), 24, IND, 0);
      expectGuestError(d, dev, 0, /not a positive multiple of 16/);
    });

    it('a nested indirect table', () => {
      const { dev, d, q } = setup();
      const t1 = d.alloc(16), t2 = d.alloc(16);
      d.writeDesc(t2, 0, d.alloc(16), 4, 0, 0);
      d.writeDesc(t1, 0, t2, 16, IND, 0);
      d.writeDesc(q.desc, 0, t1, 16, IND, 0);
      expectGuestError(d, dev, 0, /inside an indirect table/);
    });

    it('INDIRECT together with NEXT', () => {
      const { dev, d, q } = setup();
      const table = d.alloc(16);
      d.writeDesc(table, 0, d.alloc(16), 4, 0, 0);
      d.writeDesc(q.desc, 0, table, 16, IND | NEXT, 1);
      expectGuestError(d, dev, 0, /both INDIRECT and NEXT/);
    });

    it('INDIRECT when VIRTIO_F_INDIRECT_DESC was not negotiated', () => {
      const dev = new EchoDevice();
      const d = new TestDriver(dev);
      d.init(8, ALL_BUT_INDIRECT);
      const table = d.alloc(16);
      d.writeDesc(table, 0, d.alloc(16), 4, 0, 0);
      d.writeDesc(d.queue(0).desc, 0, table, 16, IND, 0);
      expectGuestError(d, dev, 0, /not negotiated/);
    });

    it('a device-readable descriptor after a device-writable one', () => {
      const { dev, d, q } = setup();
      d.writeDesc(q.desc, 0, d.alloc(16), 4, WRITE | NEXT, 1);
      d.writeDesc(q.desc, 1, d.alloc(16), 4, 0, 0);
      expectGuestError(d, dev, 0, /readable descriptor after a device-writable one/);
    });

    it('an available index that jumps past the queue size', () => {
      const { dev, d, q } = setup(8);
      d.set16(q.avail + 2, 9);
      assert.doesNotThrow(() => d.notify(0));
      assert.ok(d.needsReset);
      assert.match(d.dev.lastError ?? '', /jumped from 0 to 9/);
      assert.equal(dev.requests.length, 0);
    });

    it('after the error the device ignores the queue until reset, then works again', () => {
      const { dev, d, q } = setup(8);
      d.writeDesc(q.desc, 0, d.alloc(16), 4, NEXT, 0);
      d.publish(0, 0);
      d.notify(0);
      assert.ok(d.needsReset);
      d.submit(0, [{ data: Uint8Array.from([1]) }, { len: 1, write: true }]);
      assert.equal(dev.requests.length, 0);
      assert.deepEqual(d.takeUsed(0), []);
      // Writing status bits keeps DEVICE_NEEDS_RESET; only Status = 0 clears it.
      d.w(R.Status, d.status | S.FAILED);
      assert.ok(d.needsReset);
      d.w(R.Status, 0);
      assert.equal(d.status, 0);
      assert.equal(d.dev.lastError, undefined);
      d.queues.clear();
      d.init(8);
      const { head } = d.submit(0, [{ data: Uint8Array.from([1]) }, { len: 1, write: true }]);
      assert.deepEqual(d.takeUsed(0), [{ id: head, len: 1 }]);
    });

    it('reports the error once, however many chains are bad', () => {
      const { d, q } = setup(8);
      d.writeDesc(q.desc, 0, 0x10, 4, 0, 0);
      d.publish(0, 0);
      d.publish(0, 0);
      d.notify(0);
      d.notify(0);
      assert.equal(d.errors.length, 1);
    });
  });
});
