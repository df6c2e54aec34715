// The scopes of a stack frame (Registers, CSRs, Privilege, Virtualization, Translation) as DAP variables,
// with setVariable on registers, CSRs and CSR bit fields (DAP "Scopes", "Variables", "SetVariable" requests).
import { DebugProtocol } from '@vscode/debugprotocol';
import { Handles } from '@vscode/debugadapter';
import { Hart } from '../engine/cpu/hart';
import { CsrDef, csrByName } from '../engine/isa/csr-table';
import { registerNumber } from '../engine/isa/registers';
import { CSR_FIELDS, describeField, parseFieldValue, withField } from './csr-fields';
import { EvalError, Expression } from './expression';
import { Locals, LocalsContainer, LocalsFrame } from './locals';
import {
  ABI_NAMES, csrGroup, CsrGroup, describeVirtualPrivilege, H_EXTENSION, hartScope, hex64, IMPLEMENTED_CSRS, modeLabel, PRIVILEGE_LONG, privilegeName,
  readCsr, ringOf, setRegister, virtOf, writeCsr,
} from './state';
import { Target } from './target';
import { exitStreamOf } from './vm-exits';

type Container =
  /** `unwound`: a caller frame's registers as CFI recovered them (read-only; the rest are not recoverable). */
  | { kind: 'registers'; hartId: number; pc: number; unwound?: ReadonlyMap<number, bigint> }
  | { kind: 'csrs'; hartId: number }
  | { kind: 'csrGroup'; hartId: number; group: CsrGroup; subset?: 'pmp' | 'hpm' }
  | { kind: 'fields'; hartId: number; csr: CsrDef }
  | { kind: 'privilege'; hartId: number }
  | { kind: 'virtualization'; hartId: number }
  | { kind: 'translation'; hartId: number }
  | LocalsContainer;

const GROUP_LABEL: Record<CsrGroup, string> = {
  machine: 'machine', supervisor: 'supervisor', hypervisor: 'hypervisor', unprivileged: 'unprivileged (counters)',
};

/** CSR families shown folded in their own node: they are many and mostly zero. */
function subsetOf(c: CsrDef): 'pmp' | 'hpm' | undefined {
  if (/^pmp(cfg|addr)\d+$/.test(c.name)) return 'pmp';
  if (/^(m?hpmcounter|mhpmevent)\d+$/.test(c.name)) return 'hpm';
  return undefined;
}

/** hgatp (Priv §13.2.10): MODE 63:60, VMID 57:44, PPN 43:0 of the 16 KiB root table. */
function describeHgatp(v: bigint): string {
  const mode = Number(v >> 60n), vmid = Number((v >> 44n) & 0x3fffn), root = (v & ((1n << 44n) - 1n)) << 12n;
  const name = mode === 0 ? 'Bare' : mode === 8 ? 'Sv39x4' : mode === 9 ? 'Sv48x4' : `mode ${mode}`;
  return mode === 0 ? `${hex64(v)} (Bare: no G stage)` : `${hex64(v)} (${name}, VMID ${vmid}, root table at 0x${root.toString(16)})`;
}

/** Where an expression or the user gave a register value with a trailing label (" <main+4>"). */
function stripLabel(text: string): string {
  return text.replace(/\s*<[^>]*>\s*$/, '').replace(/\s*\([^)]*\)\s*$/, '').trim();
}

export class Variables {
  private handles = new Handles<Container>();
  readonly locals: Locals;

  constructor(private readonly target: Target) {
    this.locals = new Locals(target);
  }

  /** A handle for a value with children (locals.ts). */
  private readonly ref = (c: LocalsContainer) => this.handles.create(c);

  /** Variable references live only while the hart stays stopped (DAP "Lifetime of Object References"). */
  reset(): void {
    this.handles.reset();
  }

  /** `frame.caller`: the frame's pc is a return address (every frame but the innermost and trapped contexts). */
  scopes(frame: LocalsFrame): DebugProtocol.Scope[] {
    const { hartId, pc, unwound, caller } = frame;
    const scope = (name: string, c: Container, hint?: string, named?: number): DebugProtocol.Scope => ({
      name, variablesReference: this.handles.create(c), expensive: false,
      ...(hint ? { presentationHint: hint } : {}), ...(named !== undefined ? { namedVariables: named } : {}),
    });
    // Only frames in code that .debug_info describes have locals (not assembly, not stripped files).
    return [
      ...(this.locals.hasScope(pc, caller) ? [scope('Locals', frame, 'locals')] : []),
      scope('Registers', { kind: 'registers', hartId, pc, unwound }, 'registers', 33),
      scope('CSRs', { kind: 'csrs', hartId }, 'registers', 4),
      scope('Privilege', { kind: 'privilege', hartId }),
      scope('Virtualization', { kind: 'virtualization', hartId }),
      scope('Translation', { kind: 'translation', hartId }),
    ];
  }

