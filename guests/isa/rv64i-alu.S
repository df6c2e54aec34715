/* rv64i-alu.S: RV64I register/immediate arithmetic, logic, shifts, compares, lui/auipc and the W forms. */
#include "isa.h"

TEST_BEGIN rv64i-alu

    /* add / sub: plain, wrap-around at 2^64, signed overflow */
    li      a0, 0x123456789abcdef0
    li      a1, 0x0fedcba987654321
    add     a2, a0, a1
    CHECK   a2, 0x2222222222222211
    sub     a2, a0, a1
    CHECK   a2, 0x02468acf13579bcf
    li      a0, -1
    li      a1, 1
    add     a2, a0, a1
    CHECK   a2, 0
    li      a0, 0x7fffffffffffffff
    add     a2, a0, a1
    CHECK   a2, 0x8000000000000000          /* signed overflow wraps, no trap */
    li      a0, 0x8000000000000000
    sub     a2, a0, a1
    CHECK   a2, 0x7fffffffffffffff
    sub     a2, zero, a0
    CHECK   a2, 0x8000000000000000          /* -INT64_MIN == INT64_MIN */

    /* addi: 12-bit sign-extended immediate, both extremes */
    li      a0, 1000
    addi    a2, a0, 2047
    CHECK   a2, 3047
    addi    a2, a0, -2048
    CHECK   a2, -1048
    addi    a2, zero, -1
    CHECK   a2, -1

    /* writes to x0 are discarded */
    li      a0, 55
    addi    zero, a0, 1
    add     zero, a0, a0
    CHECK   zero, 0
    add     a2, zero, zero
    CHECK   a2, 0

    /* logic, register and immediate (immediate is sign-extended) */
    li      a0, 0xff00ff00f0f0f0f0
    li      a1, 0x0ff00ff00ff00ff0
    and     a2, a0, a1
    CHECK   a2, 0x0f000f0000f000f0
    or      a2, a0, a1
    CHECK   a2, 0xfff0fff0fff0fff0
    xor     a2, a0, a1
    CHECK   a2, 0xf0f0f0f0ff00ff00
    andi    a2, a0, -16                     /* 0xfff...ff0 */
    CHECK   a2, 0xff00ff00f0f0f0f0
    andi    a2, a0, 0x7ff
    CHECK   a2, 0x0f0
    ori     a2, a1, -2048
    CHECK   a2, 0xfffffffffffff800 | 0x0ff0
    xori    a2, a0, -1                      /* not */
    CHECK   a2, 0x00ff00ff0f0f0f0f
    xori    a2, a0, 0x0ff
    CHECK   a2, 0xff00ff00f0f0f00f

    /* 64-bit shifts: by 0, 1, 31, 32, 63; register amount uses only bits 5:0 */
    li      a0, 0x8000000080000001
    slli    a2, a0, 0
    CHECK   a2, 0x8000000080000001
    slli    a2, a0, 1
    CHECK   a2, 0x0000000100000002
    slli    a2, a0, 31
    CHECK   a2, 0x4000000080000000
    slli    a2, a0, 32
    CHECK   a2, 0x8000000100000000
    slli    a2, a0, 63
    CHECK   a2, 0x8000000000000000
    srli    a2, a0, 1
    CHECK   a2, 0x4000000040000000
    srli    a2, a0, 31
    CHECK   a2, 0x0000000100000001
    srli    a2, a0, 32
    CHECK   a2, 0x0000000080000000
    srli    a2, a0, 63
    CHECK   a2, 1
    srai    a2, a0, 1
    CHECK   a2, 0xc000000040000000
    srai    a2, a0, 32
    CHECK   a2, 0xffffffff80000000
    srai    a2, a0, 63
    CHECK   a2, -1
    srai    a2, a0, 0
    CHECK   a2, 0x8000000080000001
    li      a1, 0x7c1                       /* low 6 bits = 1 */
    sll     a2, a0, a1
    CHECK   a2, 0x0000000100000002
    li      a1, 64 + 63                     /* low 6 bits = 63 */
    srl     a2, a0, a1
    CHECK   a2, 1
    sra     a2, a0, a1
    CHECK   a2, -1
    li      a1, 32
    sra     a2, a0, a1
    CHECK   a2, 0xffffffff80000000
    li      a1, 64                          /* low 6 bits = 0 */
    sll     a2, a0, a1
    CHECK   a2, 0x8000000080000001

    /* compares: signed vs unsigned, immediate sign-extended also for sltiu */
    li      a0, -1
    li      a1, 1
    slt     a2, a0, a1
    CHECK   a2, 1
    sltu    a2, a0, a1
    CHECK   a2, 0
    slt     a2, a1, a0
    CHECK   a2, 0
    sltu    a2, a1, a0
    CHECK   a2, 1
    slt     a2, a0, a0
    CHECK   a2, 0
    slti    a2, a0, 0
    CHECK   a2, 1
    slti    a2, a1, -2048
    CHECK   a2, 0
    sltiu   a2, a1, -1                      /* compares against 0xffff...ffff */
    CHECK   a2, 1
    sltiu   a2, a0, -1
    CHECK   a2, 0
    sltiu   a2, zero, 1                     /* seqz */
    CHECK   a2, 1
    sltu    a2, zero, a0                    /* snez */
    CHECK   a2, 1
    li      a0, 0x8000000000000000
    li      a1, 0x7fffffffffffffff
    slt     a2, a0, a1
    CHECK   a2, 1
    sltu    a2, a0, a1
    CHECK   a2, 0

    /* lui: 20-bit immediate into bits 31:12, sign-extended from bit 31 */
    lui     a2, 0x12345
    CHECK   a2, 0x12345000
    lui     a2, 0x80000
    CHECK   a2, 0xffffffff80000000
    lui     a2, 0xfffff                     /* -1 << 12 */
    CHECK   a2, 0xfffffffffffff000

    /* auipc: pc-relative, also with a negative immediate */
