/* htest.h: macros for the H-extension test guests (on top of isa/isa.h). Each test runs short snippets in
 * HS, U, VS or VU mode from M-mode with RUN, and checks what the traps recorded (RECORD_*) from M-mode.
 *
 * The snippet runs until some trap reaches M-mode (normally its closing ecall): h_m_handler records the trap
 * and returns to M just after the RUN, with the snippet's registers intact except ra, sp, t5 and t6. Traps
 * delegated to HS land in h_hs_handler, traps delegated to VS in h_vs_handler: each records its own CSRs and
 * then ecalls, so M regains control. Records count their traps; CLEAR_RECORDS zeroes them.
 */
#ifndef GUESTS_HTEST_H
#define GUESTS_HTEST_H

#include "isa.h"

/* h_area layout (htest_support.S) */
#define HA_RA        0
#define HA_SP        8
#define HA_T5        16
#define HA_T6        24
#define HM_COUNT     32     /* traps into M */
#define HM_CAUSE     40
#define HM_EPC       48
#define HM_TVAL      56
#define HM_TVAL2     64
#define HM_TINST     72
#define HM_STATUS    80
#define HS_COUNT     88     /* traps into HS */
#define HS_CAUSE     96
#define HS_EPC       104
#define HS_TVAL      112
#define HS_HTVAL     120
#define HS_HTINST    128
#define HS_HSTATUS   136
#define HS_SSTATUS   144
#define VS_COUNT     152    /* traps into VS */
#define VS_CAUSE     160
#define VS_EPC       168
#define VS_TVAL      176
#define VS_STATUS    184
#define HA_SIZE      192

/* Modes for RUN: the values of (MPV << 2) | MPP. */
#define MODE_U       0
#define MODE_HS      1
#define MODE_VU      4
#define MODE_VS      5

/* CSR numbers binutils 2.40 spells only as numbers here */
#define CSR_MTINST   0x34a
#define CSR_MTVAL2   0x34b

/* Causes */
#define CAUSE_ECALL_VS          10
#define CAUSE_FETCH_PAGE        12
#define CAUSE_LOAD_PAGE         13
#define CAUSE_STORE_PAGE        15
#define CAUSE_FETCH_GUEST_PAGE  20
#define CAUSE_LOAD_GUEST_PAGE   21
#define CAUSE_VIRTUAL_INSN      22
#define CAUSE_STORE_GUEST_PAGE  23
#define CAUSE_LOAD_ACCESS       5
#define INTERRUPT               0x8000000000000000

/* mstatus, hstatus and mip bits */
#define MSTATUS_SIE     0x2
#define MSTATUS_SPIE    0x20
#define MSTATUS_SPP     0x100
#define MSTATUS_MPP     0x1800
#define MSTATUS_MPRV    0x20000
#define MSTATUS_SUM     0x40000
#define MSTATUS_MXR     0x80000
#define MSTATUS_TVM     0x100000
#define MSTATUS_TW      0x200000
#define MSTATUS_TSR     0x400000
#define MSTATUS_GVA     (1 << 38)
#define MSTATUS_MPV     (1 << 39)
#define HSTATUS_GVA     0x40
#define HSTATUS_SPV     0x80
#define HSTATUS_SPVP    0x100
#define HSTATUS_HU      0x200
#define HSTATUS_VTVM    0x100000
#define HSTATUS_VTW     0x200000
#define HSTATUS_VTSR    0x400000
#define MIP_SSIP        0x2
#define MIP_VSSIP       0x4
#define MIP_VSTIP       0x40
#define MIP_VSEIP       0x400

/* PTE bits */
#define PTE_V 0x1
#define PTE_R 0x2
#define PTE_W 0x4
#define PTE_X 0x8
#define PTE_U 0x10
#define PTE_A 0x40
#define PTE_D 0x80

/* satp/hgatp modes in bits 63:60 */
#define SATP_SV39   (8 << 60)
#define SATP_SV48   (9 << 60)

/* Runs the snippet at `label` in `mode` (MODE_*) until a trap reaches M; returns here in M-mode. */
.macro RUN mode, label
    la      a0, \label
    li      a1, \mode
    call    h_run
.endm

/* Zeroes every record. */
.macro CLEAR_RECORDS
    call    h_clear_records
.endm

/* The 64-bit record field at offset == constant. */
.macro CHECK_FIELD offset, expected
    la      t5, h_area
    ld      t5, \offset(t5)
    CHECK   t5, \expected
.endm

/* The record field == the address of a label. */
.macro CHECK_FIELD_ADDR offset, label
    la      t5, h_area
    ld      t5, \offset(t5)
    CHECK_ADDR t5, \label
.endm

/* (record field & mask) == expected. */
.macro CHECK_FIELD_MASKED offset, mask, expected
    la      t5, h_area
    ld      t5, \offset(t5)
    li      t6, \mask
    and     t5, t5, t6
    CHECK   t5, \expected
.endm

/* Exactly one trap reached M since CLEAR_RECORDS, with this cause, from the instruction at epc_label. */
.macro CHECK_M_TRAP cause, epc_label
    CHECK_FIELD HM_COUNT, 1
    CHECK_FIELD HM_CAUSE, \cause
    CHECK_FIELD_ADDR HM_EPC, \epc_label
.endm

/* Exactly one trap reached HS (then its ecall reached M) with this cause, from the instruction at epc_label. */
.macro CHECK_HS_TRAP cause, epc_label
    CHECK_FIELD HS_COUNT, 1
    CHECK_FIELD HS_CAUSE, \cause
    CHECK_FIELD_ADDR HS_EPC, \epc_label
.endm

/* Exactly one trap reached VS with this cause, from the instruction at epc_label. */
.macro CHECK_VS_TRAP cause, epc_label
    CHECK_FIELD VS_COUNT, 1
    CHECK_FIELD VS_CAUSE, \cause
    CHECK_FIELD_ADDR VS_EPC, \epc_label
.endm

/* PMP entry 0 = NAPOT over all memory, RWX, so HS, U, VS and VU reach everything. */
.macro OPEN_PMP
    li      t0, -1
    csrw    pmpaddr0, t0
    li      t0, 0x1f
    csrw    pmpcfg0, t0
.endm

/* Start of every test: PMP open, and mideleg written once. (mideleg's VS-level bits are read-only one; QEMU 7.2
 * reads them as zero until mideleg is first written, and would take VS-level interrupts in M.) */
.macro H_INIT
    OPEN_PMP
    csrw    mideleg, zero
.endm

#endif
