/* gstage.S: two-stage address translation (privileged spec §13.5): the G stage alone (vsatp Bare) under Sv39x4
 * and Sv48x4, including the 2 extra root-index bits, U=1 required, A/D updates, MXR; guest-page faults 20, 21, 23
 * with mtval2/htval = guest physical address >> 2 and GVA; the VS stage (Sv39) over the G stage, with its own page
 * faults, SUM and vsstatus.MXR, and a guest-page fault on a VS-level page-table access; HLV/HLVX/HSV from M and HS
 * (hstatus.SPVP, GVA with SPV = 0); and MPRV with MPV = 1. Tables: gstage_tables.c. */
#include "htest.h"
    .option arch, +h

#define GPA             0x100000000
#define PAGE0_VALUE     0x1111222233334444
#define PAGE1_VALUE     0x5555666677778888
#define PAGE3_VALUE     0x99990000aaaabbbb

/* Runs `label` (an access through a3, then ecall) in `mode` with a3 = addr; the access must trap to M with
 * `cause`, mtval = tval, mtval2 = tval2 (both constants). */
.macro EXPECT_FAULT mode, label, addr, cause, tval, tval2
    li      a3, \addr
    CLEAR_RECORDS
    RUN     \mode, \label
    CHECK_M_TRAP \cause, \label
    CHECK_FIELD HM_TVAL, \tval
    CHECK_FIELD HM_TVAL2, \tval2
.endm

/* Runs `label` in `mode` with a3 = addr; it must reach its ecall. */
.macro EXPECT_OK mode, label, addr, ecall_cause
    li      a3, \addr
    CLEAR_RECORDS
    RUN     \mode, \label
    CHECK_FIELD HM_COUNT, 1
    CHECK_FIELD HM_CAUSE, \ecall_cause
.endm

/* The 64-bit word the pointer variable `var` points to, masked, == expected. */
.macro CHECK_PTE var, mask, expected
    la      t5, \var
    ld      t5, 0(t5)
    ld      t5, 0(t5)
    li      t6, \mask
    and     t5, t5, t6
    CHECK   t5, \expected
.endm

.macro SET_CSR csr, var
    la      t0, \var
    ld      t0, 0(t0)
    csrw    \csr, t0
.endm

