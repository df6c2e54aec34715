/*
 * vmm-test.c: an S-mode payload that provokes every kind of VM exit a hardware-assisted VMM (Ringside's
 * `--mode hw`) takes from a guest kernel: hypercalls, trapped stimecmp accesses, timer interrupts, wfi, MMIO,
 * a hypervisor CSR (illegal in a guest), an access to unbacked guest-physical memory, first touches of RAM,
 * an IPI to itself, a DBCN write and the SRST shutdown. It passes on bare hardware too (Ringside's built-in
 * firmware, QEMU + OpenSBI): where a result differs between the two, it prints which one it saw.
 *
 * Each provoking instruction sits at a global label (vt_*) in the asm block below, so the host-side test
 * (test/vmm/exit-reasons.test.ts) can match each exit's guestPc against the ELF symbol table.
 * One line per check ("vmm-test: ok NAME"), then "vmm-test: PASS" or "vmm-test: FAIL <check>", then SRST.
 */
#include "sbi.h"

const char test_name[] = "vmm-test";

#define MS (10000UL) /* `time` ticks (10 MHz on virt) */
#define WAIT_LIMIT (200 * MS)
#define TIMER_DELAY (1 * MS)

#define CSR_STIMECMP 0x14d
/* A compare value far in the future (about 29000 years at 10 MHz): writing it raises no interrupt. */
#define FAR_STIMECMP 0x7fff00001234abcdUL

#define UART_BASE 0x10000000UL
#define UART_LSR_THRE 0x20
#define VIRTIO_MAGIC 0x74726976 /* "virt" */
#define HOLE_ADDR 0x30000000UL  /* no RAM or device on Ringside's virt board (PCIe ECAM on QEMU's) */

#define EXC_ILLEGAL 2
#define EXC_LOAD_ACCESS 5

/* The provoking instructions, each at a global label; plain functions under the standard calling convention.
 * norvc keeps every labelled instruction 32 bits wide, so its encoding does not depend on register choice. */
