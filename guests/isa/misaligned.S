/*
 * misaligned.S: plain loads and stores at misaligned addresses in RAM.
 * QEMU 7.2 virt (-bios none, M-mode) performs them without trapping, including across an 8-byte
 * and a 4 KiB boundary; this test pins that behaviour so an emulator run in lockstep matches it.
 * (LR/SC/AMO misalignment always traps: see rv64a.S.)
 */
#include "isa.h"

TEST_BEGIN misaligned

    INSTALL_TRAP_SKIP
    la      s0, buf                         /* buf = 00 01 02 ... 0f 10 ... */

    lh      a0, 1(s0)
    CHECK   a0, 0x0201
    lhu     a0, 7(s0)
    CHECK   a0, 0x0807
    lw      a0, 1(s0)
    CHECK   a0, 0x04030201
    lw      a0, 6(s0)                       /* crosses an 8-byte boundary */
    CHECK   a0, 0x09080706
    lwu     a0, 3(s0)
    CHECK   a0, 0x06050403
    ld      a0, 1(s0)
    CHECK   a0, 0x0807060504030201
    ld      a0, 13(s0)
    CHECK   a0, 0x14131211100f0e0d
    CHECK_NO_TRAP

    /* sign extension still applies */
    la      s1, scratch
    li      a1, -1
    sd      a1, 0(s1)
    sd      a1, 8(s1)
    lh      a0, 3(s1)
    CHECK   a0, -1
    lw      a0, 5(s1)
    CHECK   a0, -1
    lwu     a0, 5(s1)
    CHECK   a0, 0xffffffff

    /* stores write exactly their bytes */
    sd      zero, 0(s1)
    sd      zero, 8(s1)
    li      a1, 0x1122334455667788
    sh      a1, 1(s1)
    sw      a1, 7(s1)
    ld      a0, 0(s1)
    CHECK   a0, 0x8800000000778800
    ld      a0, 8(s1)
    CHECK   a0, 0x0000000000556677
    sd      a1, 3(s1)
    ld      a0, 0(s1)
    CHECK   a0, 0x4455667788778800
    ld      a0, 8(s1)
    CHECK   a0, 0x0000000000112233
    CHECK_NO_TRAP

    /* across a 4 KiB page boundary */
    la      s2, page_edge
    li      a1, 0x0807060504030201
    sd      a1, -3(s2)
    ld      a0, -3(s2)
    CHECK   a0, 0x0807060504030201
    lw      a0, -2(s2)
    CHECK   a0, 0x05040302
    lbu     a0, -1(s2)
    CHECK   a0, 0x03
    lbu     a0, 0(s2)
    CHECK   a0, 0x04
    sw      zero, -1(s2)
    ld      a0, -3(s2)
    CHECK   a0, 0x0807000000000201
    CHECK_NO_TRAP

    /* compressed loads and stores through a misaligned base */
    addi    a5, s0, 1
    c.lw    a4, 0(a5)
    CHECK   a4, 0x04030201
    c.ld    a4, 8(a5)
    CHECK   a4, 0x100f0e0d0c0b0a09
    addi    a5, s1, 2
    li      a3, 0x0a0b0c0d0e0f1011
    c.sd    a3, 0(a5)
    ld      a0, 0(s1)
    CHECK   a0, 0x0c0d0e0f10118800
    CHECK_NO_TRAP

    TEST_END

    .data
    .balign 16
buf:
    .byte   0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f
    .byte   0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f
    .bss
    .balign 16
scratch:
    .space  32
    .balign 4096
    .space  4096
page_edge:                                  /* 4 KiB aligned */
    .space  16
