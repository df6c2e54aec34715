/* rv64c.S: every RV64 compressed instruction, written with explicit c.* mnemonics. */
#include "isa.h"

    .option rvc

TEST_BEGIN rv64c

    mv      s2, sp                          /* restored at the end; sp points into c_stack meanwhile */
    la      sp, c_stack

    /* c.addi4spn: rd' = sp + nzuimm (scaled by 4, zero-extended) */
    c.addi4spn a0, sp, 16
    la      a1, c_stack + 16
    CHECK_EQ a0, a1
    c.addi4spn a5, sp, 1020
    la      a1, c_stack + 1020
    CHECK_EQ a5, a1

    /* c.li / c.nop / c.addi / c.addiw / c.mv / c.add */
    c.li    a0, -32
    CHECK   a0, -32
    c.li    a1, 31
    CHECK   a1, 31
    c.nop
    c.addi  a1, -32
    CHECK   a1, -1
    c.addi  a1, 31
    CHECK   a1, 30
    li      a2, 0x000000007fffffff
    c.addiw a2, 1                           /* 32-bit add, sign-extended */
    CHECK   a2, 0xffffffff80000000
    li      a2, 0x1234567880000000
    c.addiw a2, 0                           /* sext.w */
    CHECK   a2, 0xffffffff80000000
    c.mv    a3, a1
    CHECK   a3, 30
    c.add   a3, a1
    CHECK   a3, 60
    c.mv    t0, a0                          /* full register file, not only x8-x15 */
    CHECK   t0, -32

    /* c.lui: nzimm[17:12], sign-extended from bit 17 */
    c.lui   a0, 0x1f
    CHECK   a0, 0x1f000
    c.lui   a0, 0xfffe0
    CHECK   a0, 0xfffffffffffe0000
    c.lui   t1, 1
    CHECK   t1, 0x1000

    /* c.addi16sp: sp += nzimm (scaled by 16, -512..496) */
    c.addi16sp sp, 496
    la      a1, c_stack + 496
    CHECK_EQ sp, a1
    c.addi16sp sp, -512
    la      a1, c_stack - 16
    CHECK_EQ sp, a1
    c.addi16sp sp, 16
    la      a1, c_stack
    CHECK_EQ sp, a1

    /* c.srli / c.srai / c.andi / c.slli, including shift amounts 1, 31, 32 and 63 */
    li      a0, 0x8000000080000000
    c.srli  a0, 1
    CHECK   a0, 0x4000000040000000
    li      a0, 0x8000000080000000
    c.srli  a0, 63
    CHECK   a0, 1
    li      a0, 0x8000000080000000
    c.srai  a0, 32
    CHECK   a0, 0xffffffff80000000
    li      a0, 0x8000000080000000
    c.srai  a0, 63
    CHECK   a0, -1
    li      a0, 0x8000000080000000
    c.srai  a0, 31
    CHECK   a0, 0xffffffff00000001
    li      a0, 0x1234
    c.andi  a0, -16                         /* sign-extended immediate */
    CHECK   a0, 0x1230
    li      a0, 0x1234
    c.andi  a0, 0x1f
    CHECK   a0, 0x14
    li      t2, 1
    c.slli  t2, 63
    CHECK   t2, 0x8000000000000000
    li      a0, 0x00000000ffffffff
    c.slli  a0, 32
    CHECK   a0, 0xffffffff00000000
    li      a0, 3
    c.slli  a0, 1
    CHECK   a0, 6

    /* c.sub / c.xor / c.or / c.and / c.subw / c.addw */
    li      a0, 100
    li      a1, 142
    c.sub   a0, a1
    CHECK   a0, -42
    li      a0, 0xff00ff00ff00ff00
    li      a1, 0x0ff00ff00ff00ff0
    c.xor   a0, a1
    CHECK   a0, 0xf0f0f0f0f0f0f0f0
    li      a0, 0xff00ff00ff00ff00
    c.or    a0, a1
    CHECK   a0, 0xfff0fff0fff0fff0
    li      a0, 0xff00ff00ff00ff00
    c.and   a0, a1
    CHECK   a0, 0x0f000f000f000f00
    li      a0, 0x0000000080000000
    li      a1, 1
    c.subw  a0, a1
    CHECK   a0, 0x7fffffff
    li      a0, 0x7fffffff
    c.addw  a0, a1
    CHECK   a0, 0xffffffff80000000
    li      a0, 0x1234567800000005
    li      a1, 0x00000000fffffffe
    c.subw  a0, a1
    CHECK   a0, 7

    /* c.sd / c.ld / c.sw / c.lw (c.lw sign-extends) with scaled offsets */
    la      s0, c_data
    li      a0, 0x8877665544332211
    c.sd    a0, 0(s0)
    c.sd    a0, 248(s0)
    c.ld    a1, 0(s0)
    CHECK   a1, 0x8877665544332211
    c.ld    a1, 248(s0)
    CHECK   a1, 0x8877665544332211
    li      a0, 0x00000000f00dcafe
    c.sw    a0, 4(s0)
    c.sw    a0, 124(s0)
    c.lw    a2, 4(s0)
    CHECK   a2, 0xfffffffff00dcafe
    c.lw    a2, 124(s0)
    CHECK   a2, 0xfffffffff00dcafe
    c.ld    a2, 0(s0)
    CHECK   a2, 0xf00dcafe44332211              /* c.sw wrote only 4 bytes */
    c.lw    a2, 0(s0)
    CHECK   a2, 0x44332211

    /* c.sdsp / c.ldsp / c.swsp / c.lwsp (any destination register, offsets up to 504 / 252) */
    li      t3, 0x0123456789abcdef
    c.sdsp  t3, 0(sp)
    c.sdsp  t3, 504(sp)
    c.ldsp  t4, 504(sp)
    CHECK   t4, 0x0123456789abcdef
    c.ldsp  ra, 0(sp)
    CHECK   ra, 0x0123456789abcdef
    li      t3, 0x00000000deadbeef
    c.swsp  t3, 252(sp)
    c.swsp  t3, 8(sp)
    c.lwsp  t4, 252(sp)
    CHECK   t4, 0xffffffffdeadbeef
    c.lwsp  t4, 8(sp)
    CHECK   t4, 0xffffffffdeadbeef

    /* c.j forward and backward */
    li      a0, 0
    c.j     cj_fwd
    li      a0, 99                          /* skipped */
