// The SBI calling convention and the services' semantics (SBI v2.0 ch. 3–10, 12), independent of who answers:
// Ringside's M-mode firmware for an S-mode kernel, or the hw VMM for a VS-mode guest. Each answers through an
// SbiHost that says what "a hart", "the timer" and "the console" are at its level.
import { Hart } from '../cpu/hart';
import {
  EID, EXTENSION_NAMES, HartState, SBI_ERR_ALREADY_AVAILABLE, SBI_ERR_INVALID_ADDRESS, SBI_ERR_INVALID_PARAM,
  SBI_ERR_NOT_SUPPORTED, SBI_IMPL_ID, SBI_IMPL_VERSION, SBI_SPEC_VERSION, SBI_SUCCESS,
} from './sbi-constants';

/** What an SBI implementation controls: its harts (or vCPUs), their timers and IPIs, fences, power, console. */
export interface SbiHost {
  readonly hartCount: number;
  hartState(id: number): HartState;
  /** TIME: the next timer event for `h`, and its pending timer interrupt cleared (§6.1). */
  setTimer(h: Hart, when: bigint): void;
  /** IPI to a started hart (§7.1). */
  sendIpi(id: number): void;
  /** Legacy clear_ipi: the caller's pending supervisor software interrupt. */
  clearIpi(h: Hart): void;
  fenceI(ids: readonly number[]): void;
  sfenceVma(ids: readonly number[]): void;
  /** HSM hart_start of a STOPPED hart, after the checks below: enters S-mode at `start` with a0 = id, a1 = opaque. */
  startHart(id: number, start: number, opaque: bigint): void;
  /** HSM hart_stop: the caller stops at this instruction boundary and never returns. */
  stopHart(h: Hart): void;
  /** Retentive suspend: like wfi. */
  suspendHart(h: Hart): void;
  powerOff(code: number): void;
  reset(): void;
  putByte(b: number): void;
  /** A received byte, or -1. */
  getByte(): number;
  /** Caller-physical memory [addr, addr+len), or undefined when it is not all RAM. */
  memory(addr: number, len: number): Uint8Array | undefined;
}

/** One call as answered (callers that record calls read the arguments a0–a5 before answering: the answer
 *  overwrites a0 and a1). Kept small: every SBI call makes one. */
export interface SbiCall {
  eid: number;
  fid: number;
  /** a0 on return (the error of SBI v0.2+ calls, the value of legacy ones). */
  error: bigint;
  /** a1 on return (undefined for legacy calls, which return only a0). */
  value?: bigint;
  /** The call does not return to the caller (hart_stop, a successful shutdown or reset). */
  noReturn: boolean;
}

export function sbiCallName(eid: number, fid: number): string {
  const ext = EXTENSION_NAMES[eid];
  return ext === undefined ? `0x${eid.toString(16)}/${fid}` : eid < 0x10 ? ext : `${ext}/${fid}`;
}

