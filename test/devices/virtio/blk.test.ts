// virtio-blk tests: configuration, reads and writes of several sectors through multi-descriptor and
// indirect chains, flush, GET_ID, error statuses, read-only disks and malformed requests.

import { strict as assert } from 'assert';
import { BlockBackend, BufferBackend, MemoryBackend } from '../../../engine/devices/virtio/blk-backends';
import {
  VirtioBlk, VIRTIO_BLK_F_BLK_SIZE, VIRTIO_BLK_F_FLUSH, VIRTIO_BLK_F_RO, VIRTIO_BLK_F_SEG_MAX, VIRTIO_BLK_S_IOERR,
  VIRTIO_BLK_S_OK, VIRTIO_BLK_S_UNSUPP, VIRTIO_BLK_T_FLUSH, VIRTIO_BLK_T_GET_ID, VIRTIO_BLK_T_IN, VIRTIO_BLK_T_OUT,
} from '../../../engine/devices/virtio/blk';
import { VirtioMmioReg as R, VIRTIO_F_INDIRECT_DESC, VIRTIO_F_VERSION_1 } from '../../../engine/devices/virtio/mmio';
import { SECTOR, blkDriver, header, pattern, readSectors, request, writeSectors } from './blk-helpers';


describe('devices/virtio/VirtioBlk', () => {
  it('is device 2 with capacity, seg_max and blk_size in its configuration space', () => {
    const { d } = blkDriver(new BufferBackend(new Uint8Array(64 * SECTOR)));
    assert.equal(d.r(R.DeviceID), 2);
    assert.equal(d.dev.read(0x100, 4), 64, 'capacity low');
    assert.equal(d.dev.read(0x104, 4), 0, 'capacity high');
    assert.equal(d.dev.read(0x100 + 12, 4), 254, 'seg_max = queue size - 2');
    assert.equal(d.dev.read(0x100 + 20, 4), 512, 'blk_size');
    assert.equal(d.dev.read(0x100 + 200, 4), 0, 'past the structure');
  });

  it('reports capacities above 2^32 sectors in both halves', () => {
    const huge: BlockBackend = { size: 2 ** 42, readOnly: true, read() {}, write() {}, flush() {} };
    const blk = new VirtioBlk(huge);
    assert.equal(blk.configRead(0, 4), 0);
    assert.equal(blk.configRead(4, 4), 2 ** (42 - 9 - 32));
  });

  it('offers SEG_MAX, BLK_SIZE and FLUSH, and RO only for read-only backends', () => {
    const rw = blkDriver(new BufferBackend(new Uint8Array(SECTOR))).d.deviceFeatures();
    assert.equal(rw, VIRTIO_BLK_F_SEG_MAX | VIRTIO_BLK_F_BLK_SIZE | VIRTIO_BLK_F_FLUSH | VIRTIO_F_INDIRECT_DESC | VIRTIO_F_VERSION_1);
    const ro = blkDriver(new BufferBackend(new Uint8Array(SECTOR), { readOnly: true })).d.deviceFeatures();
    assert.equal(ro & VIRTIO_BLK_F_RO, VIRTIO_BLK_F_RO);
  });

  it('reads several sectors through a multi-descriptor chain', () => {
    const disk = pattern(32 * SECTOR);
    const { d } = blkDriver(new BufferBackend(disk));
    const r = readSectors(d, 5, [SECTOR, 2 * SECTOR, 100, SECTOR - 100]);
    assert.equal(r.status, VIRTIO_BLK_S_OK);
    assert.equal(r.len, 4 * SECTOR + 1, 'data plus status byte');
    assert.deepEqual(r.data, disk.subarray(5 * SECTOR, 9 * SECTOR));
  });

  it('reads through indirect descriptors', () => {
    const disk = pattern(32 * SECTOR);
    const { d } = blkDriver(new BufferBackend(disk));
    const r = readSectors(d, 30, [SECTOR, SECTOR], true);
    assert.equal(r.status, VIRTIO_BLK_S_OK);
    assert.deepEqual(r.data, disk.subarray(30 * SECTOR, 32 * SECTOR));
  });

  it('writes several sectors (direct and indirect) and reads them back', () => {
    const disk = new Uint8Array(32 * SECTOR);
    const { d } = blkDriver(new BufferBackend(disk));
    const a = pattern(3 * SECTOR, 1);
    assert.equal(writeSectors(d, 2, a, [SECTOR, 1000, 3 * SECTOR - 1000 - SECTOR]).status, VIRTIO_BLK_S_OK);
    const b = pattern(4 * SECTOR, 2);
    const w = writeSectors(d, 10, b, [2 * SECTOR, 2 * SECTOR], true);
    assert.equal(w.status, VIRTIO_BLK_S_OK);
    assert.equal(w.len, 1, 'a write only writes the status byte');
    assert.deepEqual(disk.subarray(2 * SECTOR, 5 * SECTOR), a);
    assert.deepEqual(disk.subarray(10 * SECTOR, 14 * SECTOR), b);
    assert.deepEqual(readSectors(d, 2, [3 * SECTOR]).data, a);
    assert.deepEqual(readSectors(d, 10, [SECTOR, 3 * SECTOR], true).data, b);
    assert.ok(disk.subarray(0, 2 * SECTOR).every((x) => x === 0), 'neighbours untouched');
  });

  it('does not depend on the descriptor layout: header, data and status in one buffer each way', () => {
    const disk = pattern(8 * SECTOR);
    const { d } = blkDriver(new BufferBackend(disk));
    // Header split over two descriptors; data and status share one writable descriptor.
    const h = header(VIRTIO_BLK_T_IN, 3);
    const { addrs } = d.submit(0, [{ data: h.subarray(0, 5) }, { data: h.subarray(5) }, { len: SECTOR + 1, write: true }]);
    assert.equal(d.u8(addrs[2] + SECTOR), VIRTIO_BLK_S_OK);
    assert.deepEqual(d.peek(addrs[2], SECTOR), disk.subarray(3 * SECTOR, 4 * SECTOR));
    // A write whose header and data share one readable descriptor.
    const both = new Uint8Array(16 + SECTOR);
    both.set(header(VIRTIO_BLK_T_OUT, 7));
    both.set(pattern(SECTOR, 9), 16);
    const w = d.submit(0, [{ data: both }, { len: 1, write: true }]);
    assert.equal(d.u8(w.addrs[1]), VIRTIO_BLK_S_OK);
    assert.deepEqual(disk.subarray(7 * SECTOR, 8 * SECTOR), pattern(SECTOR, 9));
  });

  it('handles the last sector and refuses to go past the capacity with IOERR', () => {
    const disk = pattern(16 * SECTOR);
    const { d } = blkDriver(new BufferBackend(disk));
    assert.equal(readSectors(d, 15, [SECTOR]).status, VIRTIO_BLK_S_OK);
    for (const [sector, sizes] of [[16, [SECTOR]], [15, [2 * SECTOR]], [1000, [SECTOR]]] as [number, number[]][]) {
      const r = readSectors(d, sector, sizes);
      assert.equal(r.status, VIRTIO_BLK_S_IOERR, `read at ${sector}`);
      assert.equal(r.len, 1);
    }
    const before = disk.slice();
    assert.equal(writeSectors(d, 15, pattern(2 * SECTOR), [2 * SECTOR]).status, VIRTIO_BLK_S_IOERR);
    assert.equal(request(d, VIRTIO_BLK_T_IN, 2n ** 64n - 1n, [{ len: SECTOR, write: true }]).status, VIRTIO_BLK_S_IOERR);
    assert.equal(request(d, VIRTIO_BLK_T_OUT, 2n ** 55n, [{ data: pattern(SECTOR) }]).status, VIRTIO_BLK_S_IOERR);
    assert.deepEqual(disk, before, 'nothing written');
  });

  it('answers IOERR for data that is not whole sectors', () => {
    const { d } = blkDriver(new BufferBackend(pattern(8 * SECTOR)));
    assert.equal(readSectors(d, 0, [100]).status, VIRTIO_BLK_S_IOERR);
    assert.equal(writeSectors(d, 0, pattern(SECTOR + 1), [SECTOR + 1]).status, VIRTIO_BLK_S_IOERR);
  });

  it('flushes the backend', () => {
    let flushes = 0;
    const backend = new BufferBackend(new Uint8Array(8 * SECTOR));
    backend.flush = () => { flushes++; };
    const { d } = blkDriver(backend);
    const r = request(d, VIRTIO_BLK_T_FLUSH, 0, []);
    assert.equal(r.status, VIRTIO_BLK_S_OK);
    assert.equal(r.len, 1);
    assert.equal(flushes, 1);
  });

  it('GET_ID returns the serial NUL-padded to 20 bytes, unterminated at 20', () => {
    const { d } = blkDriver(new BufferBackend(new Uint8Array(SECTOR)), 'ringside-disk');
    const r = request(d, VIRTIO_BLK_T_GET_ID, 0, [{ len: 20, write: true }]);
    assert.equal(r.status, VIRTIO_BLK_S_OK);
    assert.equal(r.len, 21);
    const id = d.peek(r.addrs[0], 20);
    assert.equal(Buffer.from(id.subarray(0, 13)).toString('ascii'), 'ringside-disk');
    assert.ok(id.subarray(13).every((x) => x === 0));

    const long = blkDriver(new BufferBackend(new Uint8Array(SECTOR)), 'abcdefghijklmnopqrstuvwxyz').d;
    const r2 = request(long, VIRTIO_BLK_T_GET_ID, 0, [{ len: 20, write: true }]);
    assert.equal(Buffer.from(long.peek(r2.addrs[0], 20)).toString('ascii'), 'abcdefghijklmnopqrst');

    const none = blkDriver(new BufferBackend(new Uint8Array(SECTOR))).d;
    const r3 = request(none, VIRTIO_BLK_T_GET_ID, 0, [{ len: 20, write: true }]);
    assert.equal(r3.status, VIRTIO_BLK_S_OK);
    assert.ok(none.peek(r3.addrs[0], 20).every((x) => x === 0), 'empty serial, as QEMU without serial=');
  });

  it('answers UNSUPP for request types it does not offer (discard, write zeroes, unknown)', () => {
    const { d } = blkDriver(new BufferBackend(new Uint8Array(8 * SECTOR)));
    for (const type of [11, 13, 10, 0x42]) {
      assert.equal(request(d, type, 0, [{ data: new Uint8Array(16) }]).status, VIRTIO_BLK_S_UNSUPP);
    }
  });

  it('a read-only backend rejects OUT with IOERR and writes nothing, but reads and flushes', () => {
    const disk = pattern(8 * SECTOR);
    const { d } = blkDriver(new BufferBackend(disk, { readOnly: true }));
    const before = disk.slice();
    assert.equal(writeSectors(d, 1, new Uint8Array(SECTOR), [SECTOR]).status, VIRTIO_BLK_S_IOERR);
    assert.deepEqual(disk, before);
    assert.equal(readSectors(d, 1, [SECTOR]).status, VIRTIO_BLK_S_OK);
    assert.equal(request(d, VIRTIO_BLK_T_FLUSH, 0, []).status, VIRTIO_BLK_S_OK);
  });

  it('turns backend exceptions into IOERR', () => {
    const failing: BlockBackend = {
      size: 8 * SECTOR, readOnly: false,
      read() { throw new Error('EIO'); }, write() { throw new Error('ENOSPC'); }, flush() { throw new Error('EIO'); },
    };
    const { d } = blkDriver(failing);
    assert.equal(readSectors(d, 0, [SECTOR]).status, VIRTIO_BLK_S_IOERR);
    assert.equal(writeSectors(d, 0, new Uint8Array(SECTOR), [SECTOR]).status, VIRTIO_BLK_S_IOERR);
    assert.equal(request(d, VIRTIO_BLK_T_FLUSH, 0, []).status, VIRTIO_BLK_S_IOERR);
    assert.ok(!d.needsReset, 'an I/O error is not a guest error');
  });

  it('serves writes through a copy-on-write overlay without touching the base', () => {
    const base = pattern(16 * SECTOR);
    const original = base.slice();
    const { d } = blkDriver(new MemoryBackend(new BufferBackend(base, { readOnly: true })));
    assert.equal(d.deviceFeatures() & VIRTIO_BLK_F_RO, 0n, 'the overlay is writable');
    const data = pattern(3 * SECTOR, 77);
    assert.equal(writeSectors(d, 4, data, [3 * SECTOR]).status, VIRTIO_BLK_S_OK);
    assert.deepEqual(readSectors(d, 3, [5 * SECTOR]).data,
      Uint8Array.from([...original.subarray(3 * SECTOR, 4 * SECTOR), ...data, ...original.subarray(7 * SECTOR, 8 * SECTOR)]));
    assert.deepEqual(base, original);
  });

  it('a request without a header or status byte is a guest error', () => {
    const { d } = blkDriver(new BufferBackend(new Uint8Array(8 * SECTOR)));
    d.submit(0, [{ data: header(VIRTIO_BLK_T_IN, 0).subarray(0, 8) }, { len: 1, write: true }]);
    assert.ok(d.needsReset);
    assert.match(d.dev.lastError ?? '', /lacks its 16-byte header or status byte/);

    const d2 = blkDriver(new BufferBackend(new Uint8Array(8 * SECTOR))).d;
    d2.submit(0, [{ data: header(VIRTIO_BLK_T_FLUSH, 0) }]);
    assert.ok(d2.needsReset);
  });

  it('serves a batch of requests made available before one notification', () => {
    const disk = pattern(8 * SECTOR);
    const { d } = blkDriver(new BufferBackend(disk));
    const reqs = [0, 1, 2].map((s) => d.submit(0, [{ data: header(VIRTIO_BLK_T_IN, s) }, { len: SECTOR, write: true }, { len: 1, write: true }], { notify: false }));
    d.notify(0);
    assert.deepEqual(d.takeUsed(0).map((u) => u.id), reqs.map((r) => r.head));
    reqs.forEach((r, s) => {
      assert.equal(d.u8(r.addrs[2]), VIRTIO_BLK_S_OK);
      assert.deepEqual(d.peek(r.addrs[1], SECTOR), disk.subarray(s * SECTOR, (s + 1) * SECTOR));
    });
    assert.deepEqual(d.irqEdges, [true]);
  });
});
