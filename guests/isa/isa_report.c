/* isa_report.c: the PASS/FAIL lines the ISA tests print, and their exit. */
#include <stdint.h>
#include "exit.h"
#include "uart.h"

extern const char isa_test_name[];

void isa_report_pass(void) __attribute__((noreturn));
void isa_report_fail(uint64_t check, uint64_t pc, uint64_t found, uint64_t expected)
    __attribute__((noreturn));

void isa_report_pass(void)
{
    uart_puts(isa_test_name);
    uart_puts(": PASS\n");
    guest_exit(0);
}

void isa_report_fail(uint64_t check, uint64_t pc, uint64_t found, uint64_t expected)
{
    uart_puts(isa_test_name);
    uart_puts(": FAIL check ");
    uart_put_udec(check);
    uart_puts(" at ");
    uart_put_hex(pc, 8);
    uart_puts(" found ");
    uart_put_hex(found, 16);
    uart_puts(" expected ");
    uart_put_hex(expected, 16);
    uart_putc('\n');
    guest_exit((long)check);
}
