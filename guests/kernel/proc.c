/*
 * proc.c: processes, the round-robin scheduler, the trap handler, page faults and system calls.
 *
 * Every process has its own Sv39 address space (mm.c) and ASID (its pid, when satp keeps enough ASID bits;
 * otherwise every process uses ASID 0 and each switch flushes it), the same layout (syscall.h):
 *   USER_BASE..       the user image's .text (R X) and .rodata (R): shared pages, mapped from the kernel image
 *                     .data (R W): a private copy; .bss (R W): private zero pages
 *   ..USER_STACK_TOP  the stack: one page at first; a fault in [USER_STACK_LIMIT, USER_STACK_TOP) maps a new
 *                     zero page (demand paging); any other fault kills the process.
 * The kernel is in every address space (not user-accessible); it reads and writes user memory only after
 * checking the page tables, with sstatus.SUM set for just that copy.
 *
 * Scheduling: the SBI timer interrupts every `quantum` time units (1 ms); each tick, and each yield or exit,
 * moves to the next runnable process in pid order. The kernel itself is never interrupted (SIE = 0 in
 * S-mode), so a system call, and the console line it writes, always completes in one piece.
 */
#include "fs.h"
#include "kernel.h"

#define NPROC 8

enum pstate { P_UNUSED, P_RUNNABLE, P_DONE };

struct proc {
    struct trapframe tf;
    enum pstate state;
    int pid;
    const char *name;
    pte_t *root;
    unsigned asid;
    int started;
    int killed;
    long exit_status;
    uint64_t kill_cause, kill_addr, kill_pc;
    uint64_t syscalls, stack_pages, demand_pages;
};

/* What each program is expected to do, for the final self-check. */
static const struct {
    const char *name;
    uint64_t kill_cause; /* 0: exits with status 0 */
} expected[] = {
    { "wild", EXC_STORE_PAGE_FAULT },
    { "snoop", EXC_LOAD_PAGE_FAULT },
};

static struct proc procs[NPROC];
static int nproc;
static struct proc *current;
static int use_asids;
static uint64_t quantum, pages_before;
static uint64_t timer_irqs, ext_irqs, switches, yields;

static inline uint64_t rdtime(void)
{
    uint64_t t;
    __asm__ volatile("rdtime %0" : "=r"(t));
    return t;
}

static const char *cause_name(uint64_t cause)
{
    switch (cause) {
    case 0: return "instruction address misaligned";
    case 1: return "instruction access fault";
    case 2: return "illegal instruction";
    case 3: return "breakpoint";
    case 4: return "load address misaligned";
    case 5: return "load access fault";
    case 6: return "store address misaligned";
    case 7: return "store access fault";
    case 12: return "instruction page fault";
    case 13: return "load page fault";
    case 15: return "store page fault";
    default: return "exception";
    }
}

/* ---- creating and ending processes ---- */

static void map_or_die(pte_t *root, uint64_t va, uint64_t pa, uint64_t perm)
{
    if (as_map(root, va, pa, perm) != 0)
        panic("cannot map user page %p", (void *)va);
}

static void proc_create(const char *name, uint64_t main_va)
{
    const struct user_layout *ul = &user_layout;
    uint64_t lma = (uint64_t)__user_image_lma;
    struct proc *p = &procs[nproc++];

    memset(p, 0, sizeof *p);
    p->pid = nproc;
    p->name = name;
    p->asid = use_asids ? (unsigned)p->pid : 0;
    p->root = as_create();

    for (uint64_t va = ul->text_start; va < ul->text_end; va += PAGE_SIZE)
        map_or_die(p->root, va, lma + (va - USER_BASE), PTE_R | PTE_X);
    for (uint64_t va = ul->rodata_start; va < ul->rodata_end; va += PAGE_SIZE)
        map_or_die(p->root, va, lma + (va - USER_BASE), PTE_R);
    for (uint64_t va = ul->data_start; va < ul->data_end; va += PAGE_SIZE) {
        void *page = page_alloc();
        if (!page)
            panic("out of memory");
        memcpy(page, (void *)(lma + (va - USER_BASE)), PAGE_SIZE);
        map_or_die(p->root, va, (uint64_t)page, PTE_R | PTE_W | PTE_OWNED);
    }
    for (uint64_t va = ul->bss_start; va < ul->bss_end; va += PAGE_SIZE) {
        void *page = page_alloc();
        if (!page)
            panic("out of memory");
        map_or_die(p->root, va, (uint64_t)page, PTE_R | PTE_W | PTE_OWNED);
    }
    void *stack = page_alloc();
    if (!stack)
        panic("out of memory");
    map_or_die(p->root, USER_STACK_TOP - PAGE_SIZE, (uint64_t)stack, PTE_R | PTE_W | PTE_OWNED);
    p->stack_pages = 1;

    /* u_start(main): calls main() and exits with its result */
    p->tf.epc = ul->ustart;
    TF_SP(&p->tf) = USER_STACK_TOP;
    TF_A(&p->tf, 0) = main_va;
    p->state = P_RUNNABLE;
}

