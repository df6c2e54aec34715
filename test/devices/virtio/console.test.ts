// virtio-console tests: transmit to the host console, host input into receive buffers (held until the
// driver offers some), emergency write, and guest errors on the wrong kind of buffer.

import { strict as assert } from 'assert';
import type { ConsoleIO } from '../../../engine/devices/device';
import {
  CONSOLE_RECEIVEQ as RXQ, CONSOLE_RX_CAPACITY, CONSOLE_TRANSMITQ as TXQ, VirtioConsole, VIRTIO_CONSOLE_F_EMERG_WRITE,
} from '../../../engine/devices/virtio/console';
import { VirtioMmioReg as R } from '../../../engine/devices/virtio/mmio';
import { TestDriver } from './driver';

class RecordingConsole implements ConsoleIO {
  readonly bytes: number[] = [];
  write(byte: number): void { this.bytes.push(byte); }
  get text(): string { return String.fromCharCode(...this.bytes); }
}

function setup() {
  const io = new RecordingConsole();
  const con = new VirtioConsole(io);
  const d = new TestDriver(con);
  return { io, con, d };
}

const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

describe('devices/virtio/VirtioConsole', () => {
  it('is device 3 with two queues and emergency write', () => {
    const { d } = setup();
    assert.equal(d.r(R.DeviceID), 3);
    assert.equal(d.deviceFeatures() & VIRTIO_CONSOLE_F_EMERG_WRITE, VIRTIO_CONSOLE_F_EMERG_WRITE);
    assert.equal(d.dev.queues.length, 2);
  });

  it('writes transmitq buffers to the console and returns them with length 0', () => {
    const { io, d } = setup();
    d.init(8);
    const { head } = d.submit(TXQ, [{ data: ascii('Hello, ') }, { data: ascii('virtio\n') }]);
    assert.equal(io.text, 'Hello, virtio\n');
    assert.deepEqual(d.takeUsed(TXQ), [{ id: head, len: 0 }]);
    d.submit(TXQ, [{ data: ascii('again') }], { indirect: true });
    assert.equal(io.text, 'Hello, virtio\nagain');
  });

  it('delivers host input into receive buffers, splitting it across them', () => {
    const { con, d } = setup();
    d.init(8);
    const a = d.submit(RXQ, [{ len: 4, write: true }]);
    const b = d.submit(RXQ, [{ len: 2, write: true }, { len: 8, write: true }]);
    assert.deepEqual(d.takeUsed(RXQ), [], 'nothing to deliver yet');
    assert.equal(con.input(ascii('abcdefgh')), 8);
    assert.deepEqual(d.takeUsed(RXQ), [{ id: a.head, len: 4 }, { id: b.head, len: 4 }]);
    assert.equal(Buffer.from(d.peek(a.addrs[0], 4)).toString(), 'abcd');
    assert.equal(Buffer.from(d.peek(b.addrs[0], 2)).toString(), 'ef');
    assert.equal(Buffer.from(d.peek(b.addrs[1], 2)).toString(), 'gh');
    assert.equal(d.irq, true);
    assert.equal(con.pendingInput, 0);
  });

  it('holds input until the driver offers receive buffers', () => {
    const { con, d } = setup();
    con.input(ascii('early'));
    assert.equal(con.pendingInput, 5);
    d.init(8);
    const r = d.submit(RXQ, [{ len: 3, write: true }]);
    assert.deepEqual(d.takeUsed(RXQ), [{ id: r.head, len: 3 }]);
    assert.equal(Buffer.from(d.peek(r.addrs[0], 3)).toString(), 'ear');
    assert.equal(con.pendingInput, 2);
    const r2 = d.submit(RXQ, [{ len: 16, write: true }]);
    assert.deepEqual(d.takeUsed(RXQ), [{ id: r2.head, len: 2 }]);
    assert.equal(Buffer.from(d.peek(r2.addrs[0], 2)).toString(), 'ly');
  });

  it('keeps at most CONSOLE_RX_CAPACITY bytes of input', () => {
    const { con } = setup();
    assert.equal(con.input(new Uint8Array(CONSOLE_RX_CAPACITY + 10)), CONSOLE_RX_CAPACITY);
    assert.equal(con.input(ascii('x')), 0);
  });

  it('prints bytes written to emerg_wr, even on an unconfigured device', () => {
    const { io, d } = setup();
    d.dev.write(0x100 + 8, 4, 0x4121); // low byte only
    d.dev.write(0x100 + 8, 1, 0x42);
    assert.equal(io.text, '!B');
    assert.equal(d.dev.read(0x100 + 8, 4), 0);
  });

  it('a device-readable buffer in the receiveq is a guest error', () => {
    const { con, d } = setup();
    d.init(8);
    con.input(ascii('z'));
    d.submit(RXQ, [{ data: ascii('oops') }]);
    assert.ok(d.needsReset);
    assert.match(d.dev.lastError ?? '', /receive buffer is not device-writable/);
    assert.equal(con.pendingInput, 1, 'the input is kept');
  });
});
