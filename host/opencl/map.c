/*
 * Running a map: set the arguments, enqueue one N-D range, wait.
 * This is the path whose speed must equal hand-written OpenCL, so it does
 * exactly what such code does (clSetKernelArg per argument, one
 * clEnqueueNDRangeKernel, one wait) and allocates nothing but the event.
 */
#include "opencl/opencl.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <stdint.h>
#include <time.h>

/* Polling a timed map starts fast, for short kernels, and backs off to this,
 * so a long kernel costs the host one wake-up per millisecond and the
 * answer comes at most this late. */
#define POLL_MIN_NS 20000L
#define POLL_MAX_NS 1000000L

/* The parameter, in words, for messages: "2 (float *y)" or "2". */
static void param_words(const clpool_kernel *k, size_t i, char *buf, size_t len)
{
    if (k->sig != NULL && i < k->sig->nparams)
        snprintf(buf, len, "%zu (%s %s)", i, k->sig->params[i].type, k->sig->params[i].name);
    else
        snprintf(buf, len, "%zu", i);
}

int clpool__cl_set_args(clpool_kernel *k, cl_kernel kernel, const clpool_arg *args, size_t nargs)
{
    for (size_t i = 0; i < nargs; i++) {
        cl_int err;
        if (args[i].kind == CLPOOL_ARG_BUFFER) {
            cl_mem mem = (cl_mem)args[i].buf->impl;
            err = clSetKernelArg(kernel, (cl_uint)i, sizeof mem, &mem);
        } else if (args[i].kind == CLPOOL_ARG_LOCAL) {
            err = clSetKernelArg(kernel, (cl_uint)i, args[i].size, NULL);
        } else {
            err = clSetKernelArg(kernel, (cl_uint)i, args[i].size, clpool__arg_bytes(&args[i]));
        }
        if (err == CL_SUCCESS)
            continue;
        char param[256];
        param_words(k, i, param, sizeof param);
        /* The signature check passed, so the runtime knows something the
         * parser did not (a struct's real size, say): still the caller's
         * argument that is wrong. */
        int status = err == CL_INVALID_ARG_SIZE || err == CL_INVALID_ARG_VALUE ||
                             err == CL_INVALID_MEM_OBJECT || err == CL_INVALID_ARG_INDEX
                         ? CLPOOL_EARG
                         : clpool__cl_status(err);
        return clpool__error(k->prog->pool, status,
                             "kernel '%s' argument %s: clSetKernelArg with %zu bytes failed: %s "
                             "(%d)",
                             k->name, param,
                             args[i].kind == CLPOOL_ARG_BUFFER ? sizeof(cl_mem) : args[i].size,
                             clpool__cl_err_name(err), (int)err);
    }
    return CLPOOL_OK;
}

/* The message for a command that the device reports as failed. */
static int run_failed(clpool_kernel *k, size_t n, cl_event ev, cl_int wait_err)
{
    cl_int exec = 0;
    if (clGetEventInfo(ev, CL_EVENT_COMMAND_EXECUTION_STATUS, sizeof exec, &exec, NULL) !=
            CL_SUCCESS ||
        exec >= 0)
        exec = wait_err;
    return clpool__cl_error(k->prog->pool, exec, "kernel '%s' over %zu items failed on the device",
                            k->name, n);
}

static int now_ns(int64_t *out)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        return -1;
    *out = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
    return 0;
}

/*
 * Waits for ev until deadline (a now_ns() time) by polling its status.
 *
 * OpenCL 1.2 cannot cancel a command that has started, so when the limit
 * passes the kernel keeps running on the device: this map returns
 * CLPOOL_ETIMEDOUT at once, the buffers it writes may still change, the next
 * command on the pool's in-order queue (a map, read or write) waits behind
 * it, and memory it uses is freed by the runtime only once it ends. Closing
 * the pool does not wait for it (see clpool__cl_close).
 */
