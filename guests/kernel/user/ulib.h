/* ulib.h: what the user programs have: system call wrappers and a line printer. */
#ifndef USER_ULIB_H
#define USER_ULIB_H

#include <stdint.h>

#include "../syscall.h"

long sys_write(int fd, const void *buf, unsigned long len);
long sys_getpid(void);
long sys_yield(void);
__attribute__((noreturn)) void sys_exit(long status);
long sys_read_file(const char *name, void *buf, unsigned long len);

/* Formats (see format.h) into a buffer on the stack and writes it with one system call, so a line is never
 * split by a context switch. */
void uprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
unsigned long ustrlen(const char *s);

#endif
