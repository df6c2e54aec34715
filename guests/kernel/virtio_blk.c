/*
 * virtio_blk.c: a virtio-blk driver over the modern (version 2) virtio-mmio transport, one split virtqueue of
 * 8 descriptors, one request at a time, completion by polling the used ring (the driver asks for no
 * interrupts: VIRTQ_AVAIL_F_NO_INTERRUPT, and the slot's PLIC source stays disabled).
 *
 * Only VIRTIO_F_VERSION_1 is negotiated. A read is a chain of three descriptors: the 16-byte request header
 * (type IN, sector), the data buffer (device-writable) and the status byte (device-writable).
 */
#include "kernel.h"

#define VIRTIO_MAGIC 0x74726976 /* "virt" */
#define VIRTIO_DEV_BLOCK 2

#define REG_MAGIC 0x000
#define REG_VERSION 0x004
#define REG_DEVICE_ID 0x008
#define REG_VENDOR_ID 0x00c
#define REG_DEVICE_FEATURES 0x010
#define REG_DEVICE_FEATURES_SEL 0x014
#define REG_DRIVER_FEATURES 0x020
#define REG_DRIVER_FEATURES_SEL 0x024
#define REG_QUEUE_SEL 0x030
#define REG_QUEUE_NUM_MAX 0x034
#define REG_QUEUE_NUM 0x038
#define REG_QUEUE_READY 0x044
#define REG_QUEUE_NOTIFY 0x050
#define REG_INTERRUPT_STATUS 0x060
#define REG_INTERRUPT_ACK 0x064
#define REG_STATUS 0x070
#define REG_QUEUE_DESC_LOW 0x080
#define REG_QUEUE_DESC_HIGH 0x084
#define REG_QUEUE_DRIVER_LOW 0x090
#define REG_QUEUE_DRIVER_HIGH 0x094
#define REG_QUEUE_DEVICE_LOW 0x0a0
#define REG_QUEUE_DEVICE_HIGH 0x0a4
#define REG_CONFIG_GENERATION 0x0fc
#define REG_CONFIG 0x100 /* virtio-blk: le64 capacity in 512-byte sectors first */

#define STATUS_ACKNOWLEDGE 1
#define STATUS_DRIVER 2
#define STATUS_DRIVER_OK 4
#define STATUS_FEATURES_OK 8
#define STATUS_FAILED 128

#define F_VERSION_1_HI (1u << 0) /* feature bit 32, in the second 32-bit word */

#define VIRTQ_DESC_F_NEXT 1
#define VIRTQ_DESC_F_WRITE 2
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1

#define QSIZE 8
#define BLK_T_IN 0
#define BLK_S_OK 0
#define POLL_LIMIT 100000000UL

struct virtq_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};

struct virtq_avail {
    uint16_t flags;
    uint16_t idx;
    uint16_t ring[QSIZE];
    uint16_t used_event;
};

struct virtq_used_elem {
    uint32_t id;
    uint32_t len;
};

struct virtq_used {
    uint16_t flags;
    uint16_t idx;
    struct virtq_used_elem ring[QSIZE];
    uint16_t avail_event;
};

struct blk_req {
    uint32_t type;
    uint32_t reserved;
    uint64_t sector;
};

/* The rings in one page (descriptors need 16-byte, avail 2-byte and used 4-byte alignment). */
static struct {
    struct virtq_desc desc[QSIZE];
    struct virtq_avail avail;
    uint8_t pad[64];
    struct virtq_used used __attribute__((aligned(64)));
} vq __attribute__((aligned(4096)));

static struct blk_req req;
static volatile uint8_t req_status;
static uint64_t base; /* the slot's registers, 0 if there is no disk */
static uint16_t last_used;
static uint64_t capacity;
uint64_t virtio_blk_requests;

static uint32_t rd(uint32_t off) { return mmio_read32(base + off); }
static void wr(uint32_t off, uint32_t v) { mmio_write32(base + off, v); }

static int fail(const char *why)
{
    kfail("virtio-blk: %s", why);
    wr(REG_STATUS, rd(REG_STATUS) | STATUS_FAILED);
    base = 0;
    return -1;
}

