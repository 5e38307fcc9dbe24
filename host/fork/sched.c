/*
 * Chunking of a map's items among the workers: guided self-scheduling.
 *
 * Each claim takes a fraction of what is left, remaining / (GUIDED_K *
 * workers), never less than MIN_CHUNK. Early chunks are large, so a map
 * like saxpy costs a handful of claims per worker; late chunks are small, so
 * a map whose items differ by orders of magnitude in cost (Mandelbrot rows
 * inside and outside the set) still ends with every worker busy until
 * nearly the end. Chunk boundaries stay on multiples of ALIGN_ITEMS so that
 * a vectorised kernel loop starts aligned and has no scalar head.
 */
#include "fork.h"

/* With 4, no single chunk is more than a quarter of a worker's fair share of
 * what remains, which bounds the imbalance the big early chunks can cause. */
#define GUIDED_K 4
#define ALIGN_ITEMS ((size_t)16)
/* The smallest claim, in items: the default group (FORK_GROUP_ITEMS), so
 * that a map given small groups is claimed as finely as one with the
 * default, not group by group (measured: 64-item groups of saxpy over 2^24
 * items were 10% slower than the default's 1024 when the floor was 32). */
#define MIN_CHUNK FORK_GROUP_ITEMS

/* In work-groups of unit items: the alignment and the minimum are in items
 * (a group of ALIGN_ITEMS or more is aligned already, being whole). */
static size_t chunk_for(size_t remaining, size_t nworkers, size_t unit)
{
    /* What is left is under the smallest claim: all of it, as below, but
     * without the divisions (a small map's path). Neither factor is over
     * MIN_CHUNK, so the product cannot overflow. */
    if (remaining <= MIN_CHUNK && unit <= MIN_CHUNK && remaining * unit <= MIN_CHUNK)
        return remaining;
    size_t c = remaining / (GUIDED_K * (nworkers ? nworkers : 1));
    if (unit < ALIGN_ITEMS) {
        size_t align = ALIGN_ITEMS / unit;
        c = (c + align - 1) / align * align;
    }
    size_t min = (MIN_CHUNK + unit - 1) / unit;
    if (c < min)
        c = min;
    return c < remaining ? c : remaining;
}

int clpool__fork_claim(struct clpool__fork_job *job, size_t *begin, size_t *end)
{
    size_t n = job->n;
    size_t cur = atomic_load_explicit(&job->next, memory_order_relaxed);
    for (;;) {
        if (cur >= n)
            return 0;
        size_t c = chunk_for(n - cur, job->nworkers, job->unit != 0 ? job->unit : 1);
        /* Relaxed is enough: the items' data was published with the job, and
         * results are published through job->done. */
        if (atomic_compare_exchange_weak_explicit(&job->next, &cur, cur + c,
                                                  memory_order_relaxed, memory_order_relaxed)) {
            *begin = cur;
            *end = cur + c;
            return 1;
        }
    }
}
