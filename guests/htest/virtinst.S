/* virtinst.S: virtual-instruction exceptions (cause 22) in the cases privileged spec §13.6.1 lists, against the
 * illegal-instruction exceptions of instructions that are not HS-qualified: hypervisor and VS CSRs from VS/VU,
 * supervisor CSRs from VU, WFI/SRET/SFENCE.VMA under hstatus.VTW/VTSR/VTVM and in VU, counters disabled by
 * hcounteren or scounteren, HLV/HSV/HFENCE when V=1; plus time + htimedelta in VS, HLV from U under hstatus.HU,
 * and a virtual-instruction trap delegated to HS. tval is the instruction, as for illegal instructions. */
#include "htest.h"
    .option arch, +h

/* Runs the one-instruction snippet `label` (instruction, then ecall) in `mode`; it must trap to M with `cause`. */
.macro EXPECT mode, label, cause
    CLEAR_RECORDS
    RUN     \mode, \label
    CHECK_M_TRAP \cause, \label
.endm

/* The snippet must run to its ecall without trapping before. */
.macro EXPECT_OK mode, label, ecall_cause
    CLEAR_RECORDS
    RUN     \mode, \label
    CHECK_FIELD HM_COUNT, 1
    CHECK_FIELD HM_CAUSE, \ecall_cause
    la      t5, h_area
    ld      t5, HM_EPC(t5)
    la      t6, \label
    addi    t6, t6, 4
    CHECK_EQ t5, t6
.endm

/* A snippet: the instruction, then ecall. */
.macro SNIPPET label, insn:vararg
\label:
    \insn
    ecall
.endm

