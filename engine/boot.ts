// Boot paths of the virt board, with QEMU's semantics: external firmware (OpenSBI) from the reset vector,
// Ringside's built-in SBI firmware for S-mode kernels, or a kernel run directly in M-mode (`--bios none`).
import { buildVirtDtb, virtDtbAddress } from './devices/dtb';
import { Rom } from './devices/rom';
import { VIRT, VIRT_TIMEBASE_HZ } from './devices/virt-map';
import { SbiFirmware } from './firmware/sbi';
import { ElfImage, parseElf } from './loader/elf';
import { Machine } from './machine';
import { HW_VMM_RESERVE, HwVmm } from './vmm/hw-vmm';

export interface GuestFile {
  name: string;
  bytes: Uint8Array;
  /** 'elf' rejects anything that is not a valid RISC-V ELF; 'auto' (default) takes non-ELF files as raw images. */
  format?: 'elf' | 'auto';
}

export interface BootOptions {
  /** 'none': the kernel runs in M-mode; 'builtin': Ringside's SBI firmware; or a firmware image. */
  bios: 'none' | 'builtin' | GuestFile;
  kernel?: GuestFile;
  /** Kernel command line (/chosen/bootargs). */
  append?: string;
  /** 'bare' (default): the kernel runs on the board itself. 'hw': it runs as a VS-mode guest under Ringside's
   *  VMM (H extension), on the built-in firmware; construct the machine with hostRamSize('hw', guest RAM). */
  mode?: BootMode;
}

export type BootMode = 'bare' | 'hw';

/** Host RAM a machine needs for `guestRamSize` bytes of guest RAM: under hw, the VMM's area lies above it. */
export function hostRamSize(mode: BootMode, guestRamSize: number): number {
  return mode === 'hw' ? guestRamSize + HW_VMM_RESERVE : guestRamSize;
}

export interface LoadedImage {
  name: string;
  role: 'bios' | 'kernel';
  base: number;
  entry: number;
  /** Present for ELF images: symbols and DWARF for the debugger. */
  elf?: ElfImage;
}

export interface BootResult {
  images: LoadedImage[];
  dtbAddress: number;
  /** The VMM under `mode: 'hw'`. */
  vmm?: HwVmm;
  /** Where the harts start executing (the reset vector, the kernel, or the built-in firmware's kernel entry). */
  resetPc: number;
}

export class BootError extends Error {}

const MIB = 1024 * 1024;
/** The ISA string the DTB advertises: what the engine implements. */
export const ISA_STRING = 'rv64imac_zicsr_zifencei_sstc';

function isElf(b: Uint8Array): boolean {
  return b.length >= 4 && b[0] === 0x7f && b[1] === 0x45 && b[2] === 0x4c && b[3] === 0x46;
}

/** Loads an image: ELF at its physical addresses, a raw binary at `rawBase`. */
export function loadImage(m: Machine, file: GuestFile, role: 'bios' | 'kernel', rawBase: number): LoadedImage {
  if (isElf(file.bytes) || file.format === 'elf') {
    const elf = parseElf(file.bytes, file.name);
    m.loadElfSegments(elf, file.name);
    const base = Math.min(...elf.segments.map((s) => s.paddr));
    return { name: file.name, role, base, entry: elf.entry, elf };
  }
  if (file.bytes.length === 0) throw new BootError(`${file.name}: empty image`);
  m.loadRaw(file.bytes, rawBase, file.name);
  return { name: file.name, role, base: rawBase, entry: rawBase };
}

/** QEMU's reset vector (0x1000): a0 = mhartid, a1 = DTB, a2 = fw_dynamic info, then jump to the firmware.
 *  The instruction sequence is the obvious one; the data words follow it (OpenSBI fw_dynamic reads a2). */
function resetVector(start: number, dtb: number, next: number): Uint8Array {
  const words = [
    0x00000297, // auipc t0, 0
    0x02828613, // addi  a2, t0, 40   (fw_dynamic_info)
    0xf1402573, // csrr  a0, mhartid
    0x0202b583, // ld    a1, 32(t0)   (DTB address)
    0x0182b283, // ld    t0, 24(t0)   (firmware entry)
    0x00028067, // jr    t0
  ];
  const b = new Uint8Array(40 + 48);
  const v = new DataView(b.buffer);
  words.forEach((w, i) => v.setUint32(i * 4, w, true));
  v.setBigUint64(24, BigInt(start), true);
  v.setBigUint64(32, BigInt(dtb), true);
  // struct fw_dynamic_info: magic "OSBI", version 2, next_addr, next_mode (1 = S), options, boot_hart
  v.setBigUint64(40, 0x4942534fn, true);
  v.setBigUint64(48, 2n, true);
  v.setBigUint64(56, BigInt(next), true);
  v.setBigUint64(64, 1n, true);
  v.setBigUint64(72, 0n, true);
  v.setBigUint64(80, 0n, true);
  return b;
}