auipc_pos:
    auipc   a2, 0x1
    la      a3, auipc_pos
    sub     a2, a2, a3
    CHECK   a2, 0x1000
auipc_neg:
    auipc   a2, 0xfffff                     /* pc - 4096 */
    la      a3, auipc_neg
    sub     a2, a2, a3
    CHECK   a2, -4096
auipc_big:
    auipc   a2, 0x80000                     /* pc - 2^31 */
    la      a3, auipc_big
    sub     a2, a2, a3
    CHECK   a2, 0xffffffff80000000

    /* W forms: 32-bit result sign-extended to 64 bits; upper input bits ignored */
    li      a0, 0x123456787fffffff
    li      a1, 1
    addw    a2, a0, a1
    CHECK   a2, 0xffffffff80000000
    addiw   a2, a0, 1
    CHECK   a2, 0xffffffff80000000
    addiw   a2, a0, 0                       /* sext.w */
    CHECK   a2, 0x7fffffff
    li      a0, 0xffffffff00000000
    addiw   a2, a0, -1
    CHECK   a2, -1
    li      a0, 0x0000000180000000
    subw    a2, a0, a1
    CHECK   a2, 0x7fffffff
    li      a0, 5
    li      a1, 7
    subw    a2, a0, a1
    CHECK   a2, -2

    li      a0, 0xabcdef0100000001
    slliw   a2, a0, 31
    CHECK   a2, 0xffffffff80000000
    slliw   a2, a0, 0
    CHECK   a2, 1
    li      a0, 0x0000000080000000
    srliw   a2, a0, 0
    CHECK   a2, 0xffffffff80000000          /* shift by 0 still sign-extends */
    srliw   a2, a0, 1
    CHECK   a2, 0x40000000
    srliw   a2, a0, 31
    CHECK   a2, 1
    sraiw   a2, a0, 31
    CHECK   a2, -1
    sraiw   a2, a0, 4
    CHECK   a2, 0xfffffffff8000000
    li      a0, 0x7fffffff00000000          /* upper half ignored by sraiw */
    sraiw   a2, a0, 1
    CHECK   a2, 0
    li      a0, 0x0000000080000001
    li      a1, 32 + 1                      /* sllw/srlw/sraw use only bits 4:0 */
    sllw    a2, a0, a1
    CHECK   a2, 2
    srlw    a2, a0, a1
    CHECK   a2, 0x40000000
    sraw    a2, a0, a1
    CHECK   a2, 0xffffffffc0000000
    li      a1, 31
    srlw    a2, a0, a1
    CHECK   a2, 1
    sraw    a2, a0, a1
    CHECK   a2, -1
    li      a1, 32                          /* = 0 */
    srlw    a2, a0, a1
    CHECK   a2, 0xffffffff80000001
    sllw    a2, a0, a1
    CHECK   a2, 0xffffffff80000001

    /* same register as source and destination */
    li      a0, 21
    add     a0, a0, a0
    CHECK   a0, 42
    sub     a0, a0, a0
    CHECK   a0, 0

    TEST_END
