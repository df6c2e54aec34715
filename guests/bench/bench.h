/* bench.h: the benchmark's kernels: portable C, so a host build can recompute the expected checksums. */
#ifndef GUESTS_BENCH_H
#define GUESTS_BENCH_H

#include <stdint.h>

/* Failure codes (guest exit status): which self-check went wrong. */
enum bench_error {
    BENCH_OK = 0,
    BENCH_ERR_CRC_SELFTEST = 1,
    BENCH_ERR_LIST = 2,
    BENCH_ERR_MATRIX = 3,
    BENCH_ERR_STATE = 4,
    BENCH_ERR_CHECKSUM = 5,
};

/* Sizes: one iteration is ~0.5M RV64 instructions at -O2. */
#define BENCH_LIST_NODES   256
#define BENCH_LIST_PROBES  64
#define BENCH_MAT_N        20
#define BENCH_STREAM_BYTES 2048
#define BENCH_CRC_BYTES    4096

/* Call once before any iteration: builds the CRC table and runs the fixed self-tests. */
int bench_init(void);

/* One iteration of every kernel, seeded by i; returns a 32-bit digest, sets *err on a failed self-check. */
uint32_t bench_iteration(uint32_t i, int *err);

/* Digest of `iters` iterations: what main() compares with the hard-coded value. */
uint32_t bench_run(uint32_t iters, int *err);

#endif
