/* main.c: the benchmark guest: BENCH_ITERS iterations of every kernel, checked against a known digest. */
#include "bench.h"
#include "uart.h"

#ifndef BENCH_ITERS
#error "build with -DBENCH_ITERS=N (the Makefile does)"
#endif

/* Digests for the iteration counts the Makefile uses; `make bench-expected` recomputes them on the host. */
#if BENCH_ITERS == 700
#define BENCH_EXPECTED 0xe310a3acu
#elif BENCH_ITERS == 12
#define BENCH_EXPECTED 0x3bfd2c07u
#else
#error "no expected digest for this BENCH_ITERS: run `make bench-expected` and add it here"
#endif

int main(void)
{
    int err;
    uint32_t digest;

    uart_puts("bench: ");
    uart_put_udec(BENCH_ITERS);
    uart_puts(" iterations of list/matrix/state-machine/crc32\n");

    err = bench_init();
    if (err == BENCH_OK)
        digest = bench_run(BENCH_ITERS, &err);
    if (err != BENCH_OK) {
        uart_puts("bench: FAILED self-check ");
        uart_put_udec((uint64_t)err);
        uart_putc('\n');
        return err;
    }
    if (digest != BENCH_EXPECTED) {
        uart_puts("bench: FAILED checksum ");
        uart_put_hex(digest, 8);
        uart_puts(" expected ");
        uart_put_hex(BENCH_EXPECTED, 8);
        uart_putc('\n');
        return BENCH_ERR_CHECKSUM;
    }
    uart_puts("bench: ok ");
    uart_put_hex(digest, 8);
    uart_putc('\n');
    return 0;
}
