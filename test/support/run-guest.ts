// Runs a guest ELF on a fresh Machine and collects its console output and stop reason (tests only).
import * as fs from 'fs';
import * as path from 'path';
import { Machine, StopReason } from '../../engine/machine';
import { parseElf } from '../../engine/loader/elf';

export const REPO = path.join(__dirname, '..', '..', '..');
export const GUEST_BIN = path.join(REPO, 'guests', 'bin');

export interface GuestRun { machine: Machine; stop: StopReason; console: string }

export function runGuest(file: string, maxSteps = 50_000_000): GuestRun {
  const out: number[] = [];
  const machine = new Machine({ console: { write: (b) => out.push(b) } });
  machine.load(parseElf(new Uint8Array(fs.readFileSync(file)), file), file);
  const stop = machine.run(maxSteps);
  return { machine, stop, console: Buffer.from(out).toString('latin1') };
}
