/* checksum.c: pid 2: fills 16 KiB of its .bss with pseudo-random bytes, then CRC-32s them a block at a time,
 * yielding the CPU after each block. */
#include "ulib.h"

#define BLOCK 2048
#define BLOCKS 8
#define EXPECTED_CRC 0x9bf86749u /* computed on the host with the same generator and CRC */

static uint8_t data[BLOCK * BLOCKS];

static uint32_t crc32_update(uint32_t crc, const uint8_t *p, unsigned n)
{
    crc = ~crc;
    while (n--) {
        crc ^= *p++;
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
    }
    return ~crc;
}

int checksum_main(void)
{
    uint32_t x = 12345, crc = 0;

    uprintf("checksum: pid %ld computes the CRC-32 of %u pseudo-random bytes, %u blocks\n", sys_getpid(),
            (unsigned)sizeof data, BLOCKS);
    for (unsigned i = 0; i < sizeof data; i++) {
        x = x * 1103515245u + 12345u; /* a linear congruential generator */
        data[i] = (uint8_t)(x >> 16);
    }
    for (unsigned b = 0; b < BLOCKS; b++) {
        crc = crc32_update(crc, &data[b * BLOCK], BLOCK);
        uprintf("checksum: after block %u the crc is 0x%08x\n", b + 1, crc);
        sys_yield();
    }
    uprintf("checksum: crc32 = 0x%08x\n", crc);
    return crc == EXPECTED_CRC ? 0 : 1;
}
