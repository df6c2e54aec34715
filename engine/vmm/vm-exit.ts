// VM exits as data: the closed set of reasons shared by every virtualization mode, and the record each
// transfer from guest context into the VMM produces (docs/vm-exits.md).

/** Every reason an exit can have. Closed: the debugger's VM-exit breakpoint filters are exactly these. */
export const VM_EXIT_REASONS = [
  'hypercall',              // SBI/paravirtual call from the guest kernel (ecall from VS, or from a compressed guest kernel)
  'csr-access',             // a trapped CSR read or write the VMM emulated
  'privileged-instruction', // sret, wfi, sfence.vma, hfence… trapped and emulated (other than CSR accesses)
  'virtual-instruction',    // virtual-instruction exception (cause 22) not otherwise classified
  'guest-page-fault',       // G-stage fault on guest RAM the VMM resolved (cause 20/21/23)
  'mmio',                   // guest access to an emulated device register
  'shadow-page-fault',      // shadow-paging miss: the VMM filled the shadow table (trap/bt modes)
  'page-table-write',       // write to a write-protected guest page table (shadow paging)
  'bt-callout',             // a sensitive instruction rewritten into a VMM call by the binary translator
  'exception-forward',      // a guest exception the VMM reflected into the guest kernel
  'interrupt',              // host interrupt while the guest ran (timer, external, IPI)
  'wfi',                    // the guest idled; the vCPU is descheduled until an interrupt
  'halt',                   // the vCPU stopped or the guest powered off
] as const;

export type VmExitReason = typeof VM_EXIT_REASONS[number];

export function isVmExitReason(s: string): s is VmExitReason {
  return (VM_EXIT_REASONS as readonly string[]).includes(s);
}

/** Privilege as the UI shows it: real mode (M, HS/S, U, VS, VU) and what the guest believes. */
export interface PrivilegeView {
  /** Real privilege: 'M' | 'S' (HS when the H extension is present) | 'U' | 'VS' | 'VU'. */
  real: string;
  /** The guest's idea of its privilege under a VMM ('S' for a compressed guest kernel), or undefined. */
  virtual?: string;
}

/** Reason-specific details. Only the fields of the exit's reason are present. */
export interface VmExitDetails {
  csr?: { number: number; name: string; write: boolean; value?: bigint };
  hypercall?: { extension: number; function: number; args: bigint[]; error?: bigint; value?: bigint; name?: string };
  fault?: { guestVirtual?: bigint; guestPhysical?: bigint; access: 'load' | 'store' | 'fetch'; size?: number };
  device?: { name: string; register: number; access: 'read' | 'write'; value?: bigint; size: number };
  interrupt?: { cause: number; name: string };
  exception?: { cause: number; name: string; tval?: bigint };
}

export interface VmExit {
  /** 1, 2, 3… per machine, in the order exits happened. */
  seq: number;
  vcpu: number;
  reason: VmExitReason;
  /** Architectural trap cause that caused the exit, when there was one (bit 63 set for interrupts). */
  cause?: bigint;
  guestPc: bigint;
  /** The guest instruction word (16-bit for compressed) and its disassembly, when known. */
  instruction?: { raw: number; text: string };
  details: VmExitDetails;
  before: PrivilegeView;
  after: PrivilegeView;
  /** Guest instructions retired by this vCPU before the exit. */
  instret: number;
  /** Host nanoseconds spent in the VMM handling it. */
  hostNs: number;
}
