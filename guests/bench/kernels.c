/* kernels.c: CoreMark-style integer kernels (linked list, matrices, a state machine, CRC-32), self-checking. */
#include "bench.h"

/* ---------- pseudo-random numbers: a 64-bit LCG, top bits used ---------- */

static uint64_t rng_next(uint64_t *state)
{
    *state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
    return *state >> 33;
}

/* ---------- CRC-32 (IEEE 802.3, reflected, poly 0xEDB88320), table-driven ---------- */

static uint32_t crc_table[256];

static void crc32_init(void)
{
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[n] = c;
    }
}

/* Continues a CRC: pass 0 to start; the result is the finished CRC of everything so far. */
static uint32_t crc32_update(uint32_t crc, const uint8_t *p, uint32_t n)
{
    crc = ~crc;
    for (uint32_t i = 0; i < n; i++)
        crc = crc_table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
    return ~crc;
}

static uint32_t crc32_u32(uint32_t crc, uint32_t v)
{
    uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
    return crc32_update(crc, b, 4);
}

static uint8_t crc_buf[BENCH_CRC_BYTES];

static uint32_t kernel_crc(uint64_t seed)
{
    uint64_t s = seed;
    for (uint32_t i = 0; i < BENCH_CRC_BYTES; i += 4) {
        uint32_t r = (uint32_t)rng_next(&s);
        crc_buf[i] = (uint8_t)r;
        crc_buf[i + 1] = (uint8_t)(r >> 8);
        crc_buf[i + 2] = (uint8_t)(r >> 16);
        crc_buf[i + 3] = (uint8_t)(r >> 24);
    }
    /* in two pieces, to exercise the continuation */
    uint32_t crc = crc32_update(0, crc_buf, BENCH_CRC_BYTES / 3);
    return crc32_update(crc, crc_buf + BENCH_CRC_BYTES / 3, BENCH_CRC_BYTES - BENCH_CRC_BYTES / 3);
}

/* ---------- linked list: build, reverse, merge sort, search ---------- */

struct node {
    uint32_t key;
    uint32_t value;
    struct node *next;
};

static struct node pool[BENCH_LIST_NODES];

static struct node *list_build(uint64_t *s)
{
    struct node *head = 0;
    for (uint32_t i = 0; i < BENCH_LIST_NODES; i++) {
        pool[i].key = (uint32_t)rng_next(s) & 0xffff;
        pool[i].value = i;
        pool[i].next = head;
        head = &pool[i];
    }
    return head;
}

static struct node *list_reverse(struct node *head)
{
    struct node *prev = 0;
    while (head) {
        struct node *next = head->next;
        head->next = prev;
        prev = head;
        head = next;
    }
    return prev;
}

static struct node *list_merge(struct node *a, struct node *b)
{
    struct node dummy;
    struct node *tail = &dummy;
    /* stable: on equal keys a (the earlier run) goes first */
    while (a && b) {
        if (b->key < a->key) {
            tail->next = b;
            b = b->next;
        } else {
            tail->next = a;
            a = a->next;
        }
        tail = tail->next;
    }
    tail->next = a ? a : b;
    return dummy.next;
}

static struct node *list_sort(struct node *head)
{
    if (!head || !head->next)
        return head;
    /* split with slow/fast pointers */
    struct node *slow = head, *fast = head->next;
    while (fast && fast->next) {
        slow = slow->next;
        fast = fast->next->next;
    }
    struct node *second = slow->next;
    slow->next = 0;
    return list_merge(list_sort(head), list_sort(second));
}

static const struct node *list_find(const struct node *head, uint32_t key)
{
    for (; head; head = head->next) {
        if (head->key == key)
            return head;
        if (head->key > key) /* sorted: no need to go further */
            return 0;
    }
    return 0;
}

static uint32_t kernel_list(uint64_t seed, int *err)
{
    uint64_t s = seed;
    struct node *head = list_build(&s);
    const struct node *built_first = head;

    head = list_reverse(head);
    if (head != &pool[0] || head->value != 0)
        *err = BENCH_ERR_LIST;
    head = list_reverse(head);
    if (head != built_first)
        *err = BENCH_ERR_LIST;

    head = list_sort(head);

    uint32_t digest = 0, count = 0, prev = 0;
    for (const struct node *n = head; n; n = n->next) {
        if (n->key < prev)
            *err = BENCH_ERR_LIST;
        prev = n->key;
        digest = crc32_u32(digest, n->key ^ (n->value << 16));
        count++;
    }
    if (count != BENCH_LIST_NODES)
        *err = BENCH_ERR_LIST;

    /* probes: half are keys known to be present, half random */
    uint32_t found = 0, found_values = 0;
    for (uint32_t i = 0; i < BENCH_LIST_PROBES; i++) {
        uint32_t key = (i & 1) ? pool[rng_next(&s) % BENCH_LIST_NODES].key : (uint32_t)rng_next(&s) & 0xffff;
        const struct node *n = list_find(head, key);
        if (n) {
            found++;
            found_values += n->value;
        } else if (i & 1) {
            *err = BENCH_ERR_LIST;
        }
    }
    return crc32_u32(digest, found * 65536 + found_values);
}