TEST_BEGIN htest-virtinst
    H_INIT

    /* hypervisor and VS CSRs from VS and VU: virtual instruction; tval = the instruction */
    EXPECT  MODE_VS, vs_hstatus, CAUSE_VIRTUAL_INSN
    CHECK_FIELD HM_TVAL, 0x60002673
    /* (mstatus.GVA must be 0 here, the tval being no address; QEMU 7.2 sets it for any trap from V=1 into M with
     * a nonzero tval, so it is checked on an HS-level trap below and by Ringside's unit tests.) */
    EXPECT  MODE_VS, vs_vsstatus, CAUSE_VIRTUAL_INSN
    EXPECT  MODE_VU, vs_hstatus, CAUSE_VIRTUAL_INSN
    /* a write to the read-only hgeip is not HS-qualified: illegal */
    EXPECT  MODE_VS, vs_hgeip_write, CAUSE_ILLEGAL_INSN
    /* M-level CSRs and mret are not HS-qualified: illegal */
    EXPECT  MODE_VS, vs_mstatus, CAUSE_ILLEGAL_INSN
    EXPECT  MODE_VS, vs_mret, CAUSE_ILLEGAL_INSN
    /* supervisor CSRs from U (V=0): illegal. (From VU they raise a virtual instruction, §13.6.1; QEMU 7.2 raises
     * illegal instruction, so that case is in Ringside's unit tests only.) */
    EXPECT  MODE_U, vu_sstatus, CAUSE_ILLEGAL_INSN
    EXPECT  MODE_VU, vu_mstatus, CAUSE_ILLEGAL_INSN

    /* WFI: VU with TW = 0, VS with VTW = 1 → virtual instruction; TW = 1 → illegal (in VU too, by §13.4.1 and
     * §13.6.1: QEMU 7.2 raises a virtual instruction there, so VU with TW = 1 is in Ringside's unit tests only) */
    EXPECT  MODE_VU, do_wfi, CAUSE_VIRTUAL_INSN
    CHECK_FIELD HM_TVAL, 0x10500073
    li      t0, HSTATUS_VTW
    csrw    hstatus, t0
    EXPECT  MODE_VS, do_wfi, CAUSE_VIRTUAL_INSN
    li      t0, MSTATUS_TW
    csrs    mstatus, t0
    EXPECT  MODE_VS, do_wfi, CAUSE_ILLEGAL_INSN
    li      t0, MSTATUS_TW
    csrc    mstatus, t0
    csrw    hstatus, zero

    /* SRET and SFENCE.VMA: in VS under VTSR and VTVM, virtual instruction. (So is satp under VTVM, and both in VU,
     * §13.6.1; QEMU 7.2 lets satp through and raises illegal instruction in VU: in Ringside's unit tests only.) */
    li      t0, HSTATUS_VTSR | HSTATUS_VTVM
    csrw    hstatus, t0
    EXPECT  MODE_VS, do_sret, CAUSE_VIRTUAL_INSN
    CHECK_FIELD HM_TVAL, 0x10200073
    EXPECT  MODE_VS, do_sfence, CAUSE_VIRTUAL_INSN
    csrw    hstatus, zero
    /* (mstatus.TSR and TVM do not apply in VS, §13.4.1; QEMU 7.2 applies them to sret, sfence.vma and satp in VS,
     * so that rule is in Ringside's unit tests only.) */

    /* counters: hcounteren = 0 with mcounteren = 1 → virtual instruction; mcounteren = 0 → illegal */
    li      t0, 7
    csrw    mcounteren, t0
    csrw    hcounteren, zero
    EXPECT  MODE_VS, read_cycle, CAUSE_VIRTUAL_INSN
    EXPECT  MODE_VS, read_time, CAUSE_VIRTUAL_INSN
    EXPECT  MODE_VS, read_instret, CAUSE_VIRTUAL_INSN
    li      t0, 7
    csrw    hcounteren, t0
    EXPECT_OK MODE_VS, read_cycle, CAUSE_ECALL_VS
    /* VU needs scounteren too */
    csrw    scounteren, zero
    EXPECT  MODE_VU, read_instret, CAUSE_VIRTUAL_INSN
    li      t0, 7
    csrw    scounteren, t0
    EXPECT_OK MODE_VU, read_instret, CAUSE_ECALL_U
    csrw    mcounteren, zero
    EXPECT  MODE_VS, read_cycle, CAUSE_ILLEGAL_INSN
    li      t0, 7
    csrw    mcounteren, t0
    /* time in VS and VU is time + htimedelta (§13.2.7) */
    li      t0, 1
    slli    t0, t0, 62
    csrw    htimedelta, t0
    EXPECT_OK MODE_VS, read_time, CAUSE_ECALL_VS
    srli    a2, a2, 62
    CHECK   a2, 1
    csrr    a2, time                        /* M-mode: no delta */
    srli    a2, a2, 62
    CHECK   a2, 0
    csrw    htimedelta, zero
    csrw    hcounteren, zero
    csrw    scounteren, zero
    csrw    mcounteren, zero

    /* the hypervisor instructions when V=1: virtual instruction */
    la      a3, scratch_word
    EXPECT  MODE_VS, do_hlv, CAUSE_VIRTUAL_INSN   /* (tval not checked: QEMU 7.2 reports a stale instruction) */
    EXPECT  MODE_VU, do_hsv, CAUSE_VIRTUAL_INSN
    EXPECT  MODE_VS, do_hlvx, CAUSE_VIRTUAL_INSN
    EXPECT  MODE_VS, do_hfence_vvma, CAUSE_VIRTUAL_INSN
    EXPECT  MODE_VS, do_hfence_gvma, CAUSE_VIRTUAL_INSN   /* (in VU too; QEMU 7.2: illegal, so unit tests only) */
    /* in U-mode: illegal, unless hstatus.HU = 1 for HLV/HSV (never for HFENCE) */
    EXPECT  MODE_U, do_hlv, CAUSE_ILLEGAL_INSN
    EXPECT  MODE_U, do_hfence_vvma, CAUSE_ILLEGAL_INSN
    li      t0, HSTATUS_HU
    csrw    hstatus, t0
    li      a2, 0
    EXPECT_OK MODE_U, do_hlv, CAUSE_ECALL_U
    CHECK   a2, 0x1234abcd
    EXPECT  MODE_U, do_hfence_gvma, CAUSE_ILLEGAL_INSN
    csrw    hstatus, zero
    /* in HS: allowed; HFENCE.GVMA is illegal under mstatus.TVM, HFENCE.VVMA is not */
    EXPECT_OK MODE_HS, do_hfence_gvma, CAUSE_ECALL_S
    EXPECT_OK MODE_HS, do_hfence_vvma, CAUSE_ECALL_S
    li      t0, MSTATUS_TVM
    csrs    mstatus, t0
    EXPECT  MODE_HS, do_hfence_gvma, CAUSE_ILLEGAL_INSN
    EXPECT_OK MODE_HS, do_hfence_vvma, CAUSE_ECALL_S
    li      t0, MSTATUS_TVM
    csrc    mstatus, t0

    /* stimecmp from VS: henvcfg.STCE is 0, so a virtual instruction when HS could access it (STCE, TM in M) */
    li      t0, 1
    slli    t0, t0, 63
    csrs    menvcfg, t0
    li      t0, 2
    csrw    mcounteren, t0
    EXPECT  MODE_VS, vs_stimecmp, CAUSE_VIRTUAL_INSN
    csrw    mcounteren, zero
    EXPECT  MODE_VS, vs_stimecmp, CAUSE_ILLEGAL_INSN
    li      t0, 1
    slli    t0, t0, 63
    csrc    menvcfg, t0

    /* delegated by medeleg: a virtual-instruction trap into HS, from VS (SPV = 1, SPVP = 1, GVA = 0) */
    li      t0, 1 << CAUSE_VIRTUAL_INSN
    csrw    medeleg, t0
    CLEAR_RECORDS
    RUN     MODE_VS, vs_hstatus
    CHECK_HS_TRAP CAUSE_VIRTUAL_INSN, vs_hstatus
    CHECK_FIELD HS_TVAL, 0x60002673
    CHECK_FIELD_MASKED HS_HSTATUS, HSTATUS_SPV | HSTATUS_SPVP | HSTATUS_GVA, HSTATUS_SPV | HSTATUS_SPVP
    csrw    medeleg, zero

    TEST_END

SNIPPET vs_hstatus, csrr a2, hstatus
SNIPPET vs_vsstatus, csrr a2, vsstatus
SNIPPET vs_hgeip_write, csrw hgeip, zero
SNIPPET vs_mstatus, csrr a2, mstatus
SNIPPET vs_mret, mret
SNIPPET vu_sstatus, csrr a2, sstatus
SNIPPET vu_mstatus, csrr a2, mstatus
SNIPPET do_wfi, wfi
SNIPPET do_sret, sret
SNIPPET do_sfence, sfence.vma
SNIPPET vs_satp, csrr a2, satp
SNIPPET read_cycle, csrr a2, cycle
SNIPPET read_time, csrr a2, time
SNIPPET read_instret, csrr a2, instret
SNIPPET do_hlv, hlv.w a2, (a3)
SNIPPET do_hsv, hsv.w a2, (a3)
SNIPPET do_hlvx, hlvx.wu a2, (a3)
SNIPPET do_hfence_vvma, hfence.vvma
SNIPPET do_hfence_gvma, hfence.gvma
SNIPPET vs_stimecmp, csrr a2, stimecmp
sret_target:
    ecall

    .data
    .balign 8
scratch_word:
    .word 0x1234abcd
    .word 0
