/*
 * The device after a map that timed out. OpenCL 1.2 cannot stop a kernel
 * that has started, so it runs on, and every later command on the pool's
 * in-order queue (a map, a read, a write) would wait behind it without
 * bound. Instead each such call first asks whether that kernel has ended,
 * waits for it at most the pool's own time limit, and otherwise returns
 * CLPOOL_ETIMEDOUT saying that the device is still busy with it.
 */
#include "opencl/opencl.h"

#include <stdio.h>
#include <time.h>

#define POLL_NS 1000000L
/* How long a call without a time limit of its own (the pool's limit turned
 * off since) waits for the kernel before it says the device is busy. */
#define UNLIMITED_WAIT_MS 2000u

void clpool__cl_busy_set(clpool *pool, cl_event ev, const char *kernel, unsigned timeout_ms)
{
    struct clpool__cl_pool *cl = clpool__cl_of(pool);
    /* One at a time: a second timeout can only come after the first one's
     * kernel ended (busy_check stands in front of every launch). */
    if (cl->busy.ev != NULL || clRetainEvent(ev) != CL_SUCCESS)
        return;
    cl->busy.ev = ev;
    snprintf(cl->busy.kernel, sizeof cl->busy.kernel, "%s", kernel);
    cl->busy.timeout_ms = timeout_ms;
}

int clpool__cl_busy_now(struct clpool__cl_pool *cl)
{
    if (cl->busy.ev == NULL)
        return 0;
    cl_int exec = CL_COMPLETE;
    /* A failed query counts as ended: the next command then reports what
     * the runtime says. */
    if (clGetEventInfo(cl->busy.ev, CL_EVENT_COMMAND_EXECUTION_STATUS, sizeof exec, &exec,
                       NULL) == CL_SUCCESS &&
        exec > CL_COMPLETE)
        return 1;
    (void)clReleaseEvent(cl->busy.ev);
    cl->busy.ev = NULL;
    return 0;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int clpool__cl_busy_check(clpool *pool)
{
    struct clpool__cl_pool *cl = clpool__cl_of(pool);
    if (!clpool__cl_busy_now(cl))
        return CLPOOL_OK;
    /* This call's own limit: the pool's, else a short bound. */
    unsigned limit = pool->cfg.timeout_ms != 0 ? pool->cfg.timeout_ms : UNLIMITED_WAIT_MS;
    int64_t start = now_ms();
    while (now_ms() - start < (int64_t)limit) {
        struct timespec pause = {0, POLL_NS};
        (void)nanosleep(&pause, NULL);
        if (!clpool__cl_busy_now(cl))
            return CLPOOL_OK;
    }
    return clpool__error(pool, CLPOOL_ETIMEDOUT,
                         "the device is still busy with kernel '%s', which ran past the %u ms "
                         "limit (timeout_ms) in an earlier map and which OpenCL cannot stop; "
                         "waited %u ms more for it. Try again later, or close the pool",
                         cl->busy.kernel, cl->busy.timeout_ms, limit);
}
