/* Polled output on the QEMU virt 16550 UART at 0x10000000: no interrupts, no libc. */
#ifndef GUEST_UART_H
#define GUEST_UART_H

#include <stdint.h>

#define UART0_ADDR 0x10000000UL
#define UART_THR 0          /* transmit holding register (write) */
#define UART_LSR 5          /* line status register */
#define UART_LSR_THRE 0x20  /* THR empty: ready for the next byte */

void uart_putc(char c);
void uart_puts(const char *s);
/* Fixed width, zero padded, "0x" prefix; digits is 1..16. */
void uart_put_hex(uint64_t value, int digits);
void uart_put_udec(uint64_t value);
void uart_put_dec(int64_t value);

#endif
