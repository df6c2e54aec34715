/* csr.S: the H extension's CSRs from M and HS (privileged spec §13.2, §13.4): misa.H, the read-only and
 * writable bits of mideleg, medeleg, hedeleg, hideleg, the aliases among mip/hip/hvip/vsip and mie/hie/vsie,
 * hstatus and mstatus fields, hgatp's 16 KiB-aligned root, and who may access H and VS CSRs. */
#include "htest.h"
    .option arch, +h

TEST_BEGIN htest-csr
    H_INIT
    CLEAR_RECORDS

    /* misa.H (bit 7): the extension is there */
    csrr    a0, misa
    andi    a0, a0, 0x80
    CHECK   a0, 0x80

    /* mideleg bits 10, 6, 2 (VS-level interrupts) are read-only one (§13.4.2) */
    csrw    mideleg, zero
    csrr    a0, mideleg
    andi    a0, a0, 0x444
    CHECK   a0, 0x444

    /* medeleg: ecall from VS (10), guest-page faults (20, 21, 23), virtual instruction (22) are delegable
     * (§13.6.2). (Bit 11, ecall from M, is read-only zero by §3.1.8 but writable in QEMU 7.2: not checked.) */
    li      a0, -1
    csrw    medeleg, a0
    csrr    a0, medeleg
    li      t0, 0xf00400
    and     a1, a0, t0
    CHECK   a1, 0xf00400
    csrw    medeleg, zero

    /* hedeleg: bits 9, 10, 11 and 20-23 are read-only zero; 1-8, 12, 13, 15 writable (§13.2.2) */
    li      a0, -1
    csrw    hedeleg, a0
    csrr    a0, hedeleg
    li      t0, 0xf00e00
    and     a1, a0, t0
    CHECK   a1, 0
    li      t0, 0xb1fe
    and     a1, a0, t0
    CHECK   a1, 0xb1fe
    csrw    hedeleg, zero

    /* hideleg: only the VS-level interrupts 2, 6, 10 */
    li      a0, -1
    csrw    hideleg, a0
    csrr    a0, hideleg
    CHECK   a0, 0x444
    csrw    hideleg, zero

    /* hvip injects VS-level interrupts: they show in hip and mip (§13.2.3) */
    li      a0, -1
    csrw    hvip, a0
    csrr    a0, hvip
    CHECK   a0, 0x444
    csrr    a0, hip
    andi    a0, a0, 0x444
    CHECK   a0, 0x444
    csrr    a0, mip
    andi    a0, a0, 0x444
    CHECK   a0, 0x444
    csrr    a0, sip                         /* sip shows no VS-level bit */
    andi    a0, a0, 0x444
    CHECK   a0, 0
    csrci   hip, MIP_VSSIP                  /* hip.VSSIP is hvip.VSSIP */
    csrr    a0, hvip
    CHECK   a0, 0x440
    csrsi   mip, MIP_VSSIP                  /* and so is mip.VSSIP */
    csrr    a0, hvip
    CHECK   a0, 0x444
    li      a0, MIP_VSTIP                   /* VSTIP is read-only in hip */
    csrc    hip, a0
    csrr    a0, hvip
    CHECK   a0, 0x444
    csrw    hvip, zero

    /* hie holds the VS-level enables of mie */
    li      a0, -1
    csrw    hie, a0
    csrr    a0, hie
    andi    a0, a0, 0x444
    CHECK   a0, 0x444
    csrr    a0, mie
    andi    a0, a0, 0x444
    CHECK   a0, 0x444
    csrr    a0, sie                         /* sie shows no VS-level bit */
    andi    a0, a0, 0x444
    CHECK   a0, 0

    /* vsie/vsip: the hie/hip bits that hideleg delegates, one position lower (§13.2.12) */
    csrr    a0, vsie
    CHECK   a0, 0                           /* hideleg = 0: nothing */
    li      a0, 0x44                        /* delegate VSSI and VSTI */
    csrw    hideleg, a0
    csrr    a0, vsie
    CHECK   a0, 0x22
    csrw    vsie, zero                      /* clears only the delegated VSSIE and VSTIE */
    csrr    a0, hie
    andi    a0, a0, 0x444
    CHECK   a0, 0x400
    li      a0, 0x444
    csrw    hvip, a0
    csrr    a0, vsip                        /* STIP (from VSTIP) is not checked: QEMU 7.2 reads only SSIP */
    andi    a0, a0, 0x2
    CHECK   a0, 0x2
    csrw    vsip, zero                      /* SSIP is writable (hvip.VSSIP), STIP is not */
    csrr    a0, hvip
    CHECK   a0, 0x440
    csrw    hvip, zero
    csrw    hie, zero
    csrw    hideleg, zero

    /* hstatus: GVA, SPV, SPVP, HU, VTVM, VTW, VTSR are writable; VSXL reads 2 (§13.2.1) */
    li      a0, 0x7003c0
    csrw    hstatus, a0
    csrr    a1, hstatus
    and     a2, a1, a0
    CHECK   a2, 0x7003c0
    srli    a2, a1, 32
    andi    a2, a2, 3
    CHECK   a2, 2
    csrw    hstatus, zero

    /* mstatus.GVA and MPV are writable (§13.4.1) */
    li      a0, 3
    slli    a0, a0, 38
    csrs    mstatus, a0
    csrr    a1, mstatus
    srli    a1, a1, 38
    andi    a1, a1, 3
    CHECK   a1, 3
    csrc    mstatus, a0

    /* vsstatus: SIE, SPIE, SPP, SUM, MXR; UXL reads 2 */
    li      a0, 0xc0122
    csrw    vsstatus, a0
    csrr    a1, vsstatus
    and     a2, a1, a0
    CHECK   a2, 0xc0122
    srli    a2, a1, 32
    andi    a2, a2, 3
    CHECK   a2, 2
    csrw    vsstatus, zero

    /* hgatp holds Sv39x4 with a 16 KiB-aligned root (§13.2.10). (PPN[1:0] must read as zero; QEMU 7.2 keeps
     * what was written, so that rule is checked by Ringside's unit tests only.) */
    li      a0, SATP_SV39 | 0x80120
    csrw    hgatp, a0
    csrr    a1, hgatp
    CHECK   a1, SATP_SV39 | 0x80120
    csrw    hgatp, zero
    csrr    a1, hgatp
    CHECK   a1, 0

    /* vsatp holds Sv39 and Sv48 */
    li      a0, SATP_SV48 | 0x80042
    csrw    vsatp, a0
    csrr    a1, vsatp
    CHECK_EQ a1, a0
    csrw    vsatp, zero

    /* htimedelta is 64 bits; hcounteren, htval, mtval2 read back */
    li      a0, 0x123456789abcdef0
    csrw    htimedelta, a0
    csrr    a1, htimedelta
    CHECK_EQ a1, a0
    csrw    htimedelta, zero
    li      a0, 7
    csrw    hcounteren, a0
    csrr    a1, hcounteren
    CHECK   a1, 7
    csrw    hcounteren, zero
    li      a0, 0x2468ace0
    csrw    htval, a0
    csrr    a1, htval
    CHECK_EQ a1, a0
    csrw    CSR_MTVAL2, a0
    csrr    a1, CSR_MTVAL2
    CHECK_EQ a1, a0

    /* HS-mode may access H and VS CSRs; its sscratch is not vsscratch */
    CLEAR_RECORDS
    li      a3, 0x5a5a
    li      a4, 0x1111
    csrw    sscratch, a4                    /* (CLEAR_RECORDS set it; restored below) */
    RUN     MODE_HS, hs_access
    CHECK_M_TRAP CAUSE_ECALL_S, hs_access_end
    CHECK   a5, 0x5a5a
    CHECK   a6, 0x1111
    CHECK   a2, 0x200000000                 /* hstatus from HS: VSXL = 2 */
    csrr    a5, vsscratch
    CHECK   a5, 0x5a5a

    /* U-mode may not: illegal instruction, tval = the instruction */
    CLEAR_RECORDS
    RUN     MODE_U, u_access
    CHECK_M_TRAP CAUSE_ILLEGAL_INSN, u_access
    CHECK_FIELD HM_TVAL, 0x60002673         /* csrr a2, hstatus */

    /* mstatus.TVM does not keep HS from vsatp (§13.4.1). (It does from hgatp, §13.2.10, which QEMU 7.2 does not
     * implement: checked by Ringside's unit tests only.) */
    li      t0, MSTATUS_TVM
    csrs    mstatus, t0
    CLEAR_RECORDS
    RUN     MODE_HS, hs_vsatp
    CHECK_M_TRAP CAUSE_ECALL_S, hs_vsatp_end
    li      t0, MSTATUS_TVM
    csrc    mstatus, t0

    TEST_END

hs_access:
    csrr    a2, hstatus
    csrw    vsscratch, a3
    csrr    a5, vsscratch
    csrr    a6, sscratch
hs_access_end:
    ecall

u_access:
    csrr    a2, hstatus
    ecall

hs_vsatp:
    csrr    a2, vsatp
hs_vsatp_end:
    ecall
