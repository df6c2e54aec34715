// The disassemble request: instructions from guest memory through the engine's disassembler, with symbols,
// instruction bytes and source locations (DAP "Disassemble Request"), including negative instruction offsets.
import * as path from 'path';
import { DebugProtocol } from '@vscode/debugprotocol';
import { Hart } from '../engine/cpu/hart';
import { disassemble } from '../engine/isa/disassembler';
import { hex, Target } from './target';

interface Slot { addr: number; size: number; raw?: number }

/** A known instruction start at or below `addr`: its line-table row or its function's symbol. */
function syncPoint(target: Target, addr: number): number | undefined {
  let best: number | undefined;
  const row = target.rowAt(addr);
  if (row) best = row.address;
  const sym = target.symbolAt(addr);
  if (sym && sym.sym.kind === 'func' && (best === undefined || sym.sym.addr > best)) best = sym.sym.addr;
  return best;
}

function slotAt(target: Target, h: Hart, addr: number): Slot {
  const f = addr >= 0 ? target.fetch(h, addr) : undefined;
  return f ? { addr, size: f.size, raw: f.raw } : { addr, size: 2 };
}

/** Instruction starts from `from` up to (not including) `to`. */
function walk(target: Target, h: Hart, from: number, to: number): Slot[] {
  const out: Slot[] = [];
  for (let a = from; a < to;) {
    const s = slotAt(target, h, a);
    out.push(s);
    a += s.size;
  }
  return out;
}

/** `count` slots ending just below `base`, decoding forward from a sync point far enough back. */
function slotsBefore(target: Target, h: Hart, base: number, count: number): Slot[] {
  let from = base - 4 * count;
  for (let tries = 0; tries < 4; tries++) {
    const sync = syncPoint(target, from);
    const start = sync !== undefined && sync <= from && from - sync < 0x10000 ? sync : from - (from & 1);
    const slots = walk(target, h, start, base);
    // A stream that does not land on base (data in between) is cut at base; what matters is the count.
    if (slots.length >= count || start <= 0) return slots.slice(-count);
    from = start - 4 * (count - slots.length);
  }
  return walk(target, h, base - 2 * count, base);
}

export function disassembleRange(
  target: Target, h: Hart, base: number, instructionOffset: number, count: number, resolveSymbols: boolean,
): DebugProtocol.DisassembledInstruction[] {
  let slots: Slot[];
  if (instructionOffset < 0) {
    const before = slotsBefore(target, h, base, -instructionOffset);
    const after: Slot[] = [];
    let a = base;
    while (before.length + after.length < count) { const s = slotAt(target, h, a); after.push(s); a += s.size; }
    slots = [...before, ...after].slice(0, count);
    while (slots.length < count) slots.unshift({ addr: slots[0].addr - 2, size: 2 }); // below memory: placeholders
  } else {
    let a = base;
    for (let i = 0; i < instructionOffset; i++) a += slotAt(target, h, a).size;
    slots = [];
    for (let i = 0; i < count; i++) { const s = slotAt(target, h, a); slots.push(s); a += s.size; }
  }
  let lastFile: string | undefined;
  return slots.map((s, i) => {
    if (s.raw === undefined) {
      return { address: hex(s.addr < 0 ? 0 : s.addr), instruction: '<unreadable>', presentationHint: 'invalid' } as DebugProtocol.DisassembledInstruction;
    }
    const d = disassemble(s.raw, BigInt.asUintN(64, BigInt(s.addr)), {
      aliases: true, ...(resolveSymbols ? { symbolize: (a: bigint) => target.symbolize(Number(BigInt.asIntN(64, a))) } : {}),
    });
    const out: DebugProtocol.DisassembledInstruction = {
      address: hex(s.addr),
      instructionBytes: s.raw.toString(16).padStart(s.size * 2, '0'),
      instruction: d.operands ? `${d.mnemonic.padEnd(8)} ${d.operands}` : d.mnemonic,
    };
    if (resolveSymbols) {
      const sym = target.symbolAt(s.addr);
      if (sym) out.symbol = sym.sym.name;
    }
    const loc = target.location(s.addr);
    if (loc) {
      if (i === 0 || loc.file !== lastFile) out.location = { name: path.basename(loc.file), ...(loc.hostPath ? { path: loc.hostPath } : {}) };
      out.line = loc.line;
      if (loc.column) out.column = loc.column;
      lastFile = loc.file;
    }
    return out;
  });
}
