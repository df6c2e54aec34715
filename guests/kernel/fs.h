/* fs.h: RINGFS, the demo disk's trivial file system (written by mkdisk.c, read by fs.c). All little-endian.
 *
 * Sector 0 is the header; each file starts on a sector boundary after it, in directory order:
 *
 *   0x00  char     magic[8]        "RINGFS01"
 *   0x08  uint32   file_count      at most FS_MAX_FILES
 *   0x0c  uint32   total_sectors   the image size / 512
 *   0x10  char     label[32]       NUL-padded
 *   0x30  uint32   dir_checksum    FNV-1a 32 of the file_count directory entries
 *   0x34  uint32   reserved[3]     0
 *   0x40  entries[FS_MAX_FILES], 32 bytes each:
 *           char   name[20]        NUL-padded, at most 19 characters
 *           uint32 first_sector
 *           uint32 size            bytes
 *           uint32 checksum        FNV-1a 32 of the file's bytes
 */
#ifndef KERNEL_FS_H
#define KERNEL_FS_H

#include <stdint.h>

#define FS_MAGIC "RINGFS01"
#define FS_MAX_FILES 14
#define FS_MAX_FILE_SIZE 4096 /* what the kernel reads in one piece */
#define FS_NAME_LEN 20

struct fs_entry {
    char name[FS_NAME_LEN];
    uint32_t first_sector;
    uint32_t size;
    uint32_t checksum;
};

struct fs_header {
    char magic[8];
    uint32_t file_count;
    uint32_t total_sectors;
    char label[32];
    uint32_t dir_checksum;
    uint32_t reserved[3];
    struct fs_entry entries[FS_MAX_FILES];
};

_Static_assert(sizeof(struct fs_entry) == 32, "fs_entry is 32 bytes");
_Static_assert(sizeof(struct fs_header) == 512, "the header fills sector 0");

#endif
