/* console.c: kernel output. Early on it goes through the SBI console (DBCN or the legacy putchar); once the
 * DTB has named the 16550, straight to the UART with polled transmit. The kernel runs with interrupts off,
 * so every kprintf() line comes out whole, never mixed with another. */
#include "format.h"
#include "kernel.h"

static uint64_t uart_base; /* 0 while the SBI console is in use */
int kernel_failed;

void console_use_uart(uint64_t base)
{
    uart_base = base;
}

void kputc(char c)
{
    if (uart_base) {
        if (c == '\n')
            uart_putc_raw('\r');
        uart_putc_raw(c);
    } else {
        /* The SBI console owns line endings (OpenSBI sends "\r\n" for '\n'). */
        sbi_console_putc(c);
    }
}

void kwrite(const char *buf, size_t len)
{
    while (len--)
        kputc(*buf++);
}

void kputs(const char *s)
{
    while (*s)
        kputc(*s++);
}

void kvprintf(const char *fmt, va_list ap)
{
    char line[256];
    size_t n = fmt_vformat(line, sizeof line, fmt, ap);
    kwrite(line, n);
}

size_t kformat(char *buf, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t n = fmt_vformat(buf, cap, fmt, ap);
    va_end(ap);
    return n;
}

void kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kvprintf(fmt, ap);
    va_end(ap);
}

/* A failed self-check: report it and keep going; the run ends with "kernel: FAILED" and SRST reason 1. */
void kfail(const char *fmt, ...)
{
    va_list ap;
    kputs("kernel: FAIL: ");
    va_start(ap, fmt);
    kvprintf(fmt, ap);
    va_end(ap);
    kputc('\n');
    kernel_failed = 1;
}

void panic(const char *fmt, ...)
{
    va_list ap;
    kputs("kernel: PANIC: ");
    va_start(ap, fmt);
    kvprintf(fmt, ap);
    va_end(ap);
    kputc('\n');
    sbi_shutdown(1);
}
