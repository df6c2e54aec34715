/* ulib.c: the user-mode library: the entry stub, system calls (ecall, number in a7) and uprintf. */
#include "../format.h"
#include "ulib.h"

static long syscall3(long n, long a0, long a1, long a2)
{
    register long r0 __asm__("a0") = a0;
    register long r1 __asm__("a1") = a1;
    register long r2 __asm__("a2") = a2;
    register long r7 __asm__("a7") = n;
    __asm__ volatile("ecall" : "+r"(r0) : "r"(r1), "r"(r2), "r"(r7) : "memory");
    return r0;
}

long sys_write(int fd, const void *buf, unsigned long len) { return syscall3(SYS_WRITE, fd, (long)buf, (long)len); }
long sys_getpid(void) { return syscall3(SYS_GETPID, 0, 0, 0); }
long sys_yield(void) { return syscall3(SYS_YIELD, 0, 0, 0); }
long sys_read_file(const char *name, void *buf, unsigned long len)
{
    return syscall3(SYS_READ_FILE, (long)name, (long)buf, (long)len);
}

void sys_exit(long status)
{
    syscall3(SYS_EXIT, status, 0, 0);
    for (;;) /* not reached */
        ;
}

unsigned long ustrlen(const char *s)
{
    unsigned long n = 0;
    while (s[n])
        n++;
    return n;
}

void uprintf(const char *fmt, ...)
{
    char line[160];
    va_list ap;
    va_start(ap, fmt);
    size_t n = fmt_vformat(line, sizeof line, fmt, ap);
    va_end(ap);
    sys_write(1, line, n);
}

/* Every process starts here (the kernel sets pc = u_start, a0 = the program's main, sp = the stack top). */
__attribute__((section(".text.ustart"), noreturn)) void u_start(int (*main)(void))
{
    sys_exit(main());
}
