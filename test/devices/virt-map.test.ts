// Unit tests for the virt memory map: QEMU's addresses, no overlaps, and agreement with the devices.

import { strict as assert } from 'assert';
import { Bus } from '../../engine/devices/bus';
import { Clint } from '../../engine/devices/clint';
import type { MmioDevice } from '../../engine/devices/device';
import { Ram } from '../../engine/devices/ram';
import { SifiveTest } from '../../engine/devices/syscon';
import { Uart16550 } from '../../engine/devices/uart16550';
import {
  PLIC_SIZE, UART0_IRQ, VIRT, VIRT_MEMMAP, VIRT_TIMEBASE_HZ, VIRTIO_COUNT, VIRTIO_IRQ_BASE, virtioSlot,
} from '../../engine/devices/virt-map';

describe('devices/virt-map', () => {
  it('holds QEMU virt addresses', () => {
    assert.deepEqual(VIRT.test, { name: 'test', base: 0x10_0000, size: 0x1000 });
    assert.deepEqual(VIRT.clint, { name: 'clint', base: 0x200_0000, size: 0x1_0000 });
    assert.deepEqual(VIRT.plic, { name: 'plic', base: 0x0c00_0000, size: 0x60_0000 });
    assert.equal(PLIC_SIZE, 0x60_0000);
    assert.deepEqual(VIRT.uart0, { name: 'uart0', base: 0x1000_0000, size: 0x100 });
    assert.equal(VIRT.dram.base, 0x8000_0000);
    assert.equal(VIRT.mrom.base, 0x1000);
    assert.equal(VIRTIO_COUNT, 8);
    assert.deepEqual(virtioSlot(0), { name: 'virtio0', base: 0x1000_1000, size: 0x1000 });
    assert.deepEqual(virtioSlot(7), { name: 'virtio7', base: 0x1000_8000, size: 0x1000 });
    assert.equal(UART0_IRQ, 10);
    assert.equal(VIRTIO_IRQ_BASE, 1);
    assert.equal(VIRT_TIMEBASE_HZ, 10_000_000);
  });

  it('rejects virtio slots that do not exist', () => {
    assert.throws(() => virtioSlot(8), /slot 8/);
    assert.throws(() => virtioSlot(-1), /slot -1/);
  });

  it('lists every region once, in address order, without overlaps', () => {
    const names = VIRT_MEMMAP.map((r) => r.name);
    assert.equal(new Set(names).size, names.length);
    assert.equal(VIRT_MEMMAP.length, 6 + VIRTIO_COUNT);
    for (let i = 1; i < VIRT_MEMMAP.length; i++) {
      const prev = VIRT_MEMMAP[i - 1];
      assert.ok(prev.base + prev.size <= VIRT_MEMMAP[i].base, `${prev.name} overlaps ${VIRT_MEMMAP[i].name}`);
    }
  });

  it('matches the names and window sizes of the devices, which all fit on one bus', () => {
    const devices: [MmioDevice, { name: string; base: number; size: number }][] = [
      [new Uart16550({ write: () => undefined }), VIRT.uart0],
      [new Clint(1, { setPending: () => undefined }, () => 0), VIRT.clint],
      [new SifiveTest(() => undefined), VIRT.test],
    ];
    const bus = new Bus(new Ram(VIRT.dram.base, 0x10_0000));
    for (const [dev, region] of devices) {
      assert.equal(dev.name, region.name);
      assert.equal(dev.size, region.size);
      bus.attach(region.base, dev);
    }
    assert.equal(bus.findDevice(0x1000_0005)?.dev.name, 'uart0');
    assert.equal(bus.findDevice(0x200_bff8)?.offset, 0xbff8);
  });
});
