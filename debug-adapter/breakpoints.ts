// Source, function and instruction breakpoints with conditions, hit counts and log messages, placed through
// Machine.addBreakpoint (compiled into the decoded instruction: no per-instruction check while running).
import * as path from 'path';
import { DebugProtocol } from '@vscode/debugprotocol';
import { Hart } from '../engine/cpu/hart';
import { Machine } from '../engine/machine';
import { EvalError, Expression, formatValue, parseHitCondition, parseLogMessage } from './expression';
import { hartScope, knownName } from './state';
import { DebugImage } from './images';
import { hex, Target } from './target';

/** Engine breakpoint addresses shared by several owners (user breakpoints, the stepper's return watch). */
export class BreakpointSites {
  private readonly owners = new Map<number, Map<string, number>>();

  constructor(private readonly machine: Machine) {}

  add(addr: number, owner: string): void {
    let m = this.owners.get(addr);
    if (!m) {
      this.owners.set(addr, m = new Map());
      this.machine.addBreakpoint(BigInt(addr));
    }
    m.set(owner, (m.get(owner) ?? 0) + 1);
  }

  remove(addr: number, owner: string): void {
    const m = this.owners.get(addr);
    const n = m?.get(owner);
    if (!m || n === undefined) return;
    if (n > 1) m.set(owner, n - 1); else m.delete(owner);
    if (m.size === 0) {
      this.owners.delete(addr);
      this.machine.removeBreakpoint(BigInt(addr));
    }
  }

  addresses(): number[] {
    return [...this.owners.keys()];
  }
}

export type BreakpointKind = 'source' | 'function' | 'instruction';

interface Placed {
  id: number;
  kind: BreakpointKind;
  /** Identity across repeated setBreakpoints calls, so hit counts survive edits of other breakpoints. */
  key: string;
  addresses: number[];
  verified: boolean;
  message?: string;
  line?: number;
  source?: DebugProtocol.Source;
  instructionReference?: string;
  condition?: Expression;
  hitCondition?: (hits: number) => boolean;
  log?: (string | Expression)[];
  hits: number;
  /** As requested, for placing again after a restart. */
  spec: { condition?: string; hitCondition?: string; logMessage?: string };
  describe: string;
}

export interface HitResult {
  stop: boolean;
  reason: 'breakpoint' | 'function breakpoint' | 'instruction breakpoint';
  ids: number[];
  /** Log-point output and condition errors, one line each. */
  output: string[];
}

const REASON: Record<BreakpointKind, HitResult['reason']> = {
  source: 'breakpoint', function: 'function breakpoint', instruction: 'instruction breakpoint',
};

/** Parses a DAP memory reference ("0x80000000" or decimal) plus a byte offset. */
export function parseMemoryReference(ref: unknown, offset: unknown = 0): number {
  if (typeof ref !== 'string' || !MEMORY_REFERENCE.test(ref)) {
    throw new EvalError(`'${String(ref)}' is not a memory reference (expected an address such as 0x80000000, or v:0x… / p:0x… for a virtual / physical one)`);
  }
  if (offset !== undefined && (typeof offset !== 'number' || !Number.isSafeInteger(offset))) {
    throw new EvalError(`offset ${String(offset)} is not a whole number`);
  }
  const v = BigInt(ref.trim().replace(/^[pv]:/i, '')) + BigInt(offset ?? 0);
  if (v < 0n || v >= 1n << 64n) throw new EvalError(`address ${v} is outside the 64-bit address space`);
  return Number(BigInt.asIntN(64, v));
}

/** An address, optionally marked `v:` (guest virtual, as the focused hart translates a load now) or `p:` (guest
 *  physical, the default for readMemory/writeMemory). */
const MEMORY_REFERENCE = /^\s*([pvPV]:)?(0[xX][0-9a-fA-F]+|\d+)\s*$/;

/** The address space a memory reference names for readMemory/writeMemory. */
export function memorySpace(ref: string): 'physical' | 'virtual' {
  return /^\s*[vV]:/.test(ref) ? 'virtual' : 'physical';
}

export class BreakpointManager {
  private nextId = 1;
  private readonly bySource = new Map<string, Placed[]>();
  private functions: Placed[] = [];
  private instructions: Placed[] = [];
  private target: Target | undefined;
  private sites: BreakpointSites | undefined;
  private readonly byAddress = new Map<number, Placed[]>();

