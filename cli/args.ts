// Command-line parsing for `ringside`: QEMU-style flags, with one-line errors for anything malformed.

export class UsageError extends Error {}

export interface RunOptions {
  file: string;
  maxInsns: number;
  trace: boolean;
  memory: number;
}

export const USAGE = `usage: ringside run FILE.elf [--max-insns N] [--trace] [-m SIZE]

  Runs a RISC-V RV64 guest bare-metal in M-mode on the virt board and exits with the guest's status
  (SiFive test device or HTIF tohost; 0 on pass).

  --max-insns N   stop with an error after N instructions (default: no limit)
  --trace         print one line per instruction: privilege, pc, instruction, register/memory written
  -m SIZE         guest RAM, as in QEMU: 128M (default), 512M, 1G; a bare number means MiB
  Console: the UART is stdin/stdout; on a terminal, Ctrl-A x quits.`;

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

export function parseRunArgs(argv: readonly string[]): RunOptions {
  const opts: Partial<RunOptions> = { maxInsns: Infinity, trace: false, memory: 128 * 1024 * 1024 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === '--max-insns') {
      const v = value();
      if (!/^\d+$/.test(v) || Number(v) <= 0) throw new UsageError(`--max-insns: '${v}' is not a positive whole number`);
      opts.maxInsns = Number(v);
    } else if (a === '--trace') {
      opts.trace = true;
    } else if (a === '-m' || a === '--memory') {
      opts.memory = parseMemorySize(value());
    } else if (a.startsWith('-')) {
      throw new UsageError(`unknown option '${a}'`);
    } else if (opts.file === undefined) {
      opts.file = a;
    } else {
      throw new UsageError(`unexpected argument '${a}' (one ELF file only)`);
    }
  }
  if (opts.file === undefined) throw new UsageError('missing the guest ELF file');
  return opts as RunOptions;
}
