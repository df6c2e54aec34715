/*
 * entry.S: the SBI payloads' entry points (boot hart at _start, harts started through HSM at
 * secondary_entry), their per-hart stacks, the S-mode trap vector and a patchable function for fence.i tests.
 *
 * Boot protocol (OpenSBI fw_jump, Ringside's built-in firmware): the boot hart enters _start at 0x8020_0000
 * in S-mode with a0 = hartid, a1 = DTB, satp = 0. HSM hart_start (SBI v2.0 §9.1) enters secondary_entry with
 * a0 = hartid, a1 = opaque, satp = 0, sstatus.SIE = 0. tp holds the hartid while a payload runs.
 */
#define STACK_SIZE 0x4000
#define MAX_HARTS 8
#define FRAME 128           /* ra, t0-t6, a0-a7: 16 registers */

    .section .text.entry, "ax", @progbits
    .globl _start
_start:
    /* Only one hart should ever come in here; a second one is counted (the SMP test checks the count) and parked.
     * payload_entries lives in .data, so the boot hart's .bss clearing cannot erase a late arrival. */
    la      t0, payload_entries
    li      t1, 1
    amoadd.w t2, t1, (t0)
    bnez    t2, park
    li      t0, MAX_HARTS
    bgeu    a0, t0, park        /* no stack for this hartid */
    mv      tp, a0
    call    set_stack
    la      t0, __bss_start
    la      t1, __bss_end
1:  bgeu    t0, t1, 2f
    sd      zero, 0(t0)
    addi    t0, t0, 8
    j       1b
2:  la      t0, trap_vector
    csrw    stvec, t0
    call    payload_main        /* payload_main(hartid, dtb) ends with an SBI shutdown; it never returns */
    j       park

    .text
    .globl secondary_entry
    .balign 4
secondary_entry:
    li      t0, MAX_HARTS
    bgeu    a0, t0, park
    mv      tp, a0
    call    set_stack
    la      t0, trap_vector
    csrw    stvec, t0
    call    secondary_main      /* secondary_main(hartid, opaque) */
park:
    csrci   sstatus, 2
1:  wfi
    j       1b

/* sp = top of hart a0's stack; keeps a0, a1. */
set_stack:
    li      t0, STACK_SIZE
    mul     t0, t0, a0
    la      sp, __stacks_top
    sub     sp, sp, t0
    ret

/* Every trap lands here (direct mode: 4-byte aligned). Payloads run with satp = 0 and never leave S-mode,
 * so the interrupted stack is the one to use; callee-saved registers are kept by the C handler itself. */
    .balign 4
trap_vector:
    addi    sp, sp, -FRAME
    sd      ra, 0(sp)
    sd      t0, 8(sp)
    sd      t1, 16(sp)
    sd      t2, 24(sp)
    sd      t3, 32(sp)
    sd      t4, 40(sp)
    sd      t5, 48(sp)
    sd      t6, 56(sp)
    sd      a0, 64(sp)
    sd      a1, 72(sp)
    sd      a2, 80(sp)
    sd      a3, 88(sp)
    sd      a4, 96(sp)
    sd      a5, 104(sp)
    sd      a6, 112(sp)
    sd      a7, 120(sp)
    csrr    a0, scause
    csrr    a1, sepc
    csrr    a2, stval
    call    trap_handler
    ld      ra, 0(sp)
    ld      t0, 8(sp)
    ld      t1, 16(sp)
    ld      t2, 24(sp)
    ld      t3, 32(sp)
    ld      t4, 40(sp)
    ld      t5, 48(sp)
    ld      t6, 56(sp)
    ld      a0, 64(sp)
    ld      a1, 72(sp)
    ld      a2, 80(sp)
    ld      a3, 88(sp)
    ld      a4, 96(sp)
    ld      a5, 104(sp)
    ld      a6, 112(sp)
    ld      a7, 120(sp)
    addi    sp, sp, FRAME
    sret

/* long patchable(void): returns the immediate of its first instruction, which the tests rewrite
 * (patch_insn is that instruction: always a 32-bit addi a0, zero, imm). */
    .globl patchable, patch_insn
    .balign 4
patchable:
    .option push
    .option norvc
patch_insn:
    addi    a0, zero, 1
    ret
    .option pop

    .data
    .balign 8
    .globl payload_entries
payload_entries:
    .word   0

    .section .stacks, "aw", @nobits
    .balign 16
    .space  STACK_SIZE * MAX_HARTS
    .globl __stacks_top
__stacks_top:
