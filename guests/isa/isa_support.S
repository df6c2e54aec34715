/* isa_support.S: the fail path and the record-and-skip trap handler used by the ISA tests. */
#include "isa.h"

    .text
/*
 * Reached by `jal isa_fail` from a failed check: TESTNUM = check number, t5 = value found,
 * t6 = value expected, ra = just after the check's branch. The test may have moved sp, so take
 * the top of the stack again before calling into C.
 */
    .globl isa_fail
isa_fail:
    la      sp, __stack_top
    mv      a0, TESTNUM
    addi    a1, ra, -4
    mv      a2, t5
    mv      a3, t6
    call    isa_report_fail         /* never returns */

    .globl isa_pass
isa_pass:
    la      sp, __stack_top
    call    isa_report_pass         /* never returns */

/*
 * Trap handler for tests that provoke traps on purpose: records mcause, mepc, mtval and mstatus
 * in isa_trap_area, counts the trap, and resumes after the trapping instruction (2 or 4 bytes,
 * read from the instruction itself), or at TRAP_RESUME in M-mode when a test set it. mscratch holds &isa_trap_area; t0 is swapped through it,
 * t1 and t2 are saved in the area, so the handler changes no register of the test.
 */
    .balign 4
    .globl isa_trap_skip
isa_trap_skip:
    csrrw   t0, mscratch, t0
    sd      t1, TRAP_SAVE_T1(t0)
    sd      t2, TRAP_SAVE_T2(t0)
    csrr    t1, mcause
    sd      t1, TRAP_CAUSE(t0)
    csrr    t1, mtval
    sd      t1, TRAP_TVAL(t0)
    csrr    t1, mstatus
    sd      t1, TRAP_STATUS(t0)
    ld      t2, TRAP_COUNT(t0)
    addi    t2, t2, 1
    sd      t2, TRAP_COUNT(t0)
    csrr    t1, mepc
    sd      t1, TRAP_EPC(t0)
    ld      t2, TRAP_RESUME(t0)
    beqz    t2, 1f
    sd      zero, TRAP_RESUME(t0)   /* a test asked to come back to M-mode at TRAP_RESUME */
    csrw    mepc, t2
    li      t2, MSTATUS_MPP
    csrs    mstatus, t2
    j       2f
1:  lhu     t2, 0(t1)
    andi    t2, t2, 3
    addi    t1, t1, 2
    xori    t2, t2, 3               /* zero for a 32-bit instruction */
    bnez    t2, 3f
    addi    t1, t1, 2
3:  csrw    mepc, t1
2:  ld      t1, TRAP_SAVE_T1(t0)
    ld      t2, TRAP_SAVE_T2(t0)
    csrrw   t0, mscratch, t0
    mret

    .bss
    .balign 16
    .globl isa_trap_area
isa_trap_area:
    .space 64
