/*
 * smp-test.c: an S-mode SMP payload for 2-8 harts that brings up and drives the other harts through the SBI
 * as a kernel does: HSM hart_start/hart_stop/hart_get_status (SBI v2.0 ch. 9), IPIs (ch. 7), remote fences
 * (ch. 8). The started harts report in by incrementing a shared atomic (AMO) counter and a counter guarded by
 * an LR/SC spinlock; afterwards they sleep in wfi and take commands, each delivered with an IPI.
 * Only the boot hart prints. Ends with "smp-test: PASS" or "smp-test: FAIL <check>" and an SRST shutdown.
 */
#include "sbi.h"

const char test_name[] = "smp-test";

#define MS (10000UL)                  /* `time` ticks (10 MHz on virt) */
#define WAIT_LIMIT (500 * MS)         /* for any one event: QEMU runs harts as host threads on a busy host */
#define COUNT_ITERATIONS 10000        /* per hart, for each counter */
#define OPAQUE_MAGIC 0x5eed000000000000UL

enum command { CMD_NONE, CMD_CALL_PATCHED, CMD_STOP };

/* One per hart, each in its own cache line: written by that hart, read by the boot hart (or the reverse for cmd). */
struct hart {
    volatile long starts;          /* times the hart came in through secondary_entry */
    volatile uint64_t entry_a0, entry_a1, entry_satp, entry_sstatus;
    volatile long counted;         /* finished the counting loops */
    volatile long ipis;            /* SSIP interrupts taken (each one is an acknowledgement) */
    volatile uint64_t ipi_scause;
    volatile long cmd, cmd_seq;    /* from the boot hart */
    volatile long done_seq, result;
    volatile long stop_error;      /* hart_stop returned (it must not): its error */
    volatile uint64_t bad_scause, bad_sepc; /* an unexpected trap */
} __attribute__((aligned(64)));

static struct hart harts[MAX_HARTS];
static unsigned long nharts, boot;
static volatile int go;
static volatile uint64_t atomic_counter;
static volatile int counter_lock;
static volatile uint64_t locked_counter;

/* Test-and-set with LR/SC (unprivileged spec, "A" chapter): spin on a plain load while the lock is taken. */
static void spin_lock(volatile int *lock)
{
    int tmp;
    __asm__ volatile("1: lr.w.aq %0, (%1)\n"
                     "   bnez    %0, 2f\n"
                     "   sc.w    %0, %2, (%1)\n"
                     "   bnez    %0, 1b\n"
                     "   j       3f\n"
                     "2: lw      %0, (%1)\n"
                     "   bnez    %0, 2b\n"
                     "   j       1b\n"
                     "3:\n"
                     : "=&r"(tmp)
                     : "r"(lock), "r"(1)
                     : "memory");
}

static void spin_unlock(volatile int *lock)
{
    __asm__ volatile("amoswap.w.rl zero, zero, (%0)" : : "r"(lock) : "memory");
}

/* The work every hart does to report in: AMO increments and read-modify-write under the lock. */
static void count(void)
{
    for (int i = 0; i < COUNT_ITERATIONS; i++) {
        __atomic_fetch_add(&atomic_counter, 1, __ATOMIC_RELAXED);
        spin_lock(&counter_lock);
        locked_counter = locked_counter + 1;
        spin_unlock(&counter_lock);
    }
}

void trap_handler(uint64_t scause, uint64_t sepc, uint64_t stval)
{
    unsigned long me;
    __asm__("mv %0, tp" : "=r"(me));
    struct hart *h = &harts[me];
    (void)stval;
    if (scause == (SCAUSE_INTERRUPT | IRQ_S_SOFT)) {
        csr_clear(sip, SIP_SSIP);
        h->ipi_scause = scause;
        __atomic_fetch_add(&h->ipis, 1, __ATOMIC_RELEASE);
        return;
    }
    h->bad_sepc = sepc;
    h->bad_scause = scause;
    if (me == boot) {
        puts_("smp-test: FAIL unexpected trap on the boot hart: scause=");
        put_hex(scause);
        puts_(" sepc=");
        put_hex(sepc);
        nl();
        shutdown(1);
    }
    for (;;) /* the boot hart's wait for this hart times out and reports bad_scause */
        __asm__ volatile("csrci sstatus, 2; wfi");
}

