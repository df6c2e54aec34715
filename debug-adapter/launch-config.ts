// The `ringside` launch configuration: every field checked, with one message per problem naming the field.
import * as fs from 'fs';
import * as path from 'path';

/** A launch configuration field with a problem; the session answers with a DAP error shown to the user. */
export class ConfigError extends Error {
  constructor(readonly field: string, problem: string) {
    super(`launch configuration: '${field}' ${problem}`);
    this.name = 'ConfigError';
  }
}

export type VirtualizationMode = 'bare' | 'trap' | 'bt' | 'pv' | 'hw';
export type EngineKind = 'interp' | 'dbt';

export interface LaunchConfig {
  /** Absolute path of the guest ELF. */
  program: string;
  /** Absolute working directory: relative paths in the configuration and in DWARF resolve against it. */
  cwd: string;
  stopOnEntry: boolean;
  /** Guest RAM in bytes. */
  memory: number;
  smp: number;
  /** Instructions the guest may run before it is stopped (each continue grants as many again). */
  maxInstructions?: number;
  mode: 'bare';
  engine: 'interp';
  /** Kernel command line; kept for when `kernel` lands (a bare program has no command line). */
  append?: string;
}

/** What the extension's package.json declares as the launch attributes; the ones left are for later issues. */
export const LAUNCH_FIELDS = [
  'program', 'cwd', 'stopOnEntry', 'memory', 'smp', 'maxInstructions', 'bios', 'kernel', 'drive', 'mode', 'engine',
  'append', 'args',
] as const;

const MODES: readonly VirtualizationMode[] = ['bare', 'trap', 'bt', 'pv', 'hw'];
const ENGINES: readonly EngineKind[] = ['interp', 'dbt'];
const MAX_MEMORY = 2 * 1024 ** 3;
const DEFAULT_MEMORY = 128 * 1024 ** 2;

/** QEMU's -m syntax (as `ringside run -m`): a number with an optional K/M/G suffix; a bare number in a string
 *  is MiB. A JSON number is a byte count. */
function parseMemory(v: unknown): number {
  let bytes: number;
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new ConfigError('memory', `must be a whole number of bytes or a size like "128M" (got ${v})`);
    bytes = v;
  } else if (typeof v === 'string') {
    const m = /^(\d+)\s*([KMG]?)(?:i?B)?$/i.exec(v.trim());
    if (!m) throw new ConfigError('memory', `"${v}" is not a memory size (examples: "128M", "1G", 134217728)`);
    const n = Number(m[1]), unit = m[2].toUpperCase();
    bytes = unit === 'K' ? n * 1024 : unit === 'G' ? n * 1024 ** 3 : n * 1024 ** 2;
  } else {
    throw new ConfigError('memory', `must be a number of bytes or a string like "128M" (got ${typeName(v)})`);
  }
  if (bytes <= 0 || bytes % 4096 !== 0) throw new ConfigError('memory', `must be a positive multiple of 4 KiB (got ${bytes} bytes)`);
  if (bytes > MAX_MEMORY) throw new ConfigError('memory', `is ${bytes} bytes, more than the 2 GiB this engine supports`);
  return bytes;
}

function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v;
}

function optionalString(raw: Record<string, unknown>, field: string): string | undefined {
  const v = raw[field];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new ConfigError(field, `must be a string (got ${typeName(v)})`);
  return v;
}

function optionalBoolean(raw: Record<string, unknown>, field: string): boolean | undefined {
  const v = raw[field];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw new ConfigError(field, `must be true or false (got ${typeName(v)})`);
  return v;
}

function optionalInteger(raw: Record<string, unknown>, field: string, min: number): number | undefined {
  const v = raw[field];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new ConfigError(field, `must be a whole number (got ${typeName(v) === 'number' ? v : typeName(v)})`);
  if (v < min) throw new ConfigError(field, `must be at least ${min} (got ${v})`);
  return v;
}

/**
 * Checks a launch request's arguments. Unknown properties are ignored (VS Code adds its own, such as
 * `__sessionId`); every known one is type- and range-checked, and the fields of later milestones are
 * refused with what is missing rather than silently ignored.
 */
