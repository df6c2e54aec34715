/* rv64i-load-store.S: every RV64I load and store width, sign/zero extension, offsets, partial writes. */
#include "isa.h"

TEST_BEGIN rv64i-load-store

    la      s0, pattern

    /* loads of a known pattern: sign extension vs zero extension at every width */
    lb      a0, 0(s0)
    CHECK   a0, 0xfffffffffffffff0
    lbu     a0, 0(s0)
    CHECK   a0, 0xf0
    lb      a0, 1(s0)
    CHECK   a0, 0x7e
    lh      a0, 0(s0)
    CHECK   a0, 0x7ef0
    lh      a0, 2(s0)
    CHECK   a0, 0xffffffffffff8dc3
    lhu     a0, 2(s0)
    CHECK   a0, 0x8dc3
    lw      a0, 0(s0)
    CHECK   a0, 0xffffffff8dc37ef0
    lwu     a0, 0(s0)
    CHECK   a0, 0x8dc37ef0
    lw      a0, 4(s0)
    CHECK   a0, 0x12345678
    lwu     a0, 4(s0)
    CHECK   a0, 0x12345678
    ld      a0, 0(s0)
    CHECK   a0, 0x123456788dc37ef0
    ld      a0, 8(s0)
    CHECK   a0, 0x8000000000000001

    /* negative and large offsets */
    addi    s1, s0, 16
    ld      a0, -8(s1)
    CHECK   a0, 0x8000000000000001
    lbu     a0, -16(s1)
    CHECK   a0, 0xf0
    la      s2, pattern - 2040
    ld      a0, 2040(s2)
    CHECK   a0, 0x123456788dc37ef0
    la      s2, pattern + 2048
    ld      a0, -2048(s2)
    CHECK   a0, 0x123456788dc37ef0

    /* stores write only their width */
    la      s1, scratch
    li      a1, -1
    sd      a1, 0(s1)
    sd      a1, 8(s1)
    li      a1, 0x1122334455667788
    sb      a1, 0(s1)
    ld      a0, 0(s1)
    CHECK   a0, 0xffffffffffffff88
    sh      a1, 2(s1)
    ld      a0, 0(s1)
    CHECK   a0, 0xffffffff7788ff88
    sw      a1, 4(s1)
    ld      a0, 0(s1)
    CHECK   a0, 0x556677887788ff88
    sd      a1, 8(s1)
    ld      a0, 8(s1)
    CHECK   a0, 0x1122334455667788
    sb      zero, 15(s1)                    /* store of x0 */
    ld      a0, 8(s1)
    CHECK   a0, 0x0022334455667788
    sh      zero, -2(s1)                    /* below scratch: lands in guard, must not touch scratch */
    ld      a0, 0(s1)
    CHECK   a0, 0x556677887788ff88
    ld      a0, -8(s1)
    CHECK   a0, 0x0000ffffffffffff

    /* load into the base register: address uses the old value */
    la      a0, pattern + 8
    ld      a0, 0(a0)
    CHECK   a0, 0x8000000000000001

    /* store then load back through a different width and base */
    la      s1, scratch
    li      a1, 0xdeadbeefcafef00d
    sd      a1, 16(s1)
    addi    s3, s1, 20
    lw      a0, 0(s3)
    CHECK   a0, 0xffffffffdeadbeef
    lhu     a0, -4(s3)
    CHECK   a0, 0xf00d
    lb      a0, -1(s3)
    CHECK   a0, 0xffffffffffffffca

    /* a little loop: sum 16 bytes with lbu */
    la      a3, pattern
    li      a4, 16
    li      a5, 0
1:  lbu     a6, 0(a3)
    add     a5, a5, a6
    addi    a3, a3, 1
    addi    a4, a4, -1
    bnez    a4, 1b
    CHECK   a5, 0xf0 + 0x7e + 0xc3 + 0x8d + 0x78 + 0x56 + 0x34 + 0x12 + 0x01 + 0x80

    TEST_END

    .data
    .balign 16
pattern:
    .dword  0x123456788dc37ef0
    .dword  0x8000000000000001
guard:
    .dword  0xffffffffffffffff              /* sh zero, -2(scratch) clears its top 16 bits */
scratch:
    .space  32
