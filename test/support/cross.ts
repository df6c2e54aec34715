// Builds test ELFs from source strings with the RISC-V cross toolchain and runs its binutils on them.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export const CROSS_PREFIX = 'riscv64-unknown-elf-';

/** The ISA the guests are built for (guests/Makefile). */
export const GUEST_MARCH = 'rv64imac_zicsr_zifencei';

export interface CrossBuildOptions {
  /** 'S' (preprocessed assembly, the default), 's' or 'c'. */
  lang?: 'S' | 's' | 'c';
  march?: string;
  mabi?: string;
  /** Where .text starts when no linker script is given (QEMU virt's RAM base by default). */
  textAddress?: bigint;
  /** A linker script's text; replaces textAddress. */
  linkerScript?: string;
  /** More gcc flags, e.g. ['-O2']. */
  flags?: string[];
  /** Base name of the files in the temp dir. */
  name?: string;
}

export interface CrossBuild {
  dir: string;
  elf: string;
  /** Removes the temp dir. */
  cleanup(): void;
}

/** True when every named tool (`gcc`, `objdump`, `nm`, ...) of the cross toolchain runs. */
export function crossToolchainAvailable(tools: readonly string[] = ['gcc', 'objdump', 'nm']): boolean {
  try {
    for (const t of tools) execFileSync(CROSS_PREFIX + t, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Compiles and links one freestanding source into an ELF in a fresh directory under os.tmpdir(). */
export function crossBuild(source: string, o: CrossBuildOptions = {}): CrossBuild {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringside-cross-'));
  const name = o.name ?? 'prog';
  const src = path.join(dir, `${name}.${o.lang ?? 'S'}`);
  const elf = path.join(dir, `${name}.elf`);
  fs.writeFileSync(src, source);
  const link: string[] = [];
  if (o.linkerScript !== undefined) {
    const ld = path.join(dir, `${name}.ld`);
    fs.writeFileSync(ld, o.linkerScript);
    link.push('-T', ld);
  } else {
    link.push(`-Wl,-Ttext=0x${(o.textAddress ?? 0x80000000n).toString(16)}`);
  }
  try {
    execFileSync(CROSS_PREFIX + 'gcc', [
      `-march=${o.march ?? GUEST_MARCH}`, `-mabi=${o.mabi ?? 'lp64'}`, '-nostdlib', '-nostartfiles',
      ...(o.flags ?? []), ...link, '-o', elf, src,
    ], { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 26 });
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    const err = e as { stderr?: Buffer };
    throw new Error(`cross build of ${name} failed:\n${err.stderr?.toString() ?? String(e)}`);
  }
  return { dir, elf, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Runs a cross binutils tool (`objdump`, `nm`, `readelf`, ...) and returns its stdout. */
export function crossTool(tool: string, args: readonly string[]): string {
  return execFileSync(CROSS_PREFIX + tool, args, { encoding: 'utf8', maxBuffer: 1 << 30 });
}
