/*
 * mkdisk.c (host tool): builds the demo kernel's disk image, a RINGFS file system (see fs.h):
 *
 *   mkdisk OUT LABEL NAME=PATH...
 *
 * Files are stored in argument order, each from a sector boundary; the image is padded to a multiple of
 * 4 KiB. The output depends only on the arguments and the files' bytes (no timestamps, no host paths).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs.h"

#define SECTOR 512
#define IMAGE_ALIGN 4096
#define MAX_IMAGE (64 * 1024)

static uint8_t image[MAX_IMAGE];

static uint32_t fnv1a32(const uint8_t *p, size_t n)
{
    uint32_t h = 0x811c9dc5u;
    while (n--) {
        h ^= *p++;
        h *= 0x01000193u;
    }
    return h;
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void die(const char *what, const char *arg)
{
    fprintf(stderr, "mkdisk: %s: %s\n", what, arg);
    exit(1);
}

int main(int argc, char **argv)
{
    if (argc < 4 || argc - 3 > FS_MAX_FILES) {
        fprintf(stderr, "usage: mkdisk OUT LABEL NAME=PATH... (1..%d files)\n", FS_MAX_FILES);
        return 2;
    }
    const char *out = argv[1], *label = argv[2];
    uint32_t count = (uint32_t)(argc - 3);
    uint8_t *hdr = image;
    size_t next = SECTOR; /* the first file starts after the header sector */

    if (strlen(label) >= 32)
        die("label too long", label);
    memcpy(hdr + 0x00, FS_MAGIC, 8);
    put32(hdr + 0x08, count);
    memcpy(hdr + 0x10, label, strlen(label));

    for (uint32_t i = 0; i < count; i++) {
        char *arg = argv[3 + i], *eq = strchr(arg, '=');
        if (!eq || eq == arg || (size_t)(eq - arg) >= FS_NAME_LEN)
            die("expected NAME=PATH with a name of 1..19 characters", arg);
        FILE *f = fopen(eq + 1, "rb");
        if (!f)
            die("cannot open", eq + 1);
        size_t n = fread(image + next, 1, sizeof image - next, f);
        if (!feof(f) || ferror(f))
            die("file too big or unreadable", eq + 1);
        fclose(f);
        if (n > FS_MAX_FILE_SIZE)
            die("file bigger than FS_MAX_FILE_SIZE", eq + 1);

        uint8_t *e = hdr + 0x40 + 32 * i;
        memcpy(e, arg, (size_t)(eq - arg));
        put32(e + 20, (uint32_t)(next / SECTOR));
        put32(e + 24, (uint32_t)n);
        put32(e + 28, fnv1a32(image + next, n));
        next += (n + SECTOR - 1) / SECTOR * SECTOR;
    }
    size_t size = (next + IMAGE_ALIGN - 1) / IMAGE_ALIGN * IMAGE_ALIGN;
    put32(hdr + 0x0c, (uint32_t)(size / SECTOR));
    put32(hdr + 0x30, fnv1a32(hdr + 0x40, 32 * count));

    FILE *f = fopen(out, "wb");
    if (!f || fwrite(image, 1, size, f) != size || fclose(f) != 0)
        die("cannot write", out);
    return 0;
}