/* The process is over (exit or kill): free its address space. The kernel leaves it first. */
static void proc_end(struct proc *p)
{
    p->state = P_DONE;
    if (current == p) {
        csr_write(satp, make_satp(kernel_root(), 0));
        current = 0;
    }
    as_destroy(p->root);
    p->root = 0;
    /* its ASID is never used again, but leave no stale translations of freed page tables behind */
    sfence_vma_asid(p->asid);
}

static void proc_kill(struct proc *p, uint64_t cause, uint64_t addr)
{
    p->killed = 1;
    p->kill_cause = cause;
    p->kill_addr = addr;
    p->kill_pc = p->tf.epc;
    kprintf("kernel: pid %d (%s): %s at %p (scause %lu, sepc %p): killed\n", p->pid, p->name, cause_name(cause),
            (void *)addr, cause, (void *)p->tf.epc);
    proc_end(p);
}

/* ---- scheduling ---- */

static void finish(void) __attribute__((noreturn));

static void run(struct proc *p) __attribute__((noreturn));
static void run(struct proc *p)
{
    if (p != current) {
        switches++;
        current = p;
        csr_write(satp, make_satp(p->root, p->asid));
        if (!use_asids)
            sfence_vma_asid(0); /* everyone shares ASID 0: drop the last process's translations */
    }
    if (!p->started) {
        p->started = 1;
        sfence_vma_asid(p->asid); /* a fresh address space: no stale translations for its ASID */
    }
    csr_clear(sstatus, SSTATUS_SPP); /* sret to U-mode */
    csr_set(sstatus, SSTATUS_SPIE);
    user_return(&p->tf);
}

/* The next runnable process after the current one (or after `from`), round robin in pid order. */
static void schedule(int from) __attribute__((noreturn));
static void schedule(int from)
{
    for (int i = 1; i <= nproc; i++) {
        struct proc *p = &procs[(from + i) % nproc];
        if (p->state == P_RUNNABLE)
            run(p);
    }
    finish();
}

/* ---- user memory: checked against the page tables, then accessed with SUM ---- */

static int stack_grow(struct proc *p, uint64_t va, const char *why)
{
    uint64_t page_va = PAGE_ROUND_DOWN(va);
    if (va < USER_STACK_LIMIT || va >= USER_STACK_TOP)
        return 0;
    void *page = page_alloc();
    if (!page || as_map(p->root, page_va, (uint64_t)page, PTE_R | PTE_W | PTE_OWNED) != 0) {
        if (page)
            page_free(page);
        return 0;
    }
    sfence_vma_page(page_va, p->asid); /* the new translation replaces a cached invalid one, if any */
    p->stack_pages++;
    p->demand_pages++;
    kprintf("kernel: pid %d (%s): %s at %p: stack page %p demand-allocated (%lu stack pages)\n", p->pid,
            p->name, why, (void *)va, (void *)page_va, p->stack_pages);
    return 1;
}

/* May the process access the page holding va? (demand-allocates a stack page, as a fault would) */
static int user_page_ok(struct proc *p, uint64_t va, int write)
{
    if (va >= USER_TOP)
        return 0;
    pte_t *pte = as_lookup(p->root, va);
    if ((!pte || !(*pte & PTE_V)) && stack_grow(p, va, "system call argument"))
        pte = as_lookup(p->root, va);
    return pte && (*pte & PTE_V) && (*pte & PTE_U) && (*pte & (write ? PTE_W : PTE_R));
}

static int user_range_ok(struct proc *p, uint64_t va, uint64_t len, int write)
{
    if (len == 0)
        return 1;
    if (va + len < va || va + len > USER_TOP)
        return 0;
    for (uint64_t page = PAGE_ROUND_DOWN(va); page < va + len; page += PAGE_SIZE)
        if (!user_page_ok(p, page, write))
            return 0;
    return 1;
}

