/*
 * nanobench.c: the VM-exit nanobenchmark, an S-mode payload for SBI firmware (Ringside's built-in one or
 * OpenSBI fw_jump). It runs five loops of N iterations (loops.S): a null hypercall, a trapped CSR read
 * (stimecmp), an MMIO read (UART LSR), a page fault the guest handles itself and a timer interrupt round trip,
 * prints each loop's instret per iteration and checks each did what it should, then "nanobench: PASS" and an
 * SRST shutdown. Host time is measured by bench/nanobench.ts, which breaks on the nb_<op>_begin/_end labels.
 */
#include "../sbi/sbi.h"

const char test_name[] = "nanobench";

#define N 2000

/* loops.S */
long nb_hypercall(long n);
long nb_csr(long n);
long nb_mmio(long n);
long nb_pagefault(long n, uint64_t addr);
long nb_timer(long n);

/* Counted by the trap handler; the timer loop polls nb_timer_ticks. */
volatile unsigned nb_timer_ticks;
static volatile unsigned page_faults;

/* Sv39 (Priv §10.4): identity gigapages for devices (0-1 GiB) and RAM (2-3 GiB); the 1-2 GiB gigapage goes
 * through a level-1 and a level-0 table whose 4 KiB PTEs are all invalid, so FAULT_VA faults after a full walk. */
#define FAULT_VA 0x40000000UL
#define PTE_V (1UL << 0)
#define PTE_R (1UL << 1)
#define PTE_W (1UL << 2)
#define PTE_X (1UL << 3)
#define PTE_A (1UL << 6)
#define PTE_D (1UL << 7)
#define SATP_SV39 (8UL << 60)
#define SCAUSE_LOAD_PAGE_FAULT 13
static uint64_t root[512] __attribute__((aligned(4096)));
static uint64_t level1[512] __attribute__((aligned(4096)));
static uint64_t level0[512] __attribute__((aligned(4096)));

static uint64_t pte_to(const void *table)
{
    return ((uintptr_t)table >> 12) << 10 | PTE_V;
}

static void paging_on(void)
{
    const uint64_t leaf = PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D;
    root[0] = (0x00000000UL >> 12) << 10 | leaf;
    root[2] = (0x80000000UL >> 12) << 10 | leaf;
    root[1] = pte_to(level1);
    level1[0] = pte_to(level0); /* level0[] stays zero: every 4 KiB page there is invalid */
    __asm__ volatile("sfence.vma" ::: "memory");
    csr_write(satp, SATP_SV39 | (uintptr_t)root >> 12);
    __asm__ volatile("sfence.vma" ::: "memory");
}

static void paging_off(void)
{
    csr_write(satp, 0);
    __asm__ volatile("sfence.vma" ::: "memory");
}

void trap_handler(uint64_t scause, uint64_t sepc, uint64_t stval)
{
    if (scause == (SCAUSE_INTERRUPT | IRQ_S_TIMER)) {
        SBI1(SBI_EXT_TIME, 0, -1L); /* acknowledge: no timer until asked again (SBI v2.0 §6.1) */
        nb_timer_ticks++;
        return;
    }
    if (scause == SCAUSE_LOAD_PAGE_FAULT && stval == FAULT_VA) {
        /* Skip the faulting load, whatever its length (RVC: low bits != 11 means 16 bits). */
        uint16_t low = *(volatile uint16_t *)sepc;
        csr_write(sepc, sepc + ((low & 3) == 3 ? 4 : 2));
        page_faults++;
        return;
    }
    fail_unexpected_trap(scause, sepc, stval);
}

/* "nanobench: OP instret/op X.Y": the guest's own count (under QEMU without -icount, instret is host ticks). */
static void report(const char *op, long delta)
{
    long tenths = delta * 10 / N;
    puts_("nanobench: ");
    puts_(op);
    puts_(" instret/op ");
    put_dec(tenths / 10);
    puts_(".");
    put_dec(tenths % 10);
    nl();
}

void payload_main(unsigned long hartid, unsigned long dtb)
{
    (void)hartid;
    (void)dtb;
    sbi_lib_init();
    puts_("nanobench: ");
    put_dec(N);
    puts_(" iterations per operation\n");

    report("hypercall", nb_hypercall(N));
    report("csr", nb_csr(N));
    report("mmio", nb_mmio(N));

    paging_on();
    long d = nb_pagefault(N, FAULT_VA);
    paging_off();
    report("pagefault", d);
    check_eq("pagefault handled by the guest", page_faults, N);

    nb_timer_ticks = 0;
    csr_set(sie, SIE_STIE);
    csr_set(sstatus, SSTATUS_SIE);
    d = nb_timer(N);
    csr_clear(sstatus, SSTATUS_SIE);
    csr_clear(sie, SIE_STIE);
    report("timer", d);
    check_eq("timer interrupts taken", nb_timer_ticks, N);

    finish("nanobench");
}

void secondary_main(unsigned long hartid, unsigned long opaque)
{
    (void)hartid;
    (void)opaque; /* only the boot hart runs the benchmark; entry.S parks any other */
}
