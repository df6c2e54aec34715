// SBI v2.0 extension IDs, function IDs and error codes (RISC-V Supervisor Binary Interface spec v2.0,
// chapters 3 "Binary Encoding", 4 "Base", 5 "Legacy", 6 "Timer", 7 "IPI", 8 "RFENCE", 9 "HSM", 10 "SRST", 12 "DBCN").

export const SBI_SPEC_VERSION = (2 << 24) | 0; // 2.0: major in bits 30:24, minor in 23:0
/** Implementation ID: not one of the spec's registered IDs (§4.9); Ringside's built-in firmware. */
export const SBI_IMPL_ID = 0x52494e47; // "RING"
export const SBI_IMPL_VERSION = 0x00010000;

export const EID = {
  LEGACY_SET_TIMER: 0x00, LEGACY_PUTCHAR: 0x01, LEGACY_GETCHAR: 0x02, LEGACY_CLEAR_IPI: 0x03,
  LEGACY_SEND_IPI: 0x04, LEGACY_REMOTE_FENCE_I: 0x05, LEGACY_REMOTE_SFENCE_VMA: 0x06,
  LEGACY_REMOTE_SFENCE_VMA_ASID: 0x07, LEGACY_SHUTDOWN: 0x08,
  BASE: 0x10, TIME: 0x54494d45, IPI: 0x735049, RFENCE: 0x52464e43, HSM: 0x48534d, SRST: 0x53525354, DBCN: 0x4442434e,
} as const;

export const EXTENSION_NAMES: Record<number, string> = {
  0x00: 'legacy set_timer', 0x01: 'legacy console_putchar', 0x02: 'legacy console_getchar', 0x03: 'legacy clear_ipi',
  0x04: 'legacy send_ipi', 0x05: 'legacy remote_fence_i', 0x06: 'legacy remote_sfence_vma',
  0x07: 'legacy remote_sfence_vma_asid', 0x08: 'legacy shutdown',
  0x10: 'BASE', 0x54494d45: 'TIME', 0x735049: 'IPI', 0x52464e43: 'RFENCE', 0x48534d: 'HSM', 0x53525354: 'SRST', 0x4442434e: 'DBCN',
};

export const SBI_SUCCESS = 0;
export const SBI_ERR_FAILED = -1;
export const SBI_ERR_NOT_SUPPORTED = -2;
export const SBI_ERR_INVALID_PARAM = -3;
export const SBI_ERR_INVALID_ADDRESS = -5;
export const SBI_ERR_ALREADY_AVAILABLE = -6;
export const SBI_ERR_ALREADY_STARTED = -7;
export const SBI_ERR_ALREADY_STOPPED = -8;

/** HSM hart states (§9.1). */
export const enum HartState { Started = 0, Stopped = 1, StartPending = 2, StopPending = 3, Suspended = 4 }
