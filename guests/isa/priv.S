/* priv.S: ecall/ebreak/illegal from M, U and S; mret/sret; medeleg to S; wfi falling through; sfence.vma in S. */
#include "isa.h"

#define MSTATUS_SIE     0x2
#define MSTATUS_MIE     0x8
#define MSTATUS_SPIE    0x20
#define MSTATUS_MPIE    0x80
#define MSTATUS_SPP     0x100
#define MPP_S           0x0800
#define MIE_MSIE        0x8
#define CLINT_MSIP0     0x2000000
#define CLINT_MTIMECMP0 0x2004000

/* Next trap returns to M-mode at `label` instead of after the trapping instruction. */
.macro RESUME_AT label
    la      t5, isa_trap_area
    la      t6, \label
    sd      t6, TRAP_RESUME(t5)
.endm

/* Drop from M to `mode_bits` (a value for mstatus.MPP) at `label` with mret. */
.macro ENTER mode_bits, label
    li      t5, MSTATUS_MPP
    csrc    mstatus, t5
    li      t5, \mode_bits
    csrs    mstatus, t5
    la      t5, \label
    csrw    mepc, t5
    mret
.endm

/* Field of the mstatus saved at the last M trap == expected. */
.macro CHECK_TRAP_MSTATUS mask, expected
    la      t5, isa_trap_area
    ld      t5, TRAP_STATUS(t5)
    li      t6, \mask
    and     t5, t5, t6
    CHECK   t5, \expected
.endm

TEST_BEGIN priv

    INSTALL_TRAP_SKIP
    la      t0, isa_trap_skip               /* records traps; resumes at TRAP_RESUME when a test set it */
    csrw    mtvec, t0
    la      t0, isa_trap_area
    sd      zero, TRAP_RESUME(t0)

    /* PMP entry 0 = NAPOT over all memory, RWX: without a matching entry S and U could touch nothing */
    li      t0, -1
    csrw    pmpaddr0, t0
    li      t0, 0x1f                        /* A = NAPOT, X, W, R */
    csrw    pmpcfg0, t0

    /* --- traps taken and returned in M --- */
m_ecall:
    ecall
    CHECK_TRAP CAUSE_ECALL_M, m_ecall
    CHECK_TVAL 0
    CHECK_TRAP_MSTATUS MSTATUS_MPP, MSTATUS_MPP

    CLEAR_TRAP
    .option push
    .option norvc                           /* the 32-bit ebreak (the assembler would compress it) */
m_ebreak:
    ebreak
    .option pop
    CHECK_TRAP CAUSE_BREAKPOINT, m_ebreak
    CHECK_TVAL 0                            /* QEMU leaves mtval 0 for breakpoints */

    /* illegal instructions: mtval = the instruction bits (16 bits for a compressed one) */
    CLEAR_TRAP
m_illegal32:
    .word   0xfe000033                      /* OP with funct7 = 0x7f: no instruction */
    CHECK_TRAP CAUSE_ILLEGAL_INSN, m_illegal32
    CHECK_TVAL 0xfe000033
    CLEAR_TRAP
m_illegal16:
    .half   0x6501                          /* c.lui a0, 0: reserved */
    c.nop
    CHECK_TRAP CAUSE_ILLEGAL_INSN, m_illegal16
    CHECK_TVAL 0x6501
    CLEAR_TRAP
m_unimp16:
    .half   0x0000                          /* all-zero parcel: defined illegal */
    CHECK_TRAP CAUSE_ILLEGAL_INSN, m_unimp16
    CHECK_TVAL 0

    /* trap entry: MPIE = old MIE, MIE = 0; mret: MIE = MPIE, MPIE = 1, MPP = U */
    CLEAR_TRAP
    csrci   mstatus, MSTATUS_MIE
    li      t0, MSTATUS_MPIE
    csrc    mstatus, t0
    ENTER   MSTATUS_MPP, after_mret
after_mret:
    csrr    a0, mstatus
    li      t0, MSTATUS_MPP | MSTATUS_MPIE | MSTATUS_MIE
    and     a0, a0, t0
    CHECK   a0, MSTATUS_MPIE                /* MPP = U (0), MPIE = 1, MIE = 0 */
    CHECK_NO_TRAP

    /* mtimecmp resets to 0 on QEMU, so MTIP is pending from reset; push it out of reach so every
     * mip read below is the same on any machine, whatever its timer */
    li      t0, CLINT_MTIMECMP0
    li      t1, -1
    sd      t1, 0(t0)

    /* wfi with mstatus.MIE = 0 and an enabled software interrupt pending: falls through, no trap */
    li      t0, MIE_MSIE
    csrw    mie, t0
    li      t0, CLINT_MSIP0
    li      t1, 1
    sw      t1, 0(t0)
    csrr    a0, mip
    andi    a0, a0, MIE_MSIE
    CHECK   a0, MIE_MSIE
    wfi
    li      t0, CLINT_MSIP0
    sw      zero, 0(t0)
    csrw    mie, zero
    csrr    a0, mip
    andi    a0, a0, MIE_MSIE
    CHECK   a0, 0
    CHECK_NO_TRAP

    /* --- U-mode, nothing delegated: every trap goes to M --- */
    csrw    medeleg, zero
    CLEAR_TRAP
    RESUME_AT back_from_u_ecall
    ENTER   0, u_ecall
