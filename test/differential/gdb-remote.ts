// A minimal GDB Remote Serial Protocol client over TCP: enough to single-step QEMU and read its state.
//
// Protocol facts used here (GDB manual, "Remote Protocol" appendix, E.1 Overview, and QEMU's gdbstub):
// - A packet is `$data#cs`, cs = two hex digits of the modulo-256 sum of the raw characters between `$` and `#`.
// - The receiver answers `+` (ok) or `-` (resend) unless QStartNoAckMode was negotiated.
// - In packet data, `}` escapes the next character, which is sent XORed with 0x20 (`$`, `#`, `}`, `*`).
// - Replies may be run-length encoded: `X*c` stands for X followed by (ord(c) - 29) more copies of X.
// - QEMU does not offer QStartNoAckMode (gdbstub/internals.h: "We currently don't support a negotiated
//   QStartNoAckMode") and its system-mode stub never waits for our `+` (gdb_got_immediate_ack() returns true),
//   so we send the `+` for a reply in front of our next packet instead of as a write of its own.
import * as net from 'net';

export interface RegisterFile {
  pc: bigint;
  /** x0..x31 */
  x: bigint[];
}

/** How a target stopped, decoded from a stop-reply packet (`T05thread:01;`, `S05`, `W00`, `X09`). */
export type StopReply =
  | { kind: 'stopped'; signal: number; info: Record<string, string> }
  | { kind: 'exited'; code: number }
  | { kind: 'terminated'; signal: number };

export class GdbError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}
/** No reply within the time limit; the connection is then unusable (a late reply would be taken for another). */
export class GdbTimeoutError extends GdbError {}
/** The target went away: a `W`/`X` reply, or the stub closed the connection (QEMU does this when the guest powers off). */
export class GdbTargetExitedError extends GdbError {
  constructor(message: string, readonly code?: number) {
    super(message);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Framing, checksums and decoding: pure functions, unit-tested on strings.

const HEX = '0123456789abcdef';

/** Modulo-256 sum of the characters between `$` and `#` (E.1 Overview). */
export function checksum(raw: string): number {
  let sum = 0;
  for (let i = 0; i < raw.length; i++) sum = (sum + raw.charCodeAt(i)) & 0xff;
  return sum;
}

/** Frame a command: escape the characters the framing reserves, then `$...#cs`. */
export function encodePacket(data: string): string {
  let raw = '';
  for (const ch of data) {
    // `}` + (c ^ 0x20) is the escape; `*` is escaped too so a stub cannot mistake it for run-length encoding.
    raw += ch === '$' || ch === '#' || ch === '}' || ch === '*' ? '}' + String.fromCharCode(ch.charCodeAt(0) ^ 0x20) : ch;
  }
  const cs = checksum(raw);
  return `$${raw}#${HEX[cs >> 4]}${HEX[cs & 15]}`;
}

/** Undo `}` escapes and expand `*` run-length encoding in a packet's raw data. */
export function decodeBody(raw: string): string {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i];
    if (ch === '}') {
      if (i + 1 >= raw.length) throw new GdbError(`packet data ends inside an escape: ${JSON.stringify(raw)}`);
      out.push(String.fromCharCode(raw.charCodeAt(++i) ^ 0x20));
    } else if (ch === '*') {
      // The count character c stands for c - 29 further copies of the previous (decoded) character.
      if (out.length === 0 || i + 1 >= raw.length) throw new GdbError(`bad run-length encoding in ${JSON.stringify(raw)}`);
      const repeat = raw.charCodeAt(++i) - 29;
      if (repeat < 0) throw new GdbError(`bad run-length count in ${JSON.stringify(raw)}`);
      const last = out[out.length - 1];
      for (let k = 0; k < repeat; k++) out.push(last);
    } else {
      out.push(ch);
    }
  }
  return out.join('');
}

export type ReceivedItem =
  | { kind: 'ack' }
  | { kind: 'nack' }
  | { kind: 'packet'; data: string; raw: string; checksumOk: boolean }
  | { kind: 'notification'; data: string; raw: string; checksumOk: boolean };

/** Splits the byte stream from the stub into acks and packets; keeps partial packets across chunks. */
export class PacketParser {
  private buffer = '';

