// --trace: one line per instruction, close to Spike's `-l --log-commits`:
//   core   0: 3 0x0000000080000000 (0x00000297) auipc   t0,0x0                    x5  0x0000000080000000
import { Hart } from '../engine/cpu/hart';
import { disassemble } from '../engine/isa/disassembler';
import { lookup } from '../engine/isa/decoder';
import { Machine } from '../engine/machine';

const hex64 = (v: bigint) => '0x' + BigInt.asUintN(64, v).toString(16).padStart(16, '0');

/** Reads the instruction at the hart's pc without side effects; undefined when it cannot be fetched. */
function peek(m: Machine, h: Hart): number | undefined {
  const pc = h.getPc();
  const read16 = (a: bigint): number | undefined => {
    const off = Number(a) - m.ram.base;
    if (off < 0 || off + 2 > m.ram.size) return undefined;
    return m.ram.view.getUint16(off, true);
  };
  const lo = read16(pc);
  if (lo === undefined) return undefined;
  if ((lo & 3) !== 3) return lo;
  const hi = read16(pc + 2n);
  return hi === undefined ? undefined : (lo | (hi << 16)) >>> 0;
}

export function traceLine(m: Machine, h: Hart, before: { pc: bigint; priv: number; regs: bigint[]; raw?: number }): string {
  const raw = before.raw;
  const rawText = raw === undefined ? '(??????????)' : `(0x${raw.toString(16).padStart((raw & 3) === 3 ? 8 : 4, '0')})`;
  const text = raw === undefined ? '<fetch fault>' : disassemble(raw, before.pc).text.replace('\t', ' '.repeat(1)).padEnd(32);
  let line = `core ${String(h.id).padStart(3)}: ${before.priv} ${hex64(before.pc)} ${rawText} ${text}`;
  for (let i = 1; i < 32; i++) {
    const v = h.getX(i);
    if (v !== before.regs[i]) line += ` x${String(i).padEnd(2)} ${hex64(v)}`;
  }
  const def = raw === undefined ? undefined : lookup(raw);
  if (def?.flags.memory?.kind === 'store' && h.getPc() !== before.pc && h.priv === before.priv) line += ' (store)';
  return line;
}

export function snapshot(m: Machine, h: Hart) {
  return { pc: h.getPc(), priv: h.priv as number, regs: Array.from({ length: 32 }, (_, i) => h.getX(i)), raw: peek(m, h) };
}