static void copy_from_user(void *dst, uint64_t src, uint64_t len)
{
    csr_set(sstatus, SSTATUS_SUM);
    memcpy(dst, (const void *)src, len);
    csr_clear(sstatus, SSTATUS_SUM);
}

static void copy_to_user(uint64_t dst, const void *src, uint64_t len)
{
    csr_set(sstatus, SSTATUS_SUM);
    memcpy((void *)dst, src, len);
    csr_clear(sstatus, SSTATUS_SUM);
}

/* A NUL-terminated name of at most max - 1 characters. */
static long copy_name_from_user(struct proc *p, char *dst, uint64_t src, size_t max)
{
    for (size_t i = 0; i < max; i++) {
        if ((i == 0 || ((src + i) & (PAGE_SIZE - 1)) == 0) && !user_page_ok(p, src + i, 0))
            return E_FAULT;
        copy_from_user(&dst[i], src + i, 1);
        if (dst[i] == '\0')
            return 0;
    }
    return E_INVAL;
}

/* ---- system calls ---- */

static long sys_write(struct proc *p, uint64_t fd, uint64_t buf, uint64_t len)
{
    char chunk[128];

    if (fd != 1 && fd != 2)
        return E_INVAL;
    if (len > 4096)
        return E_INVAL;
    if (!user_range_ok(p, buf, len, 0))
        return E_FAULT;
    for (uint64_t done = 0; done < len;) {
        uint64_t n = len - done < sizeof chunk ? len - done : sizeof chunk;
        copy_from_user(chunk, buf + done, n);
        kwrite(chunk, n);
        done += n;
    }
    return (long)len;
}

static long sys_read_file(struct proc *p, uint64_t uname, uint64_t buf, uint64_t len)
{
    char name[FS_NAME_LEN];
    const uint8_t *data;

    long r = copy_name_from_user(p, name, uname, sizeof name);
    if (r < 0)
        return r;
    long size = fs_load(name, &data);
    if (size < 0)
        return size;
    uint64_t n = (uint64_t)size < len ? (uint64_t)size : len;
    if (!user_range_ok(p, buf, n, 1))
        return E_FAULT;
    copy_to_user(buf, data, n);
    return (long)n;
}

static void syscall(struct proc *p)
{
    struct trapframe *tf = &p->tf;
    uint64_t a0 = TF_A(tf, 0), a1 = TF_A(tf, 1), a2 = TF_A(tf, 2);
    long ret;

    p->syscalls++;
    switch (TF_A7(tf)) {
    case SYS_WRITE:
        ret = sys_write(p, a0, a1, a2);
        break;
    case SYS_GETPID:
        ret = p->pid;
        break;
    case SYS_YIELD:
        yields++;
        TF_A(tf, 0) = 0;
        schedule(p->pid - 1);
    case SYS_EXIT:
        p->exit_status = (long)a0;
        proc_end(p);
        schedule(p->pid - 1);
    case SYS_READ_FILE:
        ret = sys_read_file(p, a0, a1, a2);
        break;
    default:
        ret = E_NOSYS;
        break;
    }
    TF_A(tf, 0) = (uint64_t)ret;
}

/* ---- traps ---- */

static void external_interrupt(void)
{
    uint32_t id;
    while ((id = plic_claim()) != 0) {
        if (id == platform.uart_irq)
            uart_rx_interrupt();
        else
            kfail("unexpected external interrupt %u", id);
        plic_complete(id);
    }
}

void user_trap(struct trapframe *tf)
{
    struct proc *p = current;
    uint64_t scause = csr_read(scause), stval = csr_read(stval);

    if (!p || tf != &p->tf)
        panic("trap from U-mode without a current process");
    if (scause & SCAUSE_INTERRUPT) {
        uint64_t irq = scause & ~SCAUSE_INTERRUPT;
        if (irq == IRQ_S_TIMER) {
            timer_irqs++;
            sbi_set_timer(rdtime() + quantum);
            schedule(p->pid - 1); /* preempted: the next process's turn */
        }
        if (irq == IRQ_S_EXTERNAL) {
            ext_irqs++;
            external_interrupt();
            run(p);
        }
        panic("unexpected interrupt %lu", irq);
    }

    switch (scause) {
    case 8: /* ecall from U-mode */
        tf->epc += 4;
        syscall(p);
        run(p);
    case EXC_LOAD_PAGE_FAULT:
    case EXC_STORE_PAGE_FAULT:
        if (stack_grow(p, stval, cause_name(scause)))
            run(p);
        /* fall through */
    default:
        proc_kill(p, scause, stval);
        schedule(p->pid - 1);
    }
}

