// The `ringside` launch configuration: every field checked, with one message per problem naming the field.
import * as fs from 'fs';
import * as path from 'path';
import { VIRTIO_COUNT } from '../engine/devices/virt-map';

/** A launch configuration field with a problem; the session answers with a DAP error shown to the user. */
export class ConfigError extends Error {
  constructor(readonly field: string, problem: string) {
    super(`launch configuration: '${field}' ${problem}`);
    this.name = 'ConfigError';
  }
}

export type VirtualizationMode = 'bare' | 'trap' | 'bt' | 'pv' | 'hw';
export type EngineKind = 'interp' | 'dbt';

/** A disk image for virtio-blk. */
export interface DriveConfig {
  /** Absolute path of a raw image (a whole number of 512-byte sectors). */
  file: string;
  /** true (default): guest writes stay in memory (copy-on-write, QEMU's snapshot=on) and survive guest resets
   *  but not the session; false: they go to the file. */
  snapshot: boolean;
}

/** An extra ELF to take symbols and line tables from. */
export interface SymbolFileConfig {
  /** Absolute path. */
  path: string;
  /** Run-time address minus link address (e.g. U-Boot's "reloc off" from bdinfo); 0 by default. */
  offset: number;
}

/** How the guest boots (engine/boot.ts): firmware choice and kernel, or a bare-metal program. */
export type BiosConfig = 'none' | 'builtin' | { file: string };

export interface LaunchConfig {
  /** Absolute path of a bare-metal guest ELF, run in M-mode from its entry (as `ringside run FILE`). */
  program?: string;
  /** Firmware: 'builtin' (Ringside's SBI firmware; the default with a kernel), 'none' (the kernel runs in
   *  M-mode) or a firmware image started from the reset vector (e.g. OpenSBI fw_jump.bin or .elf). */
  bios: BiosConfig;
  /** Absolute path of the kernel: an ELF (loaded at its physical addresses) or a raw image. */
  kernel?: string;
  drives: DriveConfig[];
  symbolFiles: SymbolFileConfig[];
  /** Absolute working directory: relative paths in the configuration and in DWARF resolve against it. */
  cwd: string;
  stopOnEntry: boolean;
  /** Guest RAM in bytes. */
  memory: number;
  /** Harts (1-8), one DAP thread each. */
  smp: number;
  /** Instructions the guest may run before it is stopped (each continue grants as many again). */
  maxInstructions?: number;
  mode: VirtualizationMode;
  engine: EngineKind;
  /** Kernel command line (/chosen/bootargs of the device tree); a bare program has none. */
  append?: string;
}

/** What the extension's package.json declares as the launch attributes. */
export const LAUNCH_FIELDS = [
  'program', 'cwd', 'stopOnEntry', 'memory', 'smp', 'maxInstructions', 'bios', 'kernel', 'drive', 'symbolFiles',
  'mode', 'engine', 'append', 'args',
] as const;

/** The virt board's hart limit (QEMU's VIRT_CPUS_MAX is larger; Ringside's CLINT and DTB take 8) and its
 *  virtio-mmio slots. */
export const MAX_HARTS = 8;
const MAX_DRIVES = VIRTIO_COUNT;
const SECTOR = 512;

const MODES: readonly VirtualizationMode[] = ['bare', 'trap', 'bt', 'pv', 'hw'];
const ENGINES: readonly EngineKind[] = ['interp', 'dbt'];
/** The modes this version runs: plain emulation, and the H-extension VMM. */
export const IMPLEMENTED_MODES: readonly VirtualizationMode[] = ['bare', 'hw'];
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

/** A host file named by a launch field: it must exist, be a regular readable file, and not be empty. */
function hostFile(field: string, v: unknown, cwd: string, what: string): string {
  if (typeof v !== 'string') throw new ConfigError(field, `must be a path (got ${typeName(v)})`);
  if (v.trim() === '') throw new ConfigError(field, `is empty: name the ${what}`);
  const file = path.resolve(cwd, v);
  let st: fs.Stats | undefined;
  try { st = fs.statSync(file); } catch { /* reported below */ }
  if (!st) throw new ConfigError(field, `${file} does not exist`);
  if (!st.isFile()) throw new ConfigError(field, `${file} is not a file`);
  try { fs.accessSync(file, fs.constants.R_OK); } catch {
    throw new ConfigError(field, `${file} is not readable`);
  }
  if (st.size === 0) throw new ConfigError(field, `${file} is empty`);
  return file;
}