  /** Binds to a (new) target and places every breakpoint again; returns those whose state changed. */
  attach(target: Target, sites: BreakpointSites): DebugProtocol.Breakpoint[] {
    this.target = target;
    this.sites = sites;
    this.byAddress.clear();
    const changed: DebugProtocol.Breakpoint[] = [];
    for (const p of this.all()) {
      const before = JSON.stringify(this.toDap(p));
      p.addresses = [];
      this.place(p);
      if (JSON.stringify(this.toDap(p)) !== before) changed.push(this.toDap(p));
    }
    return changed;
  }

  detach(): void {
    this.target = undefined;
    this.sites = undefined;
    this.byAddress.clear();
  }

  all(): Placed[] {
    return [...[...this.bySource.values()].flat(), ...this.functions, ...this.instructions];
  }

  /** setBreakpoints: replaces the breakpoints of one source file (DAP "SetBreakpoints Request"). */
  setSource(source: DebugProtocol.Source, requested: readonly DebugProtocol.SourceBreakpoint[]): DebugProtocol.Breakpoint[] {
    const file = path.resolve(source.path ?? '');
    const old = this.bySource.get(file) ?? [];
    const placed = requested.map((b) => this.reuse(old, {
      kind: 'source', key: `${b.line}:${b.column ?? 0}:${b.condition ?? ''}:${b.hitCondition ?? ''}:${b.logMessage ?? ''}`,
      line: b.line, source: { name: path.basename(file), path: file }, spec: b, describe: `${path.basename(file)}:${b.line}`,
    }));
    this.replace(old, placed);
    this.bySource.set(file, placed);
    return placed.map((p) => this.toDap(p));
  }

  setFunctions(requested: readonly DebugProtocol.FunctionBreakpoint[]): DebugProtocol.Breakpoint[] {
    const placed = requested.map((b) => this.reuse(this.functions, {
      kind: 'function', key: `${b.name}:${b.condition ?? ''}:${b.hitCondition ?? ''}`, spec: b, describe: b.name,
    }));
    this.replace(this.functions, placed);
    this.functions = placed;
    return placed.map((p) => this.toDap(p));
  }

  setInstructions(requested: readonly DebugProtocol.InstructionBreakpoint[]): DebugProtocol.Breakpoint[] {
    const placed = requested.map((b) => this.reuse(this.instructions, {
      kind: 'instruction', key: `${b.instructionReference}:${b.offset ?? 0}:${b.condition ?? ''}:${b.hitCondition ?? ''}`,
      instructionReference: b.instructionReference, spec: { ...b, offset: b.offset } as Placed['spec'],
      describe: `${b.instructionReference}${b.offset ? `+${b.offset}` : ''}`,
    }));
    this.replace(this.instructions, placed);
    this.instructions = placed;
    return placed.map((p) => this.toDap(p));
  }

  /** Evaluates the breakpoints at `addr` for a hart that reached it (DAP semantics: condition, then hit
   *  count, then log message instead of stopping). A condition that cannot be evaluated stops, with why. */
  hit(addr: number, h: Hart): HitResult {
    const result: HitResult = { stop: false, reason: 'breakpoint', ids: [], output: [] };
    const list = this.byAddress.get(addr);
    if (!list || !this.target) return result;
    const scope = hartScope(this.target, h);
    for (const p of list) {
      if (p.condition) {
        let ok: boolean;
        try {
          ok = p.condition.test(scope);
        } catch (e) {
          result.output.push(`breakpoint ${p.id} (${p.describe}): condition '${p.condition.text}' failed: ${(e as Error).message}; stopping`);
          ok = true;
        }
        if (!ok) continue;
      }
      p.hits++;
      if (p.hitCondition && !p.hitCondition(p.hits)) continue;
      if (p.log) {
        result.output.push(p.log.map((part) => {
          if (typeof part === 'string') return part;
          try {
            const v = part.evaluate(scope);
            return typeof v === 'string' ? v : formatValue(v);
          } catch (e) {
            return `<${(e as Error).message}>`;
          }
        }).join(''));
        continue;
      }
      if (!result.stop) result.reason = REASON[p.kind];
      result.stop = true;
      result.ids.push(p.id);
    }
    return result;
  }

