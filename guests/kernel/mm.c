/*
 * mm.c: physical pages and Sv39 page tables.
 *
 * Physical pages: every page from the end of the kernel image to the end of RAM (per the DTB), handed out in
 * ascending order by a bump pointer, recycled through a free list. Pages are zeroed when allocated.
 *
 * The kernel's address space is the identity: the image in 4 KiB pages with W^X permissions, the rest of RAM
 * in 2 MiB megapages (4 KiB pages for a part that is not 2 MiB aligned), the PLIC in 2 MiB megapages, and one
 * 4 KiB page each for the UART and the virtio-mmio slots. Every kernel leaf is global (G), has U = 0 and has
 * A and D set already (and every user leaf has A set, and D when writable): the kernel never relies on the
 * hardware updating A/D, nor on A/D page faults.
 *
 * A process's address space shares the kernel's second-level tables: its root points at the kernel's table
 * for 0x8000_0000..0xbfff_ffff (RAM), and its own table for 0..0x3fff_ffff copies the kernel's device entries
 * and adds entry 0 (0..0x1f_ffff), the user region, with a last-level table of its own.
 */
#include "kernel.h"

#define LEVELS 3
#define VPN(va, level) (((va) >> (PAGE_SHIFT + 9 * (level))) & 0x1ff)
#define MEGA (1UL << 21)
#define GIGA (1UL << 30)

static uint64_t free_start, free_end, bump;
static void *free_list;
static uint64_t nfree, ntotal;
static pte_t *kroot;
unsigned asid_bits;
static uint64_t kernel_pages_4k, kernel_pages_2m;

void *page_alloc(void)
{
    void *p;
    if (free_list) {
        p = free_list;
        free_list = *(void **)p;
    } else if (bump < free_end) {
        p = (void *)bump;
        bump += PAGE_SIZE;
    } else {
        return 0;
    }
    nfree--;
    memset(p, 0, PAGE_SIZE);
    return p;
}

void page_free(void *page)
{
    uint64_t a = (uint64_t)page;
    if ((a & (PAGE_SIZE - 1)) || a < free_start || a >= free_end)
        panic("page_free(%p): not an allocated page", page);
    *(void **)page = free_list;
    free_list = page;
    nfree++;
}

uint64_t pages_free(void) { return nfree; }
uint64_t pages_total(void) { return ntotal; }
pte_t *kernel_root(void) { return kroot; }

/* The leaf PTE for va at `level` (0 = 4 KiB, 1 = 2 MiB), allocating intermediate tables on the way. */
static pte_t *walk_create(pte_t *root, uint64_t va, int level)
{
    pte_t *table = root;
    for (int l = LEVELS - 1; l > level; l--) {
        pte_t *pte = &table[VPN(va, l)];
        if (*pte & PTE_V) {
            if (*pte & (PTE_R | PTE_W | PTE_X))
                return 0; /* a superpage is in the way */
            table = (pte_t *)PTE_TO_PA(*pte);
        } else {
            pte_t *next = page_alloc();
            if (!next)
                return 0;
            *pte = PA_TO_PTE(next) | PTE_V; /* non-leaf: R = W = X = 0; A, D, U must be 0 */
            table = next;
        }
    }
    return &table[VPN(va, level)];
}

/* The 4 KiB leaf PTE of va, or 0 (no table, or a superpage). */
pte_t *as_lookup(pte_t *root, uint64_t va)
{
    pte_t *table = root;
    for (int l = LEVELS - 1; l > 0; l--) {
        pte_t pte = table[VPN(va, l)];
        if (!(pte & PTE_V) || (pte & (PTE_R | PTE_W | PTE_X)))
            return 0;
        table = (pte_t *)PTE_TO_PA(pte);
    }
    return &table[VPN(va, 0)];
}

static void kmap(uint64_t va, uint64_t pa, uint64_t size, uint64_t perm)
{
    perm |= PTE_V | PTE_G | PTE_A | (perm & PTE_W ? PTE_D : 0);
    for (uint64_t off = 0; off < size;) {
        int mega = ((va + off) & (MEGA - 1)) == 0 && ((pa + off) & (MEGA - 1)) == 0 && size - off >= MEGA;
        pte_t *pte = walk_create(kroot, va + off, mega ? 1 : 0);
        if (!pte || (*pte & PTE_V))
            panic("kmap %p: cannot map", (void *)(va + off));
        *pte = PA_TO_PTE(pa + off) | perm;
        if (mega)
            kernel_pages_2m++;
        else
            kernel_pages_4k++;
        off += mega ? MEGA : PAGE_SIZE;
    }
}

uint64_t make_satp(pte_t *root, unsigned asid)
{
    return SATP_SV39 | (uint64_t)asid << 44 | (uint64_t)root >> PAGE_SHIFT;
}

void sfence_vma_all(void)
{
    __asm__ volatile("sfence.vma zero, zero" : : : "memory");
}

/* Every non-global translation of one ASID (rs1 = x0, rs2 = asid). */
void sfence_vma_asid(unsigned asid)
{
    __asm__ volatile("sfence.vma zero, %0" : : "r"((uint64_t)asid) : "memory");
}

void sfence_vma_page(uint64_t va, unsigned asid)
{
    __asm__ volatile("sfence.vma %0, %1" : : "r"(va), "r"((uint64_t)asid) : "memory");
}