/** Answers the SBI call in `h`'s registers: EID in a7, FID in a6, arguments a0–a5; error in a0, value in a1 (§3). */
export function handleSbiCall(h: Hart, host: SbiHost): SbiCall {
  const eid = Number(h.getX(17) & 0xffffffffn);
  const fid = Number(h.getX(16) & 0xffffffffn);
  const call: SbiCall = { eid, fid, error: 0n, noReturn: false };
  const ret = (error: number, value: bigint | number = 0): void => {
    call.error = BigInt(error); call.value = BigInt(value);
    h.setX(10, call.error);
    h.setX(11, call.value);
  };
  const legacy = (value: number): void => { call.error = BigInt(value); h.setX(10, call.error); };
  const a0 = h.getX(10);
  const a = (i: number) => (i === 0 ? a0 : h.getX(10 + i)); // a0 is overwritten by the answer: read it first
  switch (eid) {
    case EID.BASE: base(fid, a(0), ret); break;
    case EID.TIME:
      if (fid !== 0) { ret(SBI_ERR_NOT_SUPPORTED); break; }
      host.setTimer(h, a(0)); ret(SBI_SUCCESS); break;
    case EID.IPI:
      if (fid !== 0) { ret(SBI_ERR_NOT_SUPPORTED); break; }
      ret(sendIpi(host, a(0), a(1))); break;
    case EID.RFENCE: ret(rfence(host, fid, a(0), a(1))); break;
    case EID.HSM: hsm(h, host, fid, a, ret, call); break;
    case EID.SRST:
      if (fid !== 0) { ret(SBI_ERR_NOT_SUPPORTED); break; }
      ret(systemReset(host, Number(a(0) & 0xffffffffn), Number(a(1) & 0xffffffffn), call)); break;
    case EID.DBCN: dbcn(host, fid, a, ret); break;
    case EID.LEGACY_SET_TIMER: host.setTimer(h, a(0)); legacy(0); break;
    case EID.LEGACY_PUTCHAR: host.putByte(Number(a(0) & 0xffn)); legacy(0); break;
    case EID.LEGACY_GETCHAR: legacy(host.getByte()); break;
    case EID.LEGACY_CLEAR_IPI: host.clearIpi(h); legacy(0); break;
    case EID.LEGACY_SEND_IPI: legacy(sendIpiLegacy(host, a(0))); break;
    case EID.LEGACY_REMOTE_FENCE_I: host.fenceI(allHarts(host)); legacy(0); break;
    case EID.LEGACY_REMOTE_SFENCE_VMA: case EID.LEGACY_REMOTE_SFENCE_VMA_ASID:
      host.sfenceVma(allHarts(host)); legacy(0); break;
    case EID.LEGACY_SHUTDOWN: host.powerOff(0); call.noReturn = true; legacy(0); break;
    default: ret(SBI_ERR_NOT_SUPPORTED);
  }
  return call;
}

function allHarts(host: SbiHost): number[] {
  return Array.from({ length: host.hartCount }, (_, i) => i);
}

function base(fid: number, arg: bigint, ret: (e: number, v?: bigint | number) => void): void {
  switch (fid) {
    case 0: return ret(SBI_SUCCESS, SBI_SPEC_VERSION);
    case 1: return ret(SBI_SUCCESS, SBI_IMPL_ID);
    case 2: return ret(SBI_SUCCESS, SBI_IMPL_VERSION);
    case 3: {
      const eid = Number(arg & 0xffffffffn);
      const known = (Object.values(EID) as number[]).includes(eid);
      return ret(SBI_SUCCESS, known ? 1 : 0);
    }
    case 4: case 5: case 6: return ret(SBI_SUCCESS, 0); // mvendorid, marchid, mimpid
    default: return ret(SBI_ERR_NOT_SUPPORTED);
  }
}

/** Harts selected by (mask, base); base = -1 selects all (§3.2). Undefined for an invalid selection. */
function targets(host: SbiHost, mask: bigint, base: bigint): number[] | undefined {
  if (BigInt.asIntN(64, base) === -1n) return allHarts(host);
  const out: number[] = [];
  for (let i = 0; i < 64; i++) {
    if (((mask >> BigInt(i)) & 1n) === 0n) continue;
    const id = Number(base) + i;
    if (id >= host.hartCount) return undefined;
    out.push(id);
  }
  return out;
}

function sendIpi(host: SbiHost, mask: bigint, base: bigint): number {
  const t = targets(host, mask, base);
  if (!t) return SBI_ERR_INVALID_PARAM;
  // A stopped hart drops IPIs, as OpenSBI does.
  for (const id of t) if (host.hartState(id) === HartState.Started) host.sendIpi(id);
  return SBI_SUCCESS;
}

function sendIpiLegacy(host: SbiHost, maskAddr: bigint): number {
  const bytes = host.memory(Number(maskAddr), 8);
  if (!bytes) return SBI_ERR_INVALID_ADDRESS;
  const mask = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  return sendIpi(host, mask, 0n);
}

