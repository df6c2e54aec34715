/* Polled 16550 output: wait for THRE, write THR. '\n' goes out as "\r\n" like a terminal expects. */
#include "uart.h"

static inline uint8_t uart_read(unsigned reg)
{
    return *(volatile uint8_t *)(UART0_ADDR + reg);
}

static inline void uart_write(unsigned reg, uint8_t value)
{
    *(volatile uint8_t *)(UART0_ADDR + reg) = value;
}

static void uart_raw_putc(char c)
{
    while ((uart_read(UART_LSR) & UART_LSR_THRE) == 0)
        ;
    uart_write(UART_THR, (uint8_t)c);
}

void uart_putc(char c)
{
    if (c == '\n')
        uart_raw_putc('\r');
    uart_raw_putc(c);
}

void uart_puts(const char *s)
{
    while (*s)
        uart_putc(*s++);
}

void uart_put_hex(uint64_t value, int digits)
{
    static const char hex[] = "0123456789abcdef";

    if (digits < 1)
        digits = 1;
    if (digits > 16)
        digits = 16;
    uart_puts("0x");
    for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4)
        uart_putc(hex[(value >> shift) & 0xf]);
}

void uart_put_udec(uint64_t value)
{
    char buf[20]; /* 2^64 - 1 has 20 digits */
    int n = 0;

    do {
        buf[n++] = (char)('0' + value % 10);
        value /= 10;
    } while (value != 0);
    while (n > 0)
        uart_putc(buf[--n]);
}

void uart_put_dec(int64_t value)
{
    if (value < 0) {
        uart_putc('-');
        /* Negate as unsigned so INT64_MIN prints correctly. */
        uart_put_udec(-(uint64_t)value);
    } else {
        uart_put_udec((uint64_t)value);
    }
}
