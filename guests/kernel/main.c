/* main.c: the demo kernel's boot sequence, from the SBI firmware's jump to the first process. */
#include "kernel.h"

void kmain(uint64_t hartid, uint64_t dtb) __attribute__((noreturn));

static void show_hello_file(void)
{
    const uint8_t *data;
    long n = fs_load("hello.txt", &data);
    if (n < 0) {
        kfail("disk: cannot read hello.txt (error %ld)", n);
        return;
    }
    while (n > 0 && (data[n - 1] == '\n' || data[n - 1] == '\r'))
        n--;
    kputs("disk: hello.txt: ");
    kwrite((const char *)data, (size_t)n);
    kputc('\n');
}

#ifdef KERNEL_MEASURE
uint64_t measure_start;
#endif

void kmain(uint64_t hartid, uint64_t dtb)
{
#ifdef KERNEL_MEASURE
    /* measurement builds only (make measure-kernel, never checked in): needs mcounteren.IR from the firmware */
    __asm__ volatile("rdinstret %0" : "=r"(measure_start));
#endif
    /* 1. SBI: which extensions the firmware offers; the console through it until the UART is known */
    sbi_init();
    kprintf("kernel: Ringside demo kernel on hart %lu, S-mode, entered at %p\n", hartid, (void *)__kernel_start);
    sbi_report();

    /* 2. the device tree (physical addresses: the MMU is still off) */
    dtb_parse(hartid, (const void *)dtb);
    kprintf("dtb: model \"%s\"\n", platform.model);
    kprintf("dtb: memory %p..%p (%lu MiB), timebase %lu Hz\n", (void *)platform.mem_base,
            (void *)(platform.mem_base + platform.mem_size), platform.mem_size >> 20, platform.timebase_hz);
    kprintf("dtb: uart 0x%08lx irq %u; plic 0x%08lx, %u sources, hart %lu S-mode context %u%s\n",
            platform.uart_base, platform.uart_irq, platform.plic_base, platform.plic_ndev, hartid,
            platform.plic_context, platform.plic_context_from_dtb ? "" : " (not in the DTB: guessed)");
    kprintf("dtb: %d virtio-mmio slots 0x%08lx..0x%08lx\n", platform.virtio_count, platform.virtio_base[0],
            platform.virtio_base[platform.virtio_count - 1]);

    /* 3. our own console: the 16550, transmit polled */
    console_use_uart(platform.uart_base);
    kprintf("console: the 16550 at %p from here on (transmit polled, receive by interrupt)\n",
            (void *)platform.uart_base);

    /* 4. memory: pages, the kernel's Sv39 map, paging on */
    mm_init();
    mm_report();

    /* 5. interrupts: UART receive through the PLIC (taken only while a process runs: SIE stays 0) */
    uart_init();
    plic_init();

    /* 6. the disk */
    if (virtio_blk_init() == 0 && fs_init() == 0)
        show_hello_file();

    /* 7. processes */
    proc_init();
    scheduler_start();
}