static int wait_bounded(clpool_kernel *k, size_t n, cl_event ev, int64_t deadline,
                        unsigned timeout_ms)
{
    clpool *pool = k->prog->pool;
    long pause_ns = POLL_MIN_NS;
    for (;;) {
        cl_int exec;
        cl_int err = clGetEventInfo(ev, CL_EVENT_COMMAND_EXECUTION_STATUS, sizeof exec, &exec,
                                    NULL);
        if (err != CL_SUCCESS)
            return clpool__cl_error(pool, err, "clGetEventInfo on kernel '%s' failed", k->name);
        if (exec == CL_COMPLETE)
            return CLPOOL_OK;
        if (exec < 0)
            return run_failed(k, n, ev, exec);
        int64_t now;
        if (now_ns(&now) != 0)
            return clpool__error(pool, CLPOOL_EIO, "clock_gettime(CLOCK_MONOTONIC) failed: %s",
                                 strerror(errno));
        if (now >= deadline) {
            clpool__cl_busy_set(pool, ev, k->name, timeout_ms); /* busy.c */
            return clpool__error(pool, CLPOOL_ETIMEDOUT,
                                 "kernel '%s' over %zu items ran past the %u ms limit "
                                 "(timeout_ms); OpenCL cannot stop it, so it keeps running on "
                                 "the device, and the pool's next commands wait for it at most "
                                 "their own time limit",
                                 k->name, n, timeout_ms);
        }
        int64_t left = deadline - now;
        struct timespec pause = {0, left < pause_ns ? (long)left : pause_ns};
        /* An interrupted sleep only makes this poll come early. */
        (void)nanosleep(&pause, NULL);
        if (pause_ns < POLL_MAX_NS)
            pause_ns *= 2;
    }
}

int clpool__cl_map(clpool_kernel *k, const clpool__nd *nd, const clpool_arg *args, size_t nargs)
{
    int status = clpool__cl_set_args(k, (cl_kernel)k->impl, args, nargs);
    if (status != CLPOOL_OK)
        return status;
    return clpool__cl_launch(k, (cl_kernel)k->impl, nd);
}

int clpool__cl_start(clpool_kernel *k, cl_kernel kernel, const clpool__nd *nd, int submit)
{
    clpool *pool = k->prog->pool;
    struct clpool__cl_pool *cl = clpool__cl_of(pool);
    int busy = clpool__cl_busy_check(pool); /* busy.c: after a timed-out map */
    if (busy != CLPOOL_OK)
        return busy;

    /* local = NULL lets the runtime choose a work-group size that divides
     * the global size, so any size works, primes included. A map without an
     * offset passes none, as hand-written code does. */
    const size_t n = nd->items;
    int has_offset = (nd->offset[0] | nd->offset[1] | nd->offset[2]) != 0;
    cl_event ev = NULL;
    cl_int err = clEnqueueNDRangeKernel(cl->queue, kernel, nd->dims,
                                        has_offset ? nd->offset : NULL, nd->global,
                                        nd->local[0] != 0 ? nd->local : NULL, 0, NULL, &ev);
    if (err != CL_SUCCESS)
        return clpool__cl_error(pool, err, "clEnqueueNDRangeKernel of kernel '%s' over %zu items "
                                "failed", k->name, n);
    cl->flight.k = k;
    cl->flight.ev = ev;
    cl->flight.n = n;
    cl->flight.timeout_ms = pool->cfg.timeout_ms;
    cl->flight.deadline = 0;
    /* A whole map without a limit leaves the submission to the wait, as
     * hand-written code does. A timed map submits now, so that polling its
     * status is not polling a command the runtime is still holding back. */
    if (!submit && pool->cfg.timeout_ms == 0)
        return CLPOOL_OK;
    int64_t now = 0;
    err = clFlush(cl->queue);
    if (err == CL_SUCCESS && (pool->cfg.timeout_ms == 0 || now_ns(&now) == 0)) {
        if (pool->cfg.timeout_ms != 0)
            cl->flight.deadline = now + (int64_t)pool->cfg.timeout_ms * 1000000;
        return CLPOOL_OK;
    }
    int status = err != CL_SUCCESS
                     ? clpool__cl_error(pool, err, "clFlush after kernel '%s' failed", k->name)
                     : clpool__error(pool, CLPOOL_EIO, "clock_gettime(CLOCK_MONOTONIC) failed: %s",
                                     strerror(errno));
    /* As after a timeout: the kernel may run on, and the in-order queue
     * puts the pool's next command behind it. */
    (void)clReleaseEvent(ev);
    cl->flight.ev = NULL;
    return status;
}

int clpool__cl_finish(clpool *pool)
{
    struct clpool__cl_pool *cl = clpool__cl_of(pool);
    clpool_kernel *k = cl->flight.k;
    cl_event ev = cl->flight.ev;
    int status = CLPOOL_OK;
    if (cl->flight.deadline != 0) {
        status = wait_bounded(k, cl->flight.n, ev, cl->flight.deadline, cl->flight.timeout_ms);
    } else {
        cl_int err = clWaitForEvents(1, &ev);
        if (err != CL_SUCCESS)
            status = run_failed(k, cl->flight.n, ev, err);
    }
    (void)clReleaseEvent(ev);
    cl->flight.ev = NULL;
    return status;
}

int clpool__cl_launch(clpool_kernel *k, cl_kernel kernel, const clpool__nd *nd)
{
    int status = clpool__cl_start(k, kernel, nd, 0);
    return status != CLPOOL_OK ? status : clpool__cl_finish(k->prog->pool);
}