void kernel_trap(uint64_t *regs)
{
    panic("trap in S-mode: scause %lu (%s), sepc %p, stval %p, ra %p", csr_read(scause),
          cause_name(csr_read(scause)), (void *)csr_read(sepc), (void *)csr_read(stval), (void *)regs[0]);
}

/* ---- start and end ---- */

void proc_init(void)
{
    uint64_t need = 0;
    for (uint64_t n = user_program_count; n; n >>= 1)
        need++;
    use_asids = asid_bits >= need;
    pages_before = pages_free();
    for (uint64_t i = 0; i < user_program_count && i < NPROC; i++)
        proc_create(user_programs[i].name, user_programs[i].main);

    kprintf("proc:");
    for (int i = 0; i < nproc; i++)
        kprintf(" pid %d %s%s", procs[i].pid, procs[i].name, i + 1 < nproc ? "," : "\n");
    kprintf("proc: user image at %p: text %p..%p, rodata ..%p, data ..%p, bss ..%p, stack below %p\n",
            (void *)USER_BASE, (void *)user_layout.text_start, (void *)user_layout.text_end,
            (void *)user_layout.rodata_end, (void *)user_layout.data_end, (void *)user_layout.bss_end,
            (void *)USER_STACK_TOP);
}

void scheduler_start(void)
{
    quantum = platform.timebase_hz / 1000;
    kprintf("kernel: %d processes, preempted every %lu time units (1 ms); input on the UART is echoed\n", nproc,
            quantum);
    csr_set(sie, SIE_STIE);
    sbi_set_timer(rdtime() + quantum);
    schedule(nproc - 1); /* starts with pid 1 */
}

static void finish(void)
{
    csr_clear(sie, SIE_STIE | SIE_SEIE);
    sbi_set_timer(~0UL);
    uart_rx_interrupt(); /* whatever arrived after the last interrupt */
    echo_finish();       /* and a last line without its newline */

    kprintf("kernel: summary\n");
    for (int i = 0; i < nproc; i++) {
        struct proc *p = &procs[i];
        uint64_t want_cause = 0;
        for (unsigned e = 0; e < ARRAY_SIZE(expected); e++)
            if (!strcmp(expected[e].name, p->name))
                want_cause = expected[e].kill_cause;
        char outcome[64];
        if (p->killed)
            kformat(outcome, sizeof outcome, "killed by a %s at %p", cause_name(p->kill_cause),
                    (void *)p->kill_addr);
        else
            kformat(outcome, sizeof outcome, "exit %ld", p->exit_status);
        kprintf("kernel:   pid %d %-9s %-45s syscalls %2lu, stack pages %2lu (%lu on demand)\n", p->pid, p->name,
                outcome, p->syscalls, p->stack_pages, p->demand_pages);
        if (want_cause && (!p->killed || p->kill_cause != want_cause))
            kfail("pid %d (%s) should have been killed by a %s", p->pid, p->name, cause_name(want_cause));
        if (!want_cause && (p->killed || p->exit_status != 0))
            kfail("pid %d (%s) should have exited with status 0", p->pid, p->name);
    }
    if (pages_free() != pages_before)
        kfail("%ld pages leaked", (long)(pages_before - pages_free()));
    else
        kprintf("kernel: every process page was freed (%lu pages free)\n", pages_free());
    kprintf("stats: %lu timer interrupts, %lu context switches, %lu yields, %lu external interrupts, "
            "%lu bytes of input, %lu disk requests, %u ASID bits%s\n",
            timer_irqs, switches, yields, ext_irqs, uart_rx_bytes, virtio_blk_requests, asid_bits,
            use_asids ? "" : " (not enough: ASID 0 for all)");
#ifdef KERNEL_MEASURE
    extern uint64_t measure_start;
    uint64_t now;
    __asm__ volatile("rdinstret %0" : "=r"(now));
    kprintf("measure: %lu instructions retired from kernel entry to here (instret: S, U and M-mode SBI calls), "
            "%lu before the kernel's entry\n", now - measure_start, measure_start);
#endif
    if (kernel_failed) {
        kprintf("kernel: FAILED\n");
        sbi_shutdown(1);
    }
    kprintf("kernel: all processes finished\n");
    sbi_shutdown(0);
}
