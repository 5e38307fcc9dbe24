/*
 * The shared arena and its buffer allocator.
 *
 * The arena is one shared mapping made before the workers are forked, so a
 * buffer has the same address in every process and nothing has to be
 * passed or mapped when buffers come and go. It is MAP_SHARED |
 * MAP_ANONYMOUS | MAP_NORESERVE, except under vm.overcommit_memory=2, which
 * ignores MAP_NORESERVE and would charge such a mapping in full against the
 * commit limit at mmap: there it is a sparse memfd, charged page by page as
 * pages are touched. Either way the reservation costs address space only. MADV_REMOVE gives a freed block's
 * pages back to the system (for shared memory, MADV_DONTNEED would only drop
 * this process's view of them). Address space is capped too: with RLIMIT_AS
 * set, the arena takes an eighth of what the process may still map, so that
 * the program's own allocations still fit.
 *
 * The allocator is first-fit over a sorted array of free extents, in the
 * parent's private heap (workers never allocate). Blocks are page aligned, and
 * large ones 2 MiB aligned so that transparent huge pages can back them where
 * the system allows it for shared memory.
 *
 * Each block is the buffer's pages and then one guard page, and the buffer
 * is placed at the end of its pages (as electric-fence allocators do), its
 * start rounded down to 128 bytes: the largest alignment an OpenCL type
 * needs (long16, double16). In every worker the guard page is PROT_NONE, so
 * a kernel that reads or writes past the buffer's 128-byte-rounded end dies
 * of SIGSEGV, and the map fails with CLPOOL_EWORKER naming the worker and
 * its items, instead of corrupting the next buffer. mprotect is per
 * process: the parent keeps the list of guard pages in shared memory (a
 * seqlock'ed sorted array) and each worker brings its own protections up
 * to date at the start of a map (clpool__fork_guards_sync).
 *
 * A map with host arrays makes and frees the same temporary buffers at every
 * call. Giving their pages back and faulting them in again costs far more
 * than the map (measured: 256 MiB of fresh pages take 0.5 s to touch in the
 * parent, 0.15 s to remove, and every worker faults them into its own page
 * tables again), so the last few freed blocks keep their pages, up to
 * kept_max bytes in all, and an allocation of the same length takes one back
 * as it is. The oldest kept block goes back to the system when room is
 * needed, and all of them before the arena is reported full.
 */
#include "fork.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#define PAGE_ALIGN ((size_t)4096)
#define HUGE_ALIGN ((size_t)2 << 20)
/* The arena is never made smaller than this, however little RAM the
 * machine reports. */
#define ARENA_MIN ((size_t)64 << 20)
/* Freed memory kept for reuse: at most this, and at most 1/16 of RAM. */
#define KEPT_MAX ((size_t)1 << 30)

/* A buffer's start is a multiple of this: see above. */
#define BUF_ALIGN ((size_t)128)

static size_t block_align(size_t bytes)
{
    return bytes >= HUGE_ALIGN ? HUGE_ALIGN : PAGE_ALIGN;
}

/* The buffer's pages, without the guard page. */
static size_t data_len(size_t bytes)
{
    return (bytes + PAGE_ALIGN - 1) & ~(PAGE_ALIGN - 1);
}

/* Where in its block a buffer of bytes starts: at the end of its pages. */
static size_t buf_offset(size_t bytes)
{
    return data_len(bytes) - ((bytes + BUF_ALIGN - 1) & ~(BUF_ALIGN - 1));
}

/* The length a block of bytes occupies, its guard page included:
 * computable again from the buffer's size when it is freed, so the buffer
 * needs to remember nothing else. */
static int block_len(size_t bytes, size_t *len)
{
    size_t align = block_align(bytes);
    if (bytes > SIZE_MAX - 2 * align - PAGE_ALIGN)
        return -1;
    *len = (data_len(bytes) + PAGE_ALIGN + align - 1) & ~(align - 1);
    return 0;
}

/* ----------------------------------------------------------- guard pages */

/* The parent's side: makes the guard pages inside the block [off, off +
 * len) exactly the one at guard (or none, for guard == SIZE_MAX), changing
 * the shared list between two bumps of gen (odd while it changes) only when
 * something differs. A full list leaves a block without a guard, which
 * costs only the check. */
