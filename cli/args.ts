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
  /** 'bare': plain emulation; 'hw': the kernel runs as a VS-mode guest under Ringside's H-extension VMM. */
  mode: RunMode;
  /** Print the VM-exit summary (`perf kvm stat` style) when the run ends. */
  exits: boolean;
  /** Print one line per VM exit as it happens. */
  traceExits: boolean;
}

export type RunMode = 'bare' | 'hw';
const MODES: readonly RunMode[] = ['bare', 'hw'];
/** Modes of the architecture (docs) that this version does not run yet. */
const PLANNED_MODES = ['trap', 'bt', 'pv'];

export const USAGE = `usage: ringside run FILE.elf [options]
       ringside run --kernel KERNEL [--bios FIRMWARE|none] [options]
       ringside run --mode hw --kernel KERNEL [options]

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
  --mode M        virtualization mode: 'bare' (default: plain emulation, no VMM) or 'hw' (the S-mode
                  kernel runs as a VS-mode guest under Ringside's H-extension VMM at HS, on the
                  built-in firmware: needs --kernel and no --bios); trap, bt and pv are planned
  --exits         at the end, print the VM exits by reason (samples, VMM time), like perf kvm stat
  --trace-exits   print one line per VM exit to stderr as it happens
  The exit status is the guest's (0 on pass). The terminal is the UART; on a TTY, Ctrl-A x quits.
  --exits and --trace-exits write to stderr; after a guest reset each boot gets its own summary.`;

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

function parseMode(text: string): RunMode {
  if ((MODES as readonly string[]).includes(text)) return text as RunMode;
  if (PLANNED_MODES.includes(text)) throw new UsageError(`--mode ${text} is not implemented yet (implemented: ${MODES.join(', ')})`);
  throw new UsageError(`--mode: '${text}' is not a virtualization mode (implemented: ${MODES.join(', ')}; planned: ${PLANNED_MODES.join(', ')})`);
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
  const o: Omit<RunOptions, 'bios' | 'kernel' | 'bareMetal'> = {
    drives: [], smp: 1, maxInsns: Infinity, trace: false, realtime: false, memory: 128 * 1024 * 1024,
    mode: 'bare', exits: false, traceExits: false,
  };
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
      case '--mode': o.mode = parseMode(value()); break;
      case '--exits': o.exits = true; break;
      case '--trace-exits': o.traceExits = true; break;
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
  if (o.mode === 'hw') {
    // The built-in firmware at M, the VMM at HS answering the guest's SBI calls, an S-mode kernel as its guest.
    if (positional !== undefined) throw new UsageError('--mode hw runs an S-mode kernel as a guest: give it with --kernel (a bare-metal FILE runs in M-mode, with no VMM)');
    if (bios !== undefined && bios !== 'builtin') throw new UsageError(`--mode hw cannot take --bios ${bios}: it runs the VMM on the built-in firmware, and the VMM answers the guest's SBI calls (drop --bios)`);
    if (kernel === undefined) throw new UsageError('--mode hw needs the guest kernel: --kernel KERNEL');
  }
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
