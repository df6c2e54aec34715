// Helpers for virtio-blk tests: disk patterns and requests sent through the test driver.

import { strict as assert } from 'assert';
import type { BlockBackend } from '../../../engine/devices/virtio/blk-backends';
import { VirtioBlk, VIRTIO_BLK_T_IN, VIRTIO_BLK_T_OUT } from '../../../engine/devices/virtio/blk';
import { Buf, TestDriver } from './driver';

export const SECTOR = 512;

export function pattern(len: number, seed = 0): Uint8Array {
  const b = new Uint8Array(len);
  for (let i = 0; i < len; i++) b[i] = (i * 7 + Math.floor(i / SECTOR) * 13 + seed) & 0xff;
  return b;
}

export function header(type: number, sector: number | bigint): Uint8Array {
  const h = new Uint8Array(16);
  const v = new DataView(h.buffer);
  v.setUint32(0, type, true);
  v.setBigUint64(8, BigInt(sector), true);
  return h;
}

export function blkDriver(backend: BlockBackend, serial?: string) {
  const blk = new VirtioBlk(backend, { serial });
  const d = new TestDriver(blk);
  d.init(16);
  return { blk, d };
}

/** Sends one request: the header, then `data` buffers, then a separate 1-byte status buffer. */
export function request(d: TestDriver, type: number, sector: number | bigint, data: Buf[], indirect = false) {
  const bufs: Buf[] = [{ data: header(type, sector) }, ...data, { len: 1, write: true }];
  const { head, addrs } = d.submit(0, bufs, { indirect });
  const used = d.takeUsed(0);
  assert.equal(used.length, 1, 'one used entry');
  assert.equal(used[0].id, head);
  d.ack();
  return { status: d.u8(addrs[addrs.length - 1]), len: used[0].len, addrs: addrs.slice(1, -1) };
}

/** Reads from `sector` into writable buffers of the given sizes; `data` is their concatenation. */
export function readSectors(d: TestDriver, sector: number, sizes: number[], indirect = false) {
  const r = request(d, VIRTIO_BLK_T_IN, sector, sizes.map((len) => ({ len, write: true as const })), indirect);
  const out = new Uint8Array(sizes.reduce((a, b) => a + b, 0));
  let at = 0;
  r.addrs.forEach((a, i) => { out.set(d.peek(a, sizes[i]), at); at += sizes[i]; });
  return { ...r, data: out };
}

export function writeSectors(d: TestDriver, sector: number, data: Uint8Array, pieces: number[], indirect = false) {
  const bufs: Buf[] = [];
  let at = 0;
  for (const n of pieces) { bufs.push({ data: data.subarray(at, at + n) }); at += n; }
  return request(d, VIRTIO_BLK_T_OUT, sector, bufs, indirect);
}
