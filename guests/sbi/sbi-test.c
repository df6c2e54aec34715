/*
 * sbi-test.c: an S-mode payload that uses the SBI the way a kernel does (one hart) and checks every answer
 * against the SBI v2.0 spec: BASE, legacy console, DBCN, TIME, IPI, RFENCE, HSM, SRST and the error returns.
 * One line per check ("sbi-test: ok NAME" / "sbi-test: FAIL NAME: ..."), then "sbi-test: PASS" or
 * "sbi-test: FAIL <first failed check>", then an SRST shutdown with reason 0 (pass) or 1 (failure).
 */
#include "sbi.h"

const char test_name[] = "sbi-test";


/* Time limits in `time` ticks (10 MHz on virt); generous for QEMU on a busy host. */
#define MS (10000UL)
#define WAIT_LIMIT (200 * MS)
#define TIMER_DELAY (2 * MS)

static unsigned long self; /* our hartid */

/* What the trap handler saw. */
static volatile long timer_irqs, soft_irqs;
static volatile uint64_t timer_irq_time, last_irq_cause;
static volatile int stip_stuck;

void trap_handler(uint64_t scause, uint64_t sepc, uint64_t stval)
{
    if (scause == (SCAUSE_INTERRUPT | IRQ_S_TIMER)) {
        timer_irq_time = rdtime();
        last_irq_cause = scause;
        timer_irqs++;
        /* The usual way to acknowledge (SBI v2.0 §6.1): a timer infinitely far away clears sip.STIP. */
        SBI1(SBI_EXT_TIME, 0, -1L);
        if (csr_read(sip) & SIP_STIP) {
            stip_stuck = 1;
            csr_clear(sie, SIE_STIE); /* no interrupt storm: the check reports it */
        }
        return;
    }
    if (scause == (SCAUSE_INTERRUPT | IRQ_S_SOFT)) {
        last_irq_cause = scause;
        soft_irqs++;
        csr_clear(sip, SIP_SSIP); /* IPIs are acknowledged in sip (SBI v2.0 §7.1) */
        return;
    }
    fail_unexpected_trap(scause, sepc, stval);
}

static int wait_sip(uint64_t bit, int set)
{
    uint64_t deadline = timeout_after(WAIT_LIMIT);
    while (((csr_read(sip) & bit) != 0) != set && rdtime() < deadline)
        cpu_relax();
    return ((csr_read(sip) & bit) != 0) == set;
}

static int wait_count(volatile long *count, long want)
{
    uint64_t deadline = timeout_after(WAIT_LIMIT);
    while (*count < want && rdtime() < deadline)
        cpu_relax();
    return *count >= want;
}

static const char *impl_name(long id)
{
    static const char *const names[] = { "BBL", "OpenSBI", "Xvisor", "KVM", "RustSBI", "Diosix", "Coffer",
                                         "Xen", "PolarFire HSS", "coreboot", "oreboot", "bhyve" };
    if (id == 0x52494e47)
        return "Ringside";
    return id >= 0 && (unsigned long)id < ARRAY_SIZE(names) ? names[id] : "unknown";
}

