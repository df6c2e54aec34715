// Data breakpoints (DAP dataBreakpointInfo / setDataBreakpoints) on the engine's physical-RAM watchpoints
// (Machine.addWatchpoint). A data breakpoint names guest virtual memory as a hart sees it; it is translated to
// physical RAM once, when it is set (as the hart would translate a load then, side-effect free: target.ts), and
// those physical ranges are watched from then on, across guest resets and restarts.
import { DebugProtocol } from '@vscode/debugprotocol';
import { Hart } from '../engine/cpu/hart';
import { csrByName } from '../engine/isa/csr-table';
import { disassemble } from '../engine/isa/disassembler';
import { registerNumber } from '../engine/isa/registers';
import { StopReason } from '../engine/machine';
import { EvalError, Expression, parseHitCondition } from './expression';
import { hartScope, knownName } from './state';
import { hex, Target } from './target';

export type DataAccess = 'read' | 'write' | 'readWrite';
export type WatchHit = Extract<StopReason, { kind: 'watchpoint' }>;

const ACCESS_TYPES: DataAccess[] = ['read', 'write', 'readWrite'];
/** Bytes one data breakpoint may watch (the engine keeps watched pages off the TLB fast path). */
export const MAX_DATA_BYTES = 1 << 20;

/** dataId: `va:0x80001000:8@0` = 8 bytes at guest virtual 0x80001000, as hart 0 translates them. */
const DATA_ID = /^va:0x([0-9a-f]+):(\d+)@(\d+)$/;

export function dataIdOf(va: bigint, size: number, hartId: number): string {
  return `va:${hex(va)}:${size}@${hartId}`;
}

/** A piece of the watched memory: guest virtual address and the physical RAM it was translated to. */
interface Range { va: bigint; pa: number; len: number }

interface PlacedData {
  id: number;
  key: string;
  spec: DebugProtocol.DataBreakpoint;
  accessType: DataAccess;
  /** From the dataId (undefined when it could not be parsed). */
  va?: bigint;
  len?: number;
  hartId?: number;
  /** Physical RAM, translated once (at set time, or when first loaded); kept across resets. */
  ranges?: Range[];
  /** Engine watchpoint ids on the current machine. */
  engineIds: number[];
  verified: boolean;
  message?: string;
  condition?: Expression;
  hitCondition?: (hits: number) => boolean;
  hits: number;
  describe: string;
}

export interface DataHitResult {
  stop: boolean;
  ids: number[];
  /** Condition errors, one line each. */
  output: string[];
  description: string;
  text: string;
}

export class DataBreakpointManager {
  private nextId = 1_000_000; // apart from the other breakpoints' ids (they share the client's id space)
  private list: PlacedData[] = [];
  private target: Target | undefined;

  /** Binds to a (new) machine and watches every data breakpoint's RAM again; returns those whose state changed. */
  attach(target: Target): DebugProtocol.Breakpoint[] {
    this.target = target;
    const changed: DebugProtocol.Breakpoint[] = [];
    for (const p of this.list) {
      const before = JSON.stringify(this.toDap(p));
      p.engineIds = [];
      this.place(p);
      if (JSON.stringify(this.toDap(p)) !== before) changed.push(this.toDap(p));
    }
    return changed;
  }

