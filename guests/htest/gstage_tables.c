/* gstage_tables.c: the page tables of gstage.S. G stage (hgatp) Sv39x4 and Sv48x4, VS stage (vsatp) Sv39, over
 * four test pages; the guest's own code and data are mapped one-to-one by a gigapage in every table. */
#include <stdint.h>

uint64_t *pt_root(int gstage);
uint64_t *pt_entry(uint64_t *root, uint64_t va, int level, int levels, int gstage);
void pt_map(uint64_t *root, uint64_t va, uint64_t pa, uint64_t flags, int level, int levels, int gstage);

#define R 0x2u
#define W 0x4u
#define X 0x8u
#define U 0x10u
#define A 0x40u
#define D 0x80u

/* Guest physical addresses of the test pages (above the guest's RAM, below 2^41). */
#define GPA 0x100000000ull

uint8_t gpages[4][4096] __attribute__((aligned(4096)));
uint64_t hgatp_sv39x4, hgatp_sv48x4, vsatp_sv39;
uint64_t *g39_page0_pte, *vs_page0_pte;

void gstage_tables(void)
{
    uint64_t ram = 0x80000000ull;
    uint64_t p0 = (uintptr_t)gpages[0], p1 = (uintptr_t)gpages[1], p2 = (uintptr_t)gpages[2], p3 = (uintptr_t)gpages[3];

    /* Sv39x4: GPA+0 RWX (A, D clear: set by the hardware), +1 R, +2 RW without U, +3 X only, +4 unmapped;
     * GPA 2^39 (root index 512: the 2 extra bits) → page 1. */
    uint64_t *g = pt_root(1);
    pt_map(g, ram, ram, R | W | X | U | A | D, 2, 3, 1);
    pt_map(g, GPA + 0x0000, p0, R | W | X | U, 0, 3, 1);
    pt_map(g, GPA + 0x1000, p1, R | U | A | D, 0, 3, 1);
    pt_map(g, GPA + 0x2000, p2, R | W | A | D, 0, 3, 1);
    pt_map(g, GPA + 0x3000, p3, X | U | A | D, 0, 3, 1);
    pt_map(g, 1ull << 39, p1, R | U | A | D, 0, 3, 1);
    hgatp_sv39x4 = (8ull << 60) | ((uintptr_t)g >> 12);
    g39_page0_pte = pt_entry(g, GPA, 0, 3, 1);

    /* Sv48x4: the same RAM gigapage, GPA+0 → page 0, GPA 2^48 (root index 512) → page 1. */
    uint64_t *g4 = pt_root(1);
    pt_map(g4, ram, ram, R | W | X | U | A | D, 2, 4, 1);
    pt_map(g4, GPA, p0, R | W | X | U | A | D, 0, 4, 1);
    pt_map(g4, 1ull << 48, p1, R | U | A | D, 0, 4, 1);
    hgatp_sv48x4 = (9ull << 60) | ((uintptr_t)g4 >> 12);

    /* VS stage Sv39 (its tables are guest physical = host physical in the RAM gigapage):
     * 0x4000_0000 → GPA+0 RW (A, D clear), 0x4000_1000 → GPA+4 (not mapped by the G stage), 0x4000_2000 not
     * mapped, 0x4000_3000 → GPA+0 with U, 0x4000_4000 → GPA+3 RX, 0x4000_5000 → GPA+0 X only;
     * 0xc000_0000: a non-leaf entry whose next table is at GPA+4, which the G stage does not map. */
    uint64_t *v = pt_root(0);
    pt_map(v, ram, ram, R | W | X | A | D, 2, 3, 0);
    pt_map(v, 0x40000000, GPA + 0x0000, R | W, 0, 3, 0);
    pt_map(v, 0x40001000, GPA + 0x4000, R | W | A | D, 0, 3, 0);
    pt_map(v, 0x40003000, GPA + 0x0000, R | W | U | A | D, 0, 3, 0);
    pt_map(v, 0x40004000, GPA + 0x3000, R | X | A | D, 0, 3, 0);
    pt_map(v, 0x40005000, GPA + 0x0000, X | A | D, 0, 3, 0);
    v[3] = (((GPA + 0x4000) >> 12) << 10) | 1;
    vsatp_sv39 = (8ull << 60) | ((uintptr_t)v >> 12);
    vs_page0_pte = pt_entry(v, 0x40000000, 0, 3, 0);
}
