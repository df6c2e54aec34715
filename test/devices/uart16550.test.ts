// Unit tests for the 16550 UART: transmit, receive, interrupts and IIR priorities, DLAB, FIFO, loopback.

import { strict as assert } from 'assert';
import type { ConsoleIO } from '../../engine/devices/device';
import { UART_RX_CAPACITY, Uart16550 } from '../../engine/devices/uart16550';

const RBR = 0, THR = 0, DLL = 0, IER = 1, DLM = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7;

class RecordingConsole implements ConsoleIO {
  readonly bytes: number[] = [];
  write(byte: number): void {
    this.bytes.push(byte);
  }
  get text(): string {
    return String.fromCharCode(...this.bytes);
  }
}

function setup() {
  const console = new RecordingConsole();
  const irqs: boolean[] = [];
  const uart = new Uart16550(console, (level) => irqs.push(level));
  const r = (offset: number) => uart.read(offset, 1);
  const w = (offset: number, value: number) => uart.write(offset, 1, value);
  return { uart, console, irqs, r, w };
}

describe('devices/Uart16550', () => {
  it('has the name and window of QEMU virt uart0', () => {
    const { uart } = setup();
    assert.equal(uart.name, 'uart0');
    assert.equal(uart.size, 0x100);
  });

  it('transmits THR writes to the console at once, THRE and TEMT staying set', () => {
    const { console, r, w, irqs } = setup();
    assert.equal(r(LSR), 0x60);
    for (const c of 'Hi\n') w(THR, c.charCodeAt(0));
    assert.deepEqual(console.bytes, [0x48, 0x69, 0x0a]);
    assert.equal(console.text, 'Hi\n');
    assert.equal(r(LSR), 0x60);
    assert.deepEqual(irqs, [], 'no interrupt with IER = 0');
  });

  it('uses only the low byte of a written value', () => {
    const { console, uart } = setup();
    uart.write(THR, 4, 0x1234_5641);
    assert.deepEqual(console.bytes, [0x41]);
  });

  it('receives queued input in order, with DR while data remains', () => {
    const { uart, r } = setup();
    assert.equal(uart.pushInput([0x61, 0x62, 0x363]), 3);
    assert.equal(r(LSR), 0x61, 'DR | THRE | TEMT');
    assert.equal(r(RBR), 0x61);
    assert.equal(r(RBR), 0x62);
    assert.equal(r(LSR) & 1, 1);
    assert.equal(r(RBR), 0x63, 'masked to a byte');
    assert.equal(r(LSR), 0x60);
    assert.equal(r(RBR), 0, 'empty receiver reads 0');
  });

  it('raises the line when ERBFI is enabled with data waiting and lowers it when RBR is drained', () => {
    const { uart, irqs, r, w } = setup();
    uart.pushInput(Buffer.from('ok'));
    assert.deepEqual(irqs, [], 'IER = 0 masks the interrupt');
    assert.equal(r(IIR), 0x01, 'no interrupt pending');
    w(IER, 0x01);
    assert.deepEqual(irqs, [true]);
    assert.equal(uart.irq, true);
    assert.equal(r(IIR), 0x04, 'received data available');
    assert.equal(r(RBR), 0x6f);
    assert.deepEqual(irqs, [true], 'still one byte waiting');
    assert.equal(r(RBR), 0x6b);
    assert.deepEqual(irqs, [true, false]);
    assert.equal(uart.irq, false);
    assert.equal(r(IIR), 0x01);
    uart.pushInput([0x0d]);
    assert.deepEqual(irqs, [true, false, true], 'new input raises it again');
    w(IER, 0);
    assert.deepEqual(irqs, [true, false, true, false], 'disabling ERBFI lowers it');
  });

  it('routes offsets 0 and 1 to the divisor latch while DLAB is set', () => {
    const { uart, console, r, w } = setup();
    w(IER, 0x05);
    w(LCR, 0x83);
    w(DLL, 0x03);
    w(DLM, 0x01);
    assert.equal(r(DLL), 0x03);
    assert.equal(r(DLM), 0x01);
    assert.equal(uart.divisor, 0x103);
    assert.deepEqual(console.bytes, [], 'DLL write did not transmit');
    assert.equal(r(LCR), 0x83);
    w(LCR, 0x03);
    assert.equal(r(IER), 0x05, 'IER untouched by DLM write');
    assert.equal(r(LCR), 0x03);
    uart.pushInput([0x7a]);
    assert.equal(r(RBR), 0x7a);
    w(THR, 0x21);
    assert.deepEqual(console.bytes, [0x21]);
    assert.equal(uart.divisor, 0x103, 'divisor kept after DLAB cleared');
  });

  it('keeps only the four defined IER bits', () => {
    const { r, w } = setup();
    w(IER, 0xff);
    assert.equal(r(IER), 0x0f);
  });

  it('raises THRE when ETBEI is enabled, clears it on IIR read and re-raises it after each THR write', () => {
    const { irqs, console, r, w } = setup();
    w(IER, 0x02);
    assert.deepEqual(irqs, [true]);
    assert.equal(r(IIR), 0x02);
    assert.deepEqual(irqs, [true, false], 'reading IIR acknowledged THRE');
    assert.equal(r(IIR), 0x01);
    w(THR, 0x78);
    assert.deepEqual(console.bytes, [0x78]);
    assert.deepEqual(irqs, [true, false, true]);
    w(IER, 0x02);
    assert.deepEqual(irqs, [true, false, true], 'rewriting the same IER does not toggle the line');
  });

  it('reports causes in 16550 priority order: line status, data, THRE, modem status', () => {
    const { uart, irqs, r, w } = setup();
    w(IER, 0x0f);
    assert.equal(r(IIR), 0x02, 'THRE alone');
    // Loopback with only RTS: DSR and DCD drop relative to the connected defaults -> modem status deltas.
    w(MCR, 0x12);
    uart.pushInput(new Uint8Array(UART_RX_CAPACITY + 1).fill(0x55));
    w(IER, 0x0d);
    w(IER, 0x0f); // re-enable ETBEI: THRE pending again
    assert.equal(r(IIR), 0x06, 'receiver line status (overrun) first');
    assert.equal(r(LSR), 0x63, 'DR | OE | THRE | TEMT');
    assert.equal(r(LSR), 0x61, 'OE cleared by the read');
    assert.equal(r(IIR), 0x04, 'then received data');
    for (let i = 0; i < UART_RX_CAPACITY; i++) r(RBR);
    assert.equal(r(IIR), 0x02, 'then THRE (and this read clears it)');
    assert.equal(uart.irq, true);
    assert.equal(r(IIR), 0x00, 'then modem status');
    assert.equal(r(MSR), 0x1a, 'CTS | DDCD | DDSR');
    assert.equal(r(IIR), 0x01, 'nothing left');
    assert.equal(uart.irq, false);
    assert.equal(irqs[irqs.length - 1], false);
    assert.equal(r(MSR), 0x10, 'deltas cleared by the read');
  });

  it('does not report a cause whose IER bit is clear', () => {
    const { uart, r, w } = setup();
    uart.pushInput(new Uint8Array(UART_RX_CAPACITY + 1));
    w(IER, 0x01);
    assert.equal(r(IIR), 0x04, 'overrun pending but ELSI clear');
    w(IER, 0x04);
    assert.equal(r(IIR), 0x06);
  });

  it('flags overrun once the receive buffer is full and keeps the data already queued', () => {
    const { uart, r } = setup();
    const bytes = Array.from({ length: UART_RX_CAPACITY + 3 }, (_, i) => i & 0xff);
    assert.equal(uart.pushInput(bytes), UART_RX_CAPACITY);
    assert.equal(r(LSR) & 0x02, 0x02);
    assert.equal(r(LSR) & 0x02, 0, 'OE is cleared by reading LSR');
    assert.equal(r(RBR), 0);
    assert.equal(r(RBR), 1);
    assert.equal(uart.pushInput([0xaa, 0xbb]), 2, 'room again after reading');
    assert.equal(r(LSR) & 0x02, 0);
  });

  it('enables FIFOs through FCR: IIR top bits, trigger level, character timeout, flush', () => {
    const { uart, r, w } = setup();
    w(IER, 0x01);
    w(FCR, 0xc1); // FIFO on, trigger level 14
    assert.equal(r(IIR), 0xc1, 'FIFOs enabled, no interrupt');
    uart.pushInput([1]);
    assert.equal(r(IIR), 0xcc, 'below the trigger level: character timeout');
    uart.pushInput(new Uint8Array(13));
    assert.equal(r(IIR), 0xc4, 'at the trigger level: data available');
    w(FCR, 0x43); // trigger 4, clear RX
    assert.equal(r(LSR) & 1, 0, 'receive FIFO flushed');
    assert.equal(uart.irq, false);
    uart.pushInput([1, 2, 3, 4]);
    assert.equal(r(IIR), 0xc4, 'trigger level 4 reached');
    w(FCR, 0x00);
    assert.equal(r(IIR), 0x01, 'FIFOs off: top bits clear, disabling flushed the data');
    assert.equal(r(LSR), 0x60);
  });

  it('loops THR back to RBR and modem outputs to inputs in loopback mode', () => {
    const { console, r, w } = setup();
    w(MCR, 0x1a); // LOOP | OUT2 | RTS, as Linux's 8250 probe does
    assert.equal(r(MSR) & 0xf0, 0x90, 'DCD | CTS');
    w(MCR, 0x1f);
    assert.equal(r(MSR) & 0xf0, 0xf0);
    w(THR, 0x5a);
    assert.deepEqual(console.bytes, [], 'looped back, not sent');
    assert.equal(r(LSR) & 1, 1);
    assert.equal(r(RBR), 0x5a);
    w(MCR, 0x0b);
    assert.equal(r(MCR), 0x0b);
    assert.equal(r(MSR) & 0xf0, 0xb0, 'connected again: DCD | DSR | CTS');
    w(THR, 0x5b);
    assert.deepEqual(console.bytes, [0x5b]);
  });

  it('reports the trailing edge of RI only', () => {
    const { r, w } = setup();
    w(MCR, 0x10);
    r(MSR);
    w(MCR, 0x14); // OUT1 -> RI rises
    assert.equal(r(MSR) & 0x0f, 0, 'rising RI is not a TERI event');
    w(MCR, 0x10); // RI falls
    assert.equal(r(MSR) & 0x0f, 0x04);
  });

  it('keeps SCR as scratch storage', () => {
    const { r, w } = setup();
    w(SCR, 0xa5);
    assert.equal(r(SCR), 0xa5);
  });

  it('never throws on garbage and reads 0 past the eight registers', () => {
    const { uart } = setup();
    let seed = 12345;
    const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0);
    for (let i = 0; i < 5000; i++) {
      const offset = rand() % 0x100;
      const width = ([1, 2, 4] as const)[rand() % 3];
      if (rand() & 1) uart.write(offset, width, rand());
      else {
        const v = uart.read(offset, width);
        assert.ok(Number.isInteger(v) && v >= 0 && v <= 0xff);
      }
    }
    uart.write(LCR, 1, 0);
    assert.equal(uart.read(0x08, 1), 0);
    assert.equal(uart.read(0xff, 1), 0);
  });

  it('reset returns to power-on state and lowers the line', () => {
    const { uart, irqs, r, w } = setup();
    w(IER, 0x01);
    uart.pushInput([1]);
    w(SCR, 9);
    uart.reset();
    assert.deepEqual(irqs, [true, false]);
    assert.equal(r(IER), 0);
    assert.equal(r(SCR), 0);
    assert.equal(r(LSR), 0x60);
  });
});
