// The `ringside` command: runs a guest ELF on the engine with the terminal as its UART console.
import * as fs from 'fs';
import { Machine, StopReason } from '../engine/machine';
import { ElfError } from '../engine/loader/elf';
import { BootError, bootMachine, GuestFile, hostRamSize } from '../engine/boot';
import { ExitStream } from '../engine/vmm/exit-stream';
import { openFileBackend } from '../engine/devices/virtio/file-backend';
import { BlockBackend } from '../engine/devices/virtio/blk-backends';
import { parseRunArgs, RunOptions, USAGE, UsageError } from './args';
import { snapshot, traceLine } from './trace';

/** Instructions per host turn: long enough to amortize, short enough that Ctrl-A x and input stay prompt. */
const HOST_TURN = 2_000_000;
const CTRL_A = 0x01;

class BufferedConsole {
  private buf: number[] = [];
  write(byte: number): void {
    this.buf.push(byte);
    if (this.buf.length >= 4096) this.flush();
  }
  flush(): void {
    if (this.buf.length === 0) return;
    fs.writeSync(1, Buffer.from(this.buf));
    this.buf = [];
  }
}

function fail(message: string, code = 2): never {
  process.stderr.write(`ringside: ${message}\n`);
  process.exit(code);
}

function readGuestFile(file: string, what: string): GuestFile {
  try {
    return { name: file, bytes: new Uint8Array(fs.readFileSync(file)) };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') fail(`${what} ${file}: no such file`);
    if (err.code === 'EISDIR') fail(`${what} ${file}: is a directory`);
    fail(`${what} ${file}: ${err.message}`);
  }
}

function openDrives(opts: RunOptions): BlockBackend[] {
  return opts.drives.map((d) => {
    try {
      return openFileBackend(d.file, { writeThrough: d.writeThrough });
    } catch (e) {
      fail(`--drive: ${(e as Error).message}`);
    }
  });
}

function loadGuest(opts: RunOptions, console: BufferedConsole, drives: BlockBackend[]): Machine {
  const bios = opts.bios === 'none' || opts.bios === 'builtin' ? opts.bios : readGuestFile(opts.bios, 'firmware');
  const kernel = opts.kernel ? readGuestFile(opts.kernel, opts.bareMetal ? 'guest' : 'kernel') : undefined;
  if (kernel && opts.bareMetal) kernel.format = 'elf'; // `ringside run FILE` takes ELF guests only
  const machine = new Machine({
    console, ramSize: hostRamSize(opts.mode, opts.memory), harts: opts.smp, drives,
    hostClockMs: opts.realtime ? () => performance.now() : undefined,
    onDeviceError: (message) => process.stderr.write(`ringside: guest device error: ${message}\n`),
  });
  bootMachine(machine, { bios, kernel, append: opts.append, mode: opts.mode });
  return machine;
}

/** --trace-exits: one line per exit on stderr, in order with the console (flushed first). */
function traceExits(machine: Machine, console: BufferedConsole): void {
  machine.exits?.subscribe({}, (e) => {
    console.flush();
    process.stderr.write(ExitStream.format(e) + '\n');
  });
}

/** --exits: the summary of one machine's exits (a guest reset starts a new machine, and a new summary). */
function printExits(machine: Machine, note?: string): void {
  if (!machine.exits) return;
  process.stderr.write(`${note ? `ringside: ${note}\n` : ''}${machine.exits.summary()}\n`);
}

/** Resolves once what was written to stderr has left the process: a pipe that fills up queues writes, and the
 *  process.exit that follows run() would drop them (the end of a long --trace-exits, the --exits summary). */
function drainStderr(): Promise<void> {
  return new Promise((resolve) => process.stderr.write('', () => resolve()));
}

/** Terminal input goes to the UART; Ctrl-A x quits as in QEMU, Ctrl-A Ctrl-A sends a literal Ctrl-A. */
/** Whether the host can still send console input (stdin not at end of file). */
const stdinState = { open: true, wake: () => undefined as void };

function attachStdin(target: () => Machine, quit: () => void): () => void {
  const stdin = process.stdin;
  stdin.on('end', () => { stdinState.open = false; stdinState.wake(); });
  stdin.on('error', () => { stdinState.open = false; });
  if (!stdin.isTTY) {
    const onData = (d: Buffer) => { target().consoleUart.pushInput(d); stdinState.wake(); };
    stdin.on('data', onData);
    return () => { stdin.off('data', onData); stdin.pause(); };
  }
  stdin.setRawMode(true);
  let escape = false;
  const onData = (d: Buffer) => {
    for (const b of d) {
      if (escape) {
        escape = false;
        if (b === 0x78 /* x */) { quit(); return; }
        target().consoleUart.pushInput([b === CTRL_A ? CTRL_A : b]);
      } else if (b === CTRL_A) escape = true;
      else target().consoleUart.pushInput([b]);
    }
  };
  stdin.on('data', onData);
  return () => { stdin.off('data', onData); stdin.setRawMode(false); stdin.pause(); };
}