/* A started hart: record what it came in with, report in, then serve commands until told to stop. */
void secondary_main(unsigned long hartid, unsigned long opaque)
{
    struct hart *h = &harts[hartid];
    h->entry_a0 = hartid;
    h->entry_a1 = opaque;
    h->entry_satp = csr_read(satp);
    h->entry_sstatus = csr_read(sstatus);
    __atomic_fetch_add(&h->starts, 1, __ATOMIC_RELEASE);
    if (h->starts == 1) {
        while (!go)
            cpu_relax();
        count();
        __atomic_store_n(&h->counted, 1, __ATOMIC_RELEASE);
    }
    csr_set(sie, SIE_SSIE);
    for (;;) {
        /* Check for work with interrupts off, then wfi: an IPI arriving in between still ends the wfi. */
        csr_clear(sstatus, SSTATUS_SIE);
        if (h->cmd_seq == h->done_seq)
            __asm__ volatile("wfi");
        csr_set(sstatus, SSTATUS_SIE);
        if (h->cmd_seq == h->done_seq)
            continue;
        long cmd = h->cmd, seq = h->cmd_seq;
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        if (cmd == CMD_CALL_PATCHED) {
            h->result = patchable();
        } else if (cmd == CMD_STOP) {
            csr_clear(sstatus, SSTATUS_SIE); /* hart_stop wants S-mode interrupts off (SBI v2.0 §9.2) */
            csr_clear(sie, SIE_SSIE);
            __atomic_store_n(&h->done_seq, seq, __ATOMIC_RELEASE);
            struct sbiret r = SBI0(SBI_EXT_HSM, HSM_HART_STOP);
            h->stop_error = r.error ? r.error : 1;
            for (;;)
                __asm__ volatile("wfi");
        }
        __atomic_store_n(&h->done_seq, seq, __ATOMIC_RELEASE);
    }
}

static int wait_until(volatile long *v, long want)
{
    uint64_t deadline = timeout_after(WAIT_LIMIT);
    while (*v < want && rdtime() < deadline)
        cpu_relax();
    return *v >= want;
}

static long hart_status(unsigned long id)
{
    struct sbiret r = SBI1(SBI_EXT_HSM, HSM_HART_GET_STATUS, id);
    return r.error ? r.error : r.value;
}

/* Polls hart_get_status until `want` (through the *_PENDING states the spec allows in between, §9). */
static long wait_status(unsigned long id, long want)
{
    uint64_t deadline = timeout_after(WAIT_LIMIT);
    long s;
    while ((s = hart_status(id)) != want && rdtime() < deadline)
        cpu_relax();
    return s;
}

/* Posts a command and sends the IPI that wakes the hart for it; waits until it is done. */
static int command(unsigned long id, long cmd)
{
    struct hart *h = &harts[id];
    long seq = h->cmd_seq + 1;
    h->cmd = cmd;
    __atomic_store_n(&h->cmd_seq, seq, __ATOMIC_RELEASE);
    struct sbiret r = SBI2(SBI_EXT_IPI, 0, 1, id);
    return r.error == SBI_SUCCESS && wait_until(&h->done_seq, seq);
}

static void report_hart(const char *what, unsigned long id)
{
    puts_("smp-test: ");
    puts_(what);
    puts_(" hart ");
    put_dec((long)id);
    if (harts[id].bad_scause) {
        puts_(": unexpected trap scause=");
        put_hex(harts[id].bad_scause);
        puts_(" sepc=");
        put_hex(harts[id].bad_sepc);
    }
    nl();
}

static unsigned long others_mask(void)
{
    unsigned long m = 0;
    for (unsigned long i = 0; i < nharts; i++)
        if (i != boot)
            m |= 1UL << i;
    return m;
}