int virtio_blk_init(void)
{
    int slot = -1, legacy_slot = -1;

    for (int i = 0; i < platform.virtio_count && slot < 0; i++) {
        uint64_t b = platform.virtio_base[i];
        if (mmio_read32(b + REG_MAGIC) != VIRTIO_MAGIC || mmio_read32(b + REG_DEVICE_ID) != VIRTIO_DEV_BLOCK)
            continue;
        if (mmio_read32(b + REG_VERSION) == 2)
            slot = i;
        else if (legacy_slot < 0)
            legacy_slot = i;
    }
    if (slot < 0) {
        if (legacy_slot >= 0)
            kfail("virtio-blk: the device at %p is a legacy (version 1) virtio-mmio device; "
                  "run QEMU with -global virtio-mmio.force-legacy=false",
                  (void *)platform.virtio_base[legacy_slot]);
        else
            kfail("virtio-blk: no block device in the %d virtio-mmio slots", platform.virtio_count);
        return -1;
    }
    base = platform.virtio_base[slot];

    /* 3.1.1 Driver requirements: device initialization */
    wr(REG_STATUS, 0); /* reset */
    while (rd(REG_STATUS) != 0)
        ;
    wr(REG_STATUS, STATUS_ACKNOWLEDGE);
    wr(REG_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER);
    wr(REG_DEVICE_FEATURES_SEL, 1);
    uint32_t hi = rd(REG_DEVICE_FEATURES); /* bits 32..63: VERSION_1 is bit 32 */
    if (!(hi & F_VERSION_1_HI))
        return fail("the device does not offer VIRTIO_F_VERSION_1");
    wr(REG_DRIVER_FEATURES_SEL, 0);
    wr(REG_DRIVER_FEATURES, 0);
    wr(REG_DRIVER_FEATURES_SEL, 1);
    wr(REG_DRIVER_FEATURES, F_VERSION_1_HI);
    wr(REG_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK);
    if (!(rd(REG_STATUS) & STATUS_FEATURES_OK))
        return fail("the device refused our features");

    /* queue 0 */
    wr(REG_QUEUE_SEL, 0);
    if (rd(REG_QUEUE_READY) != 0)
        return fail("queue 0 is already live");
    uint32_t max = rd(REG_QUEUE_NUM_MAX);
    if (max < QSIZE)
        return fail("queue 0 is too small");
    memset(&vq, 0, sizeof vq);
    vq.avail.flags = VIRTQ_AVAIL_F_NO_INTERRUPT;
    wr(REG_QUEUE_NUM, QSIZE);
    wr(REG_QUEUE_DESC_LOW, (uint32_t)(uint64_t)vq.desc);
    wr(REG_QUEUE_DESC_HIGH, (uint32_t)((uint64_t)vq.desc >> 32));
    wr(REG_QUEUE_DRIVER_LOW, (uint32_t)(uint64_t)&vq.avail);
    wr(REG_QUEUE_DRIVER_HIGH, (uint32_t)((uint64_t)&vq.avail >> 32));
    wr(REG_QUEUE_DEVICE_LOW, (uint32_t)(uint64_t)&vq.used);
    wr(REG_QUEUE_DEVICE_HIGH, (uint32_t)((uint64_t)&vq.used >> 32));
    wr(REG_QUEUE_READY, 1);
    last_used = 0;

    /* the capacity, read consistently (config generation unchanged around the two halves) */
    uint32_t gen, cap_lo, cap_hi;
    do {
        gen = rd(REG_CONFIG_GENERATION);
        cap_lo = rd(REG_CONFIG);
        cap_hi = rd(REG_CONFIG + 4);
    } while (gen != rd(REG_CONFIG_GENERATION));
    capacity = (uint64_t)cap_hi << 32 | cap_lo;

    wr(REG_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK | STATUS_DRIVER_OK);
    kprintf("virtio-blk: slot %d at %p (irq %u), virtio-mmio version 2, %lu sectors of 512 bytes\n", slot,
            (void *)base, platform.virtio_irq[slot], capacity);
    kprintf("virtio-blk: negotiated VERSION_1 only; queue 0 with %u descriptors, completion by polling\n",
            QSIZE);
    return 0;
}

/* Read `count` sectors from `sector` into buf (a kernel, i.e. physical, address). */
int virtio_blk_read(uint64_t sector, void *buf, uint32_t count)
{
    if (!base)
        return E_IO;
    if (count == 0 || sector >= capacity || count > capacity - sector)
        return E_INVAL;

    req.type = BLK_T_IN;
    req.reserved = 0;
    req.sector = sector;
    req_status = 0xff;
    vq.desc[0] = (struct virtq_desc){ (uint64_t)&req, sizeof req, VIRTQ_DESC_F_NEXT, 1 };
    vq.desc[1] = (struct virtq_desc){ (uint64_t)buf, count * SECTOR_SIZE, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 2 };
    vq.desc[2] = (struct virtq_desc){ (uint64_t)&req_status, 1, VIRTQ_DESC_F_WRITE, 0 };

    volatile struct virtq_avail *avail = &vq.avail;
    volatile struct virtq_used *used = &vq.used;
    avail->ring[avail->idx % QSIZE] = 0; /* the chain's head */
    fence_rw();                          /* descriptors and ring entry before the index */
    avail->idx = (uint16_t)(avail->idx + 1);
    fence_io(); /* the index before the notification */
    wr(REG_QUEUE_NOTIFY, 0);

    uint64_t spins = 0;
    while (used->idx == last_used)
        if (++spins == POLL_LIMIT)
            return fail("no completion (timed out)"), E_IO;
    fence_rw(); /* the used entry and the data after the index */
    struct virtq_used_elem e = { used->ring[last_used % QSIZE].id, used->ring[last_used % QSIZE].len };
    last_used++;
    /* the device may still raise its interrupt status; acknowledge it (the PLIC source is disabled) */
    uint32_t isr = rd(REG_INTERRUPT_STATUS);
    if (isr)
        wr(REG_INTERRUPT_ACK, isr);
    virtio_blk_requests++;
    if (e.id != 0 || req_status != BLK_S_OK)
        return E_IO;
    return 0;
}
