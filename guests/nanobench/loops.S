/*
 * loops.S: the five measured loops of the VM-exit nanobenchmark. Each `long nb_<op>(long n, ...)` runs n
 * iterations between the global labels nb_<op>_begin and nb_<op>_end (the host harness breaks on both; each is
 * reached once per call, never inside the loop) and returns the instret delta the guest saw.
 * Registers: t0 counts down, t1 holds the starting instret. Both survive an SBI call (only a0/a1 change,
 * SBI v2.0 ch. 3) and a trap (entry.S's vector saves every caller-saved register).
 */
#define SBI_EXT_BASE 0x10
#define SBI_EXT_TIME 0x54494D45
#define CSR_STIMECMP 0x14d
#define UART_LSR 0x10000005

.macro BEGIN op
    .text
    .globl nb_\op, nb_\op\()_begin, nb_\op\()_end
    .balign 4
nb_\op:
nb_\op\()_begin:
    rdinstret t1
    mv      t0, a0
.endm

.macro END op
nb_\op\()_end:
    rdinstret a0
    sub     a0, a0, t1
    ret
.endm

/* (1) A null hypercall: SBI BASE get_spec_version. */
BEGIN hypercall
1:  li      a7, SBI_EXT_BASE
    li      a6, 0
    ecall
    addi    t0, t0, -1
    bnez    t0, 1b
END hypercall

/* (2) A CSR read that a VMM traps: stimecmp (Sstc). Native in S-mode when the firmware set menvcfg.STCE. */
BEGIN csr
1:  csrr    t2, CSR_STIMECMP
    addi    t0, t0, -1
    bnez    t0, 1b
END csr

/* (3) An MMIO read of a device register: the UART's line status register. */
BEGIN mmio
    li      t2, UART_LSR
1:  lb      t3, 0(t2)
    addi    t0, t0, -1
    bnez    t0, 1b
END mmio

/* (4) A page fault the guest handles: a1 = an address whose 4 KiB PTE is invalid; the handler skips the load. */
BEGIN pagefault
1:  ld      t3, 0(a1)
    addi    t0, t0, -1
    bnez    t0, 1b
END pagefault

/* (5) A timer interrupt round trip: set_timer(now), then wait for the handler to count the interrupt
 * (it acknowledges with set_timer(-1)). sie.STIE and sstatus.SIE are on around the call. */
BEGIN timer
    la      t2, nb_timer_ticks
    lw      t3, 0(t2)
1:  rdtime  a0
    li      a7, SBI_EXT_TIME
    li      a6, 0
    ecall
2:  lw      t4, 0(t2)
    beq     t4, t3, 2b
    mv      t3, t4
    addi    t0, t0, -1
    bnez    t0, 1b
END timer
