/* crt0.S: M-mode entry for every Ringside guest: stack, .bss, trap vector, main, exit. */
#include "exit.h"

    .section .text.init, "ax", @progbits
    .globl _start
_start:
    /* QEMU's reset vector passes a0 = hartid, a1 = DTB; main(hartid, dtb) receives both untouched. */
    csrr    t0, mhartid
    bnez    t0, park            /* one hart runs the guest; others sleep */

#ifdef GUEST_MEASURE
    /* Measurement builds only (never checked in): run under `-icount shift=0`; guest_exit prints the count. */
    csrr    t0, minstret
    la      t1, guest_measure_start
    sd      t0, 0(t1)
#endif

    la      sp, __stack_top
    la      t0, guest_trap_entry
    csrw    mtvec, t0           /* direct mode: the handler is 4-byte aligned */

    la      t0, __bss_start
    la      t1, __bss_end
zero_bss:
    bgeu    t0, t1, bss_done
    sd      zero, 0(t0)
    addi    t0, t0, 8
    j       zero_bss
bss_done:

    call    main
    call    guest_exit          /* 0 = pass, anything else = fail(code) */

park:
    wfi
    j       park

/*
 * Any trap a guest did not install its own handler for lands here: report mcause, mepc and mtval
 * on the UART and fail with GUEST_EXIT_TRAP. The old stack may be the cause, so take a fresh one.
 */
    .balign 4
    .globl guest_trap_entry
guest_trap_entry:
    la      sp, __stack_top
    la      a0, msg_trap
    call    uart_puts
    csrr    a0, mcause
    li      a1, 16
    call    uart_put_hex
    la      a0, msg_mepc
    call    uart_puts
    csrr    a0, mepc
    li      a1, 16
    call    uart_put_hex
    la      a0, msg_mtval
    call    uart_puts
    csrr    a0, mtval
    li      a1, 16
    call    uart_put_hex
    li      a0, '\n'
    call    uart_putc
    li      a0, GUEST_EXIT_TRAP
    call    guest_exit

    .section .rodata.crt0, "a", @progbits
msg_trap:    .asciz "\nunexpected trap: mcause="
msg_mepc:    .asciz " mepc="
msg_mtval:   .asciz " mtval="

#ifdef GUEST_MEASURE
    .data
    .balign 8
    .globl guest_measure_start
guest_measure_start: .dword 0
#endif