__asm__(
    "    .text\n"
    "    .option push\n"
    "    .option norvc\n"
    "    .balign 4\n"
    /* struct sbiret vt_spec_version(void): BASE get_spec_version (SBI v2.0 §4.1) */
    "    .globl vt_spec_version, vt_hcall\n"
    "vt_spec_version:\n"
    "    li a7, 0x10\n"
    "    li a6, 0\n"
    "vt_hcall:\n"
    "    ecall\n"
    "    ret\n"
    /* struct sbiret vt_probe(long eid): BASE probe_extension (§4.4) */
    "    .globl vt_probe_extension, vt_probe\n"
    "vt_probe_extension:\n"
    "    li a7, 0x10\n"
    "    li a6, 3\n"
    "vt_probe:\n"
    "    ecall\n"
    "    ret\n"
    /* void vt_stimecmp_write(uint64_t v), uint64_t vt_stimecmp_read(void), void vt_stimecmp_arm(uint64_t v) */
    "    .globl vt_stimecmp_write, vt_csr_write, vt_stimecmp_read, vt_csr_read, vt_stimecmp_arm, vt_csr_arm\n"
    "vt_stimecmp_write:\n"
    "vt_csr_write:\n"
    "    csrw 0x14d, a0\n"
    "    ret\n"
    "vt_stimecmp_read:\n"
    "vt_csr_read:\n"
    "    csrr a0, 0x14d\n"
    "    ret\n"
    "vt_stimecmp_arm:\n"
    "vt_csr_arm:\n"
    "    csrw 0x14d, a0\n"
    "    ret\n"
    /* void vt_wait(void) */
    "    .globl vt_wait, vt_wfi\n"
    "vt_wait:\n"
    "vt_wfi:\n"
    "    wfi\n"
    "    ret\n"
    /* unsigned vt_uart_lsr(void), unsigned vt_virtio_magic(void) */
    "    .globl vt_uart_lsr, vt_mmio_lsr, vt_virtio_magic, vt_mmio_magic\n"
    "vt_uart_lsr:\n"
    "    li t0, 0x10000000\n"
    "vt_mmio_lsr:\n"
    "    lbu a0, 5(t0)\n"
    "    ret\n"
    "vt_virtio_magic:\n"
    "    li t0, 0x10001000\n"
    "vt_mmio_magic:\n"
    "    lw a0, 0(t0)\n"
    "    ret\n"
    /* void vt_uart_putc(int c): waits for LSR.THRE, then writes THR */
    "    .globl vt_uart_putc, vt_mmio_thr\n"
    "vt_uart_putc:\n"
    "    li t0, 0x10000000\n"
    "1:  lbu t1, 5(t0)\n"
    "    andi t1, t1, 0x20\n"
    "    beqz t1, 1b\n"
    "vt_mmio_thr:\n"
    "    sb a0, 0(t0)\n"
    "    ret\n"
    /* long vt_read_hstatus(void): returns -1 when the read trapped (the handler skips it) */
    "    .globl vt_read_hstatus, vt_hcsr\n"
    "vt_read_hstatus:\n"
    "    li a0, -1\n"
    "vt_hcsr:\n"
    "    csrr a0, 0x600\n"
    "    ret\n"
    /* long vt_load_hole(void): a load from HOLE_ADDR; -1 when it trapped */
    "    .globl vt_load_hole, vt_afault\n"
    "vt_load_hole:\n"
    "    li t0, 0x30000000\n"
    "    li a0, -1\n"
    "vt_afault:\n"
    "    lwu a0, 0(t0)\n"
    "    ret\n"
    /* void vt_touch(uintptr_t addr, uint8_t v) */
    "    .globl vt_touch, vt_gpf\n"
    "vt_touch:\n"
    "vt_gpf:\n"
    "    sb a1, 0(a0)\n"
    "    ret\n"
    /* struct sbiret vt_send_ipi(unsigned long mask, unsigned long base): IPI send_ipi (§7.1) */
    "    .globl vt_send_ipi, vt_ipi\n"
    "vt_send_ipi:\n"
    "    li a7, 0x735049\n"
    "    li a6, 0\n"
    "vt_ipi:\n"
    "    ecall\n"
    "    ret\n"
    /* struct sbiret vt_dbcn_write(unsigned long len, const char *s): DBCN console_write (§12.1) */
    "    .globl vt_dbcn_write, vt_dbcn\n"
    "vt_dbcn_write:\n"
    "    li a7, 0x4442434e\n"
    "    li a6, 0\n"
    "    li a2, 0\n"
    "vt_dbcn:\n"
    "    ecall\n"
    "    ret\n"
    "    .option pop\n");

struct sbiret vt_spec_version(void);
struct sbiret vt_probe_extension(long eid);
void vt_stimecmp_write(uint64_t v);
uint64_t vt_stimecmp_read(void);
void vt_stimecmp_arm(uint64_t v);
void vt_wait(void);
unsigned vt_uart_lsr(void);
unsigned vt_virtio_magic(void);
void vt_uart_putc(int c);
long vt_read_hstatus(void);
long vt_load_hole(void);
void vt_touch(uintptr_t addr, uint8_t v);
struct sbiret vt_send_ipi(unsigned long mask, unsigned long base);
struct sbiret vt_dbcn_write(unsigned long len, const char *s);
extern const char vt_hcsr[], vt_afault[];

static unsigned long self;

/* What the trap handler saw. */
static volatile long timer_irqs, soft_irqs, exceptions;
static volatile uint64_t last_irq_cause, exc_cause, exc_epc, exc_tval;
static volatile int timer_ack_csr; /* acknowledge the timer through stimecmp (else through SBI set_timer) */
static volatile int exception_expected;

void trap_handler(uint64_t scause, uint64_t sepc, uint64_t stval)
{
    if (scause == (SCAUSE_INTERRUPT | IRQ_S_TIMER)) {
        last_irq_cause = scause;
        timer_irqs++;
        if (timer_ack_csr)
            vt_stimecmp_write(-1UL); /* Sstc: a compare value never reached clears STIP */
        else
            SBI1(SBI_EXT_TIME, 0, -1L);
        return;
    }
    if (scause == (SCAUSE_INTERRUPT | IRQ_S_SOFT)) {
        last_irq_cause = scause;
        soft_irqs++;
        csr_clear(sip, SIP_SSIP);
        return;
    }
    if (!(scause & SCAUSE_INTERRUPT) && exception_expected) {
        exceptions++;
        exc_cause = scause;
        exc_epc = sepc;
        exc_tval = stval;
        /* Skip the instruction: its low two bits are 11 for 32-bit encodings (satp = 0: sepc is physical). */
        uint16_t low = *(volatile uint16_t *)sepc;
        csr_write(sepc, sepc + ((low & 3) == 3 ? 4 : 2));
        return;
    }
    fail_unexpected_trap(scause, sepc, stval);
}

