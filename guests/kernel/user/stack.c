/* stack.c: pid 3: recursion with big frames, so its stack grows page by page beyond the one page the kernel
 * gave it: each first touch of a new page faults and the kernel demand-allocates it. */
#include "ulib.h"

#define DEPTH 20
#define FRAME 2000
#define EXPECTED 1796907UL /* sum over depths 0..DEPTH of every third byte of the frame */

__attribute__((noinline)) static uint64_t dive(unsigned depth, uint64_t *deepest_sp)
{
    volatile uint8_t frame[FRAME];
    uint64_t sum = 0;

    for (unsigned i = 0; i < FRAME; i++)
        frame[i] = (uint8_t)(depth * 7 + i);
    if (depth == 0)
        *deepest_sp = (uint64_t)frame;
    else
        sum = dive(depth - 1, deepest_sp);
    for (unsigned i = 0; i < FRAME; i += 3)
        sum += frame[i];
    return sum;
}

int stack_main(void)
{
    uint64_t deepest = 0;

    uprintf("stack: pid %ld recurses %u levels deep with %u-byte frames\n", sys_getpid(), DEPTH, FRAME);
    uint64_t sum = dive(DEPTH, &deepest);
    uprintf("stack: back from the deep: sum %lu, deepest frame at %p (%lu bytes of stack)\n", sum,
            (void *)deepest, USER_STACK_TOP - deepest);
    return sum == EXPECTED ? 0 : 1;
}
