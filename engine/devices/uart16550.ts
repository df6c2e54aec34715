// NS16550A UART as on QEMU's virt board (byte-wide registers at 0x1000_0000): console out, host input in.

import type { ConsoleIO, MmioDevice } from './device';

// Register offsets (register stride 1, as QEMU maps it with regshift 0).
const RBR_THR_DLL = 0;
const IER_DLM = 1;
const IIR_FCR = 2;
const LCR = 3;
const MCR = 4;
const LSR = 5;
const MSR = 6;
const SCR = 7;

const IER_ERBFI = 0x01; // received data available
const IER_ETBEI = 0x02; // transmitter holding register empty
const IER_ELSI = 0x04; // receiver line status
const IER_EDSSI = 0x08; // modem status

// IIR interrupt identification, in the datasheet's priority order.
const IIR_NONE = 0x01;
const IIR_RLS = 0x06;
const IIR_RDA = 0x04;
const IIR_CTI = 0x0c;
const IIR_THRE = 0x02;
const IIR_MS = 0x00;
const IIR_FIFOS_ENABLED = 0xc0;

const FCR_ENABLE = 0x01;
const FCR_CLEAR_RX = 0x02;
const FCR_TRIGGER_MASK = 0xc0;

const LCR_DLAB = 0x80;

const MCR_DTR = 0x01;
const MCR_RTS = 0x02;
const MCR_OUT1 = 0x04;
const MCR_OUT2 = 0x08;
const MCR_LOOP = 0x10;

const LSR_DR = 0x01;
const LSR_OE = 0x02;
const LSR_THRE = 0x20;
const LSR_TEMT = 0x40;

const MSR_DCTS = 0x01;
const MSR_DDSR = 0x02;
const MSR_TERI = 0x04;
const MSR_DDCD = 0x08;
const MSR_CTS = 0x10;
const MSR_DSR = 0x20;
const MSR_RI = 0x40;
const MSR_DCD = 0x80;
/** A connected terminal: carrier, data set ready and clear to send, as QEMU reports for a chardev. */
const MSR_CONNECTED = MSR_DCD | MSR_DSR | MSR_CTS;

/** Host-side receive buffer. Larger than the chip's 16-byte FIFO so a pasted line is not lost while the
 *  guest is busy; the overrun flag still reports when even this fills. */
export const UART_RX_CAPACITY = 4096;

const RX_TRIGGER_LEVELS = [1, 4, 8, 14];

export class Uart16550 implements MmioDevice {
  readonly name = 'uart0';
  readonly size = 0x100;

  private readonly console: ConsoleIO;
  private readonly onIrq: ((level: boolean) => void) | undefined;

  private readonly rx = new Uint8Array(UART_RX_CAPACITY);
  private rxHead = 0;
  private rxCount = 0;

  private ier = 0;
  private lcr = 0;
  private mcr = 0;
  private fcr = 0;
  private scr = 0;
  private dll = 0;
  private dlm = 0;
  /** Sticky LSR error bits (only OE can happen: a byte stream has no parity, framing or break errors). */
  private lsrErrors = 0;
  /** The THRE interrupt source: set when the holding register empties, cleared by reading it from IIR
   *  or by writing THR. Transmission is instant, so the register is empty again right after a write. */
  private threPending = false;
  private msrLines = MSR_CONNECTED;
  private msrDeltas = 0;
  private irqLevel = false;

  constructor(console: ConsoleIO, onIrq?: (level: boolean) => void) {
    this.console = console;
    this.onIrq = onIrq;
  }

  /** Back to power-on state; drops queued input. */
  reset(): void {
    this.rxHead = 0;
    this.rxCount = 0;
    this.ier = 0;
    this.lcr = 0;
    this.mcr = 0;
    this.fcr = 0;
    this.scr = 0;
    this.dll = 0;
    this.dlm = 0;
    this.lsrErrors = 0;
    this.threPending = false;
    this.msrLines = MSR_CONNECTED;
    this.msrDeltas = 0;
    this.updateIrq();
  }

  /** Queues bytes from the host as if they arrived on the line. Returns how many were accepted; the rest
   *  were lost and set the overrun flag, as on the chip when its FIFO is full. */
  pushInput(bytes: Iterable<number>): number {
    let accepted = 0;
    for (const b of bytes) {
      if (this.receive(b)) accepted++;
    }
    this.updateIrq();
    return accepted;
  }

  /** Whether the interrupt output is asserted now (also reported through onIrq on every change). */
  get irq(): boolean {
    return this.irqLevel;
  }

  /** The baud-rate divisor programmed through DLL/DLM (no effect on timing: transmission is instant). */
  get divisor(): number {
    return (this.dlm << 8) | this.dll;
  }

  read(offset: number, _width: 1 | 2 | 4): number {
    // Registers are one byte wide; a wider access reads the register at its first byte.
    switch (offset) {
      case RBR_THR_DLL:
        return this.lcr & LCR_DLAB ? this.dll : this.readRbr();
      case IER_DLM:
        return this.lcr & LCR_DLAB ? this.dlm : this.ier;
      case IIR_FCR:
        return this.readIir();
      case LCR:
        return this.lcr;
      case MCR:
        return this.mcr;
      case LSR:
        return this.readLsr();
      case MSR:
        return this.readMsr();
      case SCR:
        return this.scr;
      default:
        return 0;
    }
  }