export function bootMachine(m: Machine, o: BootOptions): BootResult {
  if (o.mode === 'hw') return bootHw(m, o);
  const dtb = buildVirtDtb({
    harts: m.harts.length, ramBase: m.ram.base, ramSize: m.ram.size, isa: ISA_STRING,
    mmuType: 'riscv,sv48', bootargs: o.append, virtioSlots: 8, timebaseHz: VIRT_TIMEBASE_HZ, hasSstc: true,
  });
  const dtbAddress = virtDtbAddress(m.ram.base, m.ram.size, dtb.length);
  const images: LoadedImage[] = [];
  let resetPc: number;
  if (o.bios === 'none') {
    if (!o.kernel) throw new BootError('--bios none needs --kernel');
    const k = loadImage(m, o.kernel, 'kernel', VIRT.dram.base);
    images.push(k);
    resetPc = k.entry;
    for (const h of m.harts) { h.pc = k.entry; h.setX(10, BigInt(h.id)); h.setX(11, BigInt(dtbAddress)); }
  } else if (o.bios === 'builtin') {
    if (!o.kernel) throw new BootError('the built-in firmware needs --kernel (or give --bios FILE)');
    const k = loadImage(m, o.kernel, 'kernel', VIRT.dram.base + 2 * MIB);
    images.push(k);
    m.firmware = new SbiFirmware(m.firmwarePlatform());
    m.firmware.boot(k.entry, dtbAddress);
    resetPc = k.entry;
  } else {
    const fw = loadImage(m, o.bios, 'bios', VIRT.dram.base);
    images.push(fw);
    let next = 0;
    if (o.kernel) {
      // A raw kernel goes at the first 2 MiB boundary after the firmware (QEMU's riscv_calc_kernel_start_addr).
      const fwEnd = fw.elf ? Math.max(...fw.elf.segments.map((s) => s.paddr + s.memSize)) : fw.base + o.bios.bytes.length;
      const k = loadImage(m, o.kernel, 'kernel', Math.ceil(fwEnd / (2 * MIB)) * 2 * MIB);
      images.push(k);
      next = k.entry;
    }
    m.attachResetRom(new Rom('mrom', resetVector(fw.entry, dtbAddress, next), VIRT.mrom.size));
    resetPc = VIRT.mrom.base;
    for (const h of m.harts) h.pc = resetPc;
  }
  // The DTB goes in last: an image overlapping it is a user error QEMU also rejects.
  for (const img of images) {
    const end = img.elf ? Math.max(...img.elf.segments.map((s) => s.paddr + s.memSize)) : img.base;
    if (end > dtbAddress) throw new BootError(`${img.name}: overlaps the device tree at 0x${dtbAddress.toString(16)}; give the guest more memory (-m)`);
  }
  m.loadRaw(dtb, dtbAddress, 'device tree');
  return { images, dtbAddress, resetPc };
}

/** hw mode: the built-in firmware at M, the VMM at HS, the kernel as a VS-mode guest that sees a virt board with
 *  guest RAM only (its DTB says so) and the devices the VMM emulates. */
function bootHw(m: Machine, o: BootOptions): BootResult {
  if (o.bios !== 'builtin') throw new BootError('--mode hw runs the kernel under the built-in firmware: leave out --bios');
  if (!o.kernel) throw new BootError('--mode hw needs --kernel (an S-mode kernel to run as the guest)');
  const guestBytes = m.ram.size - HW_VMM_RESERVE;
  if (guestBytes < 4 * MIB || guestBytes % (2 * MIB) !== 0) {
    // The G stage maps guest RAM in 2 MiB megapages, and the kernel loads 2 MiB in.
    throw new BootError(`--mode hw needs guest memory in whole 2 MiB units, at least 4 MiB (-m ${guestBytes / MIB}M)`);
  }
  const vmm = new HwVmm(m);
  const guestRam = vmm.guestRamSize;
  const dtb = buildVirtDtb({
    harts: m.harts.length, ramBase: m.ram.base, ramSize: guestRam, isa: ISA_STRING,
    mmuType: 'riscv,sv48', bootargs: o.append, virtioSlots: 8, timebaseHz: VIRT_TIMEBASE_HZ, hasSstc: true,
  });
  const dtbAddress = virtDtbAddress(m.ram.base, guestRam, dtb.length);
  const k = loadImage(m, o.kernel, 'kernel', VIRT.dram.base + 2 * MIB);
  const end = k.elf ? Math.max(...k.elf.segments.map((s) => s.paddr + s.memSize)) : k.base + o.kernel.bytes.length;
  if (end > dtbAddress) throw new BootError(`${k.name}: overlaps the device tree at 0x${dtbAddress.toString(16)}; give the guest more memory (-m)`);
  m.loadRaw(dtb, dtbAddress, 'device tree');
  m.firmware = new SbiFirmware(m.firmwarePlatform());
  m.firmware.boot(vmm.entryVector, 0);
  m.attachVmm(vmm);
  vmm.boot(k.entry, dtbAddress);
  return { images: [k], dtbAddress, resetPc: k.entry, vmm };
}
