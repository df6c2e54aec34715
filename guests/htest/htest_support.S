/* htest_support.S: running snippets in HS/U/VS/VU from M-mode, and the trap handlers that record each level's
 * trap CSRs (see htest.h). */
#include "htest.h"

    .option arch, +h
    .text

/* h_run(a0 = entry, a1 = mode as (MPV << 2) | MPP): enters the mode by mret; returns when a trap reaches M. */
    .globl h_run
h_run:
    la      t6, h_area
    sd      ra, HA_RA(t6)
    sd      sp, HA_SP(t6)
    csrw    mscratch, t6
    la      t5, h_m_handler
    csrw    mtvec, t5
    csrw    mepc, a0
    li      t5, MSTATUS_MPP
    csrc    mstatus, t5
    li      t5, 1
    slli    t5, t5, 39                  /* MPV */
    csrc    mstatus, t5
    andi    t6, a1, 3
    slli    t6, t6, 11
    csrs    mstatus, t6
    andi    t6, a1, 4
    beqz    t6, 1f
    csrs    mstatus, t5
1:  mret

/* Every trap into M: record it, then return to h_run's caller in M-mode. */
    .balign 4
    .globl h_m_handler
h_m_handler:
    csrrw   t6, mscratch, t6
    sd      t5, HA_T5(t6)
    csrr    t5, mcause
    sd      t5, HM_CAUSE(t6)
    csrr    t5, mepc
    sd      t5, HM_EPC(t6)
    csrr    t5, mtval
    sd      t5, HM_TVAL(t6)
    csrr    t5, CSR_MTVAL2
    sd      t5, HM_TVAL2(t6)
    csrr    t5, CSR_MTINST
    sd      t5, HM_TINST(t6)
    csrr    t5, mstatus
    sd      t5, HM_STATUS(t6)
    ld      t5, HM_COUNT(t6)
    addi    t5, t5, 1
    sd      t5, HM_COUNT(t6)
    ld      ra, HA_RA(t6)
    ld      sp, HA_SP(t6)
    ld      t5, HA_T5(t6)
    csrrw   t6, mscratch, t6
    ret

/* Traps delegated to HS (stvec): record, then ecall to M. sscratch holds &h_area. */
    .balign 4
    .globl h_hs_handler
h_hs_handler:
    csrrw   t6, sscratch, t6
    sd      t5, HA_T5(t6)
    csrr    t5, scause
    sd      t5, HS_CAUSE(t6)
    csrr    t5, sepc
    sd      t5, HS_EPC(t6)
    csrr    t5, stval
    sd      t5, HS_TVAL(t6)
    csrr    t5, htval
    sd      t5, HS_HTVAL(t6)
    csrr    t5, htinst
    sd      t5, HS_HTINST(t6)
    csrr    t5, hstatus
    sd      t5, HS_HSTATUS(t6)
    csrr    t5, sstatus
    sd      t5, HS_SSTATUS(t6)
    ld      t5, HS_COUNT(t6)
    addi    t5, t5, 1
    sd      t5, HS_COUNT(t6)
    ld      t5, HA_T5(t6)
    csrrw   t6, sscratch, t6
    .globl h_hs_handler_ecall
h_hs_handler_ecall:
    ecall

/* Traps delegated to VS (vstvec): record, then ecall (to M, or wherever medeleg sends cause 10). */
    .balign 4
    .globl h_vs_handler
h_vs_handler:
    csrrw   t6, sscratch, t6            /* vsscratch: V=1 */
    sd      t5, HA_T5(t6)
    csrr    t5, scause                  /* vscause */
    sd      t5, VS_CAUSE(t6)
    csrr    t5, sepc
    sd      t5, VS_EPC(t6)
    csrr    t5, stval
    sd      t5, VS_TVAL(t6)
    csrr    t5, sstatus
    sd      t5, VS_STATUS(t6)
    ld      t5, VS_COUNT(t6)
    addi    t5, t5, 1
    sd      t5, VS_COUNT(t6)
    ld      t5, HA_T5(t6)
    csrrw   t6, sscratch, t6
    .globl h_vs_handler_ecall
h_vs_handler_ecall:
    ecall

/* Zeroes the records; installs the HS and VS handlers and their scratch pointers. */
    .globl h_clear_records
h_clear_records:
    la      t6, h_area
    addi    t5, t6, HM_COUNT
    addi    t6, t6, HA_SIZE
1:  sd      zero, 0(t5)
    addi    t5, t5, 8
    bltu    t5, t6, 1b
    la      t6, h_area
    csrw    sscratch, t6
    csrw    vsscratch, t6
    la      t5, h_hs_handler
    csrw    stvec, t5
    la      t5, h_vs_handler
    csrw    vstvec, t5
    ret

    .bss
    .balign 16
    .globl h_area
h_area:
    .space HA_SIZE
