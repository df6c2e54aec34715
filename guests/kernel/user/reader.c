/* reader.c: pid 6: reads poem.txt from the virtio disk through the read_file system call and prints it, then
 * checks that the kernel refuses a missing file and a buffer that is not user memory. */
#include "ulib.h"

static char text[1024];

int reader_main(void)
{
    int ok = 1;

    uprintf("reader: pid %ld reads poem.txt from the virtio disk\n", sys_getpid());
    long n = sys_read_file("poem.txt", text, sizeof text - 1);
    if (n < 0) {
        uprintf("reader: poem.txt: error %ld\n", n);
        return 1;
    }
    text[n] = '\0';
    unsigned lines = 0;
    for (char *line = text; *line;) {
        char *end = line;
        while (*end && *end != '\n')
            end++;
        char saved = *end;
        *end = '\0';
        uprintf("reader: | %s\n", line);
        lines++;
        if (!saved)
            break;
        line = end + 1;
    }
    uprintf("reader: poem.txt has %u lines, %ld bytes\n", lines, n);

    long r = sys_read_file("missing.txt", text, sizeof text);
    uprintf("reader: missing.txt: error %ld (no such file)\n", r);
    ok &= r == E_NOENT;
    r = sys_read_file("poem.txt", (void *)0x80200000UL, 16);
    uprintf("reader: poem.txt into kernel memory: error %ld (bad address)\n", r);
    ok &= r == E_FAULT;
    return ok ? 0 : 1;
}
