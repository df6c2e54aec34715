/*
 * uart.c: the 16550 console (polled transmit, interrupt-driven receive) and the PLIC.
 *
 * Receive: IER.ERBFI asks the UART to raise its interrupt line (PLIC source platform.uart_irq, 10 on virt)
 * while received data is waiting. The PLIC routes it to this hart's S-mode context; the kernel claims it in
 * the supervisor external interrupt handler, drains the receive FIFO, then completes it.
 *
 * What arrives is echoed line by line as "echo: <line>" (a small line discipline: '\r' or '\n' ends a line,
 * "\r\n" counts once, empty lines are dropped, control characters show as '^X'). A partial line is flushed
 * when the run ends.
 */
#include "kernel.h"

#define UART_RBR 0 /* receive buffer (read) */
#define UART_THR 0 /* transmit holding (write) */
#define UART_IER 1 /* interrupt enable */
#define UART_LSR 5 /* line status */
#define IER_ERBFI 0x01
#define LSR_DR 0x01
#define LSR_THRE 0x20

#define PLIC_PRIORITY(src) (platform.plic_base + 4UL * (src))
#define PLIC_ENABLE(ctx, src) (platform.plic_base + 0x2000 + 0x80UL * (ctx) + 4UL * ((src) / 32))
#define PLIC_THRESHOLD(ctx) (platform.plic_base + 0x200000 + 0x1000UL * (ctx))
#define PLIC_CLAIM(ctx) (platform.plic_base + 0x200004 + 0x1000UL * (ctx))

uint64_t uart_rx_bytes;
static char echo_line[72];
static unsigned echo_len;
static int last_was_cr;

void uart_putc_raw(char c)
{
    while (!(mmio_read8(platform.uart_base + UART_LSR) & LSR_THRE))
        ;
    mmio_write8(platform.uart_base + UART_THR, (uint8_t)c);
}

/* The firmware has set the line up (baud rate, 8N1, FIFOs); only enable the receive interrupt. The FIFO is
 * not reset: bytes that arrived during boot are still echoed. */
void uart_init(void)
{
    mmio_write8(platform.uart_base + UART_IER, IER_ERBFI);
}

static void echo_flush(void)
{
    kputs("echo: ");
    kwrite(echo_line, echo_len);
    kputc('\n');
    echo_len = 0;
}

static void echo_byte(uint8_t c)
{
    uart_rx_bytes++;
    if (c == '\n' && last_was_cr) {
        last_was_cr = 0;
        return;
    }
    last_was_cr = c == '\r';
    if (c == '\r' || c == '\n') {
        if (echo_len) /* empty lines are not echoed */
            echo_flush();
        return;
    }
    if (echo_len + 2 > sizeof echo_line)
        echo_flush();
    if (c < 0x20 || c == 0x7f) {
        echo_line[echo_len++] = '^';
        echo_line[echo_len++] = (char)(c == 0x7f ? '?' : c + '@');
    } else {
        echo_line[echo_len++] = (char)c;
    }
}

void echo_finish(void)
{
    if (echo_len)
        echo_flush();
}

void uart_rx_interrupt(void)
{
    while (mmio_read8(platform.uart_base + UART_LSR) & LSR_DR)
        echo_byte(mmio_read8(platform.uart_base + UART_RBR));
}

void plic_init(void)
{
    uint32_t ctx = platform.plic_context, src = platform.uart_irq;

    if (src == 0 || src > platform.plic_ndev)
        panic("uart irq %u is not a PLIC source (1..%u)", src, platform.plic_ndev);
    mmio_write32(PLIC_PRIORITY(src), 1);
    /* this context takes only the UART: every other enable bit off */
    for (uint32_t word = 0; word <= platform.plic_ndev / 32; word++)
        mmio_write32(PLIC_ENABLE(ctx, 32 * word), word == src / 32 ? 1u << (src % 32) : 0);
    mmio_write32(PLIC_THRESHOLD(ctx), 0);
    csr_set(sie, SIE_SEIE);
}

uint32_t plic_claim(void)
{
    return mmio_read32(PLIC_CLAIM(platform.plic_context));
}

void plic_complete(uint32_t id)
{
    mmio_write32(PLIC_CLAIM(platform.plic_context), id);
}
