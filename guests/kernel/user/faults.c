/* faults.c: pid 4 and 5 misbehave on purpose; the kernel kills each of them and nobody else notices. */
#include "ulib.h"

#define WILD_ADDRESS 0xdead0000UL  /* nothing is mapped there */
#define KERNEL_ADDRESS 0x80200000UL /* the kernel's first page: mapped, but without the U bit */

int wild_main(void)
{
    uprintf("wild: pid %ld stores through a wild pointer, %p\n", sys_getpid(), (void *)WILD_ADDRESS);
    *(volatile uint64_t *)WILD_ADDRESS = 0x5a5a5a5a;
    uprintf("wild: the wild store did not fault!\n");
    return 1;
}

int snoop_main(void)
{
    uprintf("snoop: pid %ld tries to read kernel memory at %p\n", sys_getpid(), (void *)KERNEL_ADDRESS);
    uint32_t word = *(volatile uint32_t *)KERNEL_ADDRESS;
    uprintf("snoop: read 0x%08x from the kernel!\n", word);
    return 1;
}