/* SBI v2.0 ch. 4: versions, IDs and probing. */
static void test_base(void)
{
    struct sbiret r = SBI0(SBI_EXT_BASE, BASE_GET_SPEC_VERSION);
    check_eq("base.get_spec_version error", r.error, SBI_SUCCESS);
    long major = (r.value >> 24) & 0x7f, minor = r.value & 0xffffff;
    puts_("sbi-test: spec version ");
    put_dec(major);
    puts_(".");
    put_dec(minor);
    nl();
    check("base.get_spec_version >= 0.2, bit 31 clear", (r.value >> 31) == 0 && (major > 0 || minor >= 2));

    r = SBI0(SBI_EXT_BASE, BASE_GET_IMPL_ID);
    check_eq("base.get_impl_id error", r.error, SBI_SUCCESS);
    long id = r.value;
    r = SBI0(SBI_EXT_BASE, BASE_GET_IMPL_VERSION);
    check_eq("base.get_impl_version error", r.error, SBI_SUCCESS);
    puts_("sbi-test: implementation ");
    put_dec(id);
    puts_(" (");
    puts_(impl_name(id));
    puts_(") version ");
    put_hex(r.value);
    nl();

    static const struct {
        long eid;
        const char *name;
    } required[] = {
        { SBI_EXT_TIME, "base.probe_extension TIME = available" },
        { SBI_EXT_IPI, "base.probe_extension IPI = available" },
        { SBI_EXT_RFNC, "base.probe_extension RFNC = available" },
        { SBI_EXT_HSM, "base.probe_extension HSM = available" },
        { SBI_EXT_SRST, "base.probe_extension SRST = available" },
        { SBI_LEGACY_CONSOLE_PUTCHAR, "base.probe_extension legacy console_putchar = available" },
    };
    for (unsigned i = 0; i < ARRAY_SIZE(required); i++) {
        r = SBI1(SBI_EXT_BASE, BASE_PROBE_EXTENSION, required[i].eid);
        check(required[i].name, r.error == SBI_SUCCESS && r.value != 0);
    }
    /* DBCN first appeared in SBI v2.0 (§12): a firmware implementing an older version need not have it. */
    r = SBI1(SBI_EXT_BASE, BASE_PROBE_EXTENSION, SBI_EXT_DBCN);
    if (spec_at_least(2, 0))
        check("base.probe_extension DBCN = available", r.error == SBI_SUCCESS && r.value != 0);
    else
        puts_(r.value ? "sbi-test: DBCN available (pre-2.0 firmware)\n"
                      : "sbi-test: skip DBCN checks: a pre-2.0 firmware without DBCN\n");
    r = SBI1(SBI_EXT_BASE, BASE_PROBE_EXTENSION, SBI_EXT_UNKNOWN);
    check("base.probe_extension unknown EID = 0", r.error == SBI_SUCCESS && r.value == 0);

    static const char *const csr_names[] = { "mvendorid", "marchid", "mimpid" };
    for (int fid = BASE_GET_MVENDORID; fid <= BASE_GET_MIMPID; fid++) {
        r = SBI0(SBI_EXT_BASE, fid);
        check_eq(fid == BASE_GET_MVENDORID ? "base.get_mvendorid error"
                 : fid == BASE_GET_MARCHID ? "base.get_marchid error"
                                           : "base.get_mimpid error",
                 r.error, SBI_SUCCESS);
        puts_("sbi-test: ");
        puts_(csr_names[fid - BASE_GET_MVENDORID]);
        puts_(" = ");
        put_hex(r.value);
        nl();
    }
    r = SBI0(SBI_EXT_BASE, 7);
    check_eq("base unknown FID -> SBI_ERR_NOT_SUPPORTED", r.error, SBI_ERR_NOT_SUPPORTED);
}

/* SBI v2.0 §5.2: legacy console_putchar returns 0 in a0. */
static void test_legacy_console(void)
{
    static const char msg[] = "sbi-test: hello from legacy console_putchar\n";
    long worst = 0;
    for (unsigned i = 0; i < sizeof(msg) - 1; i++) {
        long e = sbi_legacy_putchar(msg[i]);
        if (e != 0)
            worst = e;
    }
    check_eq("legacy.console_putchar returns 0", worst, 0);
}

/* SBI v2.0 ch. 12. */
static void test_dbcn(void)
{
    if (!sbi_has_dbcn)
        return;
    static const char msg[] = "sbi-test: hello from dbcn console_write\n";
    unsigned long len = sizeof(msg) - 1, done = 0;
    struct sbiret r = { 0, 0 };
    for (int tries = 0; done < len && tries < 100; tries++) {
        r = SBI3(SBI_EXT_DBCN, DBCN_CONSOLE_WRITE, len - done, (uintptr_t)msg + done, 0);
        if (r.error != SBI_SUCCESS)
            break;
        done += r.value;
    }
    check("dbcn.console_write writes the whole buffer", r.error == SBI_SUCCESS && done == len);

    static const char msg2[] = "sbi-test: hello from dbcn console_write_byte\n";
    long worst = 0, value = 0;
    for (unsigned i = 0; i < sizeof(msg2) - 1; i++) {
        r = SBI1(SBI_EXT_DBCN, DBCN_CONSOLE_WRITE_BYTE, (uint8_t)msg2[i]);
        if (r.error != SBI_SUCCESS)
            worst = r.error;
        value |= r.value;
    }
    check("dbcn.console_write_byte returns SBI_SUCCESS, value 0", worst == 0 && value == 0);

    /* A buffer that is not memory S-mode may use (physical address 0, below RAM; §12.1 table). */
    r = SBI3(SBI_EXT_DBCN, DBCN_CONSOLE_WRITE, 16, 0, 0);
    check_eq("dbcn.console_write of a buffer outside RAM -> SBI_ERR_INVALID_PARAM", r.error, SBI_ERR_INVALID_PARAM);

    static char in[16];
    r = SBI3(SBI_EXT_DBCN, DBCN_CONSOLE_READ, sizeof(in), (uintptr_t)in, 0);
    check("dbcn.console_read is non-blocking (SBI_SUCCESS, <= num_bytes)",
          r.error == SBI_SUCCESS && r.value >= 0 && r.value <= (long)sizeof(in));

    r = SBI0(SBI_EXT_DBCN, 3);
    check_eq("dbcn unknown FID -> SBI_ERR_NOT_SUPPORTED", r.error, SBI_ERR_NOT_SUPPORTED);
}

