/* guest_exit: leave the guest through the SiFive test device (QEMU virt "finisher" at 0x100000). */
#ifndef GUEST_EXIT_H
#define GUEST_EXIT_H

#define TEST_DEVICE_ADDR 0x100000UL
#define TEST_DEVICE_PASS 0x5555u /* QEMU powers off and exits with status 0 */
#define TEST_DEVICE_FAIL 0x3333u /* (code << 16) | FAIL: QEMU exits with status `code` */

/* Exit code used by the crt0 trap handler for a trap nobody expected. */
#define GUEST_EXIT_TRAP 0xEE

#ifndef __ASSEMBLER__
/* 0 = pass; anything else = fail(code). Only the low 16 bits reach QEMU and a shell sees the low 8,
 * so a non-zero code whose low 8 bits are zero gets bit 0 set rather than looking like a pass. */
void guest_exit(long code) __attribute__((noreturn));
#endif

#endif