  /**
   * dataBreakpointInfo: what `name` designates. With a variablesReference, a variable of the Registers, CSRs
   * or other scopes: none has an address. Otherwise an expression: a symbol (its address and size), a memory
   * read `*(T*)addr` (addr and T's size), or with `asAddress` an address; `bytes` sets the size.
   */
  info(args: DebugProtocol.DataBreakpointInfoArguments, h: Hart): DebugProtocol.DataBreakpointInfoResponse['body'] {
    const t = this.requireTarget();
    const none = (description: string): DebugProtocol.DataBreakpointInfoResponse['body'] => ({ dataId: null, description });
    if (typeof args.name !== 'string' || args.name.trim() === '') throw new EvalError('dataBreakpointInfo needs a name');
    const name = args.name.trim();
    if (args.bytes !== undefined && (!Number.isSafeInteger(args.bytes) || args.bytes < 1 || args.bytes > MAX_DATA_BYTES)) {
      throw new EvalError(`bytes ${String(args.bytes)} is not between 1 and ${MAX_DATA_BYTES}`);
    }
    if (args.variablesReference !== undefined && args.variablesReference !== 0) {
      return none(`${name} is a register or a view of the hart's state: it has no memory address to watch ` +
        `(watch what it points to instead, e.g. *(uint64_t*)${/^[A-Za-z_]\w*$/.test(name) ? name : 'a0'})`);
    }
    let va: bigint, size: number, what: string, persist = false;
    if (args.asAddress) {
      if (!/^(0[xX][0-9a-fA-F]+|\d+)$/.test(name)) throw new EvalError(`'${name}' is not an address (expected 0x… or a decimal number)`);
      va = BigInt(name);
      if (va >= 1n << 64n) throw new EvalError(`address ${name} is outside the 64-bit address space`);
      size = args.bytes ?? 1;
      what = hex(va);
    } else {
      const scope = hartScope(t, h);
      const d = new Expression(name).designates(scope);
      if (!d) return none(`'${name}' is a computed value, not memory: watch a symbol, *(type*)address, or an address`);
      if (d.kind === 'name') {
        const n = d.name;
        if (n === 'pc' || n === 'priv' || n === 'fp' || registerNumber(n) !== undefined) {
          return none(`${n} is a register: registers have no memory address to watch`);
        }
        if (csrByName(n)?.implemented) return none(`${n} is a CSR: CSRs have no memory address to watch`);
        const sym = t.lookupSymbol(n);
        if (!sym) {
          if (!knownName(t, n)) throw new EvalError(`no register, CSR or symbol named '${n}'`);
          return none(`${n} has no address`);
        }
        va = BigInt.asUintN(64, BigInt(sym.addr));
        size = args.bytes ?? (sym.size > 0 ? sym.size : 8);
        what = sym.size > 0 || args.bytes !== undefined ? n : `${n} (no size in the symbol table: 8 bytes)`;
        persist = true;
      } else {
        va = d.address;
        size = args.bytes ?? d.size;
        what = name;
      }
    }
    if (size > MAX_DATA_BYTES) return none(`${what} is ${size} bytes: at most ${MAX_DATA_BYTES} can be watched`);
    return {
      dataId: dataIdOf(va, size, h.id),
      description: `${what}: ${size} byte${size === 1 ? '' : 's'} at ${hex(va)}`,
      accessTypes: ACCESS_TYPES,
      canPersist: persist,
    };
  }

  /** setDataBreakpoints: replaces the whole set (DAP "SetDataBreakpoints Request"). */
  set(requested: readonly DebugProtocol.DataBreakpoint[]): DebugProtocol.Breakpoint[] {
    const old = this.list;
    for (const p of old) this.unplace(p);
    this.list = requested.map((b) => {
      const accessType = (b.accessType ?? 'write') as DataAccess;
      const key = `${b.dataId}:${accessType}:${b.condition ?? ''}:${b.hitCondition ?? ''}`;
      const prev = old.find((o) => o.key === key);
      const p: PlacedData = {
        id: prev?.id ?? this.nextId++, key, spec: b, accessType, engineIds: [], verified: false, hits: prev?.hits ?? 0,
        describe: String(b.dataId),
      };
      const m = typeof b.dataId === 'string' ? DATA_ID.exec(b.dataId) : null;
      if (!ACCESS_TYPES.includes(accessType)) p.message = `unknown accessType '${String(b.accessType)}' (read, write or readWrite)`;
      else if (!m) p.message = `unknown dataId ${JSON.stringify(b.dataId)}: ask dataBreakpointInfo for one`;
      else {
        p.va = BigInt('0x' + m[1]);
        p.len = Number(m[2]);
        p.hartId = Number(m[3]);
        p.describe = `${hex(p.va)}+${p.len}`;
        if (p.len < 1 || p.len > MAX_DATA_BYTES) { p.message = `${p.len} bytes: between 1 and ${MAX_DATA_BYTES} can be watched`; p.va = undefined; }
        // The same data breakpoint set again keeps the physical memory it was translated to.
        else if (prev?.ranges) p.ranges = prev.ranges;
      }
      return p;
    });
    for (const p of this.list) if (p.va !== undefined) this.place(p);
    return this.list.map((p) => this.toDap(p));
  }