/* SBI v2.0 ch. 6: set_timer programs the next event and clears a pending STIP when the time is in the future. */
static void test_time(void)
{
    csr_clear(sstatus, SSTATUS_SIE);
    csr_clear(sie, SIE_STIE);

    struct sbiret r = SBI1(SBI_EXT_TIME, 0, 0); /* a time in the past: STIP becomes pending */
    check_eq("time.set_timer error", r.error, SBI_SUCCESS);
    check("time.set_timer(0) (past) makes sip.STIP pending", wait_sip(SIP_STIP, 1));
    SBI1(SBI_EXT_TIME, 0, -1L);
    check("time.set_timer(-1) (future) clears the pending sip.STIP", (csr_read(sip) & SIP_STIP) == 0);

    /* A timer 2 ms from now, taken as an interrupt through stvec. */
    timer_irqs = 0;
    stip_stuck = 0;
    uint64_t target = rdtime() + TIMER_DELAY;
    SBI1(SBI_EXT_TIME, 0, target);
    check("time.no sip.STIP before the deadline", (csr_read(sip) & SIP_STIP) == 0 || rdtime() >= target);
    csr_set(sie, SIE_STIE);
    csr_set(sstatus, SSTATUS_SIE);
    int taken = wait_count(&timer_irqs, 1);
    csr_clear(sstatus, SSTATUS_SIE);
    check("time.STIP interrupt delivered to stvec", taken);
    check_eq("time.scause = 0x8000000000000005", (long)last_irq_cause, (long)(SCAUSE_INTERRUPT | IRQ_S_TIMER));
    check("time.interrupt not before the programmed time", taken && timer_irq_time >= target);
    check("time.set_timer(-1) in the handler clears sip.STIP", !stip_stuck && (csr_read(sip) & SIP_STIP) == 0);

    /* The same while idle in wfi, as a kernel's idle loop waits. Only when the timer works: wfi may not return. */
    if (taken && !stip_stuck) {
        timer_irqs = 0;
        target = rdtime() + TIMER_DELAY;
        SBI1(SBI_EXT_TIME, 0, target);
        csr_set(sie, SIE_STIE);
        while (timer_irqs == 0) {
            __asm__ volatile("wfi");
            csr_set(sstatus, SSTATUS_SIE);
            csr_clear(sstatus, SSTATUS_SIE);
        }
        check("time.STIP wakes wfi at the programmed time", timer_irq_time >= target);
    }
    csr_clear(sie, SIE_STIE);
    SBI1(SBI_EXT_TIME, 0, -1L);
    r = SBI0(SBI_EXT_TIME, 1);
    check_eq("time unknown FID -> SBI_ERR_NOT_SUPPORTED", r.error, SBI_ERR_NOT_SUPPORTED);
}

