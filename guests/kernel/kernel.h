/* kernel.h: shared declarations of the Ringside demo kernel (S-mode, Sv39, SBI below it). */
#ifndef KERNEL_H
#define KERNEL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "syscall.h"

#define PAGE_SIZE  4096UL
#define PAGE_SHIFT 12
#define PAGE_ROUND_UP(x)   (((x) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1))
#define PAGE_ROUND_DOWN(x) ((x) & ~(PAGE_SIZE - 1))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- CSRs ---- */
#define csr_read(csr) ({ uint64_t v_; __asm__ volatile("csrr %0, " #csr : "=r"(v_)); v_; })
#define csr_write(csr, v) __asm__ volatile("csrw " #csr ", %0" : : "r"((uint64_t)(v)) : "memory")
#define csr_set(csr, v) __asm__ volatile("csrs " #csr ", %0" : : "r"((uint64_t)(v)) : "memory")
#define csr_clear(csr, v) __asm__ volatile("csrc " #csr ", %0" : : "r"((uint64_t)(v)) : "memory")

#define SSTATUS_SIE  (1UL << 1)
#define SSTATUS_SPIE (1UL << 5)
#define SSTATUS_SPP  (1UL << 8)
#define SSTATUS_SUM  (1UL << 18)

#define SIE_SSIE (1UL << 1)
#define SIE_STIE (1UL << 5)
#define SIE_SEIE (1UL << 9)

#define SCAUSE_INTERRUPT (1UL << 63)
#define IRQ_S_TIMER    5
#define IRQ_S_EXTERNAL 9
#define EXC_INSN_MISALIGNED 0
#define EXC_ILLEGAL_INSN    2
#define EXC_BREAKPOINT      3
#define EXC_ECALL_U         8
#define EXC_INSN_PAGE_FAULT 12
#define EXC_LOAD_PAGE_FAULT 13
#define EXC_STORE_PAGE_FAULT 15

static inline void fence_rw(void) { __asm__ volatile("fence rw, rw" : : : "memory"); }
static inline void fence_io(void) { __asm__ volatile("fence iorw, iorw" : : : "memory"); }

/* ---- MMIO (the kernel's mapping is the identity, so physical = virtual) ---- */
static inline uint8_t mmio_read8(uint64_t a) { return *(volatile uint8_t *)a; }
static inline void mmio_write8(uint64_t a, uint8_t v) { *(volatile uint8_t *)a = v; }
static inline uint32_t mmio_read32(uint64_t a) { return *(volatile uint32_t *)a; }
static inline void mmio_write32(uint64_t a, uint32_t v) { *(volatile uint32_t *)a = v; }

/* ---- linker symbols (kernel.ld) ---- */
extern char __kernel_start[], __kernel_text_end[], __kernel_rodata_end[];
extern char __user_image_lma[], __user_image_end_lma[];
extern char __bss_start[], __bss_end[], __kstack_top[], __kernel_end[];

/* The user image's layout in user virtual addresses: out of reach of PC-relative addressing from the
 * kernel, so entry.S stores them as absolute values (see user_layout there). */
struct user_layout {
    uint64_t text_start, text_end, rodata_start, rodata_end, data_start, data_end, bss_start, bss_end;
    uint64_t ustart; /* user entry stub: u_start(main) */
};
extern const struct user_layout user_layout;
struct user_program {
    const char *name;
    uint64_t main; /* user virtual address of int main(void) */
};
extern const struct user_program user_programs[];
extern const uint64_t user_program_count;

