/*
 * entry.S: boot entry, the S-mode trap vector and the return to user mode.
 *
 * Boot protocol (SBI): the firmware enters _start at 0x8020_0000 in S-mode with a0 = hartid, a1 = physical
 * address of the DTB, satp = 0 and interrupts off.
 *
 * Trap protocol: sscratch holds the current process's trapframe while a process runs in U-mode, and 0 while
 * the kernel runs. The kernel runs with sstatus.SIE = 0, so the only traps from S-mode are exceptions (bugs).
 * There is one kernel stack: a trap from U-mode saves every user register in the trapframe and starts the
 * kernel on an empty stack; the kernel leaves through user_return() with some process's trapframe.
 */
#define TF_EPC (31 * 8)

    .section .text.entry, "ax", @progbits
    .globl _start
_start:
    /* The firmware passes us with the MMU off: this code runs at its physical address. */
    la      sp, __kstack_top
    li      t0, (1 << 1) | (1 << 18)
    csrc    sstatus, t0         /* SIE = 0 (the kernel never takes interrupts), SUM = 0 */
    csrw    sscratch, zero
    csrw    sie, zero
    la      t0, trap_vector
    csrw    stvec, t0           /* direct mode */

    la      t0, __bss_start
    la      t1, __bss_end
1:  bgeu    t0, t1, 2f
    sd      zero, 0(t0)
    addi    t0, t0, 8
    j       1b
2:
    la      t0, boot_hartid
    sd      a0, 0(t0)
    la      t0, boot_dtb
    sd      a1, 0(t0)
    call    kmain               /* kmain(hartid, dtb): never returns */
3:  wfi
    j       3b

    .text
/* ---- trap vector ---- */
    .balign 4
    .globl trap_vector
trap_vector:
    csrrw   sp, sscratch, sp    /* sp = trapframe (from U) or 0 (from S) */
    beqz    sp, trap_from_kernel

    sd      x1, 0*8(sp)
    sd      x3, 2*8(sp)
    sd      x4, 3*8(sp)
    sd      x5, 4*8(sp)
    sd      x6, 5*8(sp)
    sd      x7, 6*8(sp)
    sd      x8, 7*8(sp)
    sd      x9, 8*8(sp)
    sd      x10, 9*8(sp)
    sd      x11, 10*8(sp)
    sd      x12, 11*8(sp)
    sd      x13, 12*8(sp)
    sd      x14, 13*8(sp)
    sd      x15, 14*8(sp)
    sd      x16, 15*8(sp)
    sd      x17, 16*8(sp)
    sd      x18, 17*8(sp)
    sd      x19, 18*8(sp)
    sd      x20, 19*8(sp)
    sd      x21, 20*8(sp)
    sd      x22, 21*8(sp)
    sd      x23, 22*8(sp)
    sd      x24, 23*8(sp)
    sd      x25, 24*8(sp)
    sd      x26, 25*8(sp)
    sd      x27, 26*8(sp)
    sd      x28, 27*8(sp)
    sd      x29, 28*8(sp)
    sd      x30, 29*8(sp)
    sd      x31, 30*8(sp)
    csrrw   t0, sscratch, zero  /* the user sp; sscratch = 0: we are in the kernel now */
    sd      t0, 1*8(sp)
    csrr    t0, sepc
    sd      t0, TF_EPC(sp)

    mv      a0, sp
    la      sp, __kstack_top
    call    user_trap           /* never returns: it ends in user_return */
4:  j       4b

/* A trap taken in S-mode: a kernel bug (the kernel never enables SIE). Report it and shut down. */
trap_from_kernel:
    csrrw   sp, sscratch, sp    /* back to the kernel sp; sscratch = 0 again */
    addi    sp, sp, -32*8
    sd      x1, 0*8(sp)
    sd      x5, 4*8(sp)
    sd      x6, 5*8(sp)
    sd      x7, 6*8(sp)
    sd      x8, 7*8(sp)
    sd      x10, 9*8(sp)
    sd      x11, 10*8(sp)
    mv      a0, sp
    call    kernel_trap         /* panics */
5:  j       5b

/* ---- user_return(tf): load every register from the trapframe and sret to U-mode at tf->epc ---- */
    .globl user_return
user_return:
    ld      t0, TF_EPC(a0)
    csrw    sepc, t0
    csrw    sscratch, a0
    ld      x1, 0*8(a0)
    ld      x2, 1*8(a0)
    ld      x3, 2*8(a0)
    ld      x4, 3*8(a0)
    ld      x5, 4*8(a0)
    ld      x6, 5*8(a0)
    ld      x7, 6*8(a0)
    ld      x8, 7*8(a0)
    ld      x9, 8*8(a0)
    ld      x11, 10*8(a0)
    ld      x12, 11*8(a0)
    ld      x13, 12*8(a0)
    ld      x14, 13*8(a0)
    ld      x15, 14*8(a0)
    ld      x16, 15*8(a0)
    ld      x17, 16*8(a0)
    ld      x18, 17*8(a0)
    ld      x19, 18*8(a0)
    ld      x20, 19*8(a0)
    ld      x21, 20*8(a0)
    ld      x22, 21*8(a0)
    ld      x23, 22*8(a0)
    ld      x24, 23*8(a0)
    ld      x25, 24*8(a0)
    ld      x26, 25*8(a0)
    ld      x27, 26*8(a0)
    ld      x28, 27*8(a0)
    ld      x29, 28*8(a0)
    ld      x30, 29*8(a0)
    ld      x31, 30*8(a0)
    ld      x10, 9*8(a0)        /* a0 last: it was the base */
    sret

/* Where the firmware entered us: kept for a debugger (and it makes .data non-empty, see kernel.ld). */
    .section .data.boot, "aw", @progbits
    .balign 8
    .globl boot_hartid, boot_dtb
boot_hartid: .dword 0
boot_dtb:    .dword 0

/*
 * The user image's addresses (user virtual addresses, below 2 MiB) are beyond the +-2 GiB reach of auipc from
 * the kernel at 0x8020_0000, so they are stored here as absolute 64-bit values for the C code to read.
 */
    .section .rodata.user_layout, "a", @progbits
    .balign 8
    .globl user_layout
user_layout:
    .dword  __user_text_start, __user_text_end
    .dword  __user_rodata_start, __user_rodata_end
    .dword  __user_data_start, __user_data_end
    .dword  __user_bss_start, __user_bss_end
    .dword  u_start

/* The programs, in pid order: the name (a kernel string) and the user address of its main(). */
#define PROGRAM(name, sym) .dword 9f; .dword sym; .pushsection .rodata.user_names, "a", @progbits; 9: .asciz name; .popsection
    .balign 8
    .globl user_programs
user_programs:
    PROGRAM("primes", primes_main)
    PROGRAM("checksum", checksum_main)
    PROGRAM("stack", stack_main)
    PROGRAM("wild", wild_main)
    PROGRAM("snoop", snoop_main)
    PROGRAM("reader", reader_main)
user_programs_end:
    .globl user_program_count
user_program_count:
    .dword  (user_programs_end - user_programs) / 16
