/* host_expected.c: recomputes the bench checksums on the build host (gcc -O2 bench/host_expected.c bench/kernels.c). */
#include <stdio.h>
#include <stdlib.h>
#include "bench.h"

int main(int argc, char **argv)
{
    int err = bench_init();
    for (int a = 1; a < argc; a++) {
        uint32_t iters = (uint32_t)strtoul(argv[a], 0, 10);
        uint32_t digest = bench_run(iters, &err);
        printf("BENCH_ITERS=%u: expected 0x%08x%s\n", iters, digest, err ? " (self-check FAILED)" : "");
    }
    return err;
}
