/* asm.S: the demo's hand-written part: gcd, a byte checksum, and an ecall round trip to M-mode. */

    .text
/* uint64_t demo_gcd(uint64_t a, uint64_t b): Euclid with remu. */
    .globl demo_gcd
demo_gcd:
    beqz    a1, 2f
1:  remu    t0, a0, a1
    mv      a0, a1
    mv      a1, t0
    bnez    a1, 1b
2:  ret

/* uint32_t demo_checksum(const uint8_t *p, size_t n): h = rotl32(h, 5) ^ byte, from h = 0x811c9dc5. */
    .globl demo_checksum
demo_checksum:
    li      t0, 0x811c9dc5
    beqz    a1, 2f
1:  lbu     t1, 0(a0)
    slliw   t2, t0, 5
    srliw   t0, t0, 27
    or      t0, t0, t2
    xor     t0, t0, t1
    addi    a0, a0, 1
    addi    a1, a1, -1
    bnez    a1, 1b
2:  slli    a0, t0, 32
    srli    a0, a0, 32
    ret

/*
 * uint64_t demo_ecall_double(uint64_t x): asks an M-mode handler for 2 * x through `ecall`,
 * the way a kernel asks firmware for a service. The handler is installed only for the call.
 */
    .globl demo_ecall_double
demo_ecall_double:
    csrr    t0, mtvec
    la      t1, demo_ecall_handler
    csrw    mtvec, t1
    li      a7, 1                           /* service number: double */
    ecall
    csrw    mtvec, t0
    ret

    .balign 4
demo_ecall_handler:
    csrr    t2, mcause
    li      t3, 11                          /* environment call from M-mode */
    bne     t2, t3, 1f
    li      t3, 1
    bne     a7, t3, 1f
    slli    a0, a0, 1
    csrr    t2, mepc
    addi    t2, t2, 4                       /* ecall is 4 bytes */
    csrw    mepc, t2
    mret
1:  csrw    mtvec, t0                       /* anything else: let crt0's handler report it */
    jr      t0