static int wait_count(volatile long *count, long want)
{
    uint64_t deadline = timeout_after(WAIT_LIMIT);
    while (*count < want && rdtime() < deadline)
        cpu_relax();
    return *count >= want;
}

/* 1. Hypercalls: BASE get_spec_version and probe_extension(TIME). */
static void test_hypercall(void)
{
    struct sbiret r = vt_spec_version();
    check_eq("hypercall.get_spec_version error", r.error, SBI_SUCCESS);
    check_eq("hypercall.get_spec_version = the version read at start", r.value, sbi_spec_version);
    puts_("vmm-test: spec version ");
    put_hex(r.value);
    nl();
    r = vt_probe_extension(SBI_EXT_TIME);
    check("hypercall.probe_extension(TIME) = available", r.error == SBI_SUCCESS && r.value != 0);
}

/* 2. The Sstc stimecmp CSR: written and read back, then a timer interrupt from it (Sstc §1). */
static void test_stimecmp(void)
{
    csr_clear(sstatus, SSTATUS_SIE);
    csr_clear(sie, SIE_STIE);
    vt_stimecmp_write(FAR_STIMECMP);
    check("csr-access.stimecmp reads back what was written", vt_stimecmp_read() == FAR_STIMECMP);

    timer_irqs = 0;
    last_irq_cause = 0;
    timer_ack_csr = 1;
    vt_stimecmp_arm(rdtime() + TIMER_DELAY);
    csr_set(sie, SIE_STIE);
    csr_set(sstatus, SSTATUS_SIE);
    int taken = wait_count(&timer_irqs, 1);
    csr_clear(sstatus, SSTATUS_SIE);
    csr_clear(sie, SIE_STIE);
    timer_ack_csr = 0;
    check("csr-access.stimecmp timer interrupt taken", taken);
    check_eq("csr-access.scause = interrupt 5", (long)last_irq_cause, (long)(SCAUSE_INTERRUPT | IRQ_S_TIMER));
    check("csr-access.stimecmp = -1 clears sip.STIP", (csr_read(sip) & SIP_STIP) == 0);
}

/* 3. SBI set_timer, idle in wfi until the interrupt. */
static void test_timer_wfi(void)
{
    timer_irqs = 0;
    last_irq_cause = 0;
    SBI1(SBI_EXT_TIME, 0, rdtime() + TIMER_DELAY);
    csr_set(sie, SIE_STIE);
    /* wfi wakes on a pending interrupt even with sstatus.SIE clear; SIE is opened only between waits. */
    while (timer_irqs == 0) {
        vt_wait();
        csr_set(sstatus, SSTATUS_SIE);
        csr_clear(sstatus, SSTATUS_SIE);
    }
    csr_clear(sie, SIE_STIE);
    check_eq("wfi.timer interrupt after set_timer: scause = interrupt 5", (long)last_irq_cause,
             (long)(SCAUSE_INTERRUPT | IRQ_S_TIMER));
}

/* 4. Device registers: UART LSR, virtio-mmio slot 0's magic, the UART THR. */
static void test_mmio(void)
{
    check("mmio.uart LSR has THRE", (vt_uart_lsr() & UART_LSR_THRE) != 0);
    check_eq("mmio.virtio-mmio slot 0 magic", (long)vt_virtio_magic(), VIRTIO_MAGIC);
    static const char line_[] = "vmm-test: ok mmio.uart THR written directly\n";
    for (const char *p = line_; *p; p++)
        vt_uart_putc(*p);
}