  private container(ref: number): Container {
    const c = this.handles.get(ref);
    if (!c) throw new EvalError(`variablesReference ${ref} is not valid (references expire when execution resumes)`);
    return c;
  }

  variables(ref: number): DebugProtocol.Variable[] {
    const c = this.container(ref);
    const h = this.target.hart(c.hartId);
    switch (c.kind) {
      case 'registers': return this.registers(h, c.pc, c.unwound);
      case 'csrs': return (['machine', 'supervisor', 'hypervisor', 'unprivileged'] as const).map((g) => {
        const n = IMPLEMENTED_CSRS.filter((x) => csrGroup(x) === g).length;
        return {
          name: GROUP_LABEL[g],
          value: n === 0 ? (g === 'hypervisor' ? 'none: the H extension is not implemented yet' : 'none') : `${n} CSRs`,
          variablesReference: n === 0 ? 0 : this.handles.create({ kind: 'csrGroup', hartId: c.hartId, group: g }),
          ...(n ? { namedVariables: n } : {}),
        };
      });
      case 'csrGroup': return this.csrGroup(h, c);
      case 'fields': return this.fields(h, c.csr);
      case 'privilege': return this.privilege(h);
      case 'virtualization': return this.virtualization(h);
      case 'translation': return this.translation(h);
      case 'locals': return this.locals.list(c, this.ref);
      case 'value': return this.locals.children(c, this.ref);
    }
  }

  /** A local of a frame by name, for evaluate and hovers. */
  local(frame: LocalsFrame, name: string): DebugProtocol.Variable | undefined {
    return this.locals.lookup(frame, name, this.ref);
  }

  private registers(h: Hart, framePc: number, unwound?: ReadonlyMap<number, bigint>): DebugProtocol.Variable[] {
    const out: DebugProtocol.Variable[] = [];
    const pc = BigInt.asUintN(64, BigInt(framePc));
    const label = (v: bigint) => {
      const s = this.target.symbolize(Number(BigInt.asIntN(64, v)));
      return s ? ` <${s}>` : '';
    };
    out.push({ name: 'pc', value: hex64(pc) + label(pc), type: 'pc', evaluateName: 'pc', variablesReference: 0, memoryReference: 'v:0x' + pc.toString(16) });
    for (let i = 0; i < 32; i++) {
      const v = unwound ? unwound.get(i) : h.getX(i);
      if (v === undefined) {
        // Caller-saved registers of a caller frame: the callee may have overwritten them, and nothing saved them.
        out.push({ name: ABI_NAMES[i], value: '<not saved>', type: `x${i}`, variablesReference: 0, presentationHint: { attributes: ['readOnly'] } });
        continue;
      }
      out.push({
        name: ABI_NAMES[i], value: hex64(v) + (i === 1 ? label(v) : ''), type: `x${i}`, evaluateName: ABI_NAMES[i],
        variablesReference: 0, memoryReference: 'v:0x' + v.toString(16),
        ...(i === 0 || unwound ? { presentationHint: { attributes: ['readOnly'] } } : {}),
      });
    }
    return out;
  }

  private csrVariable(h: Hart, c: CsrDef): DebugProtocol.Variable {
    const v = readCsr(h, c.addr);
    const fields = CSR_FIELDS[c.name];
    return {
      name: c.name, value: hex64(v), type: `CSR 0x${c.addr.toString(16).padStart(3, '0')}`, evaluateName: c.name,
      variablesReference: fields ? this.handles.create({ kind: 'fields', hartId: h.id, csr: c }) : 0,
      ...(fields ? { namedVariables: fields.length } : {}),
      presentationHint: { kind: 'property', ...(c.readOnly ? { attributes: ['readOnly'] } : {}) },
    };
  }