  /** Evaluates the data breakpoints an engine watchpoint stop concerns (condition, then hit count). */
  hit(r: WatchHit): DataHitResult {
    const t = this.requireTarget();
    const h = t.hart(r.hartId);
    const result: DataHitResult = { stop: false, ids: [], output: [], description: '', text: '' };
    const lo = Number(r.address), hi = lo + r.width;
    let where: { va: bigint; range: Range } | undefined;
    const scope = hartScope(t, h);
    for (const p of this.list) {
      if (!p.verified || !p.ranges) continue;
      if (r.access === 'read' ? p.accessType === 'write' : p.accessType === 'read') continue;
      const range = p.ranges.find((x) => x.pa < hi && lo < x.pa + x.len);
      if (!range) continue;
      if (p.condition) {
        let ok: boolean;
        try {
          ok = p.condition.test(scope);
        } catch (e) {
          result.output.push(`data breakpoint ${p.id} (${p.describe}): condition '${p.condition.text}' failed: ${(e as Error).message}; stopping`);
          ok = true;
        }
        if (!ok) continue;
      }
      p.hits++;
      if (p.hitCondition && !p.hitCondition(p.hits)) continue;
      result.stop = true;
      result.ids.push(p.id);
      where ??= { va: range.va + BigInt(lo - range.pa), range };
    }
    if (result.stop) {
      const va = where!.va;
      const pc = Number(BigInt.asIntN(64, r.pc));
      const sym = t.symbolize(Number(BigInt.asIntN(64, va)));
      const at = `${hex(va)}${sym ? ` (${sym})` : ''}${BigInt(lo) !== va ? ` [physical ${hex(lo)}]` : ''}`;
      const f = t.fetch(h, pc);
      let insn = '';
      if (f) {
        const d = disassemble(f.raw, BigInt.asUintN(64, r.pc), { aliases: true, symbolize: (a: bigint) => t.symbolize(Number(BigInt.asIntN(64, a))) });
        insn = d.operands ? `${d.mnemonic} ${d.operands}` : d.mnemonic;
      }
      const by = `${insn ? `'${insn}' ` : ''}at ${hex(pc)}${t.symbolize(pc) ? ` (${t.symbolize(pc)})` : ''}`;
      result.description = `Data breakpoint: ${r.access} of ${r.width} byte${r.width === 1 ? '' : 's'} at ${at} by ${by}`;
      result.text = `hart ${h.id}: ${r.access} of ${r.width} byte${r.width === 1 ? '' : 's'} at ${at} by ${by}; ` +
        `the instruction has completed (the pc is past it)`;
    }
    return result;
  }

  /** One line per data breakpoint, for `info breakpoints`. */
  describeAll(): string[] {
    return this.list.map((p) => `${p.id}\tdata (${p.accessType})\t${p.describe}\t` +
      `${p.verified ? p.ranges!.map((r) => `phys ${hex(r.pa)}+${r.len}`).join(', ') : `unverified: ${p.message}`}` +
      `${p.condition ? `\tif ${p.condition.text}` : ''}${p.spec.hitCondition ? `\thits ${p.spec.hitCondition}` : ''}\thit ${p.hits} times`);
  }