/** Properties of an object-valued entry: unknown ones are mistakes (a typo would silently change meaning). */
function checkKeys(field: string, o: Record<string, unknown>, known: readonly string[]): void {
  for (const k of Object.keys(o)) {
    if (!known.includes(k)) throw new ConfigError(field, `has an unknown property '${k}' (known: ${known.join(', ')})`);
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** `drive`: a path, `{ file, snapshot? }`, or a list of them; each a raw image of whole 512-byte sectors. */
function parseDrives(v: unknown, cwd: string): DriveConfig[] {
  if (v === undefined) return [];
  const list = Array.isArray(v) ? v : [v];
  if (list.length > MAX_DRIVES) throw new ConfigError('drive', `lists ${list.length} disks; the virt board has ${MAX_DRIVES} virtio-mmio slots`);
  return list.map((d, i) => {
    const field = Array.isArray(v) ? `drive[${i}]` : 'drive';
    let fileText: unknown = d, snapshot = true;
    if (isPlainObject(d)) {
      checkKeys(field, d, ['file', 'snapshot']);
      if (d.file === undefined) throw new ConfigError(`${field}.file`, 'is missing: name the disk image');
      fileText = d.file;
      if (d.snapshot !== undefined) {
        if (typeof d.snapshot !== 'boolean') throw new ConfigError(`${field}.snapshot`, `must be true or false (got ${typeName(d.snapshot)})`);
        snapshot = d.snapshot;
      }
    } else if (typeof d !== 'string') {
      throw new ConfigError(field, `must be a disk image path or an object with "file" and, optionally, "snapshot" (got ${typeName(d)})`);
    }
    const fileField = isPlainObject(d) ? `${field}.file` : field;
    const file = hostFile(fileField, fileText, cwd, 'disk image');
    const size = fs.statSync(file).size;
    if (size % SECTOR !== 0) {
      throw new ConfigError(fileField, `${file} is ${size} bytes, not a whole number of ${SECTOR}-byte sectors (virtio-blk disks are counted in sectors)`);
    }
    if (!snapshot) {
      try { fs.accessSync(file, fs.constants.W_OK); } catch {
        throw new ConfigError(fileField, `${file} is not writable, and "snapshot": false writes the guest's changes to it`);
      }
    }
    return { file, snapshot };
  });
}

/** An address offset: a JSON number, or a string in decimal or hex with an optional sign ("0x7d57000"). */
function parseOffset(field: string, v: unknown): number {
  let n: bigint;
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new ConfigError(field, `must be a whole number (got ${v})`);
    n = BigInt(v);
  } else if (typeof v === 'string' && /^\s*[+-]?(0[xX][0-9a-fA-F]+|\d+)\s*$/.test(v)) {
    const t = v.trim();
    const neg = t.startsWith('-');
    n = BigInt(t.replace(/^[+-]/, ''));
    if (neg) n = -n;
  } else {
    throw new ConfigError(field, `must be a number or a string such as "0x7d57000" (got ${typeof v === 'string' ? JSON.stringify(v) : typeName(v)})`);
  }
  if (n >= 1n << 53n || n <= -(1n << 53n)) throw new ConfigError(field, `${v} is too large: offsets must be below 2^53 in magnitude`);
  return Number(n);
}

/** `symbolFiles`: ELFs named only for their symbols and line tables, each at an optional offset. */
function parseSymbolFiles(v: unknown, cwd: string): SymbolFileConfig[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new ConfigError('symbolFiles', `must be a list of ELF paths or objects with "path" and, optionally, "offset" (got ${typeName(v)})`);
  return v.map((e, i) => {
    const field = `symbolFiles[${i}]`;
    if (typeof e === 'string') return { path: hostFile(field, e, cwd, 'ELF file'), offset: 0 };
    if (!isPlainObject(e)) throw new ConfigError(field, `must be an ELF path or an object with "path" and, optionally, "offset" (got ${typeName(e)})`);
    checkKeys(field, e, ['path', 'offset']);
    if (e.path === undefined) throw new ConfigError(`${field}.path`, 'is missing: name the ELF file');
    const file = hostFile(`${field}.path`, e.path, cwd, 'ELF file');
    if (!isElfFile(file)) throw new ConfigError(`${field}.path`, `${file} is not an ELF file: symbol files must be ELFs (a raw .bin has no symbols)`);
    return { path: file, offset: e.offset === undefined ? 0 : parseOffset(`${field}.offset`, e.offset) };
  });
}

export function isElfFile(file: string): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const b = Buffer.alloc(4);
    return fs.readSync(fd, b, 0, 4, 0) === 4 && b.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Checks a launch request's arguments. Unknown properties are ignored (VS Code adds its own, such as
 * `__sessionId`); every known one is type- and range-checked, host files are checked to exist, and what this
 * version cannot do yet is refused with what is missing rather than silently ignored.
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
  if (!IMPLEMENTED_MODES.includes(mode as VirtualizationMode)) {
    throw new ConfigError('mode', `"${mode}" is not implemented yet: this version runs guests in ${IMPLEMENTED_MODES.map((m) => `"${m}"`).join(' and ')} ` +
      'mode (the software VMM modes trap, bt and pv are planned)');
  }
  const engine = optionalString(raw, 'engine') ?? 'interp';
  if (!ENGINES.includes(engine as EngineKind)) {
    throw new ConfigError('engine', `"${engine}" is not an execution engine (one of: ${ENGINES.join(', ')})`);
  }
  if (engine !== 'interp') {
    throw new ConfigError('engine', '"dbt" is not implemented yet: the binary translator has not landed; use "interp"');
  }

  const smpValue = raw.smp;
  if (smpValue !== undefined && (typeof smpValue !== 'number' || !Number.isSafeInteger(smpValue))) {
    throw new ConfigError('smp', `must be a whole number of harts from 1 to ${MAX_HARTS} (got ${typeof smpValue === 'number' ? smpValue : typeName(smpValue)})`);
  }
  const smp = smpValue ?? 1;
  if (smp < 1 || smp > MAX_HARTS) throw new ConfigError('smp', `is ${smp}: the virt board has 1 to ${MAX_HARTS} harts`);
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

  // The guest: a bare-metal program, or firmware and/or a kernel (engine/boot.ts, QEMU's -bios/-kernel).
  if (raw.program !== undefined && raw.kernel !== undefined) {
    throw new ConfigError('kernel', 'cannot be given with "program": "program" is a bare-metal ELF run in M-mode, "kernel" an ' +
      'S-mode kernel booted through firmware; give one of them');
  }
  const biosText = raw.bios;
  if (biosText !== undefined && typeof biosText !== 'string') throw new ConfigError('bios', `must be "builtin", "none" or a firmware path (got ${typeName(biosText)})`);
  if (raw.program !== undefined && biosText !== undefined && biosText !== 'none') {
    throw new ConfigError('bios', `cannot be "${biosText}" with "program": a bare-metal program runs without firmware ` +
      '(use "kernel" to boot through firmware)');
  }
  if (mode === 'hw') {
    // The built-in firmware at M, the VMM at HS answering the guest's SBI calls, an S-mode kernel as its VS-mode guest.
    if (raw.program !== undefined) {
      throw new ConfigError('mode', '"hw" runs an S-mode kernel as a guest of the H-extension VMM: name it as "kernel" ' +
        '("program" is a bare-metal ELF run in M-mode, with no VMM; use "mode": "bare" for it)');
    }
    if (biosText !== undefined && biosText !== 'builtin') {
      throw new ConfigError('bios', `cannot be "${biosText}" with "mode": "hw": it runs the VMM on the built-in firmware, and the VMM answers the guest's SBI calls (leave "bios" out)`);
    }
    if (raw.kernel === undefined) throw new ConfigError('kernel', 'is missing: "mode": "hw" boots an S-mode kernel (an ELF or a raw image) as a VS-mode guest; name it');
  }
  const drives = parseDrives(raw.drive, cwd);
  const symbolFiles = parseSymbolFiles(raw.symbolFiles, cwd);
  const common = {
    drives, symbolFiles, cwd, stopOnEntry, memory, smp, mode: mode as VirtualizationMode, engine: engine as EngineKind,
    ...(maxInstructions !== undefined ? { maxInstructions } : {}),
    ...(append !== undefined ? { append } : {}),
  };

  if (raw.program === undefined && raw.kernel === undefined && (biosText === undefined || biosText === 'none' || biosText === 'builtin')) {
    if (biosText === undefined) {
      throw new ConfigError('program', 'is missing: name a bare-metal guest ELF as "program", or an S-mode kernel as "kernel" ' +
        '(booted on "bios": "builtin" by default, or on firmware such as OpenSBI fw_jump.bin)');
    }
    throw new ConfigError('kernel', `is missing: "bios": "${biosText}" boots a kernel; name it (an ELF or a raw image)`);
  }
  if (raw.program !== undefined) {
    const program = hostFile('program', raw.program, cwd, 'guest ELF to debug');
    return { program, bios: 'none', ...common };
  }
  const kernel = raw.kernel === undefined ? undefined : hostFile('kernel', raw.kernel, cwd, 'kernel (an ELF or a raw image)');
  const bios: BiosConfig = biosText === undefined || biosText === 'builtin' ? 'builtin' : biosText === 'none' ? 'none'
    : { file: hostFile('bios', biosText, cwd, 'firmware image (or "builtin" or "none")') };
  return { bios, ...(kernel !== undefined ? { kernel } : {}), ...common };
}
