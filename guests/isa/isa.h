/* isa.h: assembler macros shared by the self-checking ISA tests (included from each .S). */
#ifndef GUESTS_ISA_H
#define GUESTS_ISA_H

/*
 * Register conventions inside a test:
 *   gp (x3)  holds the number of the check being made; a failing check exits with fail(gp).
 *   t5, t6   are scratch for the macros: tests never keep values in them across a macro.
 * Checks are numbered automatically in source order from 1 (at most 254 per file, so the exit
 * status a shell sees is never 0 on failure). A failure also prints the check's pc, the value
 * found and the value expected; the pc leads to the source line through the DWARF line table.
 */
#define TESTNUM gp

/* Offsets in isa_trap_area, filled by isa_trap_skip. */
#define TRAP_SAVE_T1    0
#define TRAP_SAVE_T2    8
#define TRAP_CAUSE      16
#define TRAP_EPC        24
#define TRAP_TVAL       32
#define TRAP_COUNT      40
#define TRAP_STATUS     48
#define MSTATUS_MPP     0x1800      /* mstatus.MPP (Priv §3.1.6.1) */
#define TRAP_RESUME     56          /* nonzero: isa_trap_skip resumes there in M-mode instead (then clears it) */

/* Causes (mcause without the interrupt bit). */
#define CAUSE_MISALIGNED_FETCH  0
#define CAUSE_ILLEGAL_INSN      2
#define CAUSE_BREAKPOINT        3
#define CAUSE_MISALIGNED_LOAD   4
#define CAUSE_MISALIGNED_STORE  6
#define CAUSE_ECALL_U           8
#define CAUSE_ECALL_S           9
#define CAUSE_ECALL_M           11

    .set isa_check_count, 0

/* Building with -DISA_BREAK_CHECK=N inverts bit 0 of check N's expected value, to prove it can fail. */
#ifdef ISA_BREAK_CHECK
    .set isa_break_check, ISA_BREAK_CHECK
#else
    .set isa_break_check, 0
#endif

/* Opens the test: `main` for crt0, and the name printed with PASS/FAIL. */
.macro TEST_BEGIN name
    .section .rodata.isa_name, "a", @progbits
    .globl isa_test_name
isa_test_name:
    .asciz "\name"
    .text
    .globl main
    .balign 4
main:
.endm

/* Ends the test: prints "<name>: PASS" and exits with pass. Never returns. */
.macro TEST_END
    .if isa_check_count > 254
    .error "too many checks in one file: the exit status would wrap"
    .endif
    .if isa_break_check > isa_check_count
    .error "ISA_BREAK_CHECK is past the last check of this file"
    .endif
    tail    isa_pass
.endm

/* Starts check number N (the next in order) and leaves it in TESTNUM. */
.macro NEXT_CHECK
    .set isa_check_count, isa_check_count + 1
    li      TESTNUM, isa_check_count
.endm

/* reg == 64-bit constant (anything `li` accepts). */
.macro CHECK reg, expected
    NEXT_CHECK
    .if isa_check_count == isa_break_check
    li      t6, (\expected) ^ 1
    .else
    li      t6, \expected
    .endif
    beq     \reg, t6, .Lcheck_ok\@
    mv      t5, \reg
    jal     isa_fail
.Lcheck_ok\@:
.endm

/* reg == address of a symbol. */
.macro CHECK_ADDR reg, symbol
    NEXT_CHECK
    la      t6, \symbol
    .if isa_check_count == isa_break_check
    xori    t6, t6, 1
    .endif
    beq     \reg, t6, .Lcheck_ok\@
    mv      t5, \reg
    jal     isa_fail
.Lcheck_ok\@:
.endm

/* reg == other register. */
.macro CHECK_EQ reg, other
    NEXT_CHECK
    mv      t6, \other
    .if isa_check_count == isa_break_check
    xori    t6, t6, 1
    .endif
    beq     \reg, t6, .Lcheck_ok\@
    mv      t5, \reg
    jal     isa_fail
.Lcheck_ok\@:
.endm

/* The 64-bit word at symbol+offset == constant. */
.macro CHECK_MEM symbol, offset, expected
    la      t5, \symbol
    ld      t5, \offset(t5)
    CHECK   t5, \expected
.endm

/* Routes every trap to isa_trap_skip, which records it and resumes after the trapping instruction. */
.macro INSTALL_TRAP_SKIP
    la      t5, isa_trap_area
    csrw    mscratch, t5
    la      t5, isa_trap_skip
    csrw    mtvec, t5
    CLEAR_TRAP
.endm

/* Forgets the last trap: count 0, cause/epc/tval all ones. */
.macro CLEAR_TRAP
    la      t5, isa_trap_area
    li      t6, -1
    sd      t6, TRAP_CAUSE(t5)
    sd      t6, TRAP_EPC(t5)
    sd      t6, TRAP_TVAL(t5)
    sd      zero, TRAP_COUNT(t5)
.endm

/* Exactly one trap since CLEAR_TRAP, with this cause, at the instruction labelled epc_label. */
.macro CHECK_TRAP cause, epc_label
    CHECK_MEM isa_trap_area, TRAP_COUNT, 1
    CHECK_MEM isa_trap_area, TRAP_CAUSE, \cause
    la      t5, isa_trap_area
    ld      t5, TRAP_EPC(t5)
    CHECK_ADDR t5, \epc_label
.endm

/* mtval of the last trap == constant. */
.macro CHECK_TVAL expected
    CHECK_MEM isa_trap_area, TRAP_TVAL, \expected
.endm

/* No trap since CLEAR_TRAP. */
.macro CHECK_NO_TRAP
    CHECK_MEM isa_trap_area, TRAP_COUNT, 0
.endm

#endif