static void guard_set(struct clpool__fork_arena *a, size_t off, size_t len, size_t guard)
{
    struct clpool__fork_guards *g = a->guards;
    if (g == NULL || (off + len) / PAGE_ALIGN > UINT32_MAX)
        return;
    uint32_t first = (uint32_t)(off / PAGE_ALIGN), end = (uint32_t)((off + len) / PAGE_ALIGN);
    uint32_t want = guard == SIZE_MAX ? UINT32_MAX : (uint32_t)(guard / PAGE_ALIGN);
    uint32_t i = 0;
    while (i < g->n && g->page[i] < first)
        i++;
    uint32_t j = i;
    while (j < g->n && g->page[j] < end)
        j++;
    /* [i, j) are the block's guards now. */
    int same = want == UINT32_MAX ? i == j : (j == i + 1 && g->page[i] == want);
    if (same)
        return;
    uint32_t keep = want == UINT32_MAX || (g->n - (j - i)) == FORK_GUARDS_MAX ? 0 : 1;
    uint64_t gen = atomic_load_explicit(&g->gen, memory_order_relaxed);
    atomic_store_explicit(&g->gen, gen + 1, memory_order_relaxed);
    atomic_thread_fence(memory_order_release);
    memmove(&g->page[i + keep], &g->page[j], (g->n - j) * sizeof g->page[0]);
    g->n = g->n - (j - i) + keep;
    if (keep)
        g->page[i] = want;
    atomic_store_explicit(&g->gen, gen + 2, memory_order_release);
}

void clpool__fork_guards_apply(struct clpool__fork_arena *a)
{
    struct clpool__fork_guards *g = a->guards;
    uint64_t gen;
    static uint32_t want[FORK_GUARDS_MAX];
    uint32_t n;
    for (;;) {
        gen = atomic_load_explicit(&g->gen, memory_order_acquire);
        if (gen & 1)
            continue; /* the parent is between two stores: a few instructions */
        n = g->n <= FORK_GUARDS_MAX ? g->n : FORK_GUARDS_MAX;
        memcpy(want, g->page, n * sizeof want[0]);
        atomic_thread_fence(memory_order_acquire);
        if (atomic_load_explicit(&g->gen, memory_order_relaxed) == gen)
            break;
    }
    if (a->applied == NULL) {
        /* The worker's own array (its copy of the parent's struct has NULL);
         * without it the worker runs unguarded, as before. */
        a->applied = malloc(FORK_GUARDS_MAX * sizeof a->applied[0]);
        if (a->applied == NULL)
            return;
        a->napplied = 0;
    }
    /* Both lists are sorted: one merge finds what went and what came. A
     * failing mprotect leaves a page as it was: unguarded, or (for a page
     * that should open again) a fault the map reports. */
    uint32_t i = 0, j = 0;
    while (i < a->napplied || j < n) {
        if (j == n || (i < a->napplied && a->applied[i] < want[j])) {
            (void)mprotect(a->base + (size_t)a->applied[i] * PAGE_ALIGN, PAGE_ALIGN,
                           PROT_READ | PROT_WRITE);
            i++;
        } else if (i == a->napplied || want[j] < a->applied[i]) {
            (void)mprotect(a->base + (size_t)want[j] * PAGE_ALIGN, PAGE_ALIGN, PROT_NONE);
            j++;
        } else {
            i++;
            j++;
        }
    }
    memcpy(a->applied, want, n * sizeof want[0]);
    a->napplied = n;
    a->applied_gen = gen;
}

