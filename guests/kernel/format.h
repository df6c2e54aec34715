/* format.h: a small printf-style formatter, included by both the kernel (console.c) and the user library
 * (user/ulib.c), which live in different address spaces and so cannot share one copy of the code.
 *
 * Conversions: %s %c %d %u %x %p %% with the length modifier l (and ll/z, treated as 64-bit), the flags
 * '0' and '-', and a field width. Output stops at cap - 1 characters; the result is NUL-terminated and the
 * return value is its length.
 */
#ifndef KERNEL_FORMAT_H
#define KERNEL_FORMAT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

struct fmt_out {
    char *buf;
    size_t cap, len;
};

static void fmt_putc(struct fmt_out *o, char c)
{
    if (o->len + 1 < o->cap)
        o->buf[o->len++] = c;
}

static void fmt_field(struct fmt_out *o, const char *s, size_t n, int width, int left, char pad)
{
    size_t fill = width > 0 && (size_t)width > n ? (size_t)width - n : 0;

    if (!left)
        while (fill--)
            fmt_putc(o, pad);
    while (n--)
        fmt_putc(o, *s++);
    if (left)
        while (fill--)
            fmt_putc(o, ' ');
}

static size_t fmt_vformat(char *buf, size_t cap, const char *fmt, va_list ap)
{
    struct fmt_out o = { buf, cap, 0 };

    while (*fmt) {
        char c = *fmt++;
        if (c != '%') {
            fmt_putc(&o, c);
            continue;
        }
        int left = 0, width = 0, longarg = 0;
        char pad = ' ';
        for (;; fmt++) {
            if (*fmt == '-')
                left = 1;
            else if (*fmt == '0')
                pad = '0';
            else
                break;
        }
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (*fmt++ - '0');
        while (*fmt == 'l' || *fmt == 'z') {
            longarg = 1;
            fmt++;
        }
        char conv = *fmt ? *fmt++ : '\0';
        char num[24];
        size_t n = 0;
        uint64_t u = 0;
        int neg = 0;
        switch (conv) {
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            size_t len = 0;
            while (s[len])
                len++;
            fmt_field(&o, s, len, width, left, ' ');
            continue;
        }
        case 'c':
            num[0] = (char)va_arg(ap, int);
            fmt_field(&o, num, 1, width, left, ' ');
            continue;
        case '%':
            fmt_putc(&o, '%');
            continue;
        case 'd': {
            int64_t v = longarg ? va_arg(ap, int64_t) : va_arg(ap, int);
            neg = v < 0;
            u = neg ? -(uint64_t)v : (uint64_t)v;
            break;
        }
        case 'u':
        case 'x':
            u = longarg ? va_arg(ap, uint64_t) : va_arg(ap, unsigned);
            break;
        case 'p':
            u = (uint64_t)(uintptr_t)va_arg(ap, void *);
            conv = 'x';
            fmt_putc(&o, '0');
            fmt_putc(&o, 'x');
            break;
        default:
            fmt_putc(&o, '%');
            if (conv)
                fmt_putc(&o, conv);
            continue;
        }
        unsigned base = conv == 'x' ? 16 : 10;
        char digits[24];
        size_t nd = 0;
        do {
            digits[nd++] = "0123456789abcdef"[u % base];
            u /= base;
        } while (u);
        if (neg && pad == '0') {
            /* "-0042": the sign goes before the zeros */
            fmt_putc(&o, '-');
            if (width > 0)
                width--;
            neg = 0;
        }
        if (neg)
            num[n++] = '-';
        while (nd)
            num[n++] = digits[--nd];
        fmt_field(&o, num, n, width, left, pad);
    }
    if (o.cap)
        o.buf[o.len] = '\0';
    return o.len;
}

#endif
