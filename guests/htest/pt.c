/* pt.c: page tables for the H-extension test guests: Sv39/Sv48 (satp, vsatp) and Sv39x4/Sv48x4 (hgatp, whose
 * root is 16 KiB and whose root index is 2 bits wider; privileged spec §13.5.1). Tables come from a small pool
 * of zeroed pages; M-mode builds them before entering the guest. */
#include <stdint.h>

#define PAGE 4096u
#define POOL_PAGES 24

static uint64_t pool[POOL_PAGES][PAGE / 8] __attribute__((aligned(16384)));
static unsigned used;

/* `pages` contiguous zeroed pages aligned to their size (1 or 4 pages), or 0 when the pool is exhausted. */
static uint64_t *alloc(unsigned pages)
{
    while (used % pages) used++;
    if (used + pages > POOL_PAGES) return 0;
    uint64_t *p = pool[used];
    used += pages;
    return p;
}

/* A new root table: 4 KiB for Sv39/Sv48, 16 KiB for the G stage. */
uint64_t *pt_root(int gstage)
{
    return alloc(gstage ? 4 : 1);
}

static unsigned index_of(uint64_t va, int level, int levels, int gstage)
{
    unsigned bits = (gstage && level == levels - 1) ? 11 : 9;
    return (unsigned)((va >> (12 + 9 * level)) & ((1u << bits) - 1));
}

/* The PTE for va at `level` (0 = 4 KiB, 1 = 2 MiB, 2 = 1 GiB), making the tables above it. */
uint64_t *pt_entry(uint64_t *root, uint64_t va, int level, int levels, int gstage)
{
    uint64_t *table = root;
    for (int l = levels - 1; l > level; l--) {
        uint64_t *pte = &table[index_of(va, l, levels, gstage)];
        if (!(*pte & 1)) {
            uint64_t *next = alloc(1);
            *pte = (((uint64_t)(uintptr_t)next >> 12) << 10) | 1;
        }
        table = (uint64_t *)(uintptr_t)((*pte >> 10) << 12);
    }
    return &table[index_of(va, level, levels, gstage)];
}

/* Maps va → pa with `flags` (V is added) at `level`. */
void pt_map(uint64_t *root, uint64_t va, uint64_t pa, uint64_t flags, int level, int levels, int gstage)
{
    *pt_entry(root, va, level, levels, gstage) = ((pa >> 12) << 10) | flags | 1;
}
