/* fs.c: reads RINGFS (fs.h) from the virtio disk: the directory once at boot, whole files on demand. */
#include "fs.h"
#include "kernel.h"

static struct fs_header header __attribute__((aligned(16)));
static uint8_t file_buf[FS_MAX_FILE_SIZE] __attribute__((aligned(16)));
static int fs_ok;

static const struct fs_entry *lookup(const char *name)
{
    if (!fs_ok)
        return 0;
    for (uint32_t i = 0; i < header.file_count; i++)
        if (strncmp(header.entries[i].name, name, FS_NAME_LEN) == 0)
            return &header.entries[i];
    return 0;
}

int fs_init(void)
{
    if (virtio_blk_read(0, &header, 1) != 0) {
        kfail("disk: cannot read the header sector");
        return -1;
    }
    if (memcmp(header.magic, FS_MAGIC, 8) != 0) {
        kfail("disk: no RINGFS header (bad magic)");
        return -1;
    }
    if (header.file_count > FS_MAX_FILES ||
        fnv1a32(header.entries, header.file_count * sizeof(struct fs_entry)) != header.dir_checksum) {
        kfail("disk: the directory is corrupt");
        return -1;
    }
    header.label[sizeof header.label - 1] = '\0';
    for (uint32_t i = 0; i < header.file_count; i++)
        header.entries[i].name[FS_NAME_LEN - 1] = '\0';
    fs_ok = 1;

    kprintf("disk: RINGFS \"%s\", %u sectors, %u files:", header.label, header.total_sectors, header.file_count);
    for (uint32_t i = 0; i < header.file_count; i++)
        kprintf(" %s (%u bytes)", header.entries[i].name, header.entries[i].size);
    kputc('\n');
    return 0;
}

/* Reads the whole file into the kernel's file buffer and checks its checksum; returns its size (and the
 * buffer in *data, valid until the next call) or E_NOENT / E_IO. */
long fs_load(const char *name, const uint8_t **data)
{
    const struct fs_entry *e = lookup(name);
    if (!fs_ok)
        return E_IO;
    if (!e)
        return E_NOENT;
    if (e->size > FS_MAX_FILE_SIZE) {
        kfail("disk: %s is bigger than %u bytes", e->name, FS_MAX_FILE_SIZE);
        return E_IO;
    }
    if (e->size) {
        uint32_t sectors = (e->size + SECTOR_SIZE - 1) / SECTOR_SIZE;
        if (virtio_blk_read(e->first_sector, file_buf, sectors) != 0)
            return E_IO;
    }
    if (fnv1a32(file_buf, e->size) != e->checksum) {
        kfail("disk: %s: checksum mismatch", e->name);
        return E_IO;
    }
    *data = file_buf;
    return e->size;
}