/* SBI v2.0 ch. 7 (and the hart mask of §3.1): an IPI to ourselves arrives as sip.SSIP. */
static void test_ipi(void)
{
    csr_clear(sstatus, SSTATUS_SIE);
    csr_clear(sie, SIE_SSIE);
    csr_clear(sip, SIP_SSIP);

    struct sbiret r = SBI2(SBI_EXT_IPI, 0, 1UL << self, 0);
    check_eq("ipi.send_ipi(self, base 0) error", r.error, SBI_SUCCESS);
    check("ipi.send_ipi(self) makes sip.SSIP pending", wait_sip(SIP_SSIP, 1));
    csr_clear(sip, SIP_SSIP);
    check("ipi.clearing sip.SSIP acknowledges it", (csr_read(sip) & SIP_SSIP) == 0);

    soft_irqs = 0;
    last_irq_cause = 0;
    csr_set(sie, SIE_SSIE);
    csr_set(sstatus, SSTATUS_SIE);
    r = SBI2(SBI_EXT_IPI, 0, 1, self);
    int taken = wait_count(&soft_irqs, 1);
    check_eq("ipi.send_ipi(mask 1, base self) error", r.error, SBI_SUCCESS);
    check("ipi.SSIP interrupt delivered to stvec", taken);
    check_eq("ipi.scause = 0x8000000000000001", (long)last_irq_cause, (long)(SCAUSE_INTERRUPT | IRQ_S_SOFT));

    r = SBI2(SBI_EXT_IPI, 0, 0, -1L);
    taken = wait_count(&soft_irqs, 2);
    check_eq("ipi.send_ipi(base -1: all harts) error", r.error, SBI_SUCCESS);
    check("ipi.send_ipi(base -1) interrupts this hart too", taken);
    csr_clear(sstatus, SSTATUS_SIE);
    csr_clear(sie, SIE_SSIE);
    check("ipi.sip.SSIP clear after the handler", (csr_read(sip) & SIP_SSIP) == 0);

    /* Invalid harts (SBI v2.0 §3.1 "Hart Mask Errors", §7.1): a hart_mask_base beyond the last hart is refused
     * by every version; a nonexistent hart in the mask only since 2.0 (OpenSBI 1.1, SBI 1.0, skips it). */
    r = SBI2(SBI_EXT_IPI, 0, 1, MAX_HARTS * 1000);
    check_eq("ipi.send_ipi(hart_mask_base of no hart) -> SBI_ERR_INVALID_PARAM", r.error, SBI_ERR_INVALID_PARAM);
    r = SBI2(SBI_EXT_IPI, 0, 1UL << 63, 0);
    if (spec_at_least(2, 0))
        check_eq("ipi.send_ipi(mask with nonexistent hart 63) -> SBI_ERR_INVALID_PARAM", r.error, SBI_ERR_INVALID_PARAM);
    r = SBI0(SBI_EXT_IPI, 1);
    check_eq("ipi unknown FID -> SBI_ERR_NOT_SUPPORTED", r.error, SBI_ERR_NOT_SUPPORTED);
    csr_clear(sip, SIP_SSIP);
}

/* SBI v2.0 ch. 8. */
static void test_rfence(void)
{
    struct sbiret r = SBI2(SBI_EXT_RFNC, RFNC_REMOTE_FENCE_I, 1, self);
    check_eq("rfence.remote_fence_i(self) error", r.error, SBI_SUCCESS);
    r = sbi_call(SBI_EXT_RFNC, RFNC_REMOTE_SFENCE_VMA, 1, self, 0, -1L, 0);
    check_eq("rfence.remote_sfence_vma(self, all) error", r.error, SBI_SUCCESS);
    r = sbi_call(SBI_EXT_RFNC, RFNC_REMOTE_SFENCE_VMA, 1, self, 0x80200000L, 0x1000, 0);
    check_eq("rfence.remote_sfence_vma(self, one page) error", r.error, SBI_SUCCESS);
    r = sbi_call(SBI_EXT_RFNC, RFNC_REMOTE_SFENCE_VMA_ASID, 0, -1L, 0, -1L, 0);
    check_eq("rfence.remote_sfence_vma_asid(all harts, ASID 0) error", r.error, SBI_SUCCESS);

    /* Code patching as a kernel does it: store the new instruction, then fence.i through the SBI. */
    long before = patchable();
    patch_insn = 0x00200513; /* addi a0, zero, 2 */
    r = SBI2(SBI_EXT_RFNC, RFNC_REMOTE_FENCE_I, 0, -1L);
    long after = patchable();
    check("rfence.remote_fence_i makes patched code visible", r.error == SBI_SUCCESS && before == 1 && after == 2);
    patch_insn = 0x00100513; /* addi a0, zero, 1 */
    __asm__ volatile("fence.i" ::: "memory");

    r = SBI0(SBI_EXT_RFNC, 7);
    check_eq("rfence unknown FID -> SBI_ERR_NOT_SUPPORTED", r.error, SBI_ERR_NOT_SUPPORTED);
}

