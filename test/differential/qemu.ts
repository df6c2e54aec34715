// Launches qemu-system-riscv64 paused with a GDB stub on a free loopback port, and makes sure it dies with us.
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { GdbRemote } from './gdb-remote';

export const QEMU_BINARY = 'qemu-system-riscv64';

/** Full path of an executable on PATH, or null. */
export function findExecutable(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/** Skip the calling suite or test (mocha `this`) unless every tool is installed, saying which one is missing. */
export function skipUnlessInstalled(ctx: Mocha.Context, tools: string[] = [QEMU_BINARY]): void {
  const missing = tools.filter((t) => findExecutable(t) === null);
  if (missing.length > 0) {
    console.log(`      skipped: ${missing.join(', ')} not found on PATH (install qemu-system-misc / gcc-riscv64-unknown-elf)`);
    ctx.skip();
  }
}

/** A port nobody listens on now: bind a probe server to port 0, note the port the OS gave, close it. Another process
 * may still take it before QEMU does, so launch() retries with a new port when QEMU cannot bind. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const port = (probe.address() as net.AddressInfo).port;
      probe.close(() => resolve(port));
    });
  });
}

export interface QemuOptions {
  /** ELF loaded with -kernel; with -bios none QEMU's reset stub at 0x1000 jumps to its entry. */
  kernel: string;
  memory?: string;
  /** Appended to the command line (e.g. ['-cpu', 'rv64,h=true']). */
  extraArgs?: string[];
  binary?: string;
  /** How long to wait for the GDB stub to accept a connection, ms. */
  startupTimeoutMs?: number;
  /** GdbRemote request time limit, ms. */
  gdbTimeoutMs?: number;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last line of defence against orphans when mocha exits without running after() hooks.
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

const LAUNCH_ATTEMPTS = 3;
const CONNECT_RETRY_MS = 20;

export class QemuInstance {
  private stdout = '';
  private stderr = '';
  private exitCode: number | null = null;
  private readonly exitedPromise: Promise<void>;
  private gdbRemote: GdbRemote | null = null;

  private constructor(private readonly child: ChildProcess, readonly port: number, readonly args: string[]) {
    child.stdout?.setEncoding('latin1');
    child.stderr?.setEncoding('latin1');
    child.stdout?.on('data', (d: string) => (this.stdout += d));
    child.stderr?.on('data', (d: string) => (this.stderr += d));
    this.exitedPromise = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitCode = code ?? (signal ? -1 : 0);
        live.delete(child);
        resolve();
      });
      child.once('error', () => {
        this.exitCode = this.exitCode ?? -1;
        live.delete(child);
        resolve();
      });
    });
  }

  /** Start QEMU paused (-S) with `-gdb tcp:127.0.0.1:PORT` and connect to its stub. */
  static async launch(opts: QemuOptions): Promise<QemuInstance> {
    installExitHook();
    let lastError: Error | null = null;
    for (let attempt = 0; attempt < LAUNCH_ATTEMPTS; attempt++) {
      const port = await freePort();
      // The stub listens on loopback only; `tcp::PORT` would listen on every interface.
      const args = ['-machine', 'virt', '-bios', 'none', '-nographic', '-S', '-gdb', `tcp:127.0.0.1:${port}`,
        '-kernel', opts.kernel, '-m', opts.memory ?? '128M', ...(opts.extraArgs ?? [])];
      const child = spawn(opts.binary ?? QEMU_BINARY, args, { stdio: ['pipe', 'pipe', 'pipe'] });
      live.add(child);
      const qemu = new QemuInstance(child, port, args);
      try {
        qemu.gdbRemote = await qemu.connect(opts.startupTimeoutMs ?? 10000, opts.gdbTimeoutMs ?? 5000);
        return qemu;
      } catch (err) {
        lastError = err as Error;
        await qemu.close();
        if (!/bind|address already in use/i.test(qemu.stderr)) break; // only a lost port race is worth a retry
      }
    }
    throw lastError ?? new Error('QEMU did not start');
  }

  get gdb(): GdbRemote {
    if (!this.gdbRemote) throw new Error('QEMU is not connected');
    return this.gdbRemote;
  }

  /** What the guest wrote to the serial port (-nographic puts it on stdout). */
  get serialOutput(): string {
    return this.stdout;
  }

  get errorOutput(): string {
    return this.stderr;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get hasExited(): boolean {
    return this.exitCode !== null;
  }

  /** Resolves when the process is gone. */
  exited(): Promise<void> {
    return this.exitedPromise;
  }

  /** Hang up and end the process (SIGTERM, then SIGKILL after a grace period). Safe to call twice. */
  async close(): Promise<void> {
    if (this.gdbRemote) await this.gdbRemote.close().catch(() => undefined);
    if (this.exitCode === null) {
      this.child.stdin?.end();
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 1000);
      await this.exitedPromise;
      clearTimeout(timer);
    }
  }

  private async connect(startupTimeoutMs: number, gdbTimeoutMs: number): Promise<GdbRemote> {
    const deadline = Date.now() + startupTimeoutMs;
    let lastError: Error | null = null;
    // Retry until QEMU listens: the first connects are refused while it starts up.
    while (Date.now() < deadline) {
      if (this.exitCode !== null) {
        throw new Error(`${QEMU_BINARY} exited with code ${this.exitCode} before its GDB stub listened: ${this.stderr.trim()}`);
      }
      try {
        return await GdbRemote.connect(this.port, '127.0.0.1', Math.min(gdbTimeoutMs, Math.max(100, deadline - Date.now())));
      } catch (err) {
        lastError = err as Error;
        await new Promise((resolve) => setTimeout(resolve, CONNECT_RETRY_MS));
      }
    }
    throw new Error(`${QEMU_BINARY} GDB stub on port ${this.port} not reachable within ${startupTimeoutMs} ms: ${lastError?.message ?? ''} ${this.stderr.trim()}`);
  }
}
