/* rv64m.S: multiply/divide, high halves with every sign mix, division by zero, overflow, W forms. */
#include "isa.h"

/* a2 = op(a0 = a, a1 = b) == expected. Expected values were computed with exact integer arithmetic. */
.macro MDOP op, a, b, expected
    li      a0, \a
    li      a1, \b
    \op     a2, a0, a1
    CHECK   a2, \expected
.endm

TEST_BEGIN rv64m

    /* basic products */
    MDOP    mul,    0x123456789abcdef0, 0xf0123456789abcdf, 0xddc927701a9e7310
    MDOP    mulh,   0x123456789abcdef0, 0xf0123456789abcdf, 0xfede05ff528828bd
    MDOP    mulhu,  0x123456789abcdef0, 0xf0123456789abcdf, 0x11125c77ed4507ad
    MDOP    mulhsu, 0x123456789abcdef0, 0xf0123456789abcdf, 0x11125c77ed4507ad
    MDOP    mulhsu, 0xedcba98765432110, 0xfedcba9876543210, 0xede05ff528828bdd

    /* signs of the high half */
    MDOP    mulh,   0xfffffffffffffffe, 0xfffffffffffffffd, 0x0000000000000000
    MDOP    mulhu,  0xfffffffffffffffe, 0xfffffffffffffffd, 0xfffffffffffffffb
    MDOP    mulhsu, 0xfffffffffffffffe, 0xfffffffffffffffd, 0xfffffffffffffffe
    MDOP    mulhsu, 0xffffffffffffffff, 0x1, 0xffffffffffffffff
    MDOP    mulh,   0xffffffffffffffff, 0x1, 0xffffffffffffffff
    MDOP    mulh,   0x7fffffffffffffff, 0x7fffffffffffffff, 0x3fffffffffffffff
    MDOP    mulhu,  0xffffffffffffffff, 0xffffffffffffffff, 0xfffffffffffffffe
    MDOP    mulh,   0x8000000000000000, 0x8000000000000000, 0x4000000000000000
    MDOP    mul,    0x8000000000000000, 0xffffffffffffffff, 0x8000000000000000

    /* mulw: low 32 bits of the product, sign-extended; upper input bits ignored */
    MDOP    mulw,   0x7fffffff, 0x2, 0xfffffffffffffffe
    MDOP    mulw,   0xffffffff00010000, 0x10000, 0x0000000000000000
    MDOP    mulw,   0x1234567800000003, 0xfffffffffffffffb, 0xfffffffffffffff1
    MDOP    mulw,   0x12345, 0x6789, 0x0000000075cca2ed

    /* division rounds toward zero; remainder takes the dividend sign */
    MDOP    div,    0xfffffffffffffff9, 0x2, 0xfffffffffffffffd
    MDOP    rem,    0xfffffffffffffff9, 0x2, 0xffffffffffffffff
    MDOP    div,    0x7, 0xfffffffffffffffe, 0xfffffffffffffffd
    MDOP    rem,    0x7, 0xfffffffffffffffe, 0x0000000000000001
    MDOP    div,    0xfffffffffffffff9, 0xfffffffffffffffe, 0x0000000000000003
    MDOP    rem,    0xfffffffffffffff9, 0xfffffffffffffffe, 0xffffffffffffffff
    MDOP    divu,   0xfffffffffffffff9, 0x2, 0x7ffffffffffffffc
    MDOP    remu,   0xfffffffffffffff9, 0x2, 0x0000000000000001
    MDOP    div,    0x123456789abcdef0, 0x1000, 0x000123456789abcd
    MDOP    remu,   0x123456789abcdef0, 0x1000, 0x0000000000000ef0

    /* division by zero: quotient all ones, remainder = dividend (no trap) */
    MDOP    div,    0x4d2, 0x0, 0xffffffffffffffff
    MDOP    divu,   0x4d2, 0x0, 0xffffffffffffffff
    MDOP    rem,    0xfffffffffffffb2e, 0x0, 0xfffffffffffffb2e
    MDOP    remu,   0xfffffffffffffb2e, 0x0, 0xfffffffffffffb2e
    MDOP    div,    0x0, 0x0, 0xffffffffffffffff
    MDOP    rem,    0x8000000000000000, 0x0, 0x8000000000000000

    /* signed overflow: INT64_MIN / -1 */
    MDOP    div,    0x8000000000000000, 0xffffffffffffffff, 0x8000000000000000
    MDOP    rem,    0x8000000000000000, 0xffffffffffffffff, 0x0000000000000000
    MDOP    divu,   0x8000000000000000, 0xffffffffffffffff, 0x0000000000000000
    MDOP    remu,   0x8000000000000000, 0xffffffffffffffff, 0x8000000000000000

    /* W divisions: operate on low 32 bits, sign-extend the 32-bit result */
    MDOP    divw,   0xfffffff9, 0x2, 0xfffffffffffffffd
    MDOP    remw,   0xabcdef00fffffff9, 0x2, 0xffffffffffffffff
    MDOP    divuw,  0xfffffff9, 0x2, 0x000000007ffffffc
    MDOP    remuw,  0xffffffff00000007, 0xffffffff00000002, 0x0000000000000001
    MDOP    divuw,  0x80000000, 0x1, 0xffffffff80000000
    MDOP    remuw,  0xfffffffe, 0xffffffff, 0xfffffffffffffffe
    MDOP    divw,   0x100000010, 0x100000004, 0x0000000000000004

    /* W division by zero */
    MDOP    divw,   0x5, 0x0, 0xffffffffffffffff
    MDOP    divuw,  0x5, 0x0, 0xffffffffffffffff
    MDOP    remw,   0x1234567887654321, 0x0, 0xffffffff87654321
    MDOP    remuw,  0x1234567887654321, 0x0, 0xffffffff87654321
    MDOP    remuw,  0x17fffffff, 0x100000000, 0x000000007fffffff

    /* W overflow: INT32_MIN / -1 (upper bits of the inputs are junk) */
    MDOP    divw,   0x5555555580000000, 0xffffffff, 0xffffffff80000000
    MDOP    remw,   0x5555555580000000, 0xffffffffffffffff, 0x0000000000000000
    MDOP    divuw,  0x80000000, 0xffffffffffffffff, 0x0000000000000000
    MDOP    remuw,  0x80000000, 0xffffffffffffffff, 0xffffffff80000000

    /* rd aliases a source: result computed from the old values */
    li      a0, 6
    li      a1, 7
    mul     a0, a0, a1
    CHECK   a0, 42
    li      a1, 5
    div     a1, a0, a1
    CHECK   a1, 8
    rem     a0, a0, a0
    CHECK   a0, 0

    /* x0 as divisor and as destination */
    li      a0, 99
    divu    a2, a0, zero
    CHECK   a2, -1
    remu    a2, a0, zero
    CHECK   a2, 99
    mul     zero, a0, a0
    CHECK   zero, 0

    TEST_END