back_from_u_ecall:
    CHECK_TRAP CAUSE_ECALL_U, u_ecall
    CHECK_TVAL 0
    CHECK_TRAP_MSTATUS MSTATUS_MPP, 0       /* came from U */

    CLEAR_TRAP
    RESUME_AT back_from_u_csr
    ENTER   0, u_csr
back_from_u_csr:
    CHECK_TRAP CAUSE_ILLEGAL_INSN, u_csr    /* M CSR from U */
    CHECK_TVAL 0x30002573                   /* csrr a0, mstatus */

    CLEAR_TRAP
    RESUME_AT back_from_u_mret
    ENTER   0, u_mret
back_from_u_mret:
    CHECK_TRAP CAUSE_ILLEGAL_INSN, u_mret
    CHECK_TVAL 0x30200073

    /* --- S-mode: ecall from S goes to M (cause 9); sfence.vma is allowed with TVM = 0 --- */
    CLEAR_TRAP
    RESUME_AT back_from_s_ecall
    ENTER   MPP_S, s_code
back_from_s_ecall:
    CHECK_TRAP CAUSE_ECALL_S, s_ecall
    CHECK_TRAP_MSTATUS MSTATUS_MPP, MPP_S
    CHECK   s1, 0x5                         /* S code ran its body (see s_code) */

    CLEAR_TRAP
    RESUME_AT back_from_s_mret
    ENTER   MPP_S, s_mret
back_from_s_mret:
    CHECK_TRAP CAUSE_ILLEGAL_INSN, s_mret   /* mret is M-only */
    CHECK_TVAL 0x30200073

    /* --- medeleg: U ecall and U illegal go to S (stvec), which reports back to M with an ecall --- */
    li      t0, (1 << CAUSE_ECALL_U) | (1 << CAUSE_ILLEGAL_INSN)
    csrw    medeleg, t0
    la      t0, s_trap
    csrw    stvec, t0
    la      t0, s_record
    sd      zero, 0(t0)

    CLEAR_TRAP
    RESUME_AT back_from_delegated_ecall
    la      a0, u_ecall                     /* S enters U here with sret */
    ENTER   MPP_S, s_enter_u
back_from_delegated_ecall:
    CHECK_TRAP CAUSE_ECALL_S, s_trap_ecall  /* M saw only S's report */
    CHECK_MEM s_record, 0, CAUSE_ECALL_U    /* scause */
    la      t0, s_record
    ld      t0, 8(t0)
    CHECK_ADDR t0, u_ecall                  /* sepc */
    CHECK_MEM s_record, 16, 0               /* stval */
    la      t0, s_record
    ld      t0, 24(t0)
    andi    t0, t0, MSTATUS_SPP
    CHECK   t0, 0                           /* sstatus.SPP = U: the trap came from U */

    CLEAR_TRAP
    RESUME_AT back_from_delegated_illegal
    la      a0, u_sfence
    ENTER   MPP_S, s_enter_u
back_from_delegated_illegal:
    CHECK_TRAP CAUSE_ECALL_S, s_trap_ecall
    CHECK_MEM s_record, 0, CAUSE_ILLEGAL_INSN
    la      t0, s_record
    ld      t0, 8(t0)
    CHECK_ADDR t0, u_sfence
    CHECK_MEM s_record, 16, 0x12000073      /* stval = sfence.vma zero, zero */

    csrw    medeleg, zero
    csrw    pmpcfg0, zero
    csrw    pmpaddr0, zero
    TEST_END

/* --- code run in U --- */
u_ecall:
    ecall
    j       priv_lost
u_csr:
    csrr    a0, mstatus
    j       priv_lost
u_mret:
    mret
    j       priv_lost
u_sfence:
    sfence.vma
    j       priv_lost

/* --- code run in S --- */
s_code:
    li      s1, 0
    sfence.vma                              /* allowed in S (mstatus.TVM = 0) */
    addi    s1, s1, 1
    sfence.vma  zero, s1
    li      t1, 0x55                        /* S CSRs are accessible */
    csrw    sscratch, t1
    csrr    t2, sscratch
    addi    s1, s1, 4
    bne     t1, t2, priv_lost
s_ecall:
    ecall
    j       priv_lost
s_mret:
    mret
    j       priv_lost

/* In S: enter U at a0 with sret (SPP = U). */
s_enter_u:
    csrw    sepc, a0
    li      t0, MSTATUS_SPP
    csrc    sstatus, t0
    sret

/* S trap handler: record scause/sepc/stval/sstatus, then ecall to M (which resumes the test). */
    .balign 4
s_trap:
    la      t0, s_record
    csrr    t1, scause
    sd      t1, 0(t0)
    csrr    t1, sepc
    sd      t1, 8(t0)
    csrr    t1, stval
    sd      t1, 16(t0)
    csrr    t1, sstatus
    sd      t1, 24(t0)
s_trap_ecall:
    ecall
    j       priv_lost

/* Reached only if a trap did not happen where one must: report as a failed check. */
priv_lost:
    li      t5, 0
    li      t6, 0
    jal     isa_fail

    .bss
    .balign 8
s_record:
    .space  32
