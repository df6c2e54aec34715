/* syscall.h: the system call interface of the demo kernel, shared by the kernel and the user programs.
 *
 * ecall from U-mode with the number in a7 and arguments in a0..a2; the result comes back in a0
 * (>= 0 success, < 0 one of the E_* codes). Every other register is preserved.
 */
#ifndef KERNEL_SYSCALL_H
#define KERNEL_SYSCALL_H

#define SYS_WRITE     1 /* write(fd = 1, buf, len) -> len: the bytes go to the console in one piece */
#define SYS_GETPID    2 /* getpid() -> pid */
#define SYS_YIELD     3 /* yield() -> 0: give the rest of the time slice to the next process */
#define SYS_EXIT      4 /* exit(status): never returns */
#define SYS_READ_FILE 5 /* read_file(name, buf, len) -> bytes read (at most len) from the disk's file */

#define E_FAULT  (-1) /* a pointer argument is not mapped user memory (with the needed permission) */
#define E_NOENT  (-2) /* no such file */
#define E_INVAL  (-3) /* bad argument (fd, length, name) */
#define E_IO     (-4) /* the disk failed or is missing */
#define E_NOSYS  (-5) /* unknown system call */

/* The user address space (every process has the same layout, each its own copy). */
#define USER_BASE        0x10000UL  /* user .text, then .rodata, .data, .bss (kernel.ld) */
#define USER_STACK_TOP   0x200000UL /* stack grows down from here */
#define USER_STACK_LIMIT 0x1f0000UL /* up to 64 KiB of stack: pages below the first are demand-allocated */
#define USER_TOP         0x200000UL /* nothing of the user's lies at or above this address */

#endif