cj_back:
    c.addi  a0, 2
    c.j     cj_done
cj_fwd:
    c.addi  a0, 1
    c.j     cj_back
cj_done:
    CHECK   a0, 3

    /* c.beqz / c.bnez, taken and not taken, and a backward loop */
    li      a0, 0
    li      a1, 0
    c.beqz  a0, 1f
    li      a1, 99
1:  CHECK   a1, 0
    li      a0, 5
    c.beqz  a0, 2f
    li      a1, 1
2:  CHECK   a1, 1
    c.bnez  a0, 3f
    li      a1, 99
3:  CHECK   a1, 1
    li      a0, 0
    c.bnez  a0, 4f
    li      a1, 2
4:  CHECK   a1, 2
    li      a0, 10
    li      a1, 0
5:  c.add   a1, a0
    c.addi  a0, -1
    c.bnez  a0, 5b
    CHECK   a1, 55

    /* c.jr / c.jalr: link = pc + 2 */
    la      t0, cjr_target
    c.jr    t0
    li      a0, 99                          /* skipped */
cjr_target:
    la      t0, cjalr_target
    c.jalr  t0
cjalr_ret:
    c.j     cjalr_after
cjalr_target:
    CHECK_ADDR ra, cjalr_ret
    c.jr    ra
cjalr_after:

    /* c.ebreak: breakpoint trap, mepc = the 2-byte instruction, mtval = 0 on QEMU */
    INSTALL_TRAP_SKIP
cebreak:
    c.ebreak
    CHECK_TRAP CAUSE_BREAKPOINT, cebreak
    CHECK_TVAL 0

    mv      sp, s2
    TEST_END

    .bss
    .balign 16
    .space  512                             /* below c_stack: c.addi16sp -512 points here */
c_stack:
    .space  1024 + 16
c_data:
    .space  256