TEST_BEGIN htest-gstage
    H_INIT
    call    gstage_tables
    la      t0, gpages
    li      t1, PAGE0_VALUE
    sd      t1, 16(t0)
    li      t1, PAGE1_VALUE
    la      t0, gpages + 4096
    sd      t1, 16(t0)
    li      t1, PAGE3_VALUE
    la      t0, gpages + 3 * 4096
    sd      t1, 16(t0)
    SET_CSR hgatp, hgatp_sv39x4
    hfence.gvma

    /* --- G stage only (vsatp Bare): guest physical = guest virtual --- */
    CHECK_PTE g39_page0_pte, PTE_A | PTE_D, 0
    EXPECT_OK MODE_VS, do_load, GPA + 16, CAUSE_ECALL_VS
    li      t0, PAGE0_VALUE
    CHECK_EQ a2, t0
    CHECK_PTE g39_page0_pte, PTE_A | PTE_D, PTE_A            /* a load sets A (§13.5.1 as §10.3.2) */
    li      a4, 0x0123456789abcdef
    EXPECT_OK MODE_VS, do_store, GPA + 24, CAUSE_ECALL_VS
    CHECK_PTE g39_page0_pte, PTE_A | PTE_D, PTE_A | PTE_D    /* a store sets D */
    la      t0, gpages
    ld      t1, 24(t0)
    CHECK_EQ t1, a4
    /* VU goes through the same G stage (every G-stage access counts as U-level) */
    EXPECT_OK MODE_VU, do_load, GPA + 4096 + 16, CAUSE_ECALL_U
    li      t0, PAGE1_VALUE
    CHECK_EQ a2, t0
    /* the root index has 2 more bits: GPA 2^39 is root entry 512. (So is GPA 2^40 entry 1024; QEMU 7.2 faults
     * there, treating bit 40 as a sign bit: in Ringside's unit tests only.) */
    EXPECT_OK MODE_VS, do_load, (1 << 39) + 16, CAUSE_ECALL_VS
    li      t0, PAGE1_VALUE
    CHECK_EQ a2, t0

    /* guest-page faults: store to a read-only page (23), any access to a page without U (21), a page that is
     * not mapped (21), a fetch from it (20), an address above bit 40 (21); mtval2 = GPA >> 2, GVA = 1, MPV = 1 */
    EXPECT_FAULT MODE_VS, do_store, GPA + 0x1008, CAUSE_STORE_GUEST_PAGE, GPA + 0x1008, (GPA + 0x1008) >> 2
    CHECK_FIELD_MASKED HM_STATUS, MSTATUS_GVA | MSTATUS_MPV, MSTATUS_GVA | MSTATUS_MPV
    EXPECT_FAULT MODE_VS, do_load, GPA + 0x2010, CAUSE_LOAD_GUEST_PAGE, GPA + 0x2010, (GPA + 0x2010) >> 2
    EXPECT_FAULT MODE_VU, do_load, GPA + 0x4000, CAUSE_LOAD_GUEST_PAGE, GPA + 0x4000, (GPA + 0x4000) >> 2
    CHECK_FIELD_MASKED HM_STATUS, MSTATUS_GVA | MSTATUS_MPV | MSTATUS_MPP, MSTATUS_GVA | MSTATUS_MPV
    li      a3, GPA + 0x4000
    CLEAR_RECORDS
    RUN     MODE_VS, do_jump
    CHECK_FIELD HM_COUNT, 1
    CHECK_FIELD HM_CAUSE, CAUSE_FETCH_GUEST_PAGE
    CHECK_FIELD HM_EPC, GPA + 0x4000
    CHECK_FIELD HM_TVAL, GPA + 0x4000
    CHECK_FIELD HM_TVAL2, (GPA + 0x4000) >> 2
    EXPECT_FAULT MODE_VS, do_load, (1 << 41) + 8, CAUSE_LOAD_GUEST_PAGE, (1 << 41) + 8, ((1 << 41) + 8) >> 2

    /* execute-only at the G stage: a guest-page fault. (The HS-level mstatus.MXR makes it readable, vsstatus.MXR
     * does not, §13.5; QEMU 7.2 swaps the two while V=1 and so does the opposite: in Ringside's unit tests only.) */
    EXPECT_FAULT MODE_VS, do_load, GPA + 0x3010, CAUSE_LOAD_GUEST_PAGE, GPA + 0x3010, (GPA + 0x3010) >> 2

    /* delegated by medeleg: the guest-page fault goes to HS with htval = GPA >> 2, hstatus.GVA = 1, SPV = 1 */
    li      t0, 1 << CAUSE_LOAD_GUEST_PAGE
    csrw    medeleg, t0
    li      a3, GPA + 0x4008
    CLEAR_RECORDS
    RUN     MODE_VS, do_load
    CHECK_HS_TRAP CAUSE_LOAD_GUEST_PAGE, do_load
    CHECK_FIELD HS_TVAL, GPA + 0x4008
    CHECK_FIELD HS_HTVAL, (GPA + 0x4008) >> 2
    CHECK_FIELD_MASKED HS_HSTATUS, HSTATUS_GVA | HSTATUS_SPV | HSTATUS_SPVP, HSTATUS_GVA | HSTATUS_SPV | HSTATUS_SPVP
    csrw    medeleg, zero

    /* --- Sv48x4: 4 levels, root index bits 49:39 (GPA 2^48 is root entry 512) --- */
    SET_CSR hgatp, hgatp_sv48x4
    hfence.gvma
    EXPECT_OK MODE_VS, do_load, GPA + 16, CAUSE_ECALL_VS
    li      t0, PAGE0_VALUE
    CHECK_EQ a2, t0
    EXPECT_OK MODE_VS, do_load, (1 << 48) + 16, CAUSE_ECALL_VS
    li      t0, PAGE1_VALUE
    CHECK_EQ a2, t0
    EXPECT_FAULT MODE_VS, do_load, (1 << 50) + 16, CAUSE_LOAD_GUEST_PAGE, (1 << 50) + 16, ((1 << 50) + 16) >> 2
    EXPECT_FAULT MODE_VS, do_load, (1 << 41) + 16, CAUSE_LOAD_GUEST_PAGE, (1 << 41) + 16, ((1 << 41) + 16) >> 2

    /* --- the VS stage (Sv39) over the G stage (Sv39x4) --- */
    SET_CSR hgatp, hgatp_sv39x4
    SET_CSR vsatp, vsatp_sv39
    hfence.gvma
    hfence.vvma
    CHECK_PTE vs_page0_pte, PTE_A | PTE_D, 0
    EXPECT_OK MODE_VS, do_load, 0x40000010, CAUSE_ECALL_VS
    li      t0, PAGE0_VALUE
    CHECK_EQ a2, t0
    CHECK_PTE vs_page0_pte, PTE_A | PTE_D, PTE_A             /* VS-level A set through the G stage */
    li      a4, 0x7777
    EXPECT_OK MODE_VS, do_store, 0x40000018, CAUSE_ECALL_VS
    CHECK_PTE vs_page0_pte, PTE_A | PTE_D, PTE_A | PTE_D
    la      t0, gpages
    ld      t1, 24(t0)
    CHECK   t1, 0x7777
    /* the G stage faults on the final address: mtval = the guest virtual address, mtval2 = the GPA >> 2 */
    EXPECT_FAULT MODE_VS, do_load, 0x40001010, CAUSE_LOAD_GUEST_PAGE, 0x40001010, (GPA + 0x4010) >> 2
    /* the VS stage faults: an ordinary page fault, mtval2 = 0, GVA = 1 */
    EXPECT_FAULT MODE_VS, do_load, 0x40002000, CAUSE_LOAD_PAGE, 0x40002000, 0
    CHECK_FIELD_MASKED HM_STATUS, MSTATUS_GVA, MSTATUS_GVA
    EXPECT_FAULT MODE_VS, do_store, 0x40002000, CAUSE_STORE_PAGE, 0x40002000, 0
    /* a VS-level page-table entry the G stage does not map: a guest-page fault, mtval2 = that entry's GPA >> 2
     * (§13.2.8), mtinst = the pseudoinstruction of a 64-bit implicit read (§13.6.3). (For a store the cause is
     * the store's, 23, §13.5.1; QEMU 7.2 reports 21: in Ringside's unit tests only.) */
    EXPECT_FAULT MODE_VS, do_load, 0xc0000000, CAUSE_LOAD_GUEST_PAGE, 0xc0000000, (GPA + 0x4000) >> 2
    CHECK_FIELD HM_TINST, 0x3000
    /* U pages: VS needs vsstatus.SUM, not mstatus.SUM. (VU-level accesses: through HLV with SPVP = 0 below, the
     * snippets' code being in a VS-stage page without U.) */
    li      t0, MSTATUS_SUM
    csrs    mstatus, t0
    EXPECT_FAULT MODE_VS, do_load, 0x40003010, CAUSE_LOAD_PAGE, 0x40003010, 0
    csrc    mstatus, t0
    li      t0, MSTATUS_SUM
    csrw    vsstatus, t0
    EXPECT_OK MODE_VS, do_load, 0x40003010, CAUSE_ECALL_VS
    csrw    vsstatus, zero
    /* VS-stage execute-only: readable with vsstatus.MXR */
    EXPECT_FAULT MODE_VS, do_load, 0x40005010, CAUSE_LOAD_PAGE, 0x40005010, 0
    li      t0, MSTATUS_MXR
    csrw    vsstatus, t0
    EXPECT_OK MODE_VS, do_load, 0x40005010, CAUSE_ECALL_VS
    li      t0, PAGE0_VALUE
    CHECK_EQ a2, t0
    csrw    vsstatus, zero
    /* a VS-readable page that is execute-only at the G stage: a guest-page fault, mtval2 = its GPA >> 2 */
    EXPECT_FAULT MODE_VS, do_load, 0x40004010, CAUSE_LOAD_GUEST_PAGE, 0x40004010, (GPA + 0x3010) >> 2

    /* --- HLV/HLVX/HSV from M: as VS (SPVP = 1) or VU (SPVP = 0), two-stage, whatever MPRV --- */
    li      t0, HSTATUS_SPVP
    csrw    hstatus, t0
    li      a3, 0x40000010
    hlv.d   a2, (a3)
    li      t0, PAGE0_VALUE
    CHECK_EQ a2, t0
    hlv.w   a2, (a3)
    CHECK   a2, 0x33334444
    hlv.hu  a2, (a3)
    CHECK   a2, 0x4444
    li      a3, 0x40000014
    hlv.b   a2, (a3)
    CHECK   a2, 0x22
    hlv.wu  a2, (a3)
    CHECK   a2, 0x11112222
    li      a3, 0x40000020
    li      a4, 0xfedcba9876543210
    hsv.d   a4, (a3)
    li      a4, 0x55aa
    hsv.h   a4, (a3)
    la      t0, gpages
    ld      t1, 32(t0)
    CHECK   t1, 0xfedcba98765455aa
    /* HLVX through the G stage alone (vsatp Bare), from HS. (Through a VS-stage execute-only page it must work
     * too, §13.3.1; QEMU 7.2 raises a load access fault there: in Ringside's unit tests only.) */
    csrw    vsatp, zero
    li      a3, GPA + 0x10
    CLEAR_RECORDS
    RUN     MODE_HS, hs_hlvx
    CHECK_M_TRAP CAUSE_ECALL_S, hs_hlvx_end
    CHECK   a2, 0x33334444
    SET_CSR vsatp, vsatp_sv39
    /* Faults of HLV: from here on the HS-level satp maps the code one-to-one (the VS table serves), because QEMU
     * 7.2 reports an HLV page fault as an access fault whenever satp is Bare. */
    SET_CSR satp, vsatp_sv39
    sfence.vma
    /* in M: mtval = the guest virtual address, GVA = 1, MPV = 0 */
    li      a3, 0x40002000
    CLEAR_RECORDS
    RUN     3, hs_hlv
    CHECK_M_TRAP CAUSE_LOAD_PAGE, hs_hlv
    CHECK_FIELD HM_TVAL, 0x40002000
    CHECK_FIELD_MASKED HM_STATUS, MSTATUS_GVA | MSTATUS_MPV, MSTATUS_GVA
    /* from HS, delegated: scause 13, stval = the guest virtual address, hstatus.GVA = 1 with SPV = 0 (§13.2.1) */
    li      t0, 1 << CAUSE_LOAD_PAGE
    csrw    medeleg, t0
    li      a3, 0x40002000
    CLEAR_RECORDS
    RUN     MODE_HS, hs_hlv
    CHECK_HS_TRAP CAUSE_LOAD_PAGE, hs_hlv
    CHECK_FIELD HS_TVAL, 0x40002000
    CHECK_FIELD_MASKED HS_HSTATUS, HSTATUS_GVA | HSTATUS_SPV, HSTATUS_GVA
    csrw    medeleg, zero
    /* SPVP = 0: the access is VU-level, so a page without U faults */
    csrw    hstatus, zero
    li      a3, 0x40000010
    CLEAR_RECORDS
    RUN     MODE_HS, hs_hlv
    CHECK_M_TRAP CAUSE_LOAD_PAGE, hs_hlv
    li      a3, 0x40003010
    CLEAR_RECORDS
    RUN     MODE_HS, hs_hlv
    CHECK_M_TRAP CAUSE_ECALL_S, hs_hlv_end
    li      t0, PAGE0_VALUE
    CHECK_EQ a2, t0
    /* a guest-page fault of HSV: store/AMO guest-page fault, mtval2 = GPA >> 2 */
    li      t0, HSTATUS_SPVP
    csrw    hstatus, t0
    li      a3, 0x40001008
    CLEAR_RECORDS
    RUN     MODE_HS, hs_hsv
    CHECK_M_TRAP CAUSE_STORE_GUEST_PAGE, hs_hsv
    CHECK_FIELD HM_TVAL, 0x40001008
    CHECK_FIELD HM_TVAL2, (GPA + 0x4008) >> 2
    csrw    hstatus, zero
    csrw    satp, zero
    sfence.vma

    /* --- MPRV with MPV = 1: M-mode loads as VS (MPP = S), two-stage (§13.4.1) --- */
    li      t0, 1
    slli    t0, t0, 39
    li      t1, MSTATUS_MPRV | 0x800        /* MPRV, MPP = S */
    or      t0, t0, t1
    li      a3, 0x40000010
    csrs    mstatus, t0
    ld      a2, 0(a3)
    csrc    mstatus, t0
    li      t0, PAGE0_VALUE
    CHECK_EQ a2, t0

    csrw    vsatp, zero
    csrw    hgatp, zero
    hfence.gvma
    hfence.vvma
    TEST_END

do_load:
    ld      a2, 0(a3)
    ecall

do_store:
    sd      a4, 0(a3)
    ecall

do_jump:
    jr      a3

hs_hlv:
    hlv.d   a2, (a3)
hs_hlv_end:
    ecall

hs_hlvx:
    hlvx.wu a2, (a3)
hs_hlvx_end:
    ecall

hs_hsv:
    hsv.d   a4, (a3)
    ecall