function rfence(host: SbiHost, fid: number, mask: bigint, base: bigint): number {
  if (fid > 2) return SBI_ERR_NOT_SUPPORTED; // the hfence.* calls are for hypervisors, which this does not offer
  const t = targets(host, mask, base);
  if (!t) return SBI_ERR_INVALID_PARAM;
  if (fid === 0) host.fenceI(t); else host.sfenceVma(t);
  return SBI_SUCCESS;
}

function hsm(h: Hart, host: SbiHost, fid: number, a: (i: number) => bigint,
  ret: (e: number, v?: bigint | number) => void, call: SbiCall): void {
  switch (fid) {
    case 0: { // hart_start(hartid, start_addr, opaque)
      const id = Number(a(0));
      if (id < 0 || id >= host.hartCount) return ret(SBI_ERR_INVALID_PARAM);
      if (host.hartState(id) !== HartState.Stopped) return ret(SBI_ERR_ALREADY_AVAILABLE); // §9.1 error table
      const start = Number(BigInt.asIntN(64, a(1)));
      if (!host.memory(start, 2)) return ret(SBI_ERR_INVALID_ADDRESS);
      host.startHart(id, start, a(2));
      return ret(SBI_SUCCESS);
    }
    case 1: // hart_stop: never returns to the caller
      host.stopHart(h);
      call.noReturn = true;
      return ret(SBI_SUCCESS);
    case 2: { // hart_get_status
      const id = Number(a(0));
      if (id < 0 || id >= host.hartCount) return ret(SBI_ERR_INVALID_PARAM);
      return ret(SBI_SUCCESS, host.hartState(id));
    }
    case 3: { // hart_suspend(type, resume_addr, opaque)
      const type = Number(a(0) & 0xffffffffn);
      if (type === 0) { host.suspendHart(h); return ret(SBI_SUCCESS); }
      return ret(type === 0x80000000 ? SBI_ERR_NOT_SUPPORTED : SBI_ERR_INVALID_PARAM);
    }
    default: return ret(SBI_ERR_NOT_SUPPORTED);
  }
}

/** §10.1: shutdown (type 0) powers off, with a failure status when the reason is 1 (system failure). */
function systemReset(host: SbiHost, type: number, reason: number, call: SbiCall): number {
  if (reason > 1 && reason < 0xe0000000) return SBI_ERR_INVALID_PARAM;
  if (type === 0) { host.powerOff(reason === 1 ? 1 : 0); call.noReturn = true; return SBI_SUCCESS; }
  if (type === 1 || type === 2) { host.reset(); call.noReturn = true; return SBI_SUCCESS; }
  return SBI_ERR_INVALID_PARAM;
}

function dbcn(host: SbiHost, fid: number, a: (i: number) => bigint, ret: (e: number, v?: bigint | number) => void): void {
  if (fid === 2) { host.putByte(Number(a(0) & 0xffn)); return ret(SBI_SUCCESS); }
  if (fid !== 0 && fid !== 1) return ret(SBI_ERR_NOT_SUPPORTED);
  // num_bytes is an unsigned long; on RV64 base_addr_hi must be 0 (the address is all in base_addr_lo).
  const len = a(0), lo = a(1), hi = a(2);
  if (hi !== 0n || len > BigInt(Number.MAX_SAFE_INTEGER) || lo > BigInt(Number.MAX_SAFE_INTEGER)) return ret(SBI_ERR_INVALID_PARAM);
  const mem = host.memory(Number(lo), Number(len));
  if (!mem) return ret(SBI_ERR_INVALID_PARAM);
  if (fid === 0) { for (const b of mem) host.putByte(b); return ret(SBI_SUCCESS, len); }
  let n = 0;
  while (n < len) { const b = host.getByte(); if (b < 0) break; mem[n++] = b; }
  return ret(SBI_SUCCESS, n);
}