  /** Lines of a source with code (in any symbol file), for the breakpointLocations request. */
  locations(source: DebugProtocol.Source, line: number, endLine: number): number[] {
    if (!this.target || !source.path) return [];
    const out = new Set<number>();
    for (const { image, files } of this.filesFor(source.path)) {
      for (const f of files) for (const l of image.lines!.linesOf(f)) if (l >= line && l <= endLine) out.add(l);
    }
    return [...out].sort((a, b) => a - b);
  }

  /** The line-table paths of every symbol file that name a host source file. */
  private filesFor(clientPath: string): { image: DebugImage; files: string[] }[] {
    return this.target!.images.withLines
      .map((image) => ({ image, files: image.sources.filesFor(clientPath, image.lines!.files()) }))
      .filter((x) => x.files.length > 0);
  }

  private reuse(old: Placed[], init: Omit<Placed, 'id' | 'addresses' | 'verified' | 'hits'>): Placed {
    const prev = old.find((o) => o.key === init.key);
    return { ...init, id: prev?.id ?? this.nextId++, addresses: [], verified: false, hits: prev?.hits ?? 0 };
  }

  private replace(old: Placed[], placed: Placed[]): void {
    for (const p of old) this.unplace(p);
    for (const p of placed) this.place(p);
  }

  private unplace(p: Placed): void {
    for (const a of p.addresses) {
      this.sites?.remove(a, `bp${p.id}`);
      const list = this.byAddress.get(a)?.filter((x) => x !== p) ?? [];
      if (list.length) this.byAddress.set(a, list); else this.byAddress.delete(a);
    }
    p.addresses = [];
  }

  /** Resolves the breakpoint's addresses and options, recording why when it cannot be verified. */
  private place(p: Placed): void {
    p.verified = false;
    p.message = undefined;
    const t = this.target;
    if (!t || !this.sites) { p.message = 'the program is not loaded yet'; return; }
    try {
      p.condition = p.spec.condition ? this.checked(new Expression(p.spec.condition), 'condition') : undefined;
      p.hitCondition = p.spec.hitCondition ? parseHitCondition(p.spec.hitCondition) : undefined;
      p.log = p.spec.logMessage ? parseLogMessage(p.spec.logMessage) : undefined;
      for (const part of p.log ?? []) if (typeof part !== 'string') this.checked(part, 'log message');
    } catch (e) {
      if (!(e instanceof EvalError)) throw e;
      p.message = e.message;
      return;
    }
    const addresses = p.kind === 'source' ? this.resolveSource(p) : p.kind === 'function' ? this.resolveFunction(p) : this.resolveInstruction(p);
    if (!addresses) return;
    p.addresses = addresses;
    p.verified = true;
    for (const a of addresses) {
      this.sites.add(a, `bp${p.id}`);
      this.byAddress.set(a, [...(this.byAddress.get(a) ?? []), p]);
    }
  }

  private checked(e: Expression, what: string): Expression {
    for (const n of e.names) {
      if (!knownName(this.target!, n)) throw new EvalError(`${what} '${e.text}': no register, CSR or symbol named '${n}'`);
    }
    return e;
  }