void mm_init(void)
{
    uint64_t ram_end = platform.mem_base + platform.mem_size;
    uint64_t kend = (uint64_t)__kernel_end;

    /* Sv39 reaches 0x80000000 + 1 GiB through the one root entry the kernel shares with processes. */
    if (ram_end > 0x80000000UL + GIGA)
        ram_end = 0x80000000UL + GIGA;
    free_start = bump = PAGE_ROUND_UP(kend);
    free_end = PAGE_ROUND_DOWN(ram_end);
    if (free_end <= free_start + 64 * PAGE_SIZE)
        panic("too little RAM: %p..%p", (void *)platform.mem_base, (void *)ram_end);
    nfree = ntotal = (free_end - free_start) / PAGE_SIZE;

    kroot = page_alloc();
    uint64_t ks = (uint64_t)__kernel_start;
    kmap(ks, ks, (uint64_t)__kernel_text_end - ks, PTE_R | PTE_X);
    kmap((uint64_t)__kernel_text_end, (uint64_t)__kernel_text_end,
         (uint64_t)__kernel_rodata_end - (uint64_t)__kernel_text_end, PTE_R);
    /* the user image: the kernel only reads it (to copy .user.data); processes map it themselves */
    kmap((uint64_t)__user_image_lma, (uint64_t)__user_image_lma,
         (uint64_t)__user_image_end_lma - (uint64_t)__user_image_lma, PTE_R);
    /* .data, .bss, the kernel stack, then all free RAM: 4 KiB pages up to the next 2 MiB boundary, then
     * megapages */
    uint64_t rw = (uint64_t)__user_image_end_lma;
    uint64_t mega_start = (rw + MEGA - 1) & ~(MEGA - 1);
    if (mega_start > free_end)
        mega_start = free_end;
    kmap(rw, rw, mega_start - rw, PTE_R | PTE_W);
    uint64_t mega_end = mega_start + ((free_end - mega_start) & ~(MEGA - 1));
    kmap(mega_start, mega_start, mega_end - mega_start, PTE_R | PTE_W);
    kmap(mega_end, mega_end, free_end - mega_end, PTE_R | PTE_W);

    /* devices */
    kmap(platform.plic_base, platform.plic_base, (platform.plic_size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1),
         PTE_R | PTE_W);
    kmap(PAGE_ROUND_DOWN(platform.uart_base), PAGE_ROUND_DOWN(platform.uart_base), PAGE_SIZE, PTE_R | PTE_W);
    for (int i = 0; i < platform.virtio_count; i++)
        kmap(platform.virtio_base[i], platform.virtio_base[i], PAGE_SIZE, PTE_R | PTE_W);

    /* How many ASID bits does satp keep? Write all ones and read back (with the kernel's table, so the
     * write is harmless either way), then settle on ASID 0 for the kernel. */
    csr_write(satp, make_satp(kroot, 0xffff));
    asid_bits = 0;
    for (uint64_t a = (csr_read(satp) >> 44) & 0xffff; a & 1; a >>= 1)
        asid_bits++;
    csr_write(satp, make_satp(kroot, 0));
    sfence_vma_all();
    if ((csr_read(satp) >> 60) != 8)
        panic("satp did not accept Sv39 (mode %lu)", csr_read(satp) >> 60);
}

void mm_report(void)
{
    kprintf("mm: kernel %p..%p, %lu free pages (%lu KiB) from %p\n", (void *)__kernel_start,
            (void *)__kernel_end, ntotal, ntotal * 4, (void *)free_start);
    kprintf("mm: Sv39 on, kernel identity map in %lu 4 KiB pages and %lu 2 MiB pages, all global\n",
            kernel_pages_4k, kernel_pages_2m);
}

/* ---- process address spaces ---- */

pte_t *as_create(void)
{
    pte_t *root = page_alloc();
    pte_t *l1 = page_alloc();
    if (!root || !l1)
        panic("out of memory");
    for (unsigned i = 0; i < 512; i++)
        root[i] = kroot[i]; /* RAM: shared with the kernel */
    pte_t *kl1 = (kroot[0] & PTE_V) ? (pte_t *)PTE_TO_PA(kroot[0]) : 0;
    for (unsigned i = 0; i < 512; i++)
        l1[i] = kl1 ? kl1[i] : 0; /* devices: shared (entry 0, the user region, is empty in the kernel) */
    if (l1[0] & PTE_V)
        panic("the kernel maps something below 2 MiB");
    root[0] = PA_TO_PTE(l1) | PTE_V;
    return root;
}

/* Map one user page; pa must be a page the caller owns (PTE_OWNED in perm) or a shared one. */
int as_map(pte_t *root, uint64_t va, uint64_t pa, uint64_t perm)
{
    if (va >= USER_TOP)
        return -1;
    pte_t *pte = walk_create(root, va, 0);
    if (!pte || (*pte & PTE_V))
        return -1;
    *pte = PA_TO_PTE(pa) | perm | PTE_V | PTE_U | PTE_A | (perm & PTE_W ? PTE_D : 0);
    return 0;
}

/* Free the pages the address space owns, its user last-level table, its device table and its root. */
void as_destroy(pte_t *root)
{
    pte_t *l1 = (pte_t *)PTE_TO_PA(root[0]);
    if (l1[0] & PTE_V) {
        pte_t *l0 = (pte_t *)PTE_TO_PA(l1[0]);
        for (unsigned i = 0; i < 512; i++)
            if ((l0[i] & PTE_V) && (l0[i] & PTE_OWNED))
                page_free((void *)PTE_TO_PA(l0[i]));
        page_free(l0);
    }
    page_free(l1);
    page_free(root);
}