/* hart_start, then the hart must show up with a0 = hartid, a1 = opaque, satp = 0, SIE = 0 (§9.1 table). */
static int start_hart(unsigned long id, long expect_starts)
{
    unsigned long opaque = OPAQUE_MAGIC | (id << 8) | (unsigned long)expect_starts;
    struct sbiret r = SBI3(SBI_EXT_HSM, HSM_HART_START, id, (uintptr_t)secondary_entry, opaque);
    if (!check_eq("hsm.hart_start error", r.error, SBI_SUCCESS))
        return 0;
    if (!wait_until(&harts[id].starts, expect_starts)) {
        report_hart("no sign of life from", id);
        return check("hsm.started hart runs", 0);
    }
    struct hart *h = &harts[id];
    check("hsm.started hart: a0 = hartid, a1 = opaque", h->entry_a0 == id && h->entry_a1 == opaque);
    check("hsm.started hart: satp = 0, sstatus.SIE = 0", h->entry_satp == 0 && (h->entry_sstatus & SSTATUS_SIE) == 0);
    check_eq("hsm.hart_get_status after hart_start = STARTED", wait_status(id, HSM_STARTED), HSM_STARTED);
    return 1;
}

static int stop_hart(unsigned long id)
{
    struct hart *h = &harts[id];
    if (!command(id, CMD_STOP)) {
        report_hart("cannot reach", id);
        return check("hsm.hart told to stop", 0);
    }
    long s = wait_status(id, HSM_STOPPED);
    check_eq("hsm.hart_get_status after hart_stop = STOPPED", s, HSM_STOPPED);
    return check_eq("hsm.hart_stop does not return", h->stop_error, 0);
}

