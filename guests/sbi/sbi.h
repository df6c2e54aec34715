/* sbi.h: what the SBI test payloads share: SBI v2.0 IDs and error codes, the ecall, CSR access, checks. */
#ifndef SBI_H
#define SBI_H

#include <stdint.h>

/* Extension IDs (SBI v2.0 ch. 4-12; legacy ones ch. 5). */
#define SBI_EXT_BASE 0x10
#define SBI_EXT_TIME 0x54494D45 /* "TIME" */
#define SBI_EXT_IPI  0x735049   /* "sPI" */
#define SBI_EXT_RFNC 0x52464E43 /* "RFNC" */
#define SBI_EXT_HSM  0x48534D   /* "HSM" */
#define SBI_EXT_SRST 0x53525354 /* "SRST" */
#define SBI_EXT_DBCN 0x4442434E /* "DBCN" */
#define SBI_LEGACY_CONSOLE_PUTCHAR 0x01
/* Not a standard, experimental, vendor (0x09xxxxxx) or firmware (0x0Axxxxxx) EID (SBI v2.0 ch. 3). */
#define SBI_EXT_UNKNOWN 0x12345678

/* Function IDs. */
#define BASE_GET_SPEC_VERSION 0
#define BASE_GET_IMPL_ID 1
#define BASE_GET_IMPL_VERSION 2
#define BASE_PROBE_EXTENSION 3
#define BASE_GET_MVENDORID 4
#define BASE_GET_MARCHID 5
#define BASE_GET_MIMPID 6
#define RFNC_REMOTE_FENCE_I 0
#define RFNC_REMOTE_SFENCE_VMA 1
#define RFNC_REMOTE_SFENCE_VMA_ASID 2
#define HSM_HART_START 0
#define HSM_HART_STOP 1
#define HSM_HART_GET_STATUS 2
#define HSM_HART_SUSPEND 3
#define DBCN_CONSOLE_WRITE 0
#define DBCN_CONSOLE_READ 1
#define DBCN_CONSOLE_WRITE_BYTE 2

/* Standard errors (SBI v2.0 ch. 3, table 1). */
#define SBI_SUCCESS 0
#define SBI_ERR_FAILED -1
#define SBI_ERR_NOT_SUPPORTED -2
#define SBI_ERR_INVALID_PARAM -3
#define SBI_ERR_INVALID_ADDRESS -5
#define SBI_ERR_ALREADY_AVAILABLE -6

/* HSM states (SBI v2.0 §9, table "HSM Hart States"). */
#define HSM_STARTED 0
#define HSM_STOPPED 1
#define HSM_START_PENDING 2
#define HSM_STOP_PENDING 3

/* SRST (SBI v2.0 §10.1). */
#define SRST_SHUTDOWN 0
#define SRST_REASON_NONE 0
#define SRST_REASON_SYSFAIL 1

/* The OpenSBI implementation ID (SBI v2.0 §4.9). */
#define SBI_IMPL_OPENSBI 1

#define SSTATUS_SIE (1UL << 1)
#define SIE_SSIE (1UL << 1)
#define SIE_STIE (1UL << 5)
#define SIP_SSIP (1UL << 1)
#define SIP_STIP (1UL << 5)
#define SCAUSE_INTERRUPT (1UL << 63)
#define IRQ_S_SOFT 1
#define IRQ_S_TIMER 5

#define MAX_HARTS 8
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define csr_read(csr) ({ uint64_t v_; __asm__ volatile("csrr %0, " #csr : "=r"(v_)); v_; })
#define csr_write(csr, v) __asm__ volatile("csrw " #csr ", %0" : : "r"((uint64_t)(v)) : "memory")
#define csr_set(csr, v) __asm__ volatile("csrs " #csr ", %0" : : "r"((uint64_t)(v)) : "memory")
#define csr_clear(csr, v) __asm__ volatile("csrc " #csr ", %0" : : "r"((uint64_t)(v)) : "memory")

struct sbiret {
    long error;
    long value;
};

/* The whole calling convention (SBI v2.0 ch. 3): a7 = EID, a6 = FID, a0-a5 in, a0/a1 out, all else kept. */
static inline struct sbiret sbi_call(long eid, long fid, long arg0, long arg1, long arg2, long arg3, long arg4)
{
    register long a0 __asm__("a0") = arg0;
    register long a1 __asm__("a1") = arg1;
    register long a2 __asm__("a2") = arg2;
    register long a3 __asm__("a3") = arg3;
    register long a4 __asm__("a4") = arg4;
    register long a6 __asm__("a6") = fid;
    register long a7 __asm__("a7") = eid;
    __asm__ volatile("ecall" : "+r"(a0), "+r"(a1) : "r"(a2), "r"(a3), "r"(a4), "r"(a6), "r"(a7) : "memory");
    return (struct sbiret){ a0, a1 };
}

#define SBI0(e, f) sbi_call((e), (f), 0, 0, 0, 0, 0)
#define SBI1(e, f, a) sbi_call((e), (f), (long)(a), 0, 0, 0, 0)
#define SBI2(e, f, a, b) sbi_call((e), (f), (long)(a), (long)(b), 0, 0, 0)
#define SBI3(e, f, a, b, c) sbi_call((e), (f), (long)(a), (long)(b), (long)(c), 0, 0)

/* Legacy calls (SBI v2.0 ch. 5) return only a0. */
static inline long sbi_legacy_putchar(int c)
{
    return sbi_call(SBI_LEGACY_CONSOLE_PUTCHAR, 0, (uint8_t)c, 0, 0, 0, 0).error;
}

static inline uint64_t rdtime(void)
{
    uint64_t t;
    __asm__ volatile("rdtime %0" : "=r"(t));
    return t;
}

static inline void cpu_relax(void)
{
    __asm__ volatile("nop" ::: "memory");
}

/* lib.c: the console, checks and shutdown. */
extern long sbi_spec_version; /* BASE get_spec_version, read by sbi_lib_init */
extern long sbi_impl_id;
extern int sbi_has_dbcn;
void sbi_lib_init(void);
int spec_at_least(int major, int minor);
void console_write(const char *s, unsigned long len); /* through DBCN console_write or legacy putchar */
void puts_(const char *s);
void put_hex(uint64_t v);
void put_dec(long v);
void nl(void);
/* One line per check: "ok NAME" or "FAIL NAME: ..."; the first failure is remembered for the last line. */
int check(const char *name, int ok);
int check_eq(const char *name, long found, long expected);
void finish(const char *prog) __attribute__((noreturn));
void shutdown(int fail) __attribute__((noreturn));
/* For trap handlers: "<test_name>: FAIL unexpected trap scause=… sepc=… stval=…", then shutdown(1). */
void fail_unexpected_trap(uint64_t scause, uint64_t sepc, uint64_t stval) __attribute__((noreturn));
uint64_t timeout_after(uint64_t ticks); /* a deadline in `time` units */

/* entry.S calls these: the boot hart's payload_main(hartid, dtb), a started hart's secondary_main(hartid, opaque). */
void payload_main(unsigned long hartid, unsigned long dtb) __attribute__((noreturn));
void secondary_main(unsigned long hartid, unsigned long opaque);

/* entry.S */
void secondary_entry(void);
long patchable(void);
extern uint32_t patch_insn;
extern volatile int payload_entries; /* harts that came in through _start */

/* Called by entry.S's trap vector with the interrupted registers saved; each payload defines it. */
void trap_handler(uint64_t scause, uint64_t sepc, uint64_t stval);

#endif