/* ---- console.c ---- */
void console_use_uart(uint64_t base);
void kputc(char c);
void kputs(const char *s);
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void kvprintf(const char *fmt, va_list ap);
size_t kformat(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void kwrite(const char *buf, size_t len);
__attribute__((noreturn)) void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
extern int kernel_failed;
void kfail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- lib.c ---- */
void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
uint32_t fnv1a32(const void *p, size_t n);

/* ---- sbi.c ---- */
struct sbiret {
    long error;
    long value;
};
#define SBI_EXT_BASE 0x10
#define SBI_EXT_TIME 0x54494D45 /* "TIME" */
#define SBI_EXT_IPI  0x735049   /* "sPI" */
#define SBI_EXT_RFNC 0x52464E43 /* "RFNC" */
#define SBI_EXT_HSM  0x48534D   /* "HSM" */
#define SBI_EXT_SRST 0x53525354 /* "SRST" */
#define SBI_EXT_PMU  0x504D55   /* "PMU" */
#define SBI_EXT_DBCN 0x4442434E /* "DBCN" */
#define SBI_LEGACY_CONSOLE_PUTCHAR 0x01
struct sbiret sbi_call(long eid, long fid, long a0, long a1, long a2);
void sbi_init(void);
void sbi_report(void);
int sbi_console_putc(char c);
void sbi_set_timer(uint64_t when);
__attribute__((noreturn)) void sbi_shutdown(int failure);
extern int sbi_has_dbcn;

/* ---- dtb.c ---- */
#define MAX_VIRTIO 8
struct platform {
    int dtb_ok;
    char model[64];
    uint64_t mem_base, mem_size;
    uint64_t timebase_hz;
    uint64_t uart_base;
    uint32_t uart_irq;
    uint64_t plic_base, plic_size;
    uint32_t plic_ndev;
    uint32_t plic_context; /* the S-mode external interrupt context of the boot hart */
    int plic_context_from_dtb;
    int virtio_count;
    uint64_t virtio_base[MAX_VIRTIO];
    uint32_t virtio_irq[MAX_VIRTIO];
};
extern struct platform platform;
void dtb_parse(uint64_t hartid, const void *dtb);

/* ---- mm.c ---- */
typedef uint64_t pte_t;
#define PTE_V (1UL << 0)
#define PTE_R (1UL << 1)
#define PTE_W (1UL << 2)
#define PTE_X (1UL << 3)
#define PTE_U (1UL << 4)
#define PTE_G (1UL << 5)
#define PTE_A (1UL << 6)
#define PTE_D (1UL << 7)
#define PTE_OWNED (1UL << 8) /* RSW bit: the page belongs to this address space (freed with it) */
#define PTE_PPN_SHIFT 10
#define PTE_TO_PA(pte) (((pte) >> PTE_PPN_SHIFT) << PAGE_SHIFT)
#define PA_TO_PTE(pa) (((uint64_t)(pa) >> PAGE_SHIFT) << PTE_PPN_SHIFT)
#define SATP_SV39 (8UL << 60)

void mm_init(void);
void *page_alloc(void);
void page_free(void *page);
uint64_t pages_free(void);
uint64_t pages_total(void);
pte_t *kernel_root(void);
extern unsigned asid_bits;
void mm_report(void);
/* Address spaces */
pte_t *as_create(void);
void as_destroy(pte_t *root);
int as_map(pte_t *root, uint64_t va, uint64_t pa, uint64_t perm);
pte_t *as_lookup(pte_t *root, uint64_t va);
uint64_t make_satp(pte_t *root, unsigned asid);
void sfence_vma_all(void);
void sfence_vma_asid(unsigned asid);
void sfence_vma_page(uint64_t va, unsigned asid);

/* ---- uart.c / plic.c ---- */
void uart_init(void);
void uart_putc_raw(char c);
void uart_rx_interrupt(void);
void echo_finish(void);
extern uint64_t uart_rx_bytes;
void plic_init(void);
uint32_t plic_claim(void);
void plic_complete(uint32_t id);

/* ---- virtio_blk.c ---- */
#define SECTOR_SIZE 512
int virtio_blk_init(void);
int virtio_blk_read(uint64_t sector, void *buf, uint32_t count);
extern uint64_t virtio_blk_requests;

/* ---- fs.c ---- */
int fs_init(void);
long fs_load(const char *name, const uint8_t **data);

/* ---- proc.c ---- */
void proc_init(void);
__attribute__((noreturn)) void scheduler_start(void);

/* ---- trap entry (entry.S) ---- */
struct trapframe {
    uint64_t regs[31]; /* x1..x31: regs[n - 1] is xn */
    uint64_t epc;
};
#define TF_SP(tf) ((tf)->regs[1])
#define TF_A(tf, n) ((tf)->regs[9 + (n)])
#define TF_A7(tf) ((tf)->regs[16])
__attribute__((noreturn)) void user_return(struct trapframe *tf);
void trap_vector(void);
void user_trap(struct trapframe *tf);
void kernel_trap(uint64_t *regs);

#endif
