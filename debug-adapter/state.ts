// Hart state as the debugger reads and writes it: registers, CSRs (through the engine's CSR semantics),
// privilege with its ring analogy, and the expression scope built from them.
import { csrRead, csrWrite } from '../engine/cpu/csr-file';
import { Hart } from '../engine/cpu/hart';
import { RESULT } from '../engine/cpu/int64';
import { PRIVILEGE_NAMES } from '../engine/cpu/privilege';
import { CSRS, CsrDef, csrByName } from '../engine/isa/csr-table';
import { ABI_NAMES, registerNumber } from '../engine/isa/registers';
import { EvalError, EvalScope, Value } from './expression';
import { MemoryError, Target, virtOf } from './target';

export const hex64 = (v: bigint) => '0x' + BigInt.asUintN(64, v).toString(16).padStart(16, '0');

/** The CSRs this hart implements, in table order. */
export const IMPLEMENTED_CSRS: readonly CsrDef[] = CSRS.filter((c) => c.implemented);

export type CsrGroup = 'machine' | 'supervisor' | 'hypervisor' | 'unprivileged';

export function csrGroup(c: CsrDef): CsrGroup | undefined {
  switch (c.priv) {
    case 'M': return 'machine';
    case 'S': return 'supervisor';
    case 'H': return 'hypervisor';
    case 'U': return 'unprivileged';
    default: return undefined; // debug-mode CSRs: none implemented
  }
}

/** A CSR's value as the hart reads it (views such as sstatus and counters included), unsigned. */
export function readCsr(h: Hart, addr: number): bigint {
  const lo = csrRead(h, addr);
  return (BigInt(RESULT.hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

/**
 * Writes a CSR with the engine's WARL rules and side effects, as a csrw would, and returns the value read back.
 * minstret's write rule discounts the retirement of the writing instruction; a debugger write has none, so
 * it is compensated here.
 */
export function writeCsr(h: Hart, c: CsrDef, value: bigint): bigint {
  if (c.readOnly) throw new EvalError(`${c.name} is read-only (CSR address bits 11:10 = 0b11)`);
  const v = BigInt.asUintN(64, c.addr === 0xb02 ? value + 1n : value);
  csrWrite(h, c.addr, Number(v & 0xffffffffn) | 0, Number(v >> 32n) | 0, h.fx);
  return readCsr(h, c.addr);
}

export function setRegister(h: Hart, name: string, value: bigint): bigint {
  if (name === 'pc') {
    const v = BigInt.asUintN(64, value);
    if (v & 1n) throw new EvalError(`pc ${hex64(v)} is odd: instructions are 2-byte aligned`);
    h.setPc(v);
    return h.getPc();
  }
  const r = registerNumber(name);
  if (r === undefined) throw new EvalError(`no register named '${name}'`);
  if (r === 0) throw new EvalError('x0 (zero) is hardwired to 0');
  h.setX(r, value);
  return h.getX(r);
}

export const PRIVILEGE_LONG: Record<number, string> = { 0: 'user', 1: 'supervisor', 3: 'machine' };

/** The x86 ring analogy for a real privilege, as the UI shows it. */
export const RING_ANALOGY: Record<number, string> = {
  3: 'VMM / firmware (more privileged than any x86 ring: where a hypervisor or SBI firmware runs)',
  1: 'kernel, ring 0',
  0: 'user, ring 3',
};

export function privilegeName(p: number): string {
  return PRIVILEGE_NAMES[p] ?? String(p);
}

/** Whether this engine's harts have the H extension (read from the CSR table, so it follows the engine). */
export const H_EXTENSION = csrByName('hstatus')?.implemented ?? false;

/** The mode's name with V (Priv §13.1): M, HS (S with the H extension), U; VS and VU when V=1. */
export function modeLabel(priv: number, virt: boolean): string {
  if (virt) return priv === 1 ? 'VS' : 'VU';
  return priv === 1 && H_EXTENSION ? 'HS' : privilegeName(priv);
}

/** The ring analogy of a mode, with V: the guest's modes are x86's non-root rings. */
export function ringOf(priv: number, virt: boolean): string {
  if (virt) return priv === 1 ? 'guest kernel: ring 0 in non-root mode' : 'guest user: ring 3 in non-root mode';
  if (priv === 1 && H_EXTENSION) return 'hypervisor or host kernel: ring 0 in root mode';
  return RING_ANALOGY[priv] ?? 'unknown';
}

/** The privilege the guest believes it has (machine.vmm's view: 'S' or 'U'), or undefined with no VMM or when
 *  the hart is not running the guest. */
export function virtualPrivilegeOf(target: Target, h: Hart): string | undefined {
  return target.machine.vmm?.privilege(h.id).virtual;
}

/** The ring analogy of a virtual privilege: where the guest believes it runs. */
export function virtualRingOf(v: string | undefined): string | undefined {
  return v === 'S' ? 'kernel, ring 0' : v === 'U' ? 'user, ring 3' : v;
}

/** What the UI says about the virtual privilege of a hart, for `info priv` and the Privilege scope. */
export function describeVirtualPrivilege(target: Target, h: Hart): string {
  if (target.config.mode === 'bare') return 'none (bare mode runs no VMM)';
  const v = virtualPrivilegeOf(target, h);
  if (v === undefined) return `none (hart ${h.id} is not running the guest now)`;
  return `${v} (the guest's own view: ${virtualRingOf(v)}; the ${target.config.mode} VMM runs at HS)`;
}

/**
 * The scope expressions see on a hart: `extra` first (trap fields), then x0–x31 by ABI or xN name (and fp),
 * pc, `priv` (current privilege as "M"/"S"/"U"), implemented CSRs by name, and symbols (their address).
 */
export function hartScope(target: Target, h: Hart, extra: Record<string, Value> = {}): EvalScope {
  return {
    lookup(name: string): Value | undefined {
      if (Object.prototype.hasOwnProperty.call(extra, name)) return extra[name];
      if (name === 'pc') return BigInt.asIntN(64, h.getPc());
      if (name === 'priv') return privilegeName(h.priv);
      const r = registerNumber(name);
      if (r !== undefined) return BigInt.asIntN(64, h.getX(r));
      const c = csrByName(name);
      if (c && c.implemented) return BigInt.asIntN(64, readCsr(h, c.addr));
      const s = target.lookupSymbol(name);
      if (s) return BigInt(s.addr);
      return undefined;
    },
    read(addr: bigint, size: number): bigint {
      try {
        return target.readValue(h, addr, size);
      } catch (e) {
        if (e instanceof MemoryError) throw new EvalError(e.message);
        throw e;
      }
    },
  };
}

/** Names an expression may use on a hart, for checking conditions when they are set. */
export function knownName(target: Target, name: string, extra: readonly string[] = []): boolean {
  return extra.includes(name) || name === 'pc' || name === 'priv' || registerNumber(name) !== undefined ||
    (csrByName(name)?.implemented ?? false) || target.lookupSymbol(name) !== undefined;
}

export { ABI_NAMES, virtOf };
