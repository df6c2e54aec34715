/* zifencei.S: self-modifying code made visible with fence.i (a function, the very next instruction, a loop). */
#include "isa.h"

/* addi a0, zero, imm and c.li a0, imm (imm in -32..31) */
#define ADDI_A0(imm)    ((((imm) & 0xfff) << 20) | (10 << 7) | 0x13)
#define C_LI_A0(imm)    (0x4001 | ((((imm) >> 5) & 1) << 12) | (10 << 7) | (((imm) & 0x1f) << 2))

TEST_BEGIN zifencei

    /* FENCE variants (Unpriv §2.7): a single in-order hart has nothing to order, but each must execute
       as a no-op rather than trap, whatever its predecessor/successor sets */
    li      a0, 7
    fence
    fence   rw, w
    fence   i, o
    fence.tso
    CHECK   a0, 7

    /* run the function once as written, so any decoded/translated copy exists before the patch */
    call    patched_fn
    CHECK   a0, 1

    la      s0, patched_fn
    li      a1, ADDI_A0(2)
    sw      a1, 0(s0)
    fence.i
    call    patched_fn
    CHECK   a0, 2

    /* patch-and-run many times: each call must see the latest store */
    li      s1, 1                           /* i */
    li      s2, 0                           /* sum of results */
1:  slli    a1, s1, 20
    ori     a1, a1, (10 << 7) | 0x13        /* addi a0, zero, i */
    sw      a1, 0(s0)
    fence.i
    call    patched_fn
    add     s2, s2, a0
    addi    s1, s1, 1
    li      t0, 21
    bne     s1, t0, 1b
    CHECK   s2, 210                         /* 1 + 2 + ... + 20 */

    /* patch the instruction right after the fence.i, in the straight line being executed */
    la      s0, next_insn
    li      a1, ADDI_A0(42)
    sw      a1, 0(s0)
    fence.i
    .option push
    .option norvc
next_insn:
    addi    a0, zero, 7                     /* replaced by addi a0, zero, 42 */
    .option pop
    CHECK   a0, 42

    /* a 16-bit instruction replaced by another 16-bit one */
    call    patched_c_fn
    CHECK   a0, 5
    la      s0, patched_c_fn
    li      a1, C_LI_A0(-3)
    sh      a1, 0(s0)
    fence.i
    call    patched_c_fn
    CHECK   a0, -3

    TEST_END

    .option push
    .option norvc
    .balign 4
patched_fn:
    addi    a0, zero, 1                     /* rewritten by the test */
    ret
    .option pop

    .option push
    .option rvc
patched_c_fn:
    c.li    a0, 5                           /* rewritten by the test */
    ret
    .option pop
