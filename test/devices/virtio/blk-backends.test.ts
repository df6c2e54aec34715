// Block backend tests: the in-memory disk, the copy-on-write overlay, and raw image files on the host
// (validation messages, write-through persistence, overlay mode) including virtio-blk end to end.

import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BlockBackend, BufferBackend, MemoryBackend, OVERLAY_CHUNK } from '../../../engine/devices/virtio/blk-backends';
import { VIRTIO_BLK_F_RO, VIRTIO_BLK_S_IOERR, VIRTIO_BLK_S_OK, VIRTIO_BLK_T_FLUSH } from '../../../engine/devices/virtio/blk';
import { openFileBackend } from '../../../engine/devices/virtio/file-backend';
import { SECTOR, blkDriver, pattern, readSectors, request, writeSectors } from './blk-helpers';


function readAll(b: BlockBackend, offset = 0, len = b.size - offset): Uint8Array {
  const out = new Uint8Array(len);
  b.read(offset, out);
  return out;
}

describe('devices/virtio/blk backends', () => {
  describe('BufferBackend', () => {
    it('reads and writes in place, and checks bounds', () => {
      const bytes = pattern(4 * SECTOR);
      const b = new BufferBackend(bytes);
      assert.equal(b.size, 4 * SECTOR);
      assert.deepEqual(readAll(b, 10, 20), bytes.slice(10, 30));
      b.write(100, Uint8Array.of(1, 2, 3));
      assert.deepEqual([...bytes.subarray(100, 103)], [1, 2, 3]);
      assert.throws(() => b.read(4 * SECTOR - 1, new Uint8Array(2)), RangeError);
      assert.throws(() => b.write(-1, new Uint8Array(1)), RangeError);
    });

    it('refuses writes when read-only', () => {
      const b = new BufferBackend(new Uint8Array(SECTOR), { readOnly: true });
      assert.equal(b.readOnly, true);
      assert.throws(() => b.write(0, new Uint8Array(1)), /read-only/);
    });
  });

  describe('MemoryBackend (copy-on-write overlay)', () => {
    const SIZE = 5 * OVERLAY_CHUNK + 3 * SECTOR; // a partial last chunk

    function overlay() {
      const baseBytes = pattern(SIZE);
      const original = baseBytes.slice();
      const base = new BufferBackend(baseBytes, { readOnly: true });
      return { base, baseBytes, original, mem: new MemoryBackend(base) };
    }

    it('reads the base until written', () => {
      const { mem, original } = overlay();
      assert.equal(mem.size, SIZE);
      assert.equal(mem.readOnly, false);
      assert.deepEqual(readAll(mem), original);
      assert.equal(mem.overlayBytes, 0);
    });

    it('keeps writes in memory, visible to reads, and leaves the base unchanged', () => {
      const { mem, baseBytes, original } = overlay();
      const expected = original.slice();
      const writes: [number, Uint8Array][] = [
        [OVERLAY_CHUNK - 3, pattern(10, 1)], // straddles chunks 0 and 1
        [2 * OVERLAY_CHUNK, pattern(OVERLAY_CHUNK, 2)], // exactly chunk 2
        [SIZE - 7, pattern(7, 3)], // end of the partial last chunk
        [OVERLAY_CHUNK + 100, pattern(5, 4)], // rewrite inside an overlaid chunk
      ];
      for (const [off, data] of writes) {
        mem.write(off, data);
        expected.set(data, off);
      }
      assert.deepEqual(readAll(mem), expected);
      for (const off of [0, 1, OVERLAY_CHUNK - 5, 3 * OVERLAY_CHUNK - 1, SIZE - 20]) {
        assert.deepEqual(readAll(mem, off, 20), expected.subarray(off, off + 20), `read at ${off}`);
      }
      assert.deepEqual(baseBytes, original, 'base untouched');
      assert.equal(mem.overlayBytes, 3 * OVERLAY_CHUNK + 3 * SECTOR);
    });

    it('checks bounds and can itself be read-only', () => {
      const { base } = overlay();
      const mem = new MemoryBackend(base);
      assert.throws(() => mem.write(SIZE - 1, new Uint8Array(2)), RangeError);
      assert.throws(() => mem.read(SIZE, new Uint8Array(1)), RangeError);
      assert.throws(() => new MemoryBackend(base, { readOnly: true }).write(0, new Uint8Array(1)), /read-only/);
    });

    it('flush does not reach the base; close releases it', () => {
      let closed = 0;
      const base = new BufferBackend(new Uint8Array(SECTOR));
      base.flush = () => assert.fail('the overlay must not flush the base');
      (base as BlockBackend).close = () => { closed++; };
      const mem = new MemoryBackend(base);
      mem.write(0, Uint8Array.of(1));
      mem.flush();
      mem.close();
      assert.equal(closed, 1);
    });
  });

  describe('openFileBackend (host files)', () => {
    let dir: string;
    const tmp = (name: string, bytes: Uint8Array): string => {
      const p = path.join(dir, name);
      fs.writeFileSync(p, bytes);
      return p;
    };
    const oneLine = (re: RegExp) => (e: unknown) => {
      assert.ok(e instanceof Error);
      assert.doesNotMatch(e.message, /\n/);
      assert.match(e.message, re);
      return true;
    };

    beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringside-blk-')); });
    afterEach(() => { fs.rmSync(dir, { recursive: true, force: true }); });

    it('reads a raw image', () => {
      const bytes = pattern(8 * SECTOR);
      const file = openFileBackend(tmp('disk.img', bytes), { writeThrough: true });
      try {
        assert.equal(file.size, 8 * SECTOR);
        assert.equal(file.readOnly, false);
        assert.deepEqual(readAll(file), bytes);
        assert.deepEqual(readAll(file, 1000, 30), bytes.subarray(1000, 1030));
        assert.throws(() => file.read(8 * SECTOR - 1, new Uint8Array(2)), RangeError);
      } finally {
        file.close();
      }
    });

    it('with writeThrough, persists guest writes to the file (through virtio-blk)', () => {
      const p = tmp('disk.img', pattern(16 * SECTOR));
      const file = openFileBackend(p, { writeThrough: true });
      const { d } = blkDriver(file);
      const data = pattern(2 * SECTOR, 42);
      assert.equal(writeSectors(d, 3, data, [SECTOR, SECTOR], true).status, VIRTIO_BLK_S_OK);
      assert.equal(request(d, VIRTIO_BLK_T_FLUSH, 0, []).status, VIRTIO_BLK_S_OK);
      assert.deepEqual(readSectors(d, 3, [2 * SECTOR]).data, data);
      file.close();
      const onDisk = new Uint8Array(fs.readFileSync(p));
      assert.deepEqual(onDisk.subarray(3 * SECTOR, 5 * SECTOR), data);
      assert.deepEqual(onDisk.subarray(0, 3 * SECTOR), pattern(16 * SECTOR).subarray(0, 3 * SECTOR));
    });

    it('without writeThrough, keeps writes in an overlay and leaves the file unchanged', () => {
      const original = pattern(16 * SECTOR);
      const p = tmp('disk.img', original);
      const file = openFileBackend(p, { writeThrough: false });
      assert.ok(file instanceof MemoryBackend);
      const { d } = blkDriver(file);
      const data = pattern(SECTOR, 5);
      assert.equal(writeSectors(d, 0, data, [SECTOR]).status, VIRTIO_BLK_S_OK);
      assert.deepEqual(readSectors(d, 0, [SECTOR]).data, data, 'the guest sees its write');
      file.close();
      assert.deepEqual(new Uint8Array(fs.readFileSync(p)), original);
    });

    it('readOnly shows the guest a read-only disk that refuses writes', () => {
      const original = pattern(4 * SECTOR);
      const p = tmp('disk.img', original);
      const file = openFileBackend(p, { writeThrough: true, readOnly: true });
      const { d } = blkDriver(file);
      assert.equal(d.deviceFeatures() & VIRTIO_BLK_F_RO, VIRTIO_BLK_F_RO);
      assert.equal(writeSectors(d, 0, new Uint8Array(SECTOR), [SECTOR]).status, VIRTIO_BLK_S_IOERR);
      assert.equal(request(d, VIRTIO_BLK_T_FLUSH, 0, []).status, VIRTIO_BLK_S_OK);
      file.close();
      assert.deepEqual(new Uint8Array(fs.readFileSync(p)), original);
    });

    it('rejects an image whose size is not whole 512-byte sectors, in one line naming the file', () => {
      for (const size of [1000, 513, 511]) {
        const p = tmp(`odd-${size}.img`, new Uint8Array(size));
        assert.throws(() => openFileBackend(p, { writeThrough: false }),
          oneLine(new RegExp(`drive image '${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}' is ${size} bytes, not a whole number of 512-byte sectors`)));
      }
    });

    it('rejects a truncated image (an odd size after truncation)', () => {
      const p = tmp('cut.img', pattern(8 * SECTOR));
      fs.truncateSync(p, 8 * SECTOR - 100);
      assert.throws(() => openFileBackend(p, { writeThrough: true }), oneLine(/cut\.img' is 3996 bytes, not a whole number/));
    });

    it('rejects a missing file, a directory and an empty file', () => {
      assert.throws(() => openFileBackend(path.join(dir, 'nope.img'), { writeThrough: false }), oneLine(/nope\.img': no such file/));
      assert.throws(() => openFileBackend(dir, { writeThrough: false }), oneLine(/is not a regular file/));
      assert.throws(() => openFileBackend(tmp('empty.img', new Uint8Array(0)), { writeThrough: false }), oneLine(/empty\.img' is empty/));
    });

    it('reports an I/O error (IOERR) when the file shrinks under the guest', () => {
      const p = tmp('disk.img', pattern(8 * SECTOR));
      const file = openFileBackend(p, { writeThrough: true });
      fs.truncateSync(p, 2 * SECTOR);
      const { d } = blkDriver(file);
      assert.equal(readSectors(d, 4, [SECTOR]).status, VIRTIO_BLK_S_IOERR);
      file.close();
    });
  });
});
