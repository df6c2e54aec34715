// virtio-console (VIRTIO 1.2 §5.3, device ID 3) with a single port: transmitq bytes go to the host console,
// host input fills the driver's receive buffers. Also offers emergency write for early boot output.

import type { ConsoleIO } from '../device';
import type { VirtioDevice, VirtioHost } from './mmio';
import type { Virtqueue } from './virtqueue';

export const VIRTIO_ID_CONSOLE = 3;
/** §5.3.3: emerg_wr in the configuration space prints one byte, even before the queues exist. */
export const VIRTIO_CONSOLE_F_EMERG_WRITE = 1n << 2n;
/** §5.3.2: port 0's queues; the control queues exist only with MULTIPORT, which is not offered. */
export const CONSOLE_RECEIVEQ = 0;
export const CONSOLE_TRANSMITQ = 1;
/** Host input kept while the driver has no receive buffers, as large as the UART's. */
export const CONSOLE_RX_CAPACITY = 4096;

// §5.3.4 struct virtio_console_config: two le16 size fields, max_nr_ports (le32), emerg_wr (le32).
const CFG_EMERG_WR = 8;

export class VirtioConsole implements VirtioDevice {
  readonly deviceId = VIRTIO_ID_CONSOLE;
  readonly features = VIRTIO_CONSOLE_F_EMERG_WRITE;
  readonly numQueues = 2;
  readonly queueMaxSize = 64;
  private host: VirtioHost | undefined;
  private readonly rx = new Uint8Array(CONSOLE_RX_CAPACITY);
  private rxHead = 0;
  private rxCount = 0;

  constructor(private readonly io: ConsoleIO) {}

  bind(host: VirtioHost): void {
    this.host = host;
  }

  /** Queues host keyboard input for the guest; returns how many bytes fit (the rest are dropped). */
  input(bytes: ArrayLike<number>): number {
    let accepted = 0;
    for (let i = 0; i < bytes.length && this.rxCount < CONSOLE_RX_CAPACITY; i++, accepted++) {
      this.rx[(this.rxHead + this.rxCount) % CONSOLE_RX_CAPACITY] = bytes[i] & 0xff;
      this.rxCount++;
    }
    const vq = this.host?.queue(CONSOLE_RECEIVEQ);
    if (vq) this.deliver(vq);
    return accepted;
  }

  /** Bytes of input the guest has not taken yet. */
  get pendingInput(): number {
    return this.rxCount;
  }

  /** Size and port count are not offered and emerg_wr is write-only, so everything reads 0. */
  configRead(): number {
    return 0;
  }

  configWrite(offset: number, _width: 1 | 2 | 4, value: number): void {
    // §5.3.5.1: allowed at any time, even on an unconfigured device; the low byte is the character.
    if (offset === CFG_EMERG_WR) this.io.write(value & 0xff);
  }

  queueNotify(q: number, vq: Virtqueue): void {
    if (q === CONSOLE_TRANSMITQ) this.transmit(vq);
    else if (q === CONSOLE_RECEIVEQ) this.deliver(vq);
  }

  /** Host input survives a guest reset: it was typed for whoever reads the console next. */
  reset(): void {}

  private transmit(vq: Virtqueue): void {
    for (let chain = vq.pop(); chain; chain = vq.pop()) {
      const bytes = chain.read(0, chain.readableLength);
      if (!bytes) { vq.fail('virtio-console transmit buffer unreadable'); return; }
      for (const b of bytes) this.io.write(b);
      vq.push(chain, 0);
    }
  }

  private deliver(vq: Virtqueue): void {
    while (this.rxCount > 0) {
      const chain = vq.pop();
      if (!chain) return;
      // §5.3.6.1: receive buffers are device-writable.
      if (chain.writableLength === 0) { vq.fail('virtio-console receive buffer is not device-writable'); return; }
      const n = Math.min(this.rxCount, chain.writableLength);
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = this.rx[(this.rxHead + i) % CONSOLE_RX_CAPACITY];
      if (!chain.write(0, out)) { vq.fail('virtio-console receive buffer unwritable'); return; }
      this.rxHead = (this.rxHead + n) % CONSOLE_RX_CAPACITY;
      this.rxCount -= n;
      vq.push(chain, n);
    }
  }
}