  push(chunk: string): ReceivedItem[] {
    this.buffer += chunk;
    const items: ReceivedItem[] = [];
    let i = 0;
    while (i < this.buffer.length) {
      const ch = this.buffer[i];
      if (ch === '+') {
        items.push({ kind: 'ack' });
        i++;
      } else if (ch === '-') {
        items.push({ kind: 'nack' });
        i++;
      } else if (ch === '$' || ch === '%') {
        // `%` starts a notification (non-stop mode); `#` never occurs unescaped inside data.
        const hash = this.buffer.indexOf('#', i + 1);
        if (hash < 0 || hash + 2 >= this.buffer.length) break; // incomplete: wait for more
        const raw = this.buffer.slice(i + 1, hash);
        const sent = parseInt(this.buffer.slice(hash + 1, hash + 3), 16);
        const checksumOk = sent === checksum(raw);
        const data = checksumOk ? decodeBody(raw) : '';
        items.push({ kind: ch === '$' ? 'packet' : 'notification', data, raw, checksumOk });
        i = hash + 3;
      } else {
        i++; // noise between packets (e.g. a stray 0x03) is skipped, as stubs do
      }
    }
    this.buffer = this.buffer.slice(i);
    return items;
  }
}

/** Decode a stop reply (GDB manual E.3 Stop Reply Packets). */
export function parseStopReply(data: string): StopReply {
  const code = parseInt(data.slice(1, 3), 16);
  switch (data[0]) {
    case 'T': {
      const info: Record<string, string> = {};
      for (const pair of data.slice(3).split(';')) {
        const colon = pair.indexOf(':');
        if (colon > 0) info[pair.slice(0, colon)] = pair.slice(colon + 1);
      }
      return { kind: 'stopped', signal: code, info };
    }
    case 'S':
      return { kind: 'stopped', signal: code, info: {} };
    case 'W':
      return { kind: 'exited', code };
    case 'X':
      return { kind: 'terminated', signal: code };
    default:
      throw new GdbError(`not a stop reply: ${JSON.stringify(data)}`);
  }
}

export function isErrorReply(data: string): boolean {
  return /^E[0-9a-fA-F]{2}$/.test(data) || data.startsWith('E.');
}

/** Little-endian hex (target byte order, as in `g`/`p` replies) to an unsigned bigint. */
export function leHexToBigInt(hex: string, offset = 0, bytes = hex.length / 2): bigint {
  let be = '';
  for (let b = bytes - 1; b >= 0; b--) be += hex.substr(offset + b * 2, 2);
  return BigInt('0x' + (be || '0'));
}

export function bigIntToLeHex(value: bigint, bytes: number): string {
  let out = '';
  let v = BigInt.asUintN(bytes * 8, value);
  for (let b = 0; b < bytes; b++) {
    out += Number(v & 0xffn).toString(16).padStart(2, '0');
    v >>= 8n;
  }
  return out;
}

export function hexToBytes(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new GdbError(`not a hex byte string: ${JSON.stringify(hex.slice(0, 40))}`);
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
  return out;
}

/** RV64 core registers in a `g` reply: x0..x31 then pc, 8 bytes each (QEMU target/riscv/gdbstub.c: n < 32 gpr,
 * n == 32 pc). Anything after them (FP registers on some QEMU versions) is ignored. */
export const RV64_CORE_REGISTERS = 33;
export function parseRegisterFile(hex: string): RegisterFile {
  const need = RV64_CORE_REGISTERS * 16;
  if (hex.length < need) throw new GdbError(`'g' reply has ${hex.length / 2} bytes, expected at least ${need / 2} (x0..x31, pc)`);
  const x: bigint[] = [];
  for (let r = 0; r < 32; r++) x.push(leHexToBigInt(hex, r * 16, 8));
  return { pc: leHexToBigInt(hex, 32 * 16, 8), x };
}

// ---------------------------------------------------------------------------------------------------------------
// The client.

type Waiter = {
  /** Returns true when this packet completes the request. */
  accept: (data: string) => boolean;
  resolve: (data: string) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout | null;
};

const MAX_RESENDS = 5;

export class GdbRemote {
  /** Features from the `qSupported` reply: `name` → value, or true/false for `name+`/`name-`. */
  readonly features = new Map<string, string | boolean>();
  /** Console output the stub sent in `O` packets while the target ran. */
  consoleOutput = '';
  /** The last stop reply received. */
  lastStop: StopReply | null = null;

  private readonly parser = new PacketParser();
  private noAck = false;
  private ackOwed = false;
  private lastSent = '';
  private resends = 0;
  private waiter: Waiter | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  private broken: Error | null = null;
  private exitInfo: GdbTargetExitedError | null = null;
  private vContStep = false;
  private registerNumbers: Promise<Map<string, number>> | null = null;
  private readonly closed: Promise<void>;
  private closing = false;

