// Boot-to-prompt benchmark: OpenSBI (fw_jump) + U-Boot until the `=> ` prompt, on Ringside and on QEMU.
import { spawn } from 'child_process';
import * as fs from 'fs';
import { BootMode, bootMachine, hostRamSize } from '../engine/boot';
import { Machine } from '../engine/machine';

export const OPENSBI = '/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin';
export const UBOOT = '/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin';

export interface BootTiming { seconds: number; instructions?: number; tlb?: { hits: number; misses: number } }

/** Ringside: the same key press at the autoboot countdown, then run until the prompt. */
export function bootRingside(): BootTiming {
  let out = '';
  const m = new Machine({ console: { write: (b) => { out += String.fromCharCode(b); } } });
  const t0 = process.hrtime.bigint();
  bootMachine(m, {
    bios: { name: OPENSBI, bytes: new Uint8Array(fs.readFileSync(OPENSBI)) },
    kernel: { name: UBOOT, bytes: new Uint8Array(fs.readFileSync(UBOOT)) },
  });
  let pressed = false;
  for (let turns = 0; turns < 2000; turns++) {
    const r = m.run(1_000_000);
    if (!pressed && out.includes('Hit any key')) { m.uart.pushInput([0x20]); pressed = true; }
    if (pressed && /=> $/.test(out)) break;
    if (r.kind !== 'budget') throw new Error(`ringside boot stopped: ${r.kind}`);
  }
  if (!/=> $/.test(out)) throw new Error('ringside: no U-Boot prompt');
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const h = m.harts[0];
  const s = h.mem.tlbStats();
  return { seconds, instructions: h.instret, tlb: { hits: s.hits, misses: s.misses } };
}

export interface ModeTiming extends BootTiming { exits: number }

/** U-Boot on the built-in firmware to its prompt, as a plain S-mode kernel (bare) or a VS-mode guest (hw). */
export function bootUbootBuiltin(mode: BootMode): ModeTiming {
  let out = '';
  const m = new Machine({ console: { write: (b) => { out += String.fromCharCode(b); } }, ramSize: hostRamSize(mode, 128 << 20) });
  const t0 = process.hrtime.bigint();
  bootMachine(m, { bios: 'builtin', kernel: { name: UBOOT, bytes: new Uint8Array(fs.readFileSync(UBOOT)) }, mode });
  let pressed = false;
  for (let turns = 0; turns < 20_000; turns++) {
    const r = m.run(100_000); // fine steps: the prompt is seen within 100k instructions
    if (!pressed && out.includes('Hit any key')) { m.consoleUart.pushInput([0x20]); pressed = true; }
    if (pressed && /=> $/.test(out)) break;
    if (r.kind !== 'budget') throw new Error(`ringside ${mode} boot stopped: ${r.kind}`);
  }
  if (!/=> $/.test(out)) throw new Error(`ringside ${mode}: no U-Boot prompt`);
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, instructions: m.harts[0].instret, exits: m.exits?.total ?? 0 };
}

/** QEMU: serial on stdio, a space at the countdown, wall time until the prompt. */
export function bootQemu(): Promise<BootTiming | undefined> {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const q = spawn('qemu-system-riscv64', ['-machine', 'virt', '-nographic', '-m', '128M', '-bios', OPENSBI, '-kernel', UBOOT],
      { stdio: ['pipe', 'pipe', 'ignore'] });
    let out = '';
    let pressed = false;
    const timer = setTimeout(() => { q.kill('SIGKILL'); resolve(undefined); }, 60_000);
    q.on('error', () => { clearTimeout(timer); resolve(undefined); });
    q.stdout.on('data', (d: Buffer) => {
      out += d.toString('latin1');
      if (!pressed && out.includes('Hit any key')) { q.stdin.write(' '); pressed = true; }
      if (pressed && /=> $/.test(out)) {
        const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
        clearTimeout(timer);
        q.kill('SIGKILL');
        resolve({ seconds });
      }
    });
  });
}
