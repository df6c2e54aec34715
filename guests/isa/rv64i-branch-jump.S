/* rv64i-branch-jump.S: conditional branches (taken/not taken, signed/unsigned edges), jal, jalr. */
#include "isa.h"

/* a2 = 1 if `insn a, b, target` branches, else 0; both paths are executed by some check. */
.macro TAKEN insn, a, b
    li      a2, 0
    \insn   \a, \b, .Ltaken\@
    j       .Ldone\@
.Ltaken\@:
    li      a2, 1
.Ldone\@:
.endm

TEST_BEGIN rv64i-branch-jump

    li      a3, -1
    li      a4, 1
    li      a5, 0x8000000000000000
    li      a6, 0x7fffffffffffffff

    TAKEN   beq, a3, a3
    CHECK   a2, 1
    TAKEN   beq, a3, a4
    CHECK   a2, 0
    TAKEN   beq, zero, zero
    CHECK   a2, 1
    TAKEN   bne, a3, a4
    CHECK   a2, 1
    TAKEN   bne, a4, a4
    CHECK   a2, 0

    TAKEN   blt, a3, a4                     /* -1 < 1 signed */
    CHECK   a2, 1
    TAKEN   blt, a4, a3
    CHECK   a2, 0
    TAKEN   blt, a4, a4
    CHECK   a2, 0
    TAKEN   blt, a5, a6                     /* INT64_MIN < INT64_MAX */
    CHECK   a2, 1
    TAKEN   bge, a4, a3
    CHECK   a2, 1
    TAKEN   bge, a4, a4                     /* equal: taken */
    CHECK   a2, 1
    TAKEN   bge, a3, a4
    CHECK   a2, 0
    TAKEN   bge, a6, a5
    CHECK   a2, 1

    TAKEN   bltu, a4, a3                    /* 1 < 0xffff...ffff unsigned */
    CHECK   a2, 1
    TAKEN   bltu, a3, a4
    CHECK   a2, 0
    TAKEN   bltu, a6, a5
    CHECK   a2, 1
    TAKEN   bltu, a4, a4
    CHECK   a2, 0
    TAKEN   bgeu, a3, a4
    CHECK   a2, 1
    TAKEN   bgeu, a4, a3
    CHECK   a2, 0
    TAKEN   bgeu, zero, zero
    CHECK   a2, 1
    TAKEN   bgeu, a5, a6
    CHECK   a2, 1

    /* backward branch: count down a loop */
    li      a0, 10
    li      a1, 0
1:  add     a1, a1, a0
    addi    a0, a0, -1
    bnez    a0, 1b
    CHECK   a1, 55

    /* jal: link = pc + 4, forward and backward targets */
    jal     a0, jal_fwd
jal_ret:
    j       jal_after
jal_fwd:
    CHECK_ADDR a0, jal_ret
    jal     zero, jal_back_done             /* rd = x0: plain jump */
jal_back:
    li      a1, 77
    jal     ra, jal_back_ret                /* forward again out of the backward target */
jal_back_done:
    j       jal_back
jal_back_ret:
    CHECK   a1, 77
jal_after:

    /* jalr: target = (rs1 + imm) & ~1, link = pc + 4 */
    la      a0, jalr_target - 8
    jalr    a1, 8(a0)
jalr_ret:
    j       jalr_after
jalr_target:
    CHECK_ADDR a1, jalr_ret
    jr      a1
jalr_after:

    /* jalr with an odd sum: bit 0 is cleared, no misaligned trap */
    la      a0, jalr_odd_target
    addi    a0, a0, 1
    jalr    a1, 0(a0)
jalr_odd_ret:
    j       jalr_odd_after
jalr_odd_target:
    CHECK_ADDR a1, jalr_odd_ret
    jr      a1
jalr_odd_after:
    la      a0, jalr_odd2_target + 2
    jalr    a1, -1(a0)                      /* odd sum through the immediate: +1 then cleared */
jalr_odd2_ret:
    j       jalr_odd2_after
    .balign 4
    .word   0                               /* padding: never executed */
jalr_odd2_target:
    CHECK_ADDR a1, jalr_odd2_ret
    jr      a1
jalr_odd2_after:

    /* jalr with rd == rs1: the target uses the old value, then rd gets the link */
    la      a0, jalr_same_target
    jalr    a0, 0(a0)
jalr_same_ret:
    j       jalr_same_after
jalr_same_target:
    CHECK_ADDR a0, jalr_same_ret
    jr      a0
jalr_same_after:

    /* jalr with a negative offset and rd = x0 */
    la      a0, jalr_neg_target + 2047
    jalr    zero, -2047(a0)
    j       jalr_neg_fail
jalr_neg_target:
    li      a1, 1
    j       jalr_neg_after
jalr_neg_fail:
    li      a1, 0
jalr_neg_after:
    CHECK   a1, 1

    /* call/ret through a recursive function (ra saved on the stack at every level) */
    li      a0, 10
    call    sum_to
    CHECK   a0, 55
    li      a0, 100
    call    sum_to
    CHECK   a0, 5050

    TEST_END

/* sum_to(n) = n + sum_to(n - 1), so returns unwind through many saved ra values. */
sum_to:
    bnez    a0, 1f
    ret
1:  addi    sp, sp, -16
    sd      ra, 8(sp)
    sd      a0, 0(sp)
    addi    a0, a0, -1
    call    sum_to
    ld      t0, 0(sp)
    add     a0, a0, t0
    ld      ra, 8(sp)
    addi    sp, sp, 16
    ret
