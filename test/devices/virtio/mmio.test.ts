// virtio-mmio transport tests: identification, feature negotiation, queue setup, notifications, the
// interrupt line, configuration space and reset, driven through the registers against a real Ram.

import { strict as assert } from 'assert';
import {
  VirtioMmio, VirtioMmioReg as R, VirtioStatus as S, VIRTIO_F_INDIRECT_DESC, VIRTIO_F_VERSION_1,
  VIRTIO_INT_CONFIG_CHANGE, VIRTIO_INT_USED_BUFFER, VIRTIO_MMIO_MAGIC, VIRTIO_MMIO_VENDOR,
} from '../../../engine/devices/virtio/mmio';
import { VIRTQ_AVAIL_F_NO_INTERRUPT } from '../../../engine/devices/virtio/virtqueue';
import { ramDma } from '../../../engine/devices/virtio/dma';
import { Ram } from '../../../engine/devices/ram';
import { RAM_BASE, TestDriver } from './driver';
import { EchoDevice } from './echo-device';

const bytes = (...b: number[]) => Uint8Array.from(b);

describe('devices/virtio/VirtioMmio', () => {
  it('identifies as a version 2 virtio-mmio device with QEMU\'s vendor id', () => {
    const d = new TestDriver(new EchoDevice());
    assert.equal(d.r(R.MagicValue), VIRTIO_MMIO_MAGIC);
    assert.equal(d.r(R.MagicValue), 0x74726976);
    assert.equal(d.r(R.Version), 2);
    assert.equal(d.r(R.DeviceID), 0x2a);
    assert.equal(d.r(R.VendorID), VIRTIO_MMIO_VENDOR);
    assert.equal(d.r(R.VendorID), 0x554d4551);
    assert.equal(d.dev.size, 0x1000);
    assert.equal(d.dev.name, 'virtio0');
  });

  it('an empty slot is DeviceID 0 with nothing behind it, and ignores writes', () => {
    const d = new TestDriver(null);
    assert.equal(d.r(R.MagicValue), VIRTIO_MMIO_MAGIC);
    assert.equal(d.r(R.Version), 2);
    assert.equal(d.r(R.DeviceID), 0);
    assert.equal(d.r(R.VendorID), VIRTIO_MMIO_VENDOR);
    d.w(R.Status, S.ACKNOWLEDGE);
    assert.equal(d.status, 0);
    assert.equal(d.deviceFeatures(), 0n);
    d.w(R.QueueSel, 0);
    assert.equal(d.r(R.QueueNumMax), 0);
    d.w(R.QueueNotify, 0);
    assert.equal(d.dev.read(0x100, 4), 0);
    assert.deepEqual(d.irqEdges, []);
  });

  it('offers the device features plus VIRTIO_F_VERSION_1 and VIRTIO_F_INDIRECT_DESC, word by word', () => {
    const d = new TestDriver(new EchoDevice());
    d.w(R.DeviceFeaturesSel, 0);
    assert.equal(d.r(R.DeviceFeatures), (1 << 0) | (1 << 5) | (1 << 28));
    d.w(R.DeviceFeaturesSel, 1);
    assert.equal(d.r(R.DeviceFeatures), 1); // bit 32
    d.w(R.DeviceFeaturesSel, 2);
    assert.equal(d.r(R.DeviceFeatures), 0);
    assert.equal(d.deviceFeatures(), (1n << 0n) | (1n << 5n) | VIRTIO_F_INDIRECT_DESC | VIRTIO_F_VERSION_1);
  });

  it('accepts FEATURES_OK for a subset including VERSION_1', () => {
    const d = new TestDriver(new EchoDevice());
    assert.equal(d.negotiate((f) => f & ~(1n << 5n)), true);
    assert.equal(d.dev.negotiatedFeatures, (1n << 0n) | VIRTIO_F_INDIRECT_DESC | VIRTIO_F_VERSION_1);
    assert.equal(d.status, S.ACKNOWLEDGE | S.DRIVER | S.FEATURES_OK);
  });

  it('refuses FEATURES_OK without VIRTIO_F_VERSION_1 (no legacy interface)', () => {
    const d = new TestDriver(new EchoDevice());
    assert.equal(d.negotiate((f) => f & ~VIRTIO_F_VERSION_1), false);
    assert.equal(d.status & S.FEATURES_OK, 0);
    assert.equal(d.dev.negotiatedFeatures, 0n);
  });

  it('refuses FEATURES_OK when the driver accepts a feature that was not offered', () => {
    const d = new TestDriver(new EchoDevice());
    assert.equal(d.negotiate((f) => f | (1n << 3n)), false);
    assert.equal(d.negotiate((f) => f | (1n << 29n)), false, 'EVENT_IDX is not offered');
  });

  it('ignores DriverFeatures writes after FEATURES_OK', () => {
    const d = new TestDriver(new EchoDevice());
    assert.ok(d.negotiate(() => VIRTIO_F_VERSION_1));
    d.writeDriverFeatures(VIRTIO_F_VERSION_1 | 1n);
    assert.equal(d.dev.negotiatedFeatures, VIRTIO_F_VERSION_1);
  });

  it('status bits accumulate; the device owns DEVICE_NEEDS_RESET', () => {
    const d = new TestDriver(new EchoDevice());
    d.w(R.Status, S.ACKNOWLEDGE);
    d.w(R.Status, S.DRIVER);
    assert.equal(d.status, S.ACKNOWLEDGE | S.DRIVER);
    d.w(R.Status, S.DEVICE_NEEDS_RESET | S.ACKNOWLEDGE);
    assert.equal(d.status & S.DEVICE_NEEDS_RESET, 0);
  });

  it('DRIVER_OK without FEATURES_OK is a guest error', () => {
    const d = new TestDriver(new EchoDevice());
    d.w(R.Status, S.ACKNOWLEDGE | S.DRIVER | S.DRIVER_OK);
    assert.ok(d.needsReset);
    assert.match(d.errors[0], /virtio0: DRIVER_OK set without FEATURES_OK/);
  });

  it('reports QueueNumMax per queue, 0 past the last queue', () => {
    const d = new TestDriver(new EchoDevice(128));
    d.w(R.QueueSel, 0);
    assert.equal(d.r(R.QueueNumMax), 128);
    d.w(R.QueueSel, 1);
    assert.equal(d.r(R.QueueNumMax), 128);
    d.w(R.QueueSel, 2);
    assert.equal(d.r(R.QueueNumMax), 0);
    d.w(R.QueueReady, 1);
    assert.equal(d.r(R.QueueReady), 0);
  });

  it('sets up a queue and serves a request, raising the used-buffer interrupt', () => {
    const dev = new EchoDevice();
    const d = new TestDriver(dev);
    d.init(8);
    d.w(R.QueueSel, 0);
    assert.equal(d.r(R.QueueReady), 1);
    const { head, addrs } = d.submit(0, [{ data: bytes(1, 2, 3) }, { len: 3, write: true }]);
    assert.deepEqual(dev.notifies, [0]);
    assert.deepEqual(d.takeUsed(0), [{ id: head, len: 3 }]);
    assert.deepEqual([...d.peek(addrs[1], 3)], [1, 2, 3]);
    assert.equal(d.irq, true);
    assert.equal(d.r(R.InterruptStatus), VIRTIO_INT_USED_BUFFER);
  });

  it('InterruptACK clears the acknowledged bits and lowers the line when none are left', () => {
    const d = new TestDriver(new EchoDevice());
    d.init(8);
    d.submit(0, [{ data: bytes(9) }, { len: 1, write: true }]);
    assert.equal(d.irq, true);
    d.w(R.InterruptACK, VIRTIO_INT_CONFIG_CHANGE); // not pending: no change
    assert.equal(d.irq, true);
    d.w(R.InterruptACK, VIRTIO_INT_USED_BUFFER);
    assert.equal(d.r(R.InterruptStatus), 0);
    assert.equal(d.irq, false);
    assert.deepEqual(d.irqEdges, [true, false]);
    // A second request raises it again.
    d.submit(0, [{ data: bytes(9) }, { len: 1, write: true }]);
    assert.deepEqual(d.irqEdges, [true, false, true]);
  });

  it('keeps the line high (one edge) across several used buffers before the ACK', () => {
    const d = new TestDriver(new EchoDevice());
    d.init(8);
    d.submit(0, [{ data: bytes(1) }, { len: 1, write: true }], { notify: false });
    d.submit(0, [{ data: bytes(2) }, { len: 1, write: true }], { notify: false });
    d.notify(0);
    assert.equal(d.takeUsed(0).length, 2);
    assert.deepEqual(d.irqEdges, [true]);
  });

  it('honours VIRTQ_AVAIL_F_NO_INTERRUPT', () => {
    const d = new TestDriver(new EchoDevice());
    d.init(8);
    d.set16(d.queue(0).avail, VIRTQ_AVAIL_F_NO_INTERRUPT);
    d.submit(0, [{ data: bytes(1) }, { len: 1, write: true }]);
    assert.equal(d.takeUsed(0).length, 1, 'the buffer is still used');
    assert.equal(d.irq, false);
    assert.equal(d.r(R.InterruptStatus), 0);
  });

  it('ignores notifications before DRIVER_OK and serves those buffers when DRIVER_OK is set', () => {
    const dev = new EchoDevice();
    const d = new TestDriver(dev);
    assert.ok(d.negotiate());
    d.setupQueue(0, 8);
    d.setupQueue(1, 8);
    d.submit(0, [{ data: bytes(5) }, { len: 1, write: true }]);
    assert.deepEqual(dev.notifies, []);
    assert.deepEqual(d.takeUsed(0), []);
    d.driverOk();
    assert.deepEqual(dev.notifies, [0]);
    assert.equal(d.takeUsed(0).length, 1);
  });

  it('ignores notifications of queues that are not ready or do not exist', () => {
    const dev = new EchoDevice();
    const d = new TestDriver(dev);
    assert.ok(d.negotiate());
    d.setupQueue(0, 8);
    d.driverOk();
    d.notify(1);
    d.notify(7);
    assert.deepEqual(dev.notifies, []);
  });

  it('ignores queue size and address writes while the queue is ready', () => {
    const d = new TestDriver(new EchoDevice());
    d.init(8);
    d.w(R.QueueSel, 0);
    d.w(R.QueueNum, 4);
    d.w(R.QueueDescLow, 0x1234_0000);
    assert.equal(d.dev.queues[0].size, 8);
    assert.equal(d.dev.queues[0].descAddr, d.queue(0).desc);
  });

  it('QueueReady = 0 stops the device from touching the queue', () => {
    const dev = new EchoDevice();
    const d = new TestDriver(dev);
    d.init(8);
    d.w(R.QueueSel, 0);
    d.w(R.QueueReady, 0);
    assert.equal(d.r(R.QueueReady), 0);
    d.submit(0, [{ data: bytes(5) }, { len: 1, write: true }]);
    assert.deepEqual(dev.notifies, []);
  });

  it('keeps 64-bit ring addresses from the Low/High pairs', () => {
    const d = new TestDriver(new EchoDevice());
    d.w(R.QueueSel, 0);
    d.w(R.QueueDescHigh, 0x1);
    d.w(R.QueueDescLow, 0x8000_0000);
    assert.equal(d.dev.queues[0].descAddr, 0x1_8000_0000);
    d.w(R.QueueDescLow, 0x10);
    assert.equal(d.dev.queues[0].descAddr, 0x1_0000_0010);
  });

  it('rejects a queue size that is not a power of 2 or exceeds QueueNumMax', () => {
    for (const size of [0, 6, 128]) {
      const d = new TestDriver(new EchoDevice(64));
      assert.ok(d.negotiate());
      d.setupQueue(0, size);
      assert.equal(d.r(R.QueueReady), 0, `size ${size}`);
      assert.ok(d.needsReset, `size ${size}`);
      assert.match(d.dev.lastError ?? '', /queue 0: queue size/);
    }
  });

  it('rejects rings outside RAM or misaligned', () => {
    const cases: [number, number, number][] = [
      [0x1000, RAM_BASE + 0x2000, RAM_BASE + 0x3000], // descriptors below RAM
      [RAM_BASE + 0x1008, RAM_BASE + 0x2000, RAM_BASE + 0x3000], // descriptors not 16-aligned
      [RAM_BASE + 0x1000, RAM_BASE + 0x2001, RAM_BASE + 0x3000], // avail odd
      [RAM_BASE + 0x1000, RAM_BASE + 0x2000, RAM_BASE + 0x3002], // used not 4-aligned
      [RAM_BASE + 0x1000, RAM_BASE + 0x2000, RAM_BASE + 1024 * 1024 - 8], // used runs off the end
    ];
    for (const [desc, avail, used] of cases) {
      const d = new TestDriver(new EchoDevice());
      assert.ok(d.negotiate());
      d.w(R.QueueSel, 0);
      d.w(R.QueueNum, 8);
      d.w(R.QueueDescLow, desc);
      d.w(R.QueueDriverLow, avail);
      d.w(R.QueueDeviceLow, used);
      d.w(R.QueueReady, 1);
      assert.equal(d.r(R.QueueReady), 0);
      assert.ok(d.needsReset);
    }
  });

  it('reads and writes the device configuration space at 0x100 with 1, 2 and 4 byte accesses', () => {
    const dev = new EchoDevice();
    const d = new TestDriver(dev);
    assert.equal(d.dev.read(0x100, 4), 0x44332211);
    assert.equal(d.dev.read(0x102, 2), 0x4433);
    assert.equal(d.dev.read(0x107, 1), 0x88);
    d.dev.write(0x104, 2, 0xbeef);
    assert.deepEqual([...dev.config.subarray(4, 6)], [0xef, 0xbe]);
  });

  it('ConfigGeneration changes when the device changes its configuration, with an interrupt after DRIVER_OK', () => {
    const dev = new EchoDevice();
    const d = new TestDriver(dev);
    const g0 = d.r(R.ConfigGeneration);
    dev.host!.configChanged();
    assert.notEqual(d.r(R.ConfigGeneration), g0);
    assert.equal(d.irq, false, 'no notification before DRIVER_OK');
    d.init(8);
    dev.host!.configChanged();
    assert.equal(d.r(R.InterruptStatus), VIRTIO_INT_CONFIG_CHANGE);
    assert.equal(d.irq, true);
  });

  it('control registers need aligned 32-bit accesses; others read 0 and are ignored', () => {
    const d = new TestDriver(new EchoDevice());
    assert.equal(d.dev.read(R.MagicValue, 2), 0);
    assert.equal(d.dev.read(R.MagicValue, 1), 0);
    assert.equal(d.dev.read(R.MagicValue + 2, 4), 0);
    d.dev.write(R.Status, 1, S.ACKNOWLEDGE);
    assert.equal(d.status, 0);
  });

  it('reports no shared memory regions (length -1) and reads write-only registers as 0', () => {
    const d = new TestDriver(new EchoDevice());
    d.w(R.SHMSel, 0);
    assert.equal(d.r(R.SHMLenLow), 0xffff_ffff);
    assert.equal(d.r(R.SHMLenHigh), 0xffff_ffff);
    assert.equal(d.r(R.SHMBaseLow), 0xffff_ffff);
    assert.equal(d.r(R.SHMBaseHigh), 0xffff_ffff);
    assert.equal(d.r(R.QueueNotify), 0);
    assert.equal(d.r(R.QueueReset), 0);
    assert.equal(d.r(0x0f0), 0);
  });

  it('Status = 0 resets status, features, queues and interrupts, lowers the line and resets the device', () => {
    const dev = new EchoDevice();
    const d = new TestDriver(dev);
    d.init(8);
    d.submit(0, [{ data: bytes(1) }, { len: 1, write: true }]);
    assert.equal(d.irq, true);
    const resets = dev.resets;
    d.w(R.Status, 0);
    assert.equal(d.status, 0);
    assert.equal(d.irq, false);
    assert.equal(d.r(R.InterruptStatus), 0);
    assert.equal(dev.resets, resets + 1);
    assert.equal(d.dev.negotiatedFeatures, 0n);
    d.w(R.QueueSel, 0);
    assert.equal(d.r(R.QueueReady), 0);
    // And the device works again after a fresh initialisation, from ring index 0.
    d.queues.clear();
    d.init(8);
    const { head } = d.submit(0, [{ data: bytes(2) }, { len: 1, write: true }]);
    assert.deepEqual(d.takeUsed(0), [{ id: head, len: 1 }]);
  });

  it('the machine can reset it directly', () => {
    const dev = new EchoDevice();
    const d = new TestDriver(dev);
    d.init(8);
    const resets = dev.resets;
    d.dev.reset();
    assert.equal(d.status, 0);
    assert.equal(dev.resets, resets + 1);
  });

  it('gives devices their running queues only after DRIVER_OK and while healthy', () => {
    const dev = new EchoDevice();
    const d = new TestDriver(dev);
    assert.ok(d.negotiate());
    d.setupQueue(0, 8);
    assert.equal(dev.host!.queue(0), undefined);
    d.driverOk();
    assert.equal(dev.host!.queue(0), d.dev.queues[0]);
    assert.equal(dev.host!.queue(1), undefined, 'queue 1 was never made ready');
  });

  it('refuses a device whose queue size is not a power of 2', () => {
    const ram = new Ram(RAM_BASE, 4096);
    assert.throws(() => new VirtioMmio(new EchoDevice(100), ramDma(ram), () => {}), /power of 2/);
  });
});