  private csrGroup(h: Hart, c: Extract<Container, { kind: 'csrGroup' }>): DebugProtocol.Variable[] {
    const members = IMPLEMENTED_CSRS.filter((x) => csrGroup(x) === c.group);
    if (c.subset) return members.filter((x) => subsetOf(x) === c.subset).map((x) => this.csrVariable(h, x));
    const out = members.filter((x) => subsetOf(x) === undefined).map((x) => this.csrVariable(h, x));
    for (const subset of ['pmp', 'hpm'] as const) {
      const n = members.filter((x) => subsetOf(x) === subset).length;
      if (n === 0) continue;
      out.push({
        name: subset === 'pmp' ? 'PMP' : 'performance counters',
        value: subset === 'pmp' ? `${n} CSRs` : `${n} CSRs (hardwired to 0)`,
        variablesReference: this.handles.create({ kind: 'csrGroup', hartId: h.id, group: c.group, subset }),
        namedVariables: n,
      });
    }
    return out;
  }

  private fields(h: Hart, c: CsrDef): DebugProtocol.Variable[] {
    const v = readCsr(h, c.addr);
    return (CSR_FIELDS[c.name] ?? []).map((fd) => ({
      name: fd.name, value: describeField(c.name, fd, v, v), type: fd.summary,
      evaluateName: `(${c.name} >> ${fd.lsb}) & 0x${((1n << BigInt(fd.width)) - 1n).toString(16)}`,
      variablesReference: 0,
      ...(c.readOnly ? { presentationHint: { attributes: ['readOnly'] } } : {}),
    }));
  }

  private privilege(h: Hart): DebugProtocol.Variable[] {
    const ro = { attributes: ['readOnly'] };
    const mstatus = readCsr(h, 0x300);
    const mpp = Number((mstatus >> 11n) & 3n), spp = Number((mstatus >> 8n) & 1n);
    const virt = virtOf(h);
    return [
      { name: 'privilege', value: `${modeLabel(h.priv, virt)} (${virt ? 'virtual ' : ''}${PRIVILEGE_LONG[h.priv]})`, variablesReference: 0, presentationHint: ro },
      { name: 'ring analogy', value: ringOf(h.priv, virt), variablesReference: 0, presentationHint: ro },
      {
        name: 'V (virtualization mode)',
        value: !H_EXTENSION ? '0: no H extension, the hart never runs as a guest (VS/VU)' : virt ? '1: the hart runs a guest (VS/VU)' : '0',
        variablesReference: 0, presentationHint: ro,
      },
      { name: 'virtual privilege', value: describeVirtualPrivilege(this.target, h), variablesReference: 0, presentationHint: ro },
      { name: 'before the last trap into M (mstatus.MPP)', value: privilegeName(mpp), variablesReference: 0, presentationHint: ro },
      { name: 'before the last trap into S (mstatus.SPP)', value: spp ? 'S' : 'U', variablesReference: 0, presentationHint: ro },
      // The guest's own sstatus is vsstatus while V=1 (Priv §13.2.11).
      ...(this.target.config.mode === 'hw' ? [{
        name: 'before the guest\'s last trap (vsstatus.SPP)', value: (readCsr(h, 0x200) >> 8n) & 1n ? 'S' : 'U', variablesReference: 0, presentationHint: ro,
      }] : []),
    ];
  }

  private virtualization(h: Hart): DebugProtocol.Variable[] {
    const ro = { attributes: ['readOnly'] };
    if (this.target.config.mode === 'hw') {
      return [
        { name: 'mode', value: 'hw: the kernel runs as a VS-mode guest of Ringside\'s H-extension VMM (two-stage translation; traps from V=1 to HS are VM exits)', variablesReference: 0, presentationHint: ro },
        { name: 'vCPU', value: `vCPU ${h.id} on hart ${h.id}${virtOf(h) ? ' (running the guest: V=1)' : ' (not in the guest now: V=0)'}`, variablesReference: 0, presentationHint: ro },
        { name: 'VM exits', value: this.exitCounts(), variablesReference: 0, presentationHint: ro },
        { name: 'shadow page tables', value: 'none: the G stage translates guest physical addresses (no shadowing under hw)', variablesReference: 0, presentationHint: ro },
        { name: 'G-stage root (hgatp)', value: describeHgatp(readCsr(h, 0x680)), variablesReference: 0, presentationHint: ro },
      ];
    }
    return [
      { name: 'mode', value: 'bare: plain emulation, the guest runs on the hart itself with no VMM', variablesReference: 0, presentationHint: ro },
      { name: 'vCPU', value: `hart ${h.id} (a physical hart: without a VMM there are no vCPUs)`, variablesReference: 0, presentationHint: ro },
      { name: 'VM exits', value: this.exitCounts(), variablesReference: 0, presentationHint: ro },
      { name: 'shadow page tables', value: 'none (they belong to the trap and bt modes)', variablesReference: 0, presentationHint: ro },
      H_EXTENSION
        ? { name: 'G-stage root (hgatp)', value: hex64(readCsr(h, 0x680)), variablesReference: 0, presentationHint: ro }
        : { name: 'G-stage root (hgatp)', value: 'none: the H extension is not implemented yet', variablesReference: 0, presentationHint: ro },
    ];
  }