function report(reason: StopReason, opts: RunOptions): number {
  switch (reason.kind) {
    case 'exit': return reason.code;
    case 'reset': return 0; // handled by rebooting in run(); not reached
    case 'budget': process.stderr.write(`ringside: guest did not exit within ${opts.maxInsns} instructions\n`); return 124;
    case 'idle': case 'waiting':
      process.stderr.write('ringside: guest is idle: every hart waits for an interrupt and no input can arrive (stdin closed)\n');
      return 3;
    case 'paused': process.stderr.write('ringside: terminated (Ctrl-A x)\n'); return 0; // as QEMU exits on Ctrl-A x
    case 'breakpoint': process.stderr.write(`ringside: stopped at a breakpoint at 0x${reason.pc.toString(16)}\n`); return 5;
    case 'trap': process.stderr.write(`ringside: stopped at trap cause ${reason.trap.cause}\n`); return 5;
    case 'error': process.stderr.write(`ringside: ${reason.message}\n`); return 1;
    case 'privilege': process.stderr.write(`ringside: stopped at a privilege change on hart ${reason.change.hartId}\n`); return 5;
    case 'watchpoint': process.stderr.write(`ringside: stopped at a watchpoint at 0x${reason.address.toString(16)}\n`); return 5;
  }
}

async function run(opts: RunOptions): Promise<number> {
  const console = new BufferedConsole();
  const drives = openDrives(opts); // opened once: a reboot keeps what the guest wrote
  let machine = loadGuest(opts, console, drives);
  if (opts.mode === 'bare' && (opts.exits || opts.traceExits)) {
    const flags = [opts.exits ? '--exits' : '', opts.traceExits ? '--trace-exits' : ''].filter(Boolean).join(', ');
    process.stderr.write(`ringside: ${flags}: bare mode runs no VMM, so there are no VM exits (they come with --mode hw)\n`);
  }
  if (opts.traceExits) traceExits(machine, console);
  let quit = false;
  const detach = attachStdin(() => machine, () => { quit = true; machine.pause(); });
  let executed = 0;
  let reason: StopReason | undefined;
  try {
    while (!reason) {
      if (quit) { reason = { kind: 'paused' }; break; }
      if (opts.trace) {
        const h = machine.harts[0];
        const before = snapshot(machine, h);
        reason = machine.step(0);
        executed++;
        console.flush();
        process.stdout.write(traceLine(machine, h, before) + '\n');
        if (!reason && executed >= opts.maxInsns) reason = { kind: 'budget' };
        if (executed % 4096 === 0) await new Promise((r) => setImmediate(r));
        continue;
      }
      const turn = Math.min(HOST_TURN, opts.maxInsns - executed);
      const before = machine.harts.reduce((s, h) => s + h.instret, 0);
      const r = machine.run(turn);
      executed += Math.max(1, machine.harts.reduce((s, h) => s + h.instret, 0) - before);
      console.flush();
      if (r.kind === 'budget') {
        if (executed >= opts.maxInsns) reason = r;
      } else if (r.kind === 'reset') {
        // The guest asked for a reset (test device 0x7777, SBI SRST reboot): cold-boot the same images,
        // as QEMU does; disks keep what was written to them.
        if (opts.exits) printExits(machine, 'the guest reset the machine; the VM exits of the boot that ended:');
        machine = loadGuest(opts, console, drives);
        if (opts.traceExits) traceExits(machine, console);
      } else if (r.kind === 'idle' && stdinState.open && !quit) {
        // Nothing runs until input arrives (a UART interrupt); wait for it rather than exit.
        await new Promise<void>((res) => { stdinState.wake = res; setTimeout(res, 200); });
        continue;
      } else if (r.kind === 'waiting') {
        await new Promise((res) => setTimeout(res, Math.min(50, Math.max(1, r.ms))));
        continue;
      } else if (r.kind !== 'paused' || quit) reason = r;
      await new Promise((res) => setImmediate(res));
    }
  } finally {
    console.flush();
    detach();
  }
  const code = report(reason, opts);
  if (opts.exits) printExits(machine);
  await drainStderr();
  return code;
}

export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE + '\n');
    return command === undefined ? 2 : 0;
  }
  if (command !== 'run') fail(`unknown command '${command}' (try: ringside run FILE.elf)\n${USAGE}`);
  try {
    return await run(parseRunArgs(rest));
  } catch (e) {
    if (e instanceof UsageError) fail(`${e.message}\n${USAGE}`);
    if (e instanceof ElfError || e instanceof BootError) fail(e.message);
    throw e;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => process.exit(code), (e) => {
    process.stderr.write(`ringside: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(70);
  });
}
