/* primes.c: pid 1, CPU-bound: counts the primes below LIMIT by trial division, reporting every 500th. */
#include "ulib.h"

#define LIMIT 30000
#define EXPECTED_COUNT 3245    /* pi(30000) */
#define EXPECTED_SUM 45675864UL

static int is_prime(unsigned n)
{
    if (n < 2)
        return 0;
    if (n % 2 == 0)
        return n == 2;
    for (unsigned d = 3; d * d <= n; d += 2)
        if (n % d == 0)
            return 0;
    return 1;
}

int primes_main(void)
{
    unsigned count = 0;
    uint64_t sum = 0;

    uprintf("primes: pid %ld counts the primes below %u by trial division\n", sys_getpid(), LIMIT);
    for (unsigned n = 2; n < LIMIT; n++) {
        if (!is_prime(n))
            continue;
        count++;
        sum += n;
        if (count % 500 == 0)
            uprintf("primes: prime number %u is %u\n", count, n);
    }
    uprintf("primes: %u primes below %u, their sum is %lu\n", count, LIMIT, sum);
    return count == EXPECTED_COUNT && sum == EXPECTED_SUM ? 0 : 1;
}