void payload_main(unsigned long hartid, unsigned long dtb)
{
    (void)dtb;
    boot = hartid;
    sbi_lib_init();
    csr_write(sie, 0);

    /* Harts are numbered 0..n-1 on virt; hart_get_status says where the numbering ends. */
    while (nharts < MAX_HARTS && hart_status(nharts) >= 0)
        nharts++;
    puts_("smp-test: ");
    put_dec((long)nharts);
    puts_(" harts, boot hart ");
    put_dec((long)boot);
    nl();
    if (nharts < MAX_HARTS)
        check_eq("hsm.hart_get_status(first nonexistent hart) -> SBI_ERR_INVALID_PARAM", hart_status(nharts),
                 SBI_ERR_INVALID_PARAM);
    if (!check("at least 2 harts", nharts >= 2))
        finish("smp-test");
    check_eq("hsm.hart_get_status(boot hart) = STARTED", hart_status(boot), HSM_STARTED);
    int all_stopped = 1;
    for (unsigned long i = 0; i < nharts; i++)
        if (i != boot && hart_status(i) != HSM_STOPPED)
            all_stopped = 0;
    check("hsm.other harts wait STOPPED until hart_start", all_stopped);

    /* Bring-up. A second hart_start of a running hart is refused (§9.1). */
    for (unsigned long i = 0; i < nharts; i++) {
        if (i == boot)
            continue;
        if (!start_hart(i, 1))
            finish("smp-test");
        struct sbiret r = SBI3(SBI_EXT_HSM, HSM_HART_START, i, (uintptr_t)secondary_entry, 0);
        check_eq("hsm.hart_start of a started hart -> SBI_ERR_ALREADY_AVAILABLE", r.error, SBI_ERR_ALREADY_AVAILABLE);
    }

    /* Report-in: everybody counts at once. */
    go = 1;
    count();
    int all_counted = 1;
    for (unsigned long i = 0; i < nharts; i++)
        if (i != boot && !wait_until(&harts[i].counted, 1)) {
            report_hart("counting never finished on", i);
            all_counted = 0;
        }
    check("every hart reported in", all_counted);
    check_eq("atomic (AMO) counter total", (long)atomic_counter, (long)(nharts * COUNT_ITERATIONS));
    check_eq("LR/SC spinlock counter total", (long)locked_counter, (long)(nharts * COUNT_ITERATIONS));

    /* IPIs: to one hart at a time (three rounds), to all others by mask, to everybody with base -1. */
    csr_set(sie, SIE_SSIE);
    csr_set(sstatus, SSTATUS_SIE);
    int ipis_ok = 1;
    for (int round = 1; round <= 3; round++)
        for (unsigned long i = 0; i < nharts; i++) {
            if (i == boot)
                continue;
            long before = harts[i].ipis;
            struct sbiret r = SBI2(SBI_EXT_IPI, 0, 1, i);
            if (r.error != SBI_SUCCESS || !wait_until(&harts[i].ipis, before + 1)) {
                report_hart("IPI not acknowledged by", i);
                ipis_ok = 0;
            }
        }
    check("ipi.send_ipi(mask 1, base h) interrupts hart h (3 rounds)", ipis_ok);
    long seen[MAX_HARTS];
    for (unsigned long i = 0; i < nharts; i++)
        seen[i] = harts[i].ipis;
    struct sbiret r = SBI2(SBI_EXT_IPI, 0, others_mask(), 0);
    check_eq("ipi.send_ipi(mask of the others, base 0) error", r.error, SBI_SUCCESS);
    ipis_ok = 1;
    for (unsigned long i = 0; i < nharts; i++)
        if (i != boot && !wait_until(&harts[i].ipis, seen[i] + 1))
            ipis_ok = 0;
    check("ipi.every other hart took the broadcast", ipis_ok);
    for (unsigned long i = 0; i < nharts; i++)
        seen[i] = harts[i].ipis;
    r = SBI2(SBI_EXT_IPI, 0, 0, -1L);
    check_eq("ipi.send_ipi(base -1) error", r.error, SBI_SUCCESS);
    ipis_ok = 1;
    for (unsigned long i = 0; i < nharts; i++)
        if (!wait_until(&harts[i].ipis, seen[i] + 1))
            ipis_ok = 0;
    check("ipi.every hart, the sender too, took the base -1 IPI", ipis_ok);
    int causes_ok = 1;
    for (unsigned long i = 0; i < nharts; i++)
        if (harts[i].ipi_scause != (SCAUSE_INTERRUPT | IRQ_S_SOFT))
            causes_ok = 0;
    check("ipi.scause = 0x8000000000000001 on every hart", causes_ok);
    csr_clear(sstatus, SSTATUS_SIE);
    csr_clear(sie, SIE_SSIE);

    /* Remote fences: patch code the other harts have run, remote_fence_i them, and they run the new code. */
    int calls_ok = 1;
    for (unsigned long i = 0; i < nharts; i++)
        if (i != boot && (!command(i, CMD_CALL_PATCHED) || harts[i].result != 1))
            calls_ok = 0;
    check("others run the unpatched function", calls_ok);
    patch_insn = 0x00200513; /* addi a0, zero, 2 */
    __asm__ volatile("fence.i" ::: "memory");
    r = SBI2(SBI_EXT_RFNC, RFNC_REMOTE_FENCE_I, others_mask(), 0);
    check_eq("rfence.remote_fence_i(others) error", r.error, SBI_SUCCESS);
    calls_ok = 1;
    for (unsigned long i = 0; i < nharts; i++)
        if (i != boot && (!command(i, CMD_CALL_PATCHED) || harts[i].result != 2))
            calls_ok = 0;
    check("others run the patched function after remote_fence_i", calls_ok);
    patch_insn = 0x00100513;
    __asm__ volatile("fence.i" ::: "memory");
    r = SBI2(SBI_EXT_RFNC, RFNC_REMOTE_FENCE_I, others_mask(), 0);
    r = sbi_call(SBI_EXT_RFNC, RFNC_REMOTE_SFENCE_VMA, others_mask(), 0, 0, -1L, 0);
    check_eq("rfence.remote_sfence_vma(others, all) error", r.error, SBI_SUCCESS);
    r = sbi_call(SBI_EXT_RFNC, RFNC_REMOTE_SFENCE_VMA_ASID, others_mask(), 0, 0x80200000L, 0x2000, 0);
    check_eq("rfence.remote_sfence_vma_asid(others, 2 pages, ASID 0) error", r.error, SBI_SUCCESS);
    r = sbi_call(SBI_EXT_RFNC, RFNC_REMOTE_SFENCE_VMA, 0, -1L, 0, -1L, 0);
    check_eq("rfence.remote_sfence_vma(base -1) error", r.error, SBI_SUCCESS);

    /* Stop everybody; then start the first other hart once more (with a new opaque) and stop it again. */
    for (unsigned long i = 0; i < nharts; i++)
        if (i != boot)
            stop_hart(i);
    unsigned long again = boot == 0 ? 1 : 0;
    if (start_hart(again, 2)) {
        check_eq("hsm.restarted hart: opaque of the second hart_start", (long)harts[again].entry_a1,
                 (long)(OPAQUE_MAGIC | (again << 8) | 2));
        stop_hart(again);
    }

    check_eq("only the boot hart entered at _start", payload_entries, 1);
    finish("smp-test");
}