export function validateLaunchConfig(input: unknown, baseDir = process.cwd()): LaunchConfig {
  if (input === undefined) input = {}; // a launch without arguments: say what is missing
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new ConfigError('arguments', `must be an object (got ${typeName(input)})`);
  }
  const raw = input as Record<string, unknown>;

  const cwdText = optionalString(raw, 'cwd');
  const cwd = cwdText === undefined ? baseDir : path.resolve(baseDir, cwdText);
  if (cwdText !== undefined) {
    let st: fs.Stats | undefined;
    try { st = fs.statSync(cwd); } catch { /* reported below */ }
    if (!st) throw new ConfigError('cwd', `${cwd} does not exist`);
    if (!st.isDirectory()) throw new ConfigError('cwd', `${cwd} is not a directory`);
  }

  const mode = optionalString(raw, 'mode') ?? 'bare';
  if (!MODES.includes(mode as VirtualizationMode)) {
    throw new ConfigError('mode', `"${mode}" is not a virtualization mode (one of: ${MODES.join(', ')})`);
  }
  if (mode !== 'bare') {
    throw new ConfigError('mode', `"${mode}" is not implemented yet: this version runs guests in "bare" mode only ` +
      '(the software VMM modes trap, bt and pv and the H-extension mode hw come with the VMM)');
  }
  const engine = optionalString(raw, 'engine') ?? 'interp';
  if (!ENGINES.includes(engine as EngineKind)) {
    throw new ConfigError('engine', `"${engine}" is not an execution engine (one of: ${ENGINES.join(', ')})`);
  }
  if (engine !== 'interp') {
    throw new ConfigError('engine', '"dbt" is not implemented yet: the binary translator has not landed; use "interp"');
  }

  for (const field of ['bios', 'kernel'] as const) {
    const v = optionalString(raw, field);
    if (v !== undefined) {
      throw new ConfigError(field, 'is not implemented yet in the debugger: booting firmware and an S-mode kernel ' +
        'comes with the next increment; use "program" for a bare-metal ELF');
    }
  }
  const drive = raw.drive;
  if (drive !== undefined) {
    if (typeof drive !== 'string' && !(Array.isArray(drive) && drive.every((d) => typeof d === 'string'))) {
      throw new ConfigError('drive', `must be a disk image path or a list of them (got ${typeName(drive)})`);
    }
    throw new ConfigError('drive', 'is not implemented yet in the debugger: virtio block devices come with kernel boot');
  }

  const smp = optionalInteger(raw, 'smp', 1) ?? 1;
  if (smp !== 1) {
    throw new ConfigError('smp', `is ${smp}, but this version debugs one hart only; multi-hart sessions come later (use 1)`);
  }
  const memory = raw.memory === undefined ? DEFAULT_MEMORY : parseMemory(raw.memory);
  const maxInstructions = optionalInteger(raw, 'maxInstructions', 1);
  const stopOnEntry = optionalBoolean(raw, 'stopOnEntry') ?? false;

  let append = optionalString(raw, 'append');
  const args = raw.args;
  if (args !== undefined) {
    if (typeof args === 'string') append = append === undefined ? args : `${append} ${args}`;
    else if (Array.isArray(args) && args.every((a) => typeof a === 'string')) {
      append = [append, ...args].filter((a) => a !== undefined).join(' ');
    } else throw new ConfigError('args', `must be a string or a list of strings (got ${typeName(args)})`);
  }

  const programText = raw.program;
  if (programText === undefined) throw new ConfigError('program', 'is missing: name the guest ELF to debug');
  if (typeof programText !== 'string') throw new ConfigError('program', `must be a path (got ${typeName(programText)})`);
  if (programText.trim() === '') throw new ConfigError('program', 'is empty: name the guest ELF to debug');
  const program = path.resolve(cwd, programText);
  let st: fs.Stats | undefined;
  try { st = fs.statSync(program); } catch { /* reported below */ }
  if (!st) throw new ConfigError('program', `${program} does not exist`);
  if (!st.isFile()) throw new ConfigError('program', `${program} is not a file`);
  try { fs.accessSync(program, fs.constants.R_OK); } catch {
    throw new ConfigError('program', `${program} is not readable`);
  }

  return {
    program, cwd, stopOnEntry, memory, smp, mode: 'bare', engine: 'interp',
    ...(maxInstructions !== undefined ? { maxInstructions } : {}),
    ...(append !== undefined ? { append } : {}),
  };
}