  /** Exits so far by reason, from the machine's exit stream (vm-exits.ts), or why there are none. */
  private exitCounts(): string {
    const stream = exitStreamOf(this.target.machine);
    if (!stream) return 'none: bare mode has no VMM to exit to (guest traps go to the guest\'s own handlers)';
    const by = [...stream.statistics()].filter(([, st]) => st.count > 0).sort((a, b) => b[1].count - a[1].count);
    return `${stream.total}${by.length ? ` (${by.map(([r, st]) => `${r} ${st.count}`).join(', ')})` : ''}`;
  }

  private translation(h: Hart): DebugProtocol.Variable[] {
    const ro = { attributes: ['readOnly'] };
    const s = h.mem.stats;
    return [
      { name: 'engine', value: 'interpreter: every instruction is decoded once per RAM page and interpreted', variablesReference: 0, presentationHint: ro },
      { name: 'translated blocks', value: '0: the binary translator has not landed', variablesReference: 0, presentationHint: ro },
      { name: 'block containing pc', value: 'none', variablesReference: 0, presentationHint: ro },
      { name: 'decoded pages dropped', value: `${this.target.machine.interp.invalidations} (code writes, fence.i, breakpoint changes)`, variablesReference: 0, presentationHint: ro },
      { name: 'softmmu TLB', value: `${s.hits} hits, ${s.misses} misses, ${s.flushes} flushes`, variablesReference: 0, presentationHint: ro },
      { name: 'instructions retired', value: String(h.instret), variablesReference: 0, presentationHint: ro },
    ];
  }

  /** setVariable: registers, CSRs, CSR fields and scalar locals; the rest is read-only. Returns the value read back. */
  set(ref: number, name: string, valueText: string): { value: string; changed: 'registers' | 'csrs' } {
    const c = this.container(ref);
    const h = this.target.hart(c.hartId);
    const evalNumber = (text: string): bigint => {
      const v = new Expression(stripLabel(text)).evaluate(hartScope(this.target, h));
      if (typeof v !== 'bigint') throw new EvalError(`'${text}' is not a number`);
      return v;
    };
    switch (c.kind) {
      case 'locals': {
        const scalars = this.locals.scalars(c);
        const v = new Expression(stripLabel(valueText)).evaluate(hartScope(this.target, h, scalars));
        if (typeof v !== 'bigint') throw new EvalError(`'${valueText}' is not a number`);
        return { value: this.locals.set(c, name, v), changed: 'registers' };
      }
      case 'registers': {
        if (c.unwound) throw new EvalError(`'${name}' belongs to a caller frame (recovered by unwinding): set registers in the innermost frame`);
        if (name !== 'pc' && registerNumber(name) === undefined) throw new EvalError(`no register named '${name}'`);
        const v = setRegister(h, name, evalNumber(valueText));
        return { value: name === 'pc' ? hex64(v) + (this.target.symbolize(h.pc) ? ` <${this.target.symbolize(h.pc)}>` : '') : hex64(v), changed: 'registers' };
      }
      case 'csrGroup': {
        const csr = csrByName(name);
        if (!csr || !csr.implemented) throw new EvalError(`no implemented CSR named '${name}'`);
        return { value: hex64(writeCsr(h, csr, evalNumber(valueText))), changed: 'csrs' };
      }
      case 'fields': {
        const fd = (CSR_FIELDS[c.csr.name] ?? []).find((x) => x.name === name);
        if (!fd) throw new EvalError(`${c.csr.name} has no field '${name}'`);
        const x = parseFieldValue(fd, valueText);
        if (x === undefined) {
          const names = fd.values ? ` or one of ${Object.values(fd.values).join(', ')}` : '';
          throw new EvalError(`'${valueText}' does not fit ${c.csr.name}.${fd.name} (${fd.width} bits${names})`);
        }
        const after = writeCsr(h, c.csr, withField(readCsr(h, c.csr.addr), fd, x));
        return { value: describeField(c.csr.name, fd, after, after), changed: 'csrs' };
      }
      default:
        throw new EvalError(`'${name}' is read-only: only registers, CSRs and CSR fields can be set`);
    }
  }
}
