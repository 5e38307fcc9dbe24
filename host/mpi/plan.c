/* Chunk sizes. The per-chunk cost (a message each way, a map call on the
 * rank's pool) was measured at 0.4 ms over shared memory and 0.8 ms over
 * TCP (README, "Many machines"), so a chunk of about TARGET_S of work costs
 * 1-2% of it, and with two chunks in flight per rank most of that is hidden.
 * Near the end chunks shrink (guided self-scheduling: at most the remaining
 * items over 2 x the ranks x the chunks each holds, since a rank's second
 * chunk is given while its first runs) so that the ranks finish together,
 * but not below FLOOR_S of work. A rank's speed is measured on its own
 * chunks, so a GPU rank gets bigger ones; items differ in cost (Mandelbrot's
 * rows by 100x), so a rate measured on cheap items overestimates the next
 * chunk's, and the guided cap is what bounds the imbalance at the end. */
#include "mpi_internal.h"

#include <stdlib.h>

#define TARGET_S 0.040
#define FLOOR_S 0.004
#define FIRST_MAX 65536
#define CHUNK_BYTES_MAX ((size_t)32 << 20) /* host-array bytes of one chunk */

static size_t round_up(size_t v, size_t g)
{
    return (v + g - 1) / g * g;
}

void cmpi__plan_init(cmpi__plan *p, size_t n, int size, size_t item_bytes, size_t max_elem)
{
    p->fixed = 0;
    const char *env = getenv("CLPOOL_MPI_CHUNK");
    if (env != NULL) {
        char *end = NULL;
        unsigned long long v = strtoull(env, &end, 10);
        if (end != env && *end == '\0' && v > 0)
            p->fixed = (size_t)v;
    }
    size_t first = n / ((size_t)size * 32);
    if (first > FIRST_MAX)
        first = FIRST_MAX;
    p->first = round_up(first > 0 ? first : 1, CMPI__GRANULE);
    p->max_items = (size_t)-1;
    if (item_bytes > 0)
        p->max_items = CHUNK_BYTES_MAX / item_bytes;
    /* One slice must fit an MPI message's int count, in pieces or not:
     * keep each under CMPI__PIECE so that it is one message. */
    if (max_elem > 0 && CMPI__PIECE / max_elem < p->max_items)
        p->max_items = CMPI__PIECE / max_elem;
    if (p->max_items < CMPI__GRANULE)
        p->max_items = CMPI__GRANULE;
    p->max_items -= p->max_items % CMPI__GRANULE;
    if (p->fixed > p->max_items && max_elem > 0 && p->fixed > CMPI__PIECE / max_elem)
        p->fixed = CMPI__PIECE / max_elem;
}

/* The size of the chunk that starts at item next, for a rank that ran
 * rate items a second (0: not measured yet). */
size_t cmpi__plan_next(const cmpi__plan *p, double rate, size_t next, size_t n, int size)
{
    size_t remaining = n - next;
    size_t s;
    if (p->fixed != 0) {
        s = p->fixed;
    } else {
        s = rate > 0 ? (size_t)(rate * TARGET_S) : p->first;
        size_t guided = remaining / (2 * CMPI__DEPTH * (size_t)size);
        size_t floor = rate > 0 ? (size_t)(rate * FLOOR_S) : CMPI__GRANULE;
        if (s > guided)
            s = guided > floor ? guided : floor;
        s = round_up(s > 0 ? s : 1, CMPI__GRANULE);
        if (s > p->max_items)
            s = p->max_items;
        /* No crumb left behind: a last piece under a granule joins this one. */
        if (remaining > s && remaining - s < CMPI__GRANULE && s + CMPI__GRANULE <= p->max_items)
            s = remaining;
    }
    return s < remaining ? s : remaining;
}
