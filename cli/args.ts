// Command-line parsing for `ringside`: QEMU-style flags, with one-line errors for anything malformed.

export class UsageError extends Error {}

export interface DriveOption {
  file: string;
  /** snapshot=off: guest writes reach the file; by default they stay in memory (copy-on-write). */
  writeThrough: boolean;
}

export interface RunOptions {
  /** 'none' runs the kernel in M-mode; 'builtin' is Ringside's SBI firmware; else a firmware file. */
  bios: string;
  kernel: string;
  drives: DriveOption[];
  append?: string;
  smp: number;
  /** The guest was given as a plain FILE (bare-metal ELF), not with --kernel. */
  bareMetal: boolean;
  maxInsns: number;
  trace: boolean;
  /** mtime follows the host's wall clock instead of retired instructions (not deterministic). */
  realtime: boolean;
  memory: number;
}

export const USAGE = `usage: ringside run FILE.elf [options]
       ringside run --kernel KERNEL [--bios FIRMWARE|none] [options]

  FILE.elf alone runs a bare-metal guest in M-mode (like QEMU's -bios none -kernel FILE).
  --kernel K      the kernel: an ELF (loaded at its physical addresses) or a raw image
  --bios FW       M-mode firmware started from the reset vector (e.g. OpenSBI fw_jump.bin);
                  'none' runs the kernel itself in M-mode; without --bios an S-mode kernel boots
                  on Ringside's built-in SBI firmware
  --drive IMG[,snapshot=off]
                  a raw disk image as virtio-blk; writes stay in memory unless snapshot=off
  --append ARGS   kernel command line (/chosen/bootargs in the device tree)
  --smp N         number of harts, 1-8 (default 1)
  -m SIZE         guest RAM, as in QEMU: 128M (default), 512M, 1G; a bare number means MiB
  --max-insns N   stop with an error after N instructions (default: no limit)
  --trace         print one line per instruction: privilege, pc, instruction, registers written
  --realtime      mtime follows the host clock; by default it advances with retired instructions
                  (10 per 10 MHz tick), so every run of a guest is identical
  The exit status is the guest's (0 on pass). The terminal is the UART; on a TTY, Ctrl-A x quits.`;

/** Parses QEMU's -m syntax: a number with an optional K/M/G suffix; bare numbers are MiB. */
export function parseMemorySize(text: string): number {
  const m = /^(\d+)([KMG]?)i?B?$/i.exec(text.trim());
  if (!m) throw new UsageError(`-m: '${text}' is not a memory size (examples: 128M, 1G)`);
  const n = Number(m[1]);
  const unit = m[2].toUpperCase();
  const bytes = unit === 'K' ? n * 1024 : unit === 'G' ? n * 1024 ** 3 : n * 1024 ** 2;
  if (bytes < 4096 || bytes % 4096 !== 0) throw new UsageError(`-m: ${text} is not a positive multiple of 4 KiB`);
  if (bytes > 2 * 1024 ** 3) throw new UsageError(`-m: ${text} is more than the 2 GiB this engine supports`);
  return bytes;
}

function parseDrive(text: string): DriveOption {
  const [first, ...opts] = text.split(',');
  const file = first.startsWith('file=') ? first.slice(5) : first;
  if (!file) throw new UsageError('--drive needs an image file');
  let writeThrough = false;
  for (const o of opts) {
    if (o === 'snapshot=off') writeThrough = true;
    else if (o === 'snapshot=on') writeThrough = false;
    else if (o === 'format=raw' || o === 'if=virtio') continue;
    else throw new UsageError(`--drive: unknown option '${o}' (supported: snapshot=on|off, format=raw)`);
  }
  return { file, writeThrough };
}

export function parseRunArgs(argv: readonly string[]): RunOptions {
  let positional: string | undefined;
  let bios: string | undefined;
  let kernel: string | undefined;
  const o: Omit<RunOptions, 'bios' | 'kernel' | 'bareMetal'> = { drives: [], smp: 1, maxInsns: Infinity, trace: false, realtime: false, memory: 128 * 1024 * 1024 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    switch (a) {
      case '--max-insns': {
        const v = value();
        if (!/^\d+$/.test(v) || Number(v) <= 0) throw new UsageError(`--max-insns: '${v}' is not a positive whole number`);
        o.maxInsns = Number(v);
        break;
      }
      case '--trace': o.trace = true; break;
      case '--realtime': o.realtime = true; break;
      case '-m': case '--memory': o.memory = parseMemorySize(value()); break;
      case '--bios': case '-bios': bios = value(); break;
      case '--kernel': case '-kernel': kernel = value(); break;
      case '--drive': case '-drive': o.drives.push(parseDrive(value())); break;
      case '--append': case '-append': o.append = value(); break;
      case '--smp': case '-smp': {
        const v = value();
        if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 8) throw new UsageError(`--smp: '${v}' is not a hart count from 1 to 8`);
        o.smp = Number(v);
        break;
      }
      default:
        if (a.startsWith('-')) throw new UsageError(`unknown option '${a}'`);
        if (positional !== undefined) throw new UsageError(`unexpected argument '${a}' (one guest file only)`);
        positional = a;
    }
  }
  if (positional !== undefined && kernel !== undefined) throw new UsageError('give the guest either as FILE or as --kernel, not both');
  if (positional !== undefined) {
    if (bios !== undefined && bios !== 'none') throw new UsageError('a bare-metal FILE runs without firmware: use --kernel with --bios');
    return { ...o, bios: 'none', kernel: positional, bareMetal: true };
  }
  if (kernel === undefined) {
    if (bios !== undefined && bios !== 'none') return { ...o, bios, kernel: '', bareMetal: false };
    throw new UsageError('missing the guest: ringside run FILE.elf, or --kernel KERNEL');
  }
  return { ...o, bios: bios ?? 'builtin', kernel, bareMetal: false };
}