  write(offset: number, _width: 1 | 2 | 4, value: number): void {
    const v = value & 0xff;
    switch (offset) {
      case RBR_THR_DLL:
        if (this.lcr & LCR_DLAB) this.dll = v;
        else this.writeThr(v);
        break;
      case IER_DLM:
        if (this.lcr & LCR_DLAB) this.dlm = v;
        else this.writeIer(v);
        break;
      case IIR_FCR:
        this.writeFcr(v);
        break;
      case LCR:
        this.lcr = v;
        break;
      case MCR:
        this.writeMcr(v);
        break;
      case SCR:
        this.scr = v;
        break;
      default:
        // LSR and MSR are read-only; the rest of the window is unused.
        break;
    }
  }

  private receive(byte: number): boolean {
    if (this.rxCount === UART_RX_CAPACITY) {
      this.lsrErrors |= LSR_OE;
      return false;
    }
    this.rx[(this.rxHead + this.rxCount) % UART_RX_CAPACITY] = byte & 0xff;
    this.rxCount++;
    return true;
  }

  private readRbr(): number {
    if (this.rxCount === 0) return 0;
    const byte = this.rx[this.rxHead];
    this.rxHead = (this.rxHead + 1) % UART_RX_CAPACITY;
    this.rxCount--;
    this.updateIrq();
    return byte;
  }

  private writeThr(byte: number): void {
    this.threPending = false;
    if (this.mcr & MCR_LOOP) this.receive(byte);
    else this.console.write(byte);
    this.threPending = true;
    this.updateIrq();
  }

  private writeIer(v: number): void {
    const ier = v & 0x0f;
    // Enabling ETBEI while the holding register is empty (it always is) raises THRE at once; drivers
    // rely on this to start transmitting from their interrupt handler.
    if (ier & IER_ETBEI && !(this.ier & IER_ETBEI)) this.threPending = true;
    this.ier = ier;
    this.updateIrq();
  }

  private writeFcr(v: number): void {
    const enable = v & FCR_ENABLE;
    // Toggling FIFO mode flushes the FIFOs; with FIFOs off the other bits are not programmed.
    if (enable !== (this.fcr & FCR_ENABLE) || v & FCR_CLEAR_RX) {
      this.rxHead = 0;
      this.rxCount = 0;
    }
    this.fcr = enable ? v & (FCR_ENABLE | FCR_TRIGGER_MASK) : 0;
    this.updateIrq();
  }

  private writeMcr(v: number): void {
    this.mcr = v & 0x1f;
    let lines = MSR_CONNECTED;
    if (this.mcr & MCR_LOOP) {
      // Loopback wires the modem outputs back to the inputs; Linux's 8250 probe checks exactly this.
      lines = (this.mcr & MCR_RTS ? MSR_CTS : 0) | (this.mcr & MCR_DTR ? MSR_DSR : 0) |
        (this.mcr & MCR_OUT1 ? MSR_RI : 0) | (this.mcr & MCR_OUT2 ? MSR_DCD : 0);
    }
    const changed = lines ^ this.msrLines;
    if (changed & MSR_CTS) this.msrDeltas |= MSR_DCTS;
    if (changed & MSR_DSR) this.msrDeltas |= MSR_DDSR;
    if (changed & MSR_DCD) this.msrDeltas |= MSR_DDCD;
    if (changed & MSR_RI && !(lines & MSR_RI)) this.msrDeltas |= MSR_TERI; // trailing edge only
    this.msrLines = lines;
    this.updateIrq();
  }

  private readIir(): number {
    const cause = this.pendingCause();
    // Reading IIR is how a driver acknowledges THRE; the other causes clear at their own registers.
    if (cause === IIR_THRE) {
      this.threPending = false;
      this.updateIrq();
    }
    return cause | (this.fcr & FCR_ENABLE ? IIR_FIFOS_ENABLED : 0);
  }

  private readLsr(): number {
    const lsr = (this.rxCount > 0 ? LSR_DR : 0) | this.lsrErrors | LSR_THRE | LSR_TEMT;
    if (this.lsrErrors !== 0) {
      this.lsrErrors = 0;
      this.updateIrq();
    }
    return lsr;
  }

  private readMsr(): number {
    const msr = this.msrLines | this.msrDeltas;
    if (this.msrDeltas !== 0) {
      this.msrDeltas = 0;
      this.updateIrq();
    }
    return msr;
  }

  /** Highest-priority enabled interrupt cause, as IIR encodes it (IIR_NONE when none). */
  private pendingCause(): number {
    const ier = this.ier;
    if (ier & IER_ELSI && this.lsrErrors !== 0) return IIR_RLS;
    if (ier & IER_ERBFI && this.rxCount > 0) {
      // In FIFO mode data below the trigger level is reported by the character timeout, which on the chip
      // fires after four idle character times; with no line timing here, that is immediately.
      if (this.fcr & FCR_ENABLE && this.rxCount < RX_TRIGGER_LEVELS[this.fcr >>> 6]) return IIR_CTI;
      return IIR_RDA;
    }
    if (ier & IER_ETBEI && this.threPending) return IIR_THRE;
    if (ier & IER_EDSSI && this.msrDeltas !== 0) return IIR_MS;
    return IIR_NONE;
  }

  private updateIrq(): void {
    const level = this.pendingCause() !== IIR_NONE;
    if (level === this.irqLevel) return;
    this.irqLevel = level;
    this.onIrq?.(level);
  }
}
