/* lib.c: the SBI payloads' console (SBI DBCN or legacy putchar), check reporting and SRST shutdown. */
#include "sbi.h"

long sbi_spec_version;
long sbi_impl_id;
int sbi_has_dbcn;

static const char *first_failure;
static int failures;
static char line[160];
static unsigned line_len;

/* Finds out how to print: DBCN (SBI v2.0 ch. 12) when the firmware has it, else legacy putchar (ch. 5). */
void sbi_lib_init(void)
{
    sbi_spec_version = SBI0(SBI_EXT_BASE, BASE_GET_SPEC_VERSION).value;
    sbi_impl_id = SBI0(SBI_EXT_BASE, BASE_GET_IMPL_ID).value;
    sbi_has_dbcn = SBI1(SBI_EXT_BASE, BASE_PROBE_EXTENSION, SBI_EXT_DBCN).value != 0;
}

int spec_at_least(int major, int minor)
{
    long v = sbi_spec_version;
    long have_major = (v >> 24) & 0x7f, have_minor = v & 0xffffff;
    return have_major > major || (have_major == major && have_minor >= minor);
}

/* console_write may write only part of the buffer (SBI v2.0 §12.1): go on from where it stopped. */
void console_write(const char *s, unsigned long len)
{
    if (sbi_has_dbcn) {
        while (len > 0) {
            struct sbiret r = SBI3(SBI_EXT_DBCN, DBCN_CONSOLE_WRITE, len, (uintptr_t)s, 0);
            if (r.error != SBI_SUCCESS || (unsigned long)r.value > len)
                break;
            s += r.value;
            len -= r.value;
        }
        return;
    }
    for (unsigned long i = 0; i < len; i++)
        sbi_legacy_putchar(s[i]);
}

/* Output is collected per line so that one line costs one SBI call with DBCN. */
static void putc_(char c)
{
    line[line_len++] = c;
    if (c == '\n' || line_len == sizeof(line)) {
        console_write(line, line_len);
        line_len = 0;
    }
}

void puts_(const char *s)
{
    while (*s)
        putc_(*s++);
}

void nl(void)
{
    putc_('\n');
}

void put_hex(uint64_t v)
{
    puts_("0x");
    int started = 0;
    for (int shift = 60; shift >= 0; shift -= 4) {
        unsigned d = (v >> shift) & 0xf;
        if (d || started || shift == 0) {
            putc_("0123456789abcdef"[d]);
            started = 1;
        }
    }
}

void put_dec(long v)
{
    char buf[24];
    int n = 0;
    unsigned long u = v < 0 ? -(unsigned long)v : (unsigned long)v;
    do {
        buf[n++] = '0' + u % 10;
        u /= 10;
    } while (u);
    if (v < 0)
        putc_('-');
    while (n)
        putc_(buf[--n]);
}

extern const char test_name[]; /* each payload's line prefix */

/* One check's line; `found` (when given) is printed on failure. */
static int report(const char *name, int ok, const long *found, long expected)
{
#ifdef SBI_BREAK_CHECK
    /* prove-fail builds only (never checked in): check number SBI_BREAK_CHECK reports the opposite. */
    static int number;
    if (++number == SBI_BREAK_CHECK)
        ok = !ok;
#endif
    puts_(test_name);
    puts_(ok ? ": ok " : ": FAIL ");
    puts_(name);
    if (!ok && found) {
        puts_(": found ");
        put_dec(*found);
        puts_(", expected ");
        put_dec(expected);
    }
    nl();
    if (!ok) {
        failures++;
        if (!first_failure)
            first_failure = name;
    }
    return ok;
}

int check(const char *name, int ok)
{
    return report(name, ok, 0, 0);
}

int check_eq(const char *name, long found, long expected)
{
    return report(name, found == expected, &found, expected);
}

uint64_t timeout_after(uint64_t ticks)
{
    return rdtime() + ticks;
}

void shutdown(int fail)
{
    /* SBI v2.0 §10.1: shutdown, reason "system failure" when a check failed. */
    SBI2(SBI_EXT_SRST, 0, SRST_SHUTDOWN, fail ? SRST_REASON_SYSFAIL : SRST_REASON_NONE);
    puts_(test_name);
    puts_(": FAIL srst.system_reset returned\n");
    for (;;)
        __asm__ volatile("wfi");
}

void fail_unexpected_trap(uint64_t scause, uint64_t sepc, uint64_t stval)
{
    puts_(test_name);
    puts_(": FAIL unexpected trap scause=");
    put_hex(scause);
    puts_(" sepc=");
    put_hex(sepc);
    puts_(" stval=");
    put_hex(stval);
    nl();
    shutdown(1);
}

void finish(const char *prog)
{
#ifdef SBI_MEASURE
    /* Measurement builds only (never checked in): this hart's instructions since reset, under -icount. */
    uint64_t n;
    __asm__ volatile("rdinstret %0" : "=r"(n));
    puts_(prog);
    puts_(": instret ");
    put_dec((long)n);
    nl();
#endif
    puts_(prog);
    if (failures == 0) {
        puts_(": PASS\n");
    } else {
        puts_(": FAIL ");
        puts_(first_failure);
        puts_(" (");
        put_dec(failures);
        puts_(" failed)\n");
    }
    shutdown(failures != 0);
}