/* 5. A hypervisor CSR: illegal in a guest (it sees cause 2); legal in HS-mode on a hart with H. */
static void test_h_csr(void)
{
    exceptions = 0;
    exception_expected = 1;
    vt_read_hstatus();
    exception_expected = 0;
    if (exceptions == 0) {
        check("illegal-h-csr (executed)", 1);
        return;
    }
    check("illegal-h-csr (trapped)", exceptions == 1 && exc_cause == EXC_ILLEGAL && exc_epc == (uintptr_t)vt_hcsr);
}

/* 6. Unbacked physical memory: a load access fault (Ringside), or whatever a device there answers (QEMU). */
static void test_access_fault(void)
{
    exceptions = 0;
    exception_expected = 1;
    long v = vt_load_hole();
    exception_expected = 0;
    if (exceptions == 0) {
        puts_("vmm-test: load from 0x30000000 returned ");
        put_hex((uint64_t)v);
        nl();
        check("access-fault (no fault: a device answered)", 1);
        return;
    }
    check("access-fault (trapped)", exceptions == 1 && exc_cause == EXC_LOAD_ACCESS &&
                                        exc_epc == (uintptr_t)vt_afault && exc_tval == HOLE_ADDR);
}

/* 7. RAM far from the image: one byte in each of several 2 MiB regions, written and read back. */
static void test_ram_touch(void)
{
    static const uintptr_t addrs[] = { 0x84000123, 0x85000456, 0x86000789 };
    int ok = 1;
    for (unsigned i = 0; i < ARRAY_SIZE(addrs); i++)
        vt_touch(addrs[i], (uint8_t)(0xa0 + i));
    for (unsigned i = 0; i < ARRAY_SIZE(addrs); i++)
        ok &= *(volatile uint8_t *)addrs[i] == (uint8_t)(0xa0 + i);
    check("guest-page-fault.RAM regions written and read back", ok);
}

/* 8. An IPI to ourselves, taken as a supervisor software interrupt. */
static void test_ipi(void)
{
    csr_clear(sstatus, SSTATUS_SIE);
    csr_clear(sip, SIP_SSIP);
    soft_irqs = 0;
    last_irq_cause = 0;
    csr_set(sie, SIE_SSIE);
    csr_set(sstatus, SSTATUS_SIE);
    struct sbiret r = vt_send_ipi(1, self);
    int taken = wait_count(&soft_irqs, 1);
    csr_clear(sstatus, SSTATUS_SIE);
    csr_clear(sie, SIE_SSIE);
    check_eq("ipi.send_ipi(mask 1, base self) error", r.error, SBI_SUCCESS);
    check("ipi.soft interrupt taken", taken);
    check_eq("ipi.scause = interrupt 1", (long)last_irq_cause, (long)(SCAUSE_INTERRUPT | IRQ_S_SOFT));
    check("ipi.sip.SSIP clear after the handler", (csr_read(sip) & SIP_SSIP) == 0);
}

/* 9. DBCN console_write of a whole string (SBI v2.0 ch. 12; OpenSBI 1.1 implements SBI 1.0 without it). */
static void test_dbcn(void)
{
    if (!sbi_has_dbcn) {
        puts_("vmm-test: skip dbcn: a pre-2.0 firmware without DBCN\n");
        return;
    }
    static const char msg[] = "vmm-test: hello from dbcn console_write\n";
    struct sbiret r = vt_dbcn_write(sizeof(msg) - 1, msg);
    check("dbcn.console_write wrote the whole string", r.error == SBI_SUCCESS && r.value == (long)sizeof(msg) - 1);
}

void payload_main(unsigned long hartid, unsigned long dtb)
{
    (void)dtb;
    self = hartid;
    sbi_lib_init();
    puts_("vmm-test: S-mode payload on hart ");
    put_dec((long)hartid);
    nl();
    test_hypercall();
    test_stimecmp();
    test_timer_wfi();
    test_mmio();
    test_h_csr();
    test_access_fault();
    test_ram_touch();
    test_ipi();
    test_dbcn();
    finish("vmm-test");
}

/* No other hart is started; entry.S still needs the symbol. */
void secondary_main(unsigned long hartid, unsigned long opaque)
{
    (void)hartid;
    (void)opaque;
}