  private constructor(private readonly socket: net.Socket, readonly timeoutMs: number, readonly where: string) {
    socket.setNoDelay(true); // one small packet per round trip: Nagle would add tens of ms to each
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('error', (err) => this.fail(new GdbTargetExitedError(`connection to ${where} failed: ${err.message}`)));
    this.closed = new Promise((resolve) => socket.once('close', () => {
      this.fail(this.closing
        ? new GdbError(`connection to ${where} was closed`)
        : new GdbTargetExitedError(`${where} closed the connection (target exited)`));
      resolve();
    }));
  }

  /** Connect to a stub and do the handshake (qSupported, QStartNoAckMode if offered, vCont?, ?). */
  static connect(port: number, host = '127.0.0.1', timeoutMs = 5000): Promise<GdbRemote> {
    const where = `GDB stub at ${host}:${port}`;
    return new Promise<GdbRemote>((resolve, reject) => {
      const socket = net.connect({ port, host });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new GdbTimeoutError(`cannot connect to ${where}: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(new GdbError(`cannot connect to ${where}: ${err.message}`));
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        const remote = new GdbRemote(socket, timeoutMs, where);
        remote.handshake().then(() => resolve(remote), (err) => {
          socket.destroy();
          reject(err);
        });
      });
    });
  }

  get noAckMode(): boolean {
    return this.noAck;
  }

  /** Set once the target has exited (or the stub hung up). */
  get exited(): GdbTargetExitedError | null {
    return this.exitInfo;
  }

  private async handshake(): Promise<void> {
    const supported = await this.request('qSupported:swbreak+;vContSupported+');
    for (const item of supported.split(';')) {
      if (!item) continue;
      const eq = item.indexOf('=');
      if (eq > 0) this.features.set(item.slice(0, eq), item.slice(eq + 1));
      else if (item.endsWith('+') || item.endsWith('-')) this.features.set(item.slice(0, -1), item.endsWith('+'));
    }
    if (this.features.get('QStartNoAckMode') === true) {
      // The client still acks the OK, then neither side sends acks (GDB manual, E.11 Packet Acknowledgment).
      if ((await this.request('QStartNoAckMode')) === 'OK') this.noAck = true;
    }
    const vcont = await this.request('vCont?');
    this.vContStep = vcont.startsWith('vCont') && vcont.split(';').includes('s');
    this.lastStop = parseStopReply(await this.request('?', isStopReplyData));
  }

  /** `g`: x0..x31 and pc. */
  readRegisters(): Promise<RegisterFile> {
    return this.request('g').then((data) => {
      if (isErrorReply(data)) throw new GdbError(`'g' failed: ${data}`);
      return parseRegisterFile(data);
    });
  }

  /** `p n`: one register by the stub's number (target description order; see registerNumber). */
  async readRegister(regnum: number): Promise<bigint> {
    await this.needTargetDescription();
    const data = await this.request(`p${regnum.toString(16)}`);
    if (data === '' || isErrorReply(data)) throw new GdbError(`'p${regnum.toString(16)}' (register ${regnum}) failed: ${data || 'not supported'}`);
    return leHexToBigInt(data);
  }

  /** `P n=value`: write one register (x0..x31 are 0..31, pc is 32 on RISC-V). */
  async writeRegister(regnum: number, value: bigint, bytes = 8): Promise<void> {
    await this.needTargetDescription();
    const data = await this.request(`P${regnum.toString(16)}=${bigIntToLeHex(value, bytes)}`);
    if (data !== 'OK') throw new GdbError(`'P${regnum.toString(16)}' (register ${regnum}) failed: ${data || 'not supported'}`);
  }

  /** `m addr,len`, split into pieces that fit the stub's packet size. */
  async readMemory(addr: bigint, len: number): Promise<Uint8Array> {
    const packetSize = parseInt(String(this.features.get('PacketSize') ?? '400'), 16) || 0x400;
    const chunk = Math.max(1, Math.floor((packetSize - 8) / 2));
    const out = new Uint8Array(len);
    for (let done = 0; done < len; done += chunk) {
      const n = Math.min(chunk, len - done);
      const at = addr + BigInt(done);
      const data = await this.request(`m${at.toString(16)},${n.toString(16)}`);
      if (isErrorReply(data) || data.length !== n * 2) {
        throw new GdbError(`'m' at 0x${at.toString(16)} (${n} bytes) failed: ${isErrorReply(data) ? data : `reply of ${data.length / 2} bytes`}`);
      }
      out.set(hexToBytes(data), done);
    }
    return out;
  }

  /** Execute one instruction (`vCont;s`, or `s`) and wait for the stop reply. Throws GdbTargetExitedError when the
   * target exits instead of stopping. */
  async step(): Promise<void> {
    const reply = await this.resume(this.vContStep ? 'vCont;s' : 's', this.timeoutMs);
    if (reply.kind !== 'stopped') throw this.exitError(reply);
  }

  /** `c`: run until the target stops (breakpoint, signal) or exits. */
  cont(timeoutMs = Infinity): Promise<StopReply> {
    return this.resume(this.vContStep ? 'vCont;c' : 'c', timeoutMs);
  }

  /** Run at full speed to `addr` (a `Z0` breakpoint, `c`, `z0`): to skip boot code before lockstepping. */
  async runTo(addr: bigint, timeoutMs = 60000): Promise<void> {
    if ((await this.readRegisters()).pc === addr) return;
    const where = `${addr.toString(16)},4`;
    const set = await this.request(`Z0,${where}`);
    if (set !== 'OK') throw new GdbError(`cannot set a breakpoint at 0x${addr.toString(16)}: ${set || 'not supported'}`);
    const reply = await this.cont(timeoutMs);
    if (reply.kind !== 'stopped') throw this.exitError(reply);
    const cleared = await this.request(`z0,${where}`);
    if (cleared !== 'OK') throw new GdbError(`cannot remove the breakpoint at 0x${addr.toString(16)}: ${cleared}`);
  }

  /** QEMU only: its single-step flags (`qqemu.sstep`). The default 0x7 = ENABLE | NOIRQ | NOTIMER: interrupts and
   * timers are held off while stepping (QEMU gdbstub.c, gdb_init_gdbserver_state). */
  async qemuSingleStepFlags(): Promise<number> {
    const data = await this.request('qqemu.sstep');
    if (!/^0x[0-9a-f]+$/i.test(data)) throw new GdbError(`'qqemu.sstep' not supported: ${data}`);
    return parseInt(data, 16);
  }

  /** QEMU only: set the single-step flags (`Qqemu.sstep=N`), e.g. 0x1 to let interrupts be taken while stepping. */
  async setQemuSingleStepFlags(flags: number): Promise<void> {
    const data = await this.request(`Qqemu.sstep=${flags.toString(16)}`);
    if (data !== 'OK') throw new GdbError(`'Qqemu.sstep=${flags.toString(16)}' failed: ${data || 'not supported'}`);
  }

  /** `?`: why the target is stopped. */
  async haltReason(): Promise<StopReply> {
    return (this.lastStop = parseStopReply(await this.request('?', isStopReplyData)));
  }

  /** The target description (`qXfer:features:read`), which QEMU 7.x also requires before it answers `p`/`P`. */
  async readTargetDescription(annex = 'target.xml'): Promise<string> {
    if (this.features.get('qXfer:features:read') !== true) throw new GdbError('stub offers no target description (qXfer:features:read)');
    let xml = '';
    for (;;) {
      const data = await this.request(`qXfer:features:read:${annex}:${xml.length.toString(16)},ffb`);
      if (data[0] !== 'm' && data[0] !== 'l') throw new GdbError(`reading ${annex} failed: ${data || 'not supported'}`);
      xml += data.slice(1);
      if (data[0] === 'l' || data.length === 1) return xml;
    }
  }

  /** The stub's number for a register name (`mstatus`, `mcycle`, `pc`), from the target description. */
  async registerNumber(name: string): Promise<number | undefined> {
    if (!this.registerNumbers) this.registerNumbers = this.loadRegisterNumbers();
    return (await this.registerNumbers).get(name);
  }

  /** `D`: detach; the target resumes running free. */
  async detach(): Promise<void> {
    await this.request('D');
  }

  /** `k`: kill the target. QEMU exits without a reply, so this waits for the hang-up (or a short timeout). */
  async kill(): Promise<void> {
    if (this.broken) return;
    await this.enqueue(async () => {
      this.send('k');
      await Promise.race([this.closed, new Promise((resolve) => setTimeout(resolve, 1000))]);
    });
  }

  /** Hang up (no detach: a detached QEMU would run the guest free). */
  async close(): Promise<void> {
    this.closing = true;
    if (!this.socket.destroyed) {
      if (this.ackOwed && this.socket.writable) this.socket.write('+');
      this.socket.end();
      const timer = setTimeout(() => this.socket.destroy(), 500);
      await this.closed;
      clearTimeout(timer);
    }
    this.fail(new GdbError(`connection to ${this.where} was closed`));
  }

  // -------------------------------------------------------------------------------------------------------------

  private needTargetDescription(): Promise<unknown> {
    if (!this.registerNumbers) this.registerNumbers = this.loadRegisterNumbers();
    return this.registerNumbers;
  }

  private async loadRegisterNumbers(): Promise<Map<string, number>> {
    const map = new Map<string, number>();
    if (this.features.get('qXfer:features:read') !== true) return map;
    const target = await this.readTargetDescription();
    const files = [...target.matchAll(/<xi:include\s+href="([^"]+)"/g)].map((m) => m[1]);
    const texts = [target];
    for (const file of files) texts.push(await this.readTargetDescription(file));
    // Registers without regnum take the number after the previous one (GDB manual G.3 Target Description Format).
    let next = 0;
    for (const text of texts) {
      for (const reg of text.matchAll(/<reg\s[^>]*>/g)) {
        const name = /name="([^"]+)"/.exec(reg[0])?.[1];
        const num = /regnum="(\d+)"/.exec(reg[0]);
        const n = num ? Number(num[1]) : next;
        if (name !== undefined) map.set(name, n);
        next = n + 1;
      }
    }
    return map;
  }

  private exitError(reply: StopReply): GdbTargetExitedError {
    const what = reply.kind === 'exited' ? `exited with code ${reply.code}` : reply.kind === 'terminated' ? `was terminated by signal ${reply.signal}` : 'stopped';
    this.exitInfo = new GdbTargetExitedError(`target at ${this.where} ${what}`, reply.kind === 'exited' ? reply.code : undefined);
    return this.exitInfo;
  }

  private resume(command: string, timeoutMs: number): Promise<StopReply> {
    return this.request(command, isStopReplyData, timeoutMs).then((data) => (this.lastStop = parseStopReply(data)));
  }

  /** Send one command and resolve with the first reply packet that `accept` takes; requests run one at a time. */
  private request(command: string, accept: (data: string) => boolean = () => true, timeoutMs = this.timeoutMs): Promise<string> {
    return this.enqueue(() => new Promise<string>((resolve, reject) => {
      if (this.broken) return reject(this.broken);
      const waiter: Waiter = { accept, resolve, reject, timer: null };
      if (Number.isFinite(timeoutMs)) {
        waiter.timer = setTimeout(() => {
          const err = new GdbTimeoutError(`${this.where}: no reply to '${command}' within ${timeoutMs} ms`);
          this.fail(err);
          this.socket.destroy();
        }, timeoutMs);
      }
      this.waiter = waiter;
      this.send(command);
    }));
  }

  private enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private send(command: string): void {
    this.lastSent = encodePacket(command);
    this.resends = 0;
    this.socket.write((this.ackOwed ? '+' : '') + this.lastSent);
    this.ackOwed = false;
  }

  private onData(chunk: string): void {
    let items: ReceivedItem[];
    try {
      items = this.parser.push(chunk);
    } catch (err) {
      this.fail(err as Error);
      return;
    }
    for (const item of items) {
      if (item.kind === 'ack') continue;
      if (item.kind === 'nack') {
        if (++this.resends > MAX_RESENDS) this.fail(new GdbError(`${this.where} rejected '${this.lastSent}' ${MAX_RESENDS} times`));
        else this.socket.write(this.lastSent);
        continue;
      }
      if (!item.checksumOk) {
        if (this.noAck) this.fail(new GdbError(`bad checksum in reply from ${this.where}: ${JSON.stringify(item.raw.slice(0, 60))}`));
        else this.socket.write('-');
        continue;
      }
      if (item.kind === 'notification') {
        continue; // non-stop notifications are not acked and not used here
      }
      if (!this.noAck) this.ackOwed = true;
      this.deliver(item.data);
    }
  }

  private deliver(data: string): void {
    const waiter = this.waiter;
    if (waiter && isStopReplyData === waiter.accept && data[0] === 'O' && data !== 'OK') {
      this.consoleOutput += Buffer.from(hexToBytes(data.slice(1))).toString('latin1');
      this.flushAck(); // the stub may wait for this ack before it runs on
      return;
    }
    if (!waiter || !waiter.accept(data)) return; // unsolicited or unexpected: not ours
    this.waiter = null;
    if (waiter.timer) clearTimeout(waiter.timer);
    waiter.resolve(data);
  }

  private flushAck(): void {
    if (this.ackOwed && this.socket.writable) this.socket.write('+');
    this.ackOwed = false;
  }

  private fail(err: Error): void {
    if (!this.broken) this.broken = err;
    if (err instanceof GdbTargetExitedError && !this.exitInfo) this.exitInfo = err;
    const waiter = this.waiter;
    this.waiter = null;
    if (waiter) {
      if (waiter.timer) clearTimeout(waiter.timer);
      waiter.reject(err);
    }
  }
}

function isStopReplyData(data: string): boolean {
  return /^[TSWX][0-9a-fA-F]{2}/.test(data) || (data[0] === 'O' && data !== 'OK');
}
