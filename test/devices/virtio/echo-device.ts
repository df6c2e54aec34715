// A test virtio device: copies each request's readable bytes into its writable part, and records calls.

import type { VirtioDevice, VirtioHost } from '../../../engine/devices/virtio/mmio';
import type { Virtqueue } from '../../../engine/devices/virtio/virtqueue';

export class EchoDevice implements VirtioDevice {
  readonly deviceId = 0x2a;
  readonly features = (1n << 0n) | (1n << 5n);
  readonly numQueues = 2;
  readonly queueMaxSize: number;
  readonly config = Uint8Array.from([0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]);
  readonly notifies: number[] = [];
  /** Readable bytes of every request served. */
  readonly requests: Uint8Array[] = [];
  resets = 0;
  host: VirtioHost | undefined;

  constructor(queueMaxSize = 64) {
    this.queueMaxSize = queueMaxSize;
  }

  bind(host: VirtioHost): void { this.host = host; }

  configRead(offset: number, width: 1 | 2 | 4): number {
    let v = 0;
    for (let i = width - 1; i >= 0; i--) v = v * 256 + (this.config[offset + i] ?? 0);
    return v;
  }

  configWrite(offset: number, width: 1 | 2 | 4, value: number): void {
    for (let i = 0; i < width; i++) if (offset + i < this.config.length) this.config[offset + i] = (value >>> (8 * i)) & 0xff;
  }

  queueNotify(q: number, vq: Virtqueue): void {
    this.notifies.push(q);
    for (let chain = vq.pop(); chain; chain = vq.pop()) {
      const data = chain.read(0, chain.readableLength)!;
      this.requests.push(data);
      const n = Math.min(data.length, chain.writableLength);
      chain.write(0, data.subarray(0, n));
      vq.push(chain, n);
    }
  }

  reset(): void { this.resets++; }
}