/* SBI v2.0 ch. 9. */
static void test_hsm(void)
{
    struct sbiret r = SBI1(SBI_EXT_HSM, HSM_HART_GET_STATUS, self);
    check("hsm.hart_get_status(self) = STARTED", r.error == SBI_SUCCESS && r.value == HSM_STARTED);
    r = SBI1(SBI_EXT_HSM, HSM_HART_GET_STATUS, 0x7fff);
    check_eq("hsm.hart_get_status(nonexistent hart) -> SBI_ERR_INVALID_PARAM", r.error, SBI_ERR_INVALID_PARAM);
    r = SBI3(SBI_EXT_HSM, HSM_HART_START, 0x7fff, (uintptr_t)secondary_entry, 0);
    check_eq("hsm.hart_start(nonexistent hart) -> SBI_ERR_INVALID_PARAM", r.error, SBI_ERR_INVALID_PARAM);
    r = SBI3(SBI_EXT_HSM, HSM_HART_START, self, (uintptr_t)secondary_entry, 0);
    check_eq("hsm.hart_start(self, already started) -> SBI_ERR_ALREADY_AVAILABLE", r.error, SBI_ERR_ALREADY_AVAILABLE);

    /* Default retentive suspend (§9.4): returns SBI_SUCCESS once an interrupt (here the timer) is pending. */
    csr_clear(sstatus, SSTATUS_SIE);
    uint64_t target = rdtime() + TIMER_DELAY;
    SBI1(SBI_EXT_TIME, 0, target);
    csr_set(sie, SIE_STIE);
    r = SBI3(SBI_EXT_HSM, HSM_HART_SUSPEND, 0, 0, 0);
    uint64_t woke = rdtime();
    csr_clear(sie, SIE_STIE);
    SBI1(SBI_EXT_TIME, 0, -1L);
    check_eq("hsm.hart_suspend(default retentive) error", r.error, SBI_SUCCESS);
    check("hsm.hart_suspend(default retentive) resumes on the timer", woke >= target);

    r = SBI3(SBI_EXT_HSM, HSM_HART_SUSPEND, 1, 0, 0);
    check_eq("hsm.hart_suspend(reserved type 1) -> SBI_ERR_INVALID_PARAM", r.error, SBI_ERR_INVALID_PARAM);
    r = SBI0(SBI_EXT_HSM, 9);
    check_eq("hsm unknown FID -> SBI_ERR_NOT_SUPPORTED", r.error, SBI_ERR_NOT_SUPPORTED);
}

/* SBI v2.0 ch. 3 (unknown EID) and §10.1 (invalid reset type or reason: the call returns). */
static void test_errors(void)
{
    struct sbiret r = SBI0(SBI_EXT_UNKNOWN, 0);
    check_eq("unknown EID -> SBI_ERR_NOT_SUPPORTED", r.error, SBI_ERR_NOT_SUPPORTED);
    r = SBI2(SBI_EXT_SRST, 0, 0x3, SRST_REASON_NONE);
    check_eq("srst.system_reset(reserved type 3) -> SBI_ERR_INVALID_PARAM", r.error, SBI_ERR_INVALID_PARAM);
    r = SBI2(SBI_EXT_SRST, 0, SRST_SHUTDOWN, 2);
    check_eq("srst.system_reset(shutdown, reserved reason 2) -> SBI_ERR_INVALID_PARAM", r.error, SBI_ERR_INVALID_PARAM);
    r = SBI0(SBI_EXT_SRST, 1);
    check_eq("srst unknown FID -> SBI_ERR_NOT_SUPPORTED", r.error, SBI_ERR_NOT_SUPPORTED);
}

void payload_main(unsigned long hartid, unsigned long dtb)
{
    self = hartid;
    sbi_lib_init();
    puts_("sbi-test: S-mode payload on hart ");
    put_dec((long)hartid);
    puts_(", dtb ");
    put_hex(dtb);
    nl();
    test_base();
    test_legacy_console();
    test_dbcn();
    test_time();
    test_ipi();
    test_rfence();
    test_hsm();
    test_errors();
    finish("sbi-test");
}

/* No other hart is started by this test; entry.S still needs the symbol. */
void secondary_main(unsigned long hartid, unsigned long opaque)
{
    (void)hartid;
    (void)opaque;
}