/* ---------- matrix multiply, int32 and int64 ---------- */

static int32_t ma32[BENCH_MAT_N][BENCH_MAT_N], mb32[BENCH_MAT_N][BENCH_MAT_N], mc32[BENCH_MAT_N][BENCH_MAT_N];
static int64_t ma64[BENCH_MAT_N][BENCH_MAT_N], mb64[BENCH_MAT_N][BENCH_MAT_N], mc64[BENCH_MAT_N][BENCH_MAT_N];

static void mat32_mul(int32_t c[BENCH_MAT_N][BENCH_MAT_N], const int32_t a[BENCH_MAT_N][BENCH_MAT_N],
                      const int32_t b[BENCH_MAT_N][BENCH_MAT_N])
{
    for (int i = 0; i < BENCH_MAT_N; i++)
        for (int j = 0; j < BENCH_MAT_N; j++) {
            int32_t sum = 0;
            for (int k = 0; k < BENCH_MAT_N; k++)
                sum += a[i][k] * b[k][j];
            c[i][j] = sum;
        }
}

static void mat64_mul(int64_t c[BENCH_MAT_N][BENCH_MAT_N], const int64_t a[BENCH_MAT_N][BENCH_MAT_N],
                      const int64_t b[BENCH_MAT_N][BENCH_MAT_N])
{
    for (int i = 0; i < BENCH_MAT_N; i++)
        for (int j = 0; j < BENCH_MAT_N; j++) {
            int64_t sum = 0;
            for (int k = 0; k < BENCH_MAT_N; k++)
                sum += a[i][k] * b[k][j];
            c[i][j] = sum;
        }
}

static uint32_t kernel_matrix(uint64_t seed, int *err)
{
    uint64_t s = seed;

    /* int32: entries in -128..127, so no sum can overflow */
    for (int i = 0; i < BENCH_MAT_N; i++)
        for (int j = 0; j < BENCH_MAT_N; j++) {
            ma32[i][j] = (int32_t)(rng_next(&s) & 0xff) - 128;
            mb32[i][j] = (int32_t)(rng_next(&s) & 0xff) - 128;
        }
    mat32_mul(mc32, ma32, mb32);

    /* int64: entries of about +-2^20, products up to 2^40 */
    for (int i = 0; i < BENCH_MAT_N; i++)
        for (int j = 0; j < BENCH_MAT_N; j++) {
            ma64[i][j] = (int64_t)(rng_next(&s) & 0x1fffff) - 0x100000;
            mb64[i][j] = (int64_t)mc32[i][j] + (int64_t)(i - j) * 0x10000;
        }
    mat64_mul(mc64, ma64, mb64);

    /* check one row of the int64 product by its row sum computed another way:
     * sum_j c[r][j] = sum_k a[r][k] * (sum_j b[k][j]) */
    int r = (int)(seed % BENCH_MAT_N);
    int64_t direct = 0, via_rowsums = 0;
    for (int j = 0; j < BENCH_MAT_N; j++)
        direct += mc64[r][j];
    for (int k = 0; k < BENCH_MAT_N; k++) {
        int64_t bsum = 0;
        for (int j = 0; j < BENCH_MAT_N; j++)
            bsum += mb64[k][j];
        via_rowsums += ma64[r][k] * bsum;
    }
    if (direct != via_rowsums)
        *err = BENCH_ERR_MATRIX;

    uint32_t digest = 0;
    for (int i = 0; i < BENCH_MAT_N; i++)
        for (int j = 0; j < BENCH_MAT_N; j++) {
            digest = crc32_u32(digest, (uint32_t)mc32[i][j]);
            digest = crc32_u32(digest, (uint32_t)mc64[i][j] ^ (uint32_t)((uint64_t)mc64[i][j] >> 32));
        }
    return digest;
}

/* ---------- state machine: a tokenizer over a pseudo-random byte stream ---------- */