void *clpool__fork_shared_map(size_t len)
{
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

void clpool__fork_shared_unmap(void *p, size_t len)
{
    if (p != NULL)
        (void)munmap(p, len); /* only fails on arguments that mmap gave us */
}

/* RAM plus swap: a buffer bigger than that could never be backed. */
static size_t machine_memory(void)
{
    struct sysinfo si;
    if (sysinfo(&si) != 0)
        return (size_t)64 << 30;
    size_t unit = si.mem_unit ? si.mem_unit : 1;
    size_t ram, swap, sum;
    if (clpool__mul_size((size_t)si.totalram, unit, &ram) != 0 ||
        clpool__mul_size((size_t)si.totalswap, unit, &swap) != 0 ||
        __builtin_add_overflow(ram, swap, &sum))
        return (size_t)1 << 46;
    return sum;
}

/* How much more address space this process may map: RLIMIT_AS less what
 * it maps now; SIZE_MAX when there is no limit. */
static size_t address_space_left(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_AS, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
        return SIZE_MAX;
    size_t used = 0;
    FILE *f = fopen("/proc/self/statm", "re");
    if (f != NULL) {
        unsigned long pages = 0;
        if (fscanf(f, "%lu", &pages) == 1)
            used = (size_t)pages * (size_t)sysconf(_SC_PAGESIZE);
        fclose(f);
    }
    return (size_t)rl.rlim_cur > used ? (size_t)rl.rlim_cur - used : 0;
}

/* Whether the kernel refuses to overcommit (vm.overcommit_memory=2): it
 * then ignores MAP_NORESERVE and charges an anonymous shared mapping in full
 * at mmap. */
static int strict_overcommit(void)
{
    FILE *f = fopen("/proc/sys/vm/overcommit_memory", "re");
    int mode = 0;
    if (f != NULL) {
        if (fscanf(f, "%d", &mode) != 1)
            mode = 0;
        fclose(f);
    }
    return mode == 2;
}

/* size + HUGE_ALIGN bytes of shared memory. Under strict overcommit, a
 * sparse memfd, which is charged page by page as pages are touched (see
 * above); else an anonymous shared mapping with MAP_NORESERVE, which costs
 * nothing until touched either (and which tools such as valgrind know not
 * to read through). */
static void *map_arena(size_t size, int *err)
{
    int fd = strict_overcommit() ? memfd_create("clpool-arena", MFD_CLOEXEC) : -1;
    if (fd >= 0) {
        void *p = MAP_FAILED;
        if (ftruncate(fd, (off_t)(size + HUGE_ALIGN)) == 0)
            p = mmap(NULL, size + HUGE_ALIGN, PROT_READ | PROT_WRITE,
                     MAP_SHARED | MAP_NORESERVE, fd, 0);
        *err = errno;
        (void)close(fd); /* the mapping keeps the file */
        if (p != MAP_FAILED)
            return p;
    }
    void *p = mmap(NULL, size + HUGE_ALIGN, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    *err = errno;
    return p;
}

int clpool__fork_arena_open(struct clpool__fork_arena *a, clpool *pool)
{
    memset(a, 0, sizeof *a);
    size_t want = machine_memory() & ~(HUGE_ALIGN - 1);
    size_t left = address_space_left();
    if (left != SIZE_MAX && want > (left / 8 & ~(HUGE_ALIGN - 1)))
        want = left / 8 & ~(HUGE_ALIGN - 1);
    if (want < ARENA_MIN)
        want = ARENA_MIN;
    /* Should the kernel still refuse (a limit we could not see), take the
     * largest reservation it grants. Over-allocating by one alignment unit
     * lets the base be rounded up to 2 MiB. */
    void *p = MAP_FAILED;
    size_t size = want;
    int err = 0;
    for (; size >= ARENA_MIN; size /= 2) {
        p = map_arena(size, &err);
        if (p != MAP_FAILED)
            break;
    }
    if (p == MAP_FAILED)
        return clpool__error(pool, CLPOOL_ENOMEM,
                             "fork backend: cannot reserve %zu bytes of shared memory for "
                             "buffers: %s",
                             (size_t)ARENA_MIN, strerror(err));
    uintptr_t raw = (uintptr_t)p;
    uintptr_t base = (raw + HUGE_ALIGN - 1) & ~(uintptr_t)(HUGE_ALIGN - 1);
    /* Give back the unaligned head and tail so that munmap(base, size) in
     * close releases exactly what is left. */
    if (base > raw)
        (void)munmap(p, base - raw);
    if (raw + size + HUGE_ALIGN > base + size)
        (void)munmap((void *)(base + size), raw + size + HUGE_ALIGN - (base + size));
    a->base = (unsigned char *)base;
    a->size = size;
    /* Only a hint: ignored where shared memory has no huge pages. */
    (void)madvise(a->base, a->size, MADV_HUGEPAGE);

    /* Without the shared list the pool works, unguarded. */
    a->guards = clpool__fork_shared_map(sizeof *a->guards);

    a->cap = 16;
    a->free = malloc(a->cap * sizeof *a->free);
    if (a->free == NULL) {
        (void)munmap(a->base, a->size);
        a->base = NULL;
        clpool__fork_shared_unmap(a->guards, sizeof *a->guards);
        a->guards = NULL;
        return clpool__error(pool, CLPOOL_ENOMEM, "no memory for the buffer allocator");
    }
    a->free[0].off = 0;
    a->free[0].len = size;
    a->nfree = 1;
    a->kept_max = machine_memory() / 16;
    if (a->kept_max > KEPT_MAX)
        a->kept_max = KEPT_MAX;
    return CLPOOL_OK;
}

void clpool__fork_arena_close(struct clpool__fork_arena *a)
{
    if (a->base != NULL)
        (void)munmap(a->base, a->size);
    clpool__fork_shared_unmap(a->guards, sizeof *a->guards);
    free(a->free);
    memset(a, 0, sizeof *a);
}

static void *carve(struct clpool__fork_arena *a, size_t len, size_t align)
{
    /* Free extents are separated by blocks, so there are at most
     * nblocks + 1 of them; an allocation's split or a free's insertion adds
     * one. Keeping cap > nfree + nblocks + 2 here means free() never has to
     * grow the array, and so can never fail. */
    if (a->nfree + a->nblocks + 3 > a->cap) {
        size_t cap = a->cap * 2;
        struct clpool__fork_extent *grown = realloc(a->free, cap * sizeof *grown);
        if (grown == NULL)
            return NULL;
        a->free = grown;
        a->cap = cap;
    }
    for (size_t i = 0; i < a->nfree; i++) {
        struct clpool__fork_extent *e = &a->free[i];
        size_t start = (e->off + align - 1) & ~(align - 1);
        size_t pad = start - e->off;
        if (pad > e->len || e->len - pad < len)
            continue;
        size_t tail = e->len - pad - len;
        if (pad == 0) {
            e->off += len;
            e->len = tail;
        } else {
            e->len = pad;
            if (tail != 0) {
                memmove(&a->free[i + 2], &a->free[i + 1],
                        (a->nfree - i - 1) * sizeof *a->free);
                a->free[i + 1].off = start + len;
                a->free[i + 1].len = tail;
                a->nfree++;
            }
        }
        if (e->len == 0) {
            memmove(&a->free[i], &a->free[i + 1], (a->nfree - i - 1) * sizeof *a->free);
            a->nfree--;
        }
        a->nblocks++;
        return a->base + start;
    }
    return NULL;
}

/* Gives a block's memory back to the system and its range to the free list. */
static void release(struct clpool__fork_arena *a, size_t off, size_t len)
{
    /* Punch the block's pages out of the shared memory object: the memory
     * goes back to the system now, not when the pool closes. A failure here
     * (an old kernel without MADV_REMOVE on shmem) only delays that. */
    (void)madvise(a->base + off, len, MADV_REMOVE);

    size_t i = 0;
    guard_set(a, off, len, SIZE_MAX);
    while (i < a->nfree && a->free[i].off < off)
        i++;
    int joins_prev = i > 0 && a->free[i - 1].off + a->free[i - 1].len == off;
    int joins_next = i < a->nfree && off + len == a->free[i].off;
    if (joins_prev && joins_next) {
        a->free[i - 1].len += len + a->free[i].len;
        memmove(&a->free[i], &a->free[i + 1], (a->nfree - i - 1) * sizeof *a->free);
        a->nfree--;
    } else if (joins_prev) {
        a->free[i - 1].len += len;
    } else if (joins_next) {
        a->free[i].off = off;
        a->free[i].len += len;
    } else {
        /* Room is guaranteed by alloc (see there). */
        memmove(&a->free[i + 1], &a->free[i], (a->nfree - i) * sizeof *a->free);
        a->free[i].off = off;
        a->free[i].len = len;
        a->nfree++;
    }
    a->nblocks--;
}

static void release_oldest_kept(struct clpool__fork_arena *a)
{
    struct clpool__fork_extent old = a->kept[0];
    memmove(&a->kept[0], &a->kept[1], (a->nkept - 1) * sizeof a->kept[0]);
    a->nkept--;
    a->kept_bytes -= old.len;
    release(a, old.off, old.len);
}

void *clpool__fork_arena_alloc(struct clpool__fork_arena *a, size_t bytes)
{
    size_t len;
    if (bytes == 0 || block_len(bytes, &len) != 0 || len > a->size)
        return NULL;
    unsigned char *block = NULL;
    for (size_t i = a->nkept; i-- > 0;) {
        if (a->kept[i].len == len) {
            size_t off = a->kept[i].off;
            memmove(&a->kept[i], &a->kept[i + 1], (a->nkept - i - 1) * sizeof a->kept[0]);
            a->nkept--;
            a->kept_bytes -= len;
            block = a->base + off;
            break;
        }
    }
    if (block == NULL) {
        block = carve(a, len, block_align(bytes));
        while (block == NULL && a->nkept > 0) {
            release_oldest_kept(a);
            block = carve(a, len, block_align(bytes));
        }
        if (block == NULL)
            return NULL;
    }
    size_t off = (size_t)(block - a->base);
    guard_set(a, off, len, off + data_len(bytes));
    return block + buf_offset(bytes);
}

void clpool__fork_arena_free(struct clpool__fork_arena *a, void *p, size_t bytes)
{
    size_t len;
    if (p == NULL || block_len(bytes, &len) != 0)
        return;
    size_t off = (size_t)((unsigned char *)p - a->base) - buf_offset(bytes);
    if (len > a->kept_max) {
        release(a, off, len);
        return;
    }
    while (a->nkept == FORK_KEPT || a->kept_bytes + len > a->kept_max)
        release_oldest_kept(a);
    a->kept[a->nkept].off = off;
    a->kept[a->nkept].len = len;
    a->nkept++;
    a->kept_bytes += len;
}
