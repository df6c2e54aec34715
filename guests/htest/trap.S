/* trap.S: traps and returns with the virtualization mode V (privileged spec §13.6.2, §13.6.4): where ecalls and
 * exceptions from VS/VU go under medeleg and hedeleg, what trap entry writes (mstatus.MPV/MPP, hstatus.SPV/SPVP,
 * sstatus.SPP, vsstatus.SPP, htval/htinst), SRET from HS into VS and from VS into VU, the VS CSRs standing in
 * for the S CSRs while V=1 (§13.2), and VS-level interrupts injected through hvip (§13.2.3). */
#include "htest.h"
    .option arch, +h

/* The record's mstatus: MPV (bit 39) and MPP (12:11) as (MPV << 2) | MPP, i.e. a MODE_* value. */
.macro CHECK_M_FROM mode
    la      t5, h_area
    ld      t5, HM_STATUS(t5)
    srli    t6, t5, 37
    andi    t6, t6, 4
    srli    t5, t5, 11
    andi    t5, t5, 3
    or      t5, t5, t6
    CHECK   t5, \mode
.endm

TEST_BEGIN htest-trap
    H_INIT

    /* --- nothing delegated: every trap goes to M, MPV/MPP tell where from (Table "MPV and MPP") --- */
    CLEAR_RECORDS
    RUN     MODE_VS, just_ecall
    CHECK_M_TRAP CAUSE_ECALL_VS, just_ecall
    CHECK_M_FROM MODE_VS
    CHECK_FIELD_MASKED HM_STATUS, MSTATUS_GVA, 0
    CHECK_FIELD HM_TVAL2, 0
    CLEAR_RECORDS
    RUN     MODE_VU, just_ecall
    CHECK_M_TRAP CAUSE_ECALL_U, just_ecall
    CHECK_M_FROM MODE_VU
    CLEAR_RECORDS
    RUN     MODE_HS, just_ecall
    CHECK_M_TRAP CAUSE_ECALL_S, just_ecall
    CHECK_M_FROM MODE_HS
    /* hedeleg alone delegates nothing: the trap must first be delegated to HS by medeleg */
    li      t0, 1 << CAUSE_ILLEGAL_INSN
    csrw    hedeleg, t0
    CLEAR_RECORDS
    RUN     MODE_VS, vs_illegal
    CHECK_M_TRAP CAUSE_ILLEGAL_INSN, vs_illegal
    CHECK_M_FROM MODE_VS
    CHECK_FIELD HM_TVAL, 0x30002673         /* csrr a2, mstatus */
    csrw    hedeleg, zero

    /* --- medeleg: to HS; hstatus.SPV = V, SPVP = the nominal privilege when V was 1 (Table "SPV and SPP") --- */
    li      t0, (1 << CAUSE_ECALL_VS) | (1 << CAUSE_ECALL_U) | (1 << CAUSE_ILLEGAL_INSN)
    csrw    medeleg, t0
    CLEAR_RECORDS
    RUN     MODE_VS, just_ecall
    CHECK_HS_TRAP CAUSE_ECALL_VS, just_ecall
    CHECK_FIELD_MASKED HS_HSTATUS, HSTATUS_SPV | HSTATUS_SPVP | HSTATUS_GVA, HSTATUS_SPV | HSTATUS_SPVP
    CHECK_FIELD_MASKED HS_SSTATUS, MSTATUS_SPP, MSTATUS_SPP
    CHECK_FIELD HS_HTVAL, 0
    CHECK_FIELD HS_HTINST, 0
    CHECK_M_TRAP CAUSE_ECALL_S, h_hs_handler_ecall  /* the HS handler's own ecall, from HS */
    CHECK_M_FROM MODE_HS
    CLEAR_RECORDS
    RUN     MODE_VU, just_ecall
    CHECK_HS_TRAP CAUSE_ECALL_U, just_ecall
    CHECK_FIELD_MASKED HS_HSTATUS, HSTATUS_SPV | HSTATUS_SPVP, HSTATUS_SPV
    CHECK_FIELD_MASKED HS_SSTATUS, MSTATUS_SPP, 0
    /* from V=0, SPV = 0 and SPVP keeps its value */
    li      t0, HSTATUS_SPVP
    csrw    hstatus, t0
    CLEAR_RECORDS
    RUN     MODE_U, just_ecall
    CHECK_HS_TRAP CAUSE_ECALL_U, just_ecall
    CHECK_FIELD_MASKED HS_HSTATUS, HSTATUS_SPV | HSTATUS_SPVP, HSTATUS_SPVP
    csrw    hstatus, zero
    /* an illegal instruction in VS, delegated to HS: stval = the instruction */
    CLEAR_RECORDS
    RUN     MODE_VS, vs_illegal
    CHECK_HS_TRAP CAUSE_ILLEGAL_INSN, vs_illegal
    CHECK_FIELD HS_TVAL, 0x30002673

    /* --- medeleg and hedeleg: to VS; vsstatus.SPP, vscause, vsepc; HS state untouched. (An exception with code
     * 2, 6 or 10 is not used here: QEMU 7.2 turns those codes into 1, 5, 9 in vscause as it does for VS-level
     * interrupts; Ringside's unit tests cover an illegal instruction delegated to VS.) --- */
    li      t0, (1 << CAUSE_ECALL_U) | (1 << CAUSE_BREAKPOINT)
    csrw    hedeleg, t0
    li      t0, (1 << CAUSE_ECALL_U) | (1 << CAUSE_BREAKPOINT)
    csrw    medeleg, t0                     /* ecall from VS (the VS handler's exit) goes to M */
    li      t0, MSTATUS_SIE
    csrw    vsstatus, t0
    CLEAR_RECORDS
    RUN     MODE_VU, just_ecall
    CHECK_VS_TRAP CAUSE_ECALL_U, just_ecall
    CHECK_FIELD_MASKED VS_STATUS, MSTATUS_SPP | MSTATUS_SPIE | MSTATUS_SIE, MSTATUS_SPIE
    CHECK_FIELD HS_COUNT, 0
    CHECK_M_TRAP CAUSE_ECALL_VS, h_vs_handler_ecall
    CHECK_M_FROM MODE_VS
    CLEAR_RECORDS
    RUN     MODE_VS, vs_ebreak
    CHECK_VS_TRAP CAUSE_BREAKPOINT, vs_ebreak
    CHECK_FIELD_MASKED VS_STATUS, MSTATUS_SPP, MSTATUS_SPP
    csrw    hedeleg, zero
    csrw    medeleg, zero
    csrw    vsstatus, zero

    /* --- SRET in HS with SPV = 1 enters VS at sepc; SPV is cleared (§13.6.4) --- */
    CLEAR_RECORDS
    RUN     MODE_HS, hs_sret
    CHECK_M_TRAP CAUSE_ECALL_VS, sret_target
    CHECK_M_FROM MODE_VS
    csrr    a0, hstatus
    andi    a0, a0, HSTATUS_SPV
    CHECK   a0, 0
    /* SRET in VS uses vsstatus and vsepc: to VU with SIE = SPIE, SPIE = 1, SPP = 0 */
    li      t0, MSTATUS_SPIE
    csrw    vsstatus, t0
    CLEAR_RECORDS
    RUN     MODE_VS, vs_sret
    CHECK_M_TRAP CAUSE_ECALL_U, sret_target
    CHECK_M_FROM MODE_VU
    csrr    a0, vsstatus
    andi    a0, a0, MSTATUS_SPP | MSTATUS_SPIE | MSTATUS_SIE
    CHECK   a0, MSTATUS_SPIE | MSTATUS_SIE
    csrw    vsstatus, zero

    /* --- while V=1, the VS CSRs stand in for the S CSRs (§13.2) --- */
    CLEAR_RECORDS
    li      t0, 0x1111
    csrw    sscratch, t0
    li      t0, 0x2222
    csrw    vsscratch, t0
    li      t0, MSTATUS_SUM
    csrw    vsstatus, t0
    li      t0, SATP_SV39 | 0x80040          /* HS-level satp: not used while in M or at V=1 */
    csrw    satp, t0
    li      a3, 0x3333
    RUN     MODE_VS, vs_swap
    CHECK_M_TRAP CAUSE_ECALL_VS, vs_swap_end
    CHECK   a2, 0x2222                      /* sscratch read vsscratch */
    CHECK   a4, MSTATUS_SUM | (2 << 32)     /* sstatus read vsstatus (UXL = 2) */
    CHECK   a5, 0                           /* satp read vsatp */
    csrr    a0, vsscratch
    CHECK   a0, 0x3333                      /* and the write went to vsscratch */
    csrr    a0, sscratch
    CHECK   a0, 0x1111                      /* not to sscratch */
    csrw    satp, zero
    csrw    vsstatus, zero

    /* --- VS-level interrupts through hvip (§13.2.3): VSSIP delegated by hideleg reaches VS as cause 1 --- */
    li      t0, MIP_VSSIP
    csrw    hideleg, t0
    csrw    hie, t0
    li      t0, MSTATUS_SIE
    csrw    vsstatus, t0
    li      t0, MIP_VSSIP
    csrw    hvip, t0
    CLEAR_RECORDS
    RUN     MODE_VS, nops
    CHECK_VS_TRAP INTERRUPT | 1, nops
    CHECK_M_TRAP CAUSE_ECALL_VS, h_vs_handler_ecall
    /* vsstatus.SIE = 0 masks it in VS ... */
    li      t0, MSTATUS_SIE
    csrc    vsstatus, t0
    CLEAR_RECORDS
    RUN     MODE_VS, just_ecall
    CHECK_M_TRAP CAUSE_ECALL_VS, just_ecall
    CHECK_FIELD VS_COUNT, 0
    /* ... but not in VU, where VS-level interrupts are always enabled */
    CLEAR_RECORDS
    RUN     MODE_VU, nops
    CHECK_VS_TRAP INTERRUPT | 1, nops
    /* and at V=0 it waits, even in U-mode */
    CLEAR_RECORDS
    RUN     MODE_U, just_ecall
    CHECK_M_TRAP CAUSE_ECALL_U, just_ecall
    CHECK_FIELD VS_COUNT, 0
    CHECK_FIELD HS_COUNT, 0
    /* not delegated by hideleg: it goes to HS as cause 2, from VS whatever sstatus.SIE */
    csrw    hideleg, zero
    CLEAR_RECORDS
    RUN     MODE_VS, nops
    CHECK_HS_TRAP INTERRUPT | 2, nops
    CHECK_FIELD_MASKED HS_HSTATUS, HSTATUS_SPV, HSTATUS_SPV
    /* each VS-level interrupt reaches VS as its S-level code: VSEI 9, VSSI 1, VSTI 5 (§13.2.2). (Their priority
     * when several are pending, VSEI > VSSI > VSTI by §13.2.3, differs in QEMU 7.2, which takes VSSI first:
     * checked by Ringside's unit tests only.) */
    li      t0, 0x444
    csrw    hideleg, t0
    csrw    hie, t0
    li      t0, MIP_VSEIP
    csrw    hvip, t0
    CLEAR_RECORDS
    RUN     MODE_VU, nops
    CHECK_VS_TRAP INTERRUPT | 9, nops
    li      t0, MIP_VSSIP
    csrw    hvip, t0
    CLEAR_RECORDS
    RUN     MODE_VU, nops
    CHECK_VS_TRAP INTERRUPT | 1, nops
    li      t0, MIP_VSTIP
    csrw    hvip, t0
    CLEAR_RECORDS
    RUN     MODE_VU, nops
    CHECK_VS_TRAP INTERRUPT | 5, nops
    csrw    hvip, zero
    csrw    hie, zero
    csrw    hideleg, zero
    csrw    vsstatus, zero

    TEST_END

just_ecall:
    ecall

vs_illegal:
    csrr    a2, mstatus
    ecall

vs_ebreak:
    ebreak
    ecall

hs_sret:
    la      t0, sret_target
    csrw    sepc, t0
    li      t0, HSTATUS_SPV
    csrs    hstatus, t0
    li      t0, MSTATUS_SPP
    csrs    sstatus, t0
    sret
sret_target:
    ecall

vs_sret:
    la      t0, sret_target
    csrw    sepc, t0                        /* vsepc */
    li      t0, MSTATUS_SPP
    csrc    sstatus, t0                     /* vsstatus.SPP = 0: to VU */
    sret

vs_swap:
    csrr    a2, sscratch
    csrw    sscratch, a3
    csrr    a4, sstatus
    csrr    a5, satp
vs_swap_end:
    ecall

nops:
    nop
    nop
    ecall
