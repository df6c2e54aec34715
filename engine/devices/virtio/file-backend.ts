// Host-side disk images for virtio-blk (the CLI's --drive): synchronous `fs` access to a raw image file.
// The only engine file that imports `fs`; workers and tests use blk-backends.ts instead.

import * as fs from 'fs';
import { BlockBackend, MemoryBackend } from './blk-backends';

export const SECTOR_SIZE = 512;

export interface FileBackendOptions {
  /** Guest writes go to the file. Without it they go to an in-memory overlay and are lost at exit. */
  writeThrough: boolean;
  /** The guest sees a read-only disk (VIRTIO_BLK_F_RO); the file is opened read-only. */
  readOnly?: boolean;
}

/** A raw image file, read and written in place. */
export class FileBackend implements BlockBackend {
  private fd: number | undefined;

  constructor(readonly path: string, fd: number, readonly size: number, readonly readOnly: boolean) {
    this.fd = fd;
  }

  read(offset: number, into: Uint8Array): void {
    this.check(offset, into.length);
    let pos = 0;
    while (pos < into.length) {
      const n = fs.readSync(this.openFd(), into, pos, into.length - pos, offset + pos);
      if (n === 0) throw new Error(`drive image '${this.path}' ended at byte ${offset + pos}: was it truncated?`);
      pos += n;
    }
  }

  write(offset: number, data: Uint8Array): void {
    if (this.readOnly) throw new Error(`drive image '${this.path}' is read-only`);
    this.check(offset, data.length);
    let pos = 0;
    while (pos < data.length) pos += fs.writeSync(this.openFd(), data, pos, data.length - pos, offset + pos);
  }

  flush(): void {
    if (!this.readOnly) fs.fsyncSync(this.openFd());
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }

  private openFd(): number {
    if (this.fd === undefined) throw new Error(`drive image '${this.path}' is closed`);
    return this.fd;
  }

  private check(offset: number, len: number): void {
    if (!Number.isInteger(offset) || offset < 0 || offset + len > this.size) {
      throw new RangeError(`block access [${offset}, ${offset + len}) is outside '${this.path}' (${this.size} bytes)`);
    }
  }
}

/** Opens a raw disk image. Errors are one line naming the file, ready for the CLI to print:
 *  missing file, not a regular file, empty, or a size that is not a whole number of 512-byte sectors.
 *  - writeThrough: guest writes change the file (flush = fsync).
 *  - otherwise: the file is only read; writes land in a MemoryBackend overlay (copy-on-write).
 *  - readOnly: the guest sees a read-only disk and nothing can be written at all. */
export function openFileBackend(path: string, opts: FileBackendOptions): BlockBackend & { close(): void } {
  let st: fs.Stats;
  try {
    st = fs.statSync(path);
  } catch (e) {
    throw new Error(`drive image '${path}': ${describe(e)}`);
  }
  if (!st.isFile()) throw new Error(`drive image '${path}' is not a regular file`);
  if (st.size === 0) throw new Error(`drive image '${path}' is empty`);
  if (st.size % SECTOR_SIZE !== 0) {
    throw new Error(`drive image '${path}' is ${st.size} bytes, not a whole number of ${SECTOR_SIZE}-byte sectors`);
  }
  const readOnly = opts.readOnly ?? false;
  const writable = opts.writeThrough && !readOnly;
  let fd: number;
  try {
    fd = fs.openSync(path, writable ? 'r+' : 'r');
  } catch (e) {
    throw new Error(`drive image '${path}': cannot open for ${writable ? 'writing' : 'reading'}: ${describe(e)}`);
  }
  const file = new FileBackend(path, fd, st.size, !writable);
  if (writable || readOnly) return file;
  return new MemoryBackend(file);
}

function describe(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT': return 'no such file';
    case 'EACCES': case 'EPERM': return 'permission denied';
    case 'EISDIR': return 'is a directory';
    case 'EROFS': return 'read-only file system';
    default: return code ?? String((e as Error).message ?? e).split('\n')[0];
  }
}
