/* main.c: the Ringside demo guest: a few small computations anyone can check by eye, printed on the UART. */
#include <stdint.h>
#include "uart.h"

uint64_t demo_gcd(uint64_t a, uint64_t b);
uint32_t demo_checksum(const uint8_t *p, unsigned long n);
uint64_t demo_ecall_double(uint64_t x);

static int failures;

static void expect(const char *what, uint64_t got, uint64_t want)
{
    if (got != want) {
        uart_puts("  MISMATCH in ");
        uart_puts(what);
        uart_puts(": got ");
        uart_put_udec(got);
        uart_puts(", want ");
        uart_put_udec(want);
        uart_putc('\n');
        failures++;
    }
}

static unsigned long str_len(const char *s)
{
    unsigned long n = 0;
    while (s[n])
        n++;
    return n;
}

static void show_primes(void)
{
    enum { LIMIT = 100 };
    static uint8_t composite[LIMIT + 1];
    int count = 0;
    uint64_t sum = 0;

    uart_puts("primes below 100:");
    for (int i = 2; i <= LIMIT; i++) {
        if (composite[i])
            continue;
        uart_putc(' ');
        uart_put_udec((uint64_t)i);
        count++;
        sum += (uint64_t)i;
        for (int j = i * i; j <= LIMIT; j += i)
            composite[j] = 1;
    }
    uart_puts("\n  count ");
    uart_put_udec((uint64_t)count);
    uart_puts(", sum ");
    uart_put_udec(sum);
    uart_putc('\n');
    expect("prime count", (uint64_t)count, 25);
    expect("prime sum", sum, 1060);
}

static void show_fibonacci(void)
{
    uint64_t a = 0, b = 1;

    uart_puts("fibonacci (64-bit):\n");
    for (int n = 0; n <= 90; n++) {
        if (n <= 10 || n % 10 == 0) {
            uart_puts("  F(");
            uart_put_udec((uint64_t)n);
            uart_puts(") = ");
            uart_put_udec(a);
            uart_putc('\n');
        }
        uint64_t next = a + b;
        a = b;
        b = next;
    }
    /* after the loop a = F(91) */
    expect("F(91)", a, 4660046610375530309ULL);
}

static void show_reverse(void)
{
    static char text[] = "Hello from a RISC-V guest!";
    unsigned long n = str_len(text);

    uart_puts("reverse of \"");
    uart_puts(text);
    uart_puts("\" is \"");
    for (unsigned long i = 0, j = n - 1; i < j; i++, j--) {
        char t = text[i];
        text[i] = text[j];
        text[j] = t;
    }
    uart_puts(text);
    uart_puts("\"\n");
    expect("reversed first char", (uint64_t)text[0], '!');
    expect("reversed checksum", demo_checksum((const uint8_t *)text, n), 0xf8d821f4);
}

static void show_table(void)
{
    uart_puts("multiply / divide table (a*b, a/b, a%b):\n");
    static const int64_t as[] = { 1000003, -77, 9223372036854775807LL };
    static const int64_t bs[] = { 7, -3, 1000 };
    uint64_t mix = 0;

    for (unsigned i = 0; i < sizeof as / sizeof as[0]; i++) {
        for (unsigned j = 0; j < sizeof bs / sizeof bs[0]; j++) {
            int64_t a = as[i], b = bs[j];
            /* volatile: make the guest do the arithmetic, not the compiler */
            volatile int64_t va = a, vb = b;
            int64_t p = (int64_t)((uint64_t)va * (uint64_t)vb), q = va / vb, r = va % vb;
            uart_puts("  ");
            uart_put_dec(a);
            uart_puts(" ");
            uart_put_dec(b);
            uart_puts(": ");
            uart_put_dec(p);
            uart_puts(" ");
            uart_put_dec(q);
            uart_puts(" ");
            uart_put_dec(r);
            uart_putc('\n');
            expect("q*b + r == a", (uint64_t)(q * b + r), (uint64_t)a);
            mix = mix * 31 + (uint64_t)p + (uint64_t)q + (uint64_t)r;
        }
    }
    uart_puts("  mix ");
    uart_put_hex(mix, 16);
    uart_putc('\n');
}

static void show_asm(void)
{
    uint64_t g = demo_gcd(1071, 462);
    uint64_t d = demo_ecall_double(21);

    uart_puts("gcd(1071, 462) = ");
    uart_put_udec(g);
    uart_puts(" (assembly)\nM-mode service: double(21) = ");
    uart_put_udec(d);
    uart_puts(" (ecall round trip)\n");
    expect("gcd", g, 21);
    expect("ecall double", d, 42);
}

int main(void)
{
    uint64_t hart;

    __asm__ volatile("csrr %0, mhartid" : "=r"(hart));
    uart_puts("Ringside demo guest\n");
    uart_puts("running on hart ");
    uart_put_udec(hart);
    uart_puts(" in M-mode\n");

    show_primes();
    show_fibonacci();
    show_reverse();
    show_table();
    show_asm();

    if (failures) {
        uart_puts("demo: FAILED\n");
        return 1;
    }
    uart_puts("demo: done\n");
    return 0;
}