  private resolveSource(p: Placed): number[] | undefined {
    const t = this.target!;
    if (!t.hasLines) { p.message = t.images.lineProblem(); return undefined; }
    const found = this.filesFor(p.source!.path!);
    if (found.length === 0) {
      p.message = `${p.source!.name} is not part of ${t.images.withLines.map((i) => i.name).join(', ')} (no line-table entries for it)`;
      return undefined;
    }
    const want = p.line!;
    const candidates = [...new Set(found.flatMap(({ image, files }) => files.flatMap((f) => image.lines!.linesOf(f))))].sort((a, b) => a - b);
    const actual = candidates.find((l) => l >= want);
    if (actual === undefined) {
      p.message = `no code at or after line ${want} of ${p.source!.name} (its last line with code is ${candidates[candidates.length - 1]})`;
      return undefined;
    }
    // One location per function and symbol file: the first statement of the line there (gdb places one per
    // inlined copy too); the same source linked into two files (or one file at two offsets) gets one in each.
    const perFunction = new Map<string, number>();
    for (const { image, files } of found) {
      for (const a of files.flatMap((f) => image.addressesFor(f, actual))) {
        const fn = `${image.file}@${image.offset}:${image.locatedSymbols.nearest(a)?.sym.name ?? `@${a}`}`;
        const prev = perFunction.get(fn);
        if (prev === undefined || a < prev) perFunction.set(fn, a);
      }
    }
    const addresses = [...perFunction.values()].sort((a, b) => a - b);
    // Where the stop will be shown: at an address shared by several rows the line table names the last
    // statement there (a declaration's row often shares its address with the first statement after it).
    const shown = t.location(addresses[0]);
    p.line = shown && found.some((x) => x.files.includes(shown.file)) ? shown.line : actual;
    if (p.line !== want) p.message = `moved from line ${want} to line ${p.line}, where its code starts`;
    return addresses;
  }

  /** A symbol name (in every symbol file that defines it: U-Boot's ELF given at two offsets, before and after
   *  its relocation, gets a location at each) or `*0xADDR`. */
  private resolveFunction(p: Placed): number[] | undefined {
    const t = this.target!;
    const name = (p.spec as DebugProtocol.FunctionBreakpoint).name.trim();
    let addresses: number[];
    if (/^\*?(0[xX][0-9a-fA-F]+)$/.test(name)) addresses = [Number(BigInt(name.replace('*', '')))];
    else {
      const found = t.images.lookupAll(name);
      if (found.length === 0) {
        const names = t.images.images.filter((i) => i.symbolSource !== 'none').map((i) => i.name);
        p.message = `no function named '${name}' in ${names.length ? names.join(', ') : 'any symbol file (the guest has none)'}`;
        return undefined;
      }
      const funcs = found.filter((f) => f.sym.kind !== 'object');
      if (funcs.length === 0) { p.message = `'${name}' is a data object, not a function`; return undefined; }
      addresses = [...new Set(funcs.map((f) => f.sym.addr))];
    }
    const loc = t.location(addresses[0]);
    if (loc?.hostPath) { p.source = { name: path.basename(loc.hostPath), path: loc.hostPath }; p.line = loc.line; }
    p.instructionReference = hex(addresses[0]);
    if (addresses.length > 1) p.message = `${addresses.length} locations: ${addresses.map(hex).join(', ')}`;
    return addresses;
  }

  private resolveInstruction(p: Placed): number[] | undefined {
    const t = this.target!;
    const spec = p.spec as unknown as DebugProtocol.InstructionBreakpoint;
    let addr: number;
    try {
      addr = parseMemoryReference(spec.instructionReference, spec.offset ?? 0);
    } catch (e) {
      p.message = (e as Error).message;
      return undefined;
    }
    if (addr % 2 !== 0) { p.message = `${hex(addr)} is odd: instructions are 2-byte aligned`; return undefined; }
    // Any even address: a pc is a virtual address (user code at 0x10000, the reset vector in ROM at 0x1000).
    const loc = t.location(addr);
    if (loc?.hostPath) { p.source = { name: path.basename(loc.hostPath), path: loc.hostPath }; p.line = loc.line; }
    return [addr];
  }

  toDap(p: Placed): DebugProtocol.Breakpoint {
    const b: DebugProtocol.Breakpoint = { id: p.id, verified: p.verified };
    if (p.message) b.message = p.message;
    if (p.source && p.line !== undefined) { b.source = p.source; b.line = p.line; }
    if (p.kind !== 'source' && p.addresses.length > 0) b.instructionReference = hex(p.addresses[0]);
    else if (p.kind === 'instruction') b.instructionReference = p.instructionReference;
    return b;
  }

  /** One line per breakpoint, for `info breakpoints`. */
  describe(): string[] {
    return this.all().map((p) => `${p.id}\t${p.kind}\t${p.describe}\t${p.verified ? p.addresses.map(hex).join(', ') : `unverified: ${p.message}`}` +
      `${p.condition ? `\tif ${p.condition.text}` : ''}${p.spec.hitCondition ? `\thits ${p.spec.hitCondition}` : ''}\thit ${p.hits} times`);
  }
}