enum token_state { ST_START, ST_INT, ST_FRAC, ST_IDENT, ST_OP, ST_SPACE, ST_BAD, ST_COUNT };

static const char alphabet[] = "0123456789....abcxyzABC_+-*/=<>  \t\n,;#@";

static uint8_t stream[BENCH_STREAM_BYTES];

static enum token_state classify_start(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return ST_INT;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_')
        return ST_IDENT;
    switch (c) {
    case '+': case '-': case '*': case '/': case '=': case '<': case '>': case ',': case ';':
        return ST_OP;
    case ' ': case '\t': case '\n':
        return ST_SPACE;
    default:
        return ST_BAD;
    }
}

/* Stays in `state` if c continues the token; otherwise returns ST_START (token ends before c). */
static enum token_state step(enum token_state state, uint8_t c)
{
    int digit = c >= '0' && c <= '9';
    int alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';

    switch (state) {
    case ST_INT:
        if (digit)
            return ST_INT;
        if (c == '.')
            return ST_FRAC;
        return alpha ? ST_BAD : ST_START;
    case ST_FRAC:
        if (digit)
            return ST_FRAC;
        return (alpha || c == '.') ? ST_BAD : ST_START;
    case ST_IDENT:
        return (alpha || digit) ? ST_IDENT : ST_START;
    case ST_OP:
        /* two-character operators: <= >= == -> */
        return (c == '=' || c == '>') ? ST_OP : ST_START;
    case ST_SPACE:
        return (c == ' ' || c == '\t' || c == '\n') ? ST_SPACE : ST_START;
    case ST_BAD:
        return (c == ' ' || c == '\n' || c == ';') ? ST_START : ST_BAD;
    default:
        return ST_START;
    }
}

static uint32_t kernel_state_machine(uint64_t seed, int *err)
{
    uint64_t s = seed;
    uint32_t tokens[ST_COUNT] = { 0 }, chars[ST_COUNT] = { 0 };
    uint32_t transitions = 0, total = 0;

    for (uint32_t i = 0; i < BENCH_STREAM_BYTES; i++)
        stream[i] = (uint8_t)alphabet[rng_next(&s) % (sizeof alphabet - 1)];

    enum token_state state = ST_START;
    for (uint32_t i = 0; i < BENCH_STREAM_BYTES; i++) {
        uint8_t c = stream[i];
        enum token_state next = state == ST_START ? ST_START : step(state, c);
        if (next == ST_START) {
            if (state != ST_START) {
                tokens[state]++;
                total++;
            }
            next = classify_start(c);
        }
        if (next != state)
            transitions++;
        chars[next]++;
        state = next;
    }
    if (state != ST_START) {
        tokens[state]++;
        total++;
    }

    /* every byte belongs to exactly one token */
    uint32_t sum = 0, bytes = 0;
    for (int k = 0; k < ST_COUNT; k++) {
        sum += tokens[k];
        bytes += chars[k];
    }
    if (sum != total || tokens[ST_START] != 0 || chars[ST_START] != 0 || bytes != BENCH_STREAM_BYTES ||
        total == 0 || total > BENCH_STREAM_BYTES || transitions > BENCH_STREAM_BYTES)
        *err = BENCH_ERR_STATE;

    uint32_t digest = 0;
    for (int k = 0; k < ST_COUNT; k++)
        digest = crc32_u32(digest, tokens[k] << 16 | chars[k]);
    return crc32_u32(digest, transitions);
}

/* ---------- driver ---------- */

int bench_init(void)
{
    static const uint8_t check[] = "123456789";

    crc32_init();
    if (crc32_update(0, check, 9) != 0xCBF43926u)
        return BENCH_ERR_CRC_SELFTEST;
    return BENCH_OK;
}

uint32_t bench_iteration(uint32_t i, int *err)
{
    uint64_t seed = 0x9E3779B97F4A7C15ULL * (uint64_t)(i + 1);
    uint32_t digest = 0;

    digest = crc32_u32(digest, kernel_list(seed ^ 0x1111, err));
    digest = crc32_u32(digest, kernel_matrix(seed ^ 0x2222, err));
    digest = crc32_u32(digest, kernel_state_machine(seed ^ 0x3333, err));
    digest = crc32_u32(digest, kernel_crc(seed ^ 0x4444));
    return digest;
}

uint32_t bench_run(uint32_t iters, int *err)
{
    uint32_t digest = 0;
    for (uint32_t i = 0; i < iters; i++)
        digest = crc32_u32(digest, bench_iteration(i, err));
    return digest;
}
