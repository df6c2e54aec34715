/*
 * dtb.c: just enough of a flattened device tree reader to find the memory, the timebase, the 16550, the PLIC
 * (and which of its contexts is this hart's S-mode external interrupt) and the virtio-mmio slots.
 *
 * The blob is big-endian: a header, then the structure block, a sequence of 32-bit tokens (BEGIN_NODE name,
 * PROP len nameoff value, END_NODE, NOP, END) whose names point into the strings block. Properties always
 * come before the children of a node, so when a node ends all its properties and its parent's
 * #address-cells/#size-cells are known. Anything missing falls back to QEMU virt's fixed map.
 */
#include "kernel.h"

#define FDT_MAGIC 0xd00dfeedu
#define FDT_BEGIN_NODE 1
#define FDT_END_NODE 2
#define FDT_PROP 3
#define FDT_NOP 4
#define FDT_END 9
#define MAX_DEPTH 8

struct platform platform;

struct prop {
    const uint8_t *p;
    uint32_t len;
};

struct node {
    const char *name;
    uint32_t addr_cells, size_cells; /* for this node's children */
    struct prop compatible, reg, interrupts, device_type, model, timebase, ndev, ints_ext, status;
    uint32_t phandle, intc_phandle;
    int is_intc;
};

static uint32_t be32(const void *p)
{
    const uint8_t *b = p;
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static uint64_t read_cells(const uint8_t *p, uint32_t cells)
{
    uint64_t v = 0;
    for (uint32_t i = 0; i < cells; i++)
        v = v << 32 | be32(p + 4 * i);
    return v;
}

/* Is `want` one of the NUL-separated strings of a string-list property? */
static int has_string(struct prop pr, const char *want)
{
    size_t n = strlen(want);
    uint32_t i = 0;
    while (i < pr.len) {
        const char *s = (const char *)pr.p + i;
        size_t len = strlen(s);
        if (len == n && memcmp(s, want, n) == 0)
            return 1;
        i += (uint32_t)len + 1;
    }
    return 0;
}

static int prop_is(struct prop pr, const char *want)
{
    return pr.p && pr.len == strlen(want) + 1 && memcmp(pr.p, want, pr.len) == 0;
}

/* The first (address, size) of a node's reg, decoded with the parent's cell sizes. */
static int first_reg(const struct node *n, const struct node *parent, uint64_t *base, uint64_t *size)
{
    uint32_t ac = parent->addr_cells, sc = parent->size_cells;
    if (!n->reg.p || ac < 1 || ac > 2 || sc > 2 || n->reg.len < 4 * (ac + sc))
        return 0;
    *base = read_cells(n->reg.p, ac);
    *size = sc ? read_cells(n->reg.p + 4 * ac, sc) : 0;
    return 1;
}

static struct {
    struct prop ints_ext;
    uint32_t boot_intc;
} pending;

static void node_done(struct node *n, struct node *parent, uint64_t hartid)
{
    uint64_t base, size;

    if (!parent) { /* the root */
        if (n->model.p && n->model.len) {
            uint32_t len = n->model.len < sizeof platform.model ? n->model.len : sizeof platform.model - 1;
            memcpy(platform.model, n->model.p, len);
            platform.model[len] = '\0';
        }
        return;
    }
    if (n->status.p && !prop_is(n->status, "okay") && !prop_is(n->status, "ok"))
        return;
    if (n->timebase.p && n->timebase.len >= 4 && !platform.timebase_hz)
        platform.timebase_hz = be32(n->timebase.p);
    if (n->is_intc && has_string(n->compatible, "riscv,cpu-intc"))
        parent->intc_phandle = n->phandle;

    if (prop_is(n->device_type, "memory") && first_reg(n, parent, &base, &size)) {
        if (base <= (uint64_t)__kernel_start && (uint64_t)__kernel_start < base + size) {
            platform.mem_base = base;
            platform.mem_size = size;
        }
    } else if (prop_is(n->device_type, "cpu") && n->reg.p && n->reg.len >= 4) {
        if (read_cells(n->reg.p, parent->addr_cells ? parent->addr_cells : 1) == hartid)
            pending.boot_intc = n->intc_phandle;
    } else if ((has_string(n->compatible, "ns16550a") || has_string(n->compatible, "ns16550")) &&
               !platform.uart_base && first_reg(n, parent, &base, &size)) {
        platform.uart_base = base;
        if (n->interrupts.p && n->interrupts.len >= 4)
            platform.uart_irq = be32(n->interrupts.p);
    } else if ((has_string(n->compatible, "riscv,plic0") || has_string(n->compatible, "sifive,plic-1.0.0")) &&
               !platform.plic_base && first_reg(n, parent, &base, &size)) {
        platform.plic_base = base;
        platform.plic_size = size;
        if (n->ndev.p && n->ndev.len >= 4)
            platform.plic_ndev = be32(n->ndev.p);
        pending.ints_ext = n->ints_ext;
    } else if (has_string(n->compatible, "virtio,mmio") && platform.virtio_count < MAX_VIRTIO &&
               first_reg(n, parent, &base, &size)) {
        /* keep the slots sorted by address (QEMU lists them from the highest down) */
        int i = platform.virtio_count++;
        while (i > 0 && platform.virtio_base[i - 1] > base) {
            platform.virtio_base[i] = platform.virtio_base[i - 1];
            platform.virtio_irq[i] = platform.virtio_irq[i - 1];
            i--;
        }
        platform.virtio_base[i] = base;
        platform.virtio_irq[i] = n->interrupts.p && n->interrupts.len >= 4 ? be32(n->interrupts.p) : 0;
    }
}

static int walk(const uint8_t *fdt, uint64_t hartid)
{
    uint32_t off_struct = be32(fdt + 8), off_strings = be32(fdt + 12), size_struct = be32(fdt + 36);
    const uint8_t *p = fdt + off_struct, *end = p + size_struct;
    const char *strings = (const char *)fdt + off_strings;
    struct node stack[MAX_DEPTH];
    int depth = -1;

    while (p + 4 <= end) {
        uint32_t tok = be32(p);
        p += 4;
        if (tok == FDT_BEGIN_NODE) {
            const char *name = (const char *)p;
            p += (strlen(name) + 1 + 3) & ~3UL;
            if (++depth >= MAX_DEPTH)
                return 0;
            memset(&stack[depth], 0, sizeof stack[depth]);
            stack[depth].name = name;
            stack[depth].addr_cells = 2; /* the defaults of the DT spec */
            stack[depth].size_cells = 1;
        } else if (tok == FDT_PROP) {
            if (depth < 0)
                return 0;
            uint32_t len = be32(p), nameoff = be32(p + 4);
            struct prop pr = { p + 8, len };
            const char *name = strings + nameoff;
            struct node *n = &stack[depth];
            p += 8 + ((len + 3) & ~3U);
            if (!strcmp(name, "compatible"))
                n->compatible = pr;
            else if (!strcmp(name, "reg"))
                n->reg = pr;
            else if (!strcmp(name, "interrupts"))
                n->interrupts = pr;
            else if (!strcmp(name, "interrupts-extended"))
                n->ints_ext = pr;
            else if (!strcmp(name, "device_type"))
                n->device_type = pr;
            else if (!strcmp(name, "model"))
                n->model = pr;
            else if (!strcmp(name, "status"))
                n->status = pr;
            else if (!strcmp(name, "timebase-frequency"))
                n->timebase = pr;
            else if (!strcmp(name, "riscv,ndev"))
                n->ndev = pr;
            else if (!strcmp(name, "interrupt-controller"))
                n->is_intc = 1;
            else if (!strcmp(name, "phandle") && len >= 4)
                n->phandle = be32(pr.p);
            else if (!strcmp(name, "#address-cells") && len >= 4)
                n->addr_cells = be32(pr.p);
            else if (!strcmp(name, "#size-cells") && len >= 4)
                n->size_cells = be32(pr.p);
        } else if (tok == FDT_END_NODE) {
            if (depth < 0)
                return 0;
            node_done(&stack[depth], depth ? &stack[depth - 1] : 0, hartid);
            depth--;
        } else if (tok == FDT_NOP) {
            continue;
        } else if (tok == FDT_END) {
            return depth == -1;
        } else {
            return 0;
        }
    }
    return 0;
}

void dtb_parse(uint64_t hartid, const void *dtb)
{
    const uint8_t *fdt = dtb;

    /* magic, version >= 16, and the structure and strings blocks inside totalsize */
    platform.dtb_ok = fdt && ((uintptr_t)fdt & 3) == 0 && be32(fdt) == FDT_MAGIC && be32(fdt + 20) >= 16 &&
                      (uint64_t)be32(fdt + 8) + be32(fdt + 36) <= be32(fdt + 4) &&
                      (uint64_t)be32(fdt + 12) + be32(fdt + 32) <= be32(fdt + 4) && walk(fdt, hartid);
    if (!platform.dtb_ok)
        kfail("no valid device tree in a1 (%p): using QEMU virt's fixed memory map", dtb);

    /* The PLIC context: interrupts-extended lists (cpu-intc phandle, cause) pairs, one per context;
     * ours is the pair (this hart's intc, 9 = supervisor external interrupt). */
    if (pending.ints_ext.p && pending.boot_intc) {
        for (uint32_t i = 0; 8 * i + 8 <= pending.ints_ext.len; i++) {
            if (be32(pending.ints_ext.p + 8 * i) == pending.boot_intc &&
                be32(pending.ints_ext.p + 8 * i + 4) == IRQ_S_EXTERNAL) {
                platform.plic_context = i;
                platform.plic_context_from_dtb = 1;
                break;
            }
        }
    }

    /* QEMU virt's map for whatever the tree did not say */
    if (!platform.mem_size) {
        platform.mem_base = 0x80000000;
        platform.mem_size = 128UL << 20;
    }
    if (!platform.timebase_hz)
        platform.timebase_hz = 10000000;
    if (!platform.uart_base) {
        platform.uart_base = 0x10000000;
        platform.uart_irq = 10;
    }
    if (!platform.plic_base) {
        platform.plic_base = 0x0c000000;
        platform.plic_size = 0x600000;
    }
    if (!platform.plic_ndev)
        platform.plic_ndev = 95;
    if (!platform.plic_context_from_dtb)
        platform.plic_context = 2 * (uint32_t)hartid + 1; /* virt: M-mode and S-mode context per hart */
    if (!platform.virtio_count) {
        for (int i = 0; i < MAX_VIRTIO; i++) {
            platform.virtio_base[i] = 0x10001000 + 0x1000UL * i;
            platform.virtio_irq[i] = 1 + i;
        }
        platform.virtio_count = MAX_VIRTIO;
    }
    if (!platform.model[0])
        memcpy(platform.model, "(none)", 7);
}