  private requireTarget(): Target {
    if (!this.target) throw new EvalError('no guest is loaded yet');
    return this.target;
  }

  private unplace(p: PlacedData): void {
    for (const id of p.engineIds) this.target?.machine.removeWatchpoint(id);
    p.engineIds = [];
  }

  private place(p: PlacedData): void {
    p.verified = false;
    if (p.va === undefined) return; // the message says why
    p.message = undefined;
    const t = this.target;
    if (!t) { p.message = 'the program is not loaded yet'; return; }
    try {
      p.condition = p.spec.condition ? new Expression(p.spec.condition) : undefined;
      for (const n of p.condition?.names ?? []) {
        if (!knownName(t, n)) throw new EvalError(`condition '${p.condition!.text}': no register, CSR or symbol named '${n}'`);
      }
      p.hitCondition = p.spec.hitCondition ? parseHitCondition(p.spec.hitCondition) : undefined;
    } catch (e) {
      if (!(e instanceof EvalError)) throw e;
      p.message = e.message;
      return;
    }
    if (!p.ranges) {
      const r = this.translate(t, p);
      if (typeof r === 'string') { p.message = r; return; }
      p.ranges = r;
    }
    const ram = t.guestRam;
    const outside = p.ranges.find((r) => r.pa < ram.base || r.pa + r.len > ram.end);
    if (outside) { p.message = this.notRam(t, outside.va, outside.pa); return; }
    try {
      for (const r of p.ranges) {
        p.engineIds.push(t.machine.addWatchpoint(BigInt(r.pa), r.len, { read: p.accessType !== 'write', write: p.accessType !== 'read' }));
      }
    } catch (e) {
      this.unplace(p);
      p.message = (e as Error).message;
      return;
    }
    p.verified = true;
    const phys = p.ranges.length === 1 && BigInt(p.ranges[0].pa) === p.va ? '' : ` (physical ${p.ranges.map((r) => `${hex(r.pa)}+${r.len}`).join(', ')})`;
    if (phys) p.message = `watching ${hex(p.va)}+${p.len}${phys}, as translated when set`;
  }

  /** Virtual → physical RAM, page by page, as the hart would translate a load now. */
  private translate(t: Target, p: PlacedData): Range[] | string {
    if (p.hartId! >= t.machine.harts.length) return `hart ${p.hartId} does not exist (the machine has ${t.machine.harts.length})`;
    const h = t.hart(p.hartId!);
    const ram = t.guestRam;
    const ranges: Range[] = [];
    let va = p.va!, left = p.len!;
    while (left > 0) {
      const tr = t.translate(h, va, 'load');
      if (tr.fault) return `${hex(va)} is not mapped for hart ${h.id}: ${tr.fault}`;
      const page = tr.pageSize ?? 0;
      const chunk = page > 0 ? Math.min(left, page - Number(va % BigInt(page))) : left;
      if (tr.paddr < ram.base || tr.paddr + chunk > ram.end) return this.notRam(t, va, tr.paddr);
      const last = ranges[ranges.length - 1];
      if (last && last.pa + last.len === tr.paddr) last.len += chunk;
      else ranges.push({ va, pa: tr.paddr, len: chunk });
      va += BigInt(chunk);
      left -= chunk;
    }
    return ranges;
  }

  private notRam(t: Target, va: bigint, pa: number): string {
    const ram = t.guestRam;
    return `${hex(va)}${BigInt(pa) !== va ? ` (physical ${hex(pa)})` : ''} is not guest RAM (RAM is ${hex(ram.base)}–${hex(ram.end)}): ` +
      'only RAM can be watched (device registers cannot)';
  }

  toDap(p: PlacedData): DebugProtocol.Breakpoint {
    const b: DebugProtocol.Breakpoint = { id: p.id, verified: p.verified };
    if (p.message) b.message = p.message;
    return b;
  }
}
