/* zicsr.S: csrrw/csrrs/csrrc and their immediate forms, rd = x0 and rs1 = x0 rules, WARL fields, illegal accesses. */
#include "isa.h"

#define MSTATUS_SIE   0x2
#define MSTATUS_SPP   0x100

TEST_BEGIN zicsr

    /* csrrw: rd gets the old value, the CSR the new one (all 64 bits of mscratch are writable) */
    li      a0, 0x0123456789abcdef
    csrw    mscratch, a0                    /* csrrw x0: write only */
    li      a1, 0xfedcba9876543210
    csrrw   a2, mscratch, a1
    CHECK   a2, 0x0123456789abcdef
    csrr    a2, mscratch                    /* csrrs rs1 = x0: read only */
    CHECK   a2, 0xfedcba9876543210

    /* csrrs / csrrc: set and clear the bits of rs1, rd gets the old value */
    li      a0, 0x00ff00ff00ff00ff
    csrw    mscratch, a0
    li      a1, 0x0f0f0f0f0f0f0f0f
    csrrs   a2, mscratch, a1
    CHECK   a2, 0x00ff00ff00ff00ff
    csrr    a2, mscratch
    CHECK   a2, 0x0fff0fff0fff0fff
    li      a1, 0x0ff00ff00ff00ff0
    csrrc   a2, mscratch, a1
    CHECK   a2, 0x0fff0fff0fff0fff
    csrr    a2, mscratch
    CHECK   a2, 0x000f000f000f000f

    /* rs1 = x0: csrrs and csrrc read without writing */
    csrrs   a2, mscratch, zero
    CHECK   a2, 0x000f000f000f000f
    csrrc   a2, mscratch, zero
    CHECK   a2, 0x000f000f000f000f
    csrr    a2, mscratch
    CHECK   a2, 0x000f000f000f000f

    /* rd == rs1: swap through the CSR */
    li      a0, 111
    csrw    mscratch, a0
    li      a0, 222
    csrrw   a0, mscratch, a0
    CHECK   a0, 111
    csrr    a0, mscratch
    CHECK   a0, 222

    /* immediate forms: 5-bit uimm, zero-extended (31 is 0x1f, not -1) */
    csrrwi  a2, mscratch, 31
    CHECK   a2, 222
    csrr    a2, mscratch
    CHECK   a2, 31
    csrrci  a2, mscratch, 0x15
    CHECK   a2, 31
    csrr    a2, mscratch
    CHECK   a2, 0x0a
    csrrsi  a2, mscratch, 0x11
    CHECK   a2, 0x0a
    csrr    a2, mscratch
    CHECK   a2, 0x1b
    csrrsi  a2, mscratch, 0                 /* uimm = 0: no write */
    CHECK   a2, 0x1b
    csrrci  a2, mscratch, 0
    CHECK   a2, 0x1b
    csrwi   mscratch, 0                     /* csrrwi with uimm = 0 does write */
    csrr    a2, mscratch
    CHECK   a2, 0
    csrrwi  zero, mscratch, 7               /* rd = x0 */
    csrr    a2, mscratch
    CHECK   a2, 7

    /* other full-width M and S registers: mepc/sepc (2-byte aligned with C), mtval, stval, sscratch, mcause */
    li      a0, 0x0000000080001002
    csrw    mepc, a0
    csrr    a2, mepc
    CHECK   a2, 0x0000000080001002
    li      a0, 0xffffffffffff0ff6
    csrw    sepc, a0
    csrr    a2, sepc
    CHECK   a2, 0xffffffffffff0ff6
    li      a0, 0x8000000000000000
    csrrw   zero, mtval, a0
    csrr    a2, mtval
    CHECK   a2, 0x8000000000000000
    li      a0, 0x1234
    csrw    stval, a0
    csrr    a2, stval
    CHECK   a2, 0x1234
    li      a0, 0xa5a5a5a55a5a5a5a
    csrw    sscratch, a0
    csrr    a2, sscratch
    CHECK   a2, 0xa5a5a5a55a5a5a5a
    csrr    a2, mscratch                    /* sscratch and mscratch are distinct */
    CHECK   a2, 7
    li      a0, 0x8000000000000007          /* machine timer interrupt */
    csrw    mcause, a0
    csrr    a2, mcause
    CHECK   a2, 0x8000000000000007
    li      a0, 2
    csrw    scause, a0
    csrr    a2, scause
    CHECK   a2, 2

    /* mtvec: direct (mode 0) and vectored (mode 1) are kept */
    csrr    s0, mtvec
    la      a0, zicsr_vec_base + 1
    csrw    mtvec, a0
    csrr    a2, mtvec
    CHECK_ADDR a2, zicsr_vec_base + 1
    csrw    mtvec, s0
    csrr    a2, mtvec
    CHECK_EQ a2, s0
    la      a0, zicsr_vec_base
    csrw    stvec, a0
    csrr    a2, stvec
    CHECK_ADDR a2, zicsr_vec_base

    /* mstatus fields: MPP takes M (3), S (1), U (0); SIE and SPP show through sstatus */
    li      a0, MSTATUS_MPP
    csrs    mstatus, a0
    csrr    a2, mstatus
    and     a2, a2, a0
    CHECK   a2, MSTATUS_MPP
    li      a1, 0x1000                      /* MPP: M -> S by clearing bit 12 */
    csrc    mstatus, a1
    csrr    a2, mstatus
    and     a2, a2, a0
    CHECK   a2, 0x0800
    csrc    mstatus, a0
    csrr    a2, mstatus
    and     a2, a2, a0
    CHECK   a2, 0
    csrsi   sstatus, MSTATUS_SIE
    csrr    a2, mstatus
    andi    a2, a2, MSTATUS_SIE
    CHECK   a2, MSTATUS_SIE
    csrci   mstatus, MSTATUS_SIE
    csrr    a2, sstatus
    andi    a2, a2, MSTATUS_SIE
    CHECK   a2, 0
    li      a0, MSTATUS_SPP
    csrs    sstatus, a0
    csrr    a2, mstatus
    and     a2, a2, a0
    CHECK   a2, MSTATUS_SPP
    csrc    mstatus, a0
    csrr    a2, sstatus
    and     a2, a2, a0
    CHECK   a2, 0
    li      a0, MSTATUS_MPP                 /* leave MPP = M for the rest */
    csrs    mstatus, a0

    /* MTIP is pending from reset on QEMU (mtimecmp = 0): push mtimecmp out of reach so mip reads
     * are the same on any machine, whatever its timer */
    li      t0, 0x2004000                   /* CLINT mtimecmp, hart 0 */
    li      t1, -1
    sd      t1, 0(t0)

    /* sie/sip are the mie/mip bits delegated through mideleg: with mideleg = 0 they read 0 */
    csrw    mideleg, zero
    li      a0, 0x2                         /* SSIE */
    csrw    mie, a0
    csrr    a2, sie
    CHECK   a2, 0
    li      a0, 0x222
    csrw    mideleg, a0
    csrr    a2, sie
    CHECK   a2, 0x2
    li      a0, 0x20                        /* STIE through sie lands in mie */
    csrs    sie, a0
    csrr    a2, mie
    CHECK   a2, 0x22
    csrw    mie, zero
    li      a0, 0x2                         /* SSIP is writable in mip */
    csrs    mip, a0
    csrr    a2, sip
    andi    a2, a2, 0x2
    CHECK   a2, 0x2
    csrc    sip, a0
    csrr    a2, mip
    andi    a2, a2, 0x2
    CHECK   a2, 0
    csrw    mideleg, zero

    /* mhartid is read-only: reading with rs1 = x0 or uimm = 0 is fine */
    csrr    a2, mhartid
    CHECK   a2, 0
    csrrsi  a2, mhartid, 0
    CHECK   a2, 0
    csrrc   a2, mhartid, zero
    CHECK   a2, 0

    /* writes to read-only CSRs and accesses to unimplemented CSRs: illegal, mtval = instruction bits */
    INSTALL_TRAP_SKIP
ro_write:
    csrw    mhartid, zero
    CHECK_TRAP CAUSE_ILLEGAL_INSN, ro_write
    CHECK_TVAL 0xf1401073
    CLEAR_TRAP
    li      a2, 0x55
ro_write_imm:
    csrrwi  a2, mhartid, 1
    CHECK_TRAP CAUSE_ILLEGAL_INSN, ro_write_imm
    CHECK   a2, 0x55                        /* rd not written */
    CLEAR_TRAP
no_csr:
    csrr    a2, 0x0ff                       /* unassigned user read/write number */
    CHECK_TRAP CAUSE_ILLEGAL_INSN, no_csr
    CHECK_TVAL 0x0ff02673
    CHECK   a2, 0x55

    TEST_END

    .balign 64
zicsr_vec_base:
    .word 0
