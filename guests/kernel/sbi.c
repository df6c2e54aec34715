/* sbi.c: the kernel's only way to reach M-mode: SBI calls (ecall with a7 = extension, a6 = function). */
#include "kernel.h"

int sbi_has_dbcn;
static int sbi_has_time, sbi_has_srst, sbi_has_legacy_putchar;
static long spec_version, impl_id, impl_version;

struct sbiret sbi_call(long eid, long fid, long arg0, long arg1, long arg2)
{
    register long a0 __asm__("a0") = arg0;
    register long a1 __asm__("a1") = arg1;
    register long a2 __asm__("a2") = arg2;
    register long a6 __asm__("a6") = fid;
    register long a7 __asm__("a7") = eid;
    __asm__ volatile("ecall" : "+r"(a0), "+r"(a1) : "r"(a2), "r"(a6), "r"(a7) : "memory");
    return (struct sbiret){ a0, a1 };
}

static long sbi_probe(long eid)
{
    struct sbiret r = sbi_call(SBI_EXT_BASE, 3, eid, 0, 0); /* sbi_probe_extension */
    return r.error ? 0 : r.value;
}

void sbi_init(void)
{
    spec_version = sbi_call(SBI_EXT_BASE, 0, 0, 0, 0).value; /* sbi_get_spec_version */
    impl_id = sbi_call(SBI_EXT_BASE, 1, 0, 0, 0).value;      /* sbi_get_impl_id */
    impl_version = sbi_call(SBI_EXT_BASE, 2, 0, 0, 0).value; /* sbi_get_impl_version */
    sbi_has_time = sbi_probe(SBI_EXT_TIME) != 0;
    sbi_has_srst = sbi_probe(SBI_EXT_SRST) != 0;
    sbi_has_dbcn = sbi_probe(SBI_EXT_DBCN) != 0;
    sbi_has_legacy_putchar = sbi_probe(SBI_LEGACY_CONSOLE_PUTCHAR) != 0;
}

static const char *impl_name(long id)
{
    static const char *const names[] = { "BBL", "OpenSBI", "Xvisor", "KVM", "RustSBI", "Diosix", "Coffer",
                                         "Xen", "PolarFire HSS", "coreboot", "oreboot", "bhyve" };
    return id >= 0 && (unsigned long)id < ARRAY_SIZE(names) ? names[id] : "unknown";
}

/* These lines describe the firmware, so they differ between OpenSBI and Ringside's SBI: tests skip "sbi:". */
void sbi_report(void)
{
    static const struct {
        long eid;
        const char *name;
    } exts[] = {
        { SBI_EXT_TIME, "TIME" }, { SBI_EXT_IPI, "IPI" }, { SBI_EXT_RFNC, "RFNC" }, { SBI_EXT_HSM, "HSM" },
        { SBI_EXT_SRST, "SRST" }, { SBI_EXT_PMU, "PMU" }, { SBI_EXT_DBCN, "DBCN" },
    };

    kprintf("sbi: spec %ld.%ld, implementation %ld (%s) version 0x%lx\n", (spec_version >> 24) & 0x7f,
            spec_version & 0xffffff, impl_id, impl_name(impl_id), impl_version);
    kputs("sbi: extensions:");
    for (unsigned i = 0; i < ARRAY_SIZE(exts); i++)
        if (sbi_probe(exts[i].eid))
            kprintf(" %s", exts[i].name);
    kprintf("; early console: %s\n",
            sbi_has_dbcn ? "DBCN write_byte" : sbi_has_legacy_putchar ? "legacy putchar" : "none");
    if (!sbi_has_time)
        kfail("the SBI TIME extension is missing (using the legacy set_timer)");
    if (!sbi_has_srst)
        kfail("the SBI SRST extension is missing (using the legacy shutdown)");
}

int sbi_console_putc(char c)
{
    if (sbi_has_dbcn)
        return (int)sbi_call(SBI_EXT_DBCN, 2, (uint8_t)c, 0, 0).error; /* sbi_debug_console_write_byte */
    if (sbi_has_legacy_putchar)
        return (int)sbi_call(SBI_LEGACY_CONSOLE_PUTCHAR, 0, (uint8_t)c, 0, 0).error;
    return -1;
}

void sbi_set_timer(uint64_t when)
{
    if (sbi_has_time)
        sbi_call(SBI_EXT_TIME, 0, (long)when, 0, 0); /* sbi_set_timer: also clears sip.STIP */
    else
        sbi_call(0x00, 0, (long)when, 0, 0); /* legacy set_timer */
}

void sbi_shutdown(int failure)
{
    /* sbi_system_reset(type 0 = shutdown, reason 0 = none / 1 = system failure) */
    if (sbi_has_srst)
        sbi_call(SBI_EXT_SRST, 0, 0, failure ? 1 : 0, 0);
    sbi_call(0x08, 0, 0, 0, 0); /* legacy shutdown */
    for (;;)
        __asm__ volatile("wfi");
}
