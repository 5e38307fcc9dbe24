/* What a call's arguments mean on each rank: the checks every rank makes,
 * root's SETUP message, and each chunk's own argument list. */
#include "mpi_internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct setup_head {
    uint64_t n;
    uint32_t nargs;
    int32_t status;
    uint32_t timeout_ms;
    uint32_t msglen;
} setup_head;

typedef struct setup_arg {
    int32_t kind;
    uint32_t pad;
    uint64_t size;
} setup_arg;

int cmpi__is_slice(clpool_arg_kind kind)
{
    return kind == CLPOOL_ARG_IN || kind == CLPOOL_ARG_OUT || kind == CLPOOL_ARG_INOUT;
}

int cmpi__is_input(clpool_arg_kind kind)
{
    return kind == CLPOOL_ARG_IN || kind == CLPOOL_ARG_INOUT;
}

int cmpi__is_output(clpool_arg_kind kind)
{
    return kind == CLPOOL_ARG_OUT || kind == CLPOOL_ARG_INOUT;
}

static const char *kind_name(int kind)
{
    switch (kind) {
    case CLPOOL_ARG_BUFFER: return "clpool_buf";
    case CLPOOL_ARG_IN: return "clpool_in";
    case CLPOOL_ARG_OUT: return "clpool_out";
    case CLPOOL_ARG_INOUT: return "clpool_inout";
    case CLPOOL_ARG_SCALAR: return "a scalar";
    case CLPOOL_ARG_LOCAL: return "clpool_local";
    case CLPOOL_ARG_ARRAY_IN: return "clpool_array_in";
    case CLPOOL_ARG_ARRAY_OUT: return "clpool_array_out";
    case CLPOOL_ARG_ARRAY_INOUT: return "clpool_array_inout";
    default: return "not a clpool argument";
    }
}

static const void *scalar_bytes(const clpool_arg *a)
{
    return a->host != NULL ? a->host : (const void *)&a->value;
}

/* The checks a rank can make alone, before it hears from root. */
int cmpi__check_local(cmpi__call *c)
{
    int me = c->rank;
    int is_root = c->rank == c->root;
    if (c->k == NULL) {
        cmpi__fail(c, CLPOOL_EINVAL, me, "clpool_mpi_map: no kernel (k is NULL)");
        return c->status;
    }
    if (c->nargs > 0 && c->user == NULL) {
        cmpi__fail(c, CLPOOL_EINVAL, me, "clpool_mpi_map: %zu arguments but args is NULL",
                   c->nargs);
        return c->status;
    }
    size_t item_bytes = 0;
    for (size_t i = 0; i < c->nargs; i++) {
        const clpool_arg *a = &c->user[i];
        switch (a->kind) {
        case CLPOOL_ARG_IN:
        case CLPOOL_ARG_OUT:
        case CLPOOL_ARG_INOUT:
            if (!is_root)
                break;
            if (a->size == 0) {
                cmpi__fail(c, CLPOOL_EARG, me, "clpool_mpi_map: argument %zu: %s with an "
                           "element size of 0", i, kind_name(a->kind));
                return c->status;
            }
            if (a->host == NULL && c->n > 0) {
                cmpi__fail(c, CLPOOL_EINVAL, me, "clpool_mpi_map: argument %zu: %s(NULL) at "
                           "root, where host arrays are read", i, kind_name(a->kind));
                return c->status;
            }
            if (item_bytes + a->size < item_bytes || (c->n > 0 && (size_t)-1 / c->n < a->size)) {
                cmpi__fail(c, CLPOOL_EOVERFLOW, me, "clpool_mpi_map: argument %zu: %zu items "
                           "of %zu bytes overflow a size_t", i, c->n, a->size);
                return c->status;
            }
            item_bytes += a->size;
            break;
        case CLPOOL_ARG_ARRAY_IN:
            if (is_root && (a->host == NULL || a->size == 0)) {
                cmpi__fail(c, CLPOOL_EINVAL, me, "clpool_mpi_map: argument %zu: "
                           "clpool_array_in(%s, %zu) at root", i, a->host ? "host" : "NULL",
                           a->size);
                return c->status;
            }
            break;
        case CLPOOL_ARG_ARRAY_OUT:
        case CLPOOL_ARG_ARRAY_INOUT:
            cmpi__fail(c, CLPOOL_EARG, me, "clpool_mpi_map: argument %zu: %s has no one "
                       "meaning across ranks (each rank would write its own copy of the "
                       "whole array); give per-item results as clpool_out", i,
                       kind_name(a->kind));
            return c->status;
        case CLPOOL_ARG_BUFFER:
            if (a->buf == NULL) {
                cmpi__fail(c, CLPOOL_EINVAL, me, "clpool_mpi_map: argument %zu: "
                           "clpool_buf(NULL)", i);
                return c->status;
            }
            break;
        case CLPOOL_ARG_SCALAR:
            if (is_root && a->size == 0) {
                cmpi__fail(c, CLPOOL_EARG, me, "clpool_mpi_map: argument %zu: a scalar of "
                           "0 bytes", i);
                return c->status;
            }
            break;
        case CLPOOL_ARG_LOCAL:
            break;
        default:
            cmpi__fail(c, CLPOOL_EINVAL, me, "clpool_mpi_map: argument %zu was not made by "
                       "a clpool_* argument constructor (kind %d)", i, (int)a->kind);
            return c->status;
        }
    }
    c->item_bytes = item_bytes;
    return CLPOOL_OK;
}

/* Root's SETUP: its n, argument kinds and sizes, scalars, time limit, and
 * its own check's outcome. Root's resolved arguments are its own. */
int cmpi__setup_pack(cmpi__call *c, void **out, size_t *len)
{
    size_t nargs = c->status == CLPOOL_OK ? c->nargs : 0;
    size_t bytes = sizeof(setup_head) + nargs * sizeof(setup_arg);
    for (size_t i = 0; i < nargs; i++)
        if (c->user[i].kind == CLPOOL_ARG_SCALAR)
            bytes += c->user[i].size;
    size_t msglen = c->status != CLPOOL_OK ? strlen(c->msg) + 1 : 0;
    bytes += msglen;
    char *m = calloc(1, bytes);
    if (m == NULL)
        return CLPOOL_ENOMEM;
    setup_head h = {c->n, (uint32_t)nargs, c->status, c->timeout_ms, (uint32_t)msglen};
    memcpy(m, &h, sizeof h);
    char *p = m + sizeof h;
    for (size_t i = 0; i < nargs; i++) {
        setup_arg sa = {(int32_t)c->user[i].kind, 0, c->user[i].size};
        memcpy(p, &sa, sizeof sa);
        p += sizeof sa;
    }
    for (size_t i = 0; i < nargs; i++)
        if (c->user[i].kind == CLPOOL_ARG_SCALAR) {
            memcpy(p, scalar_bytes(&c->user[i]), c->user[i].size);
            p += c->user[i].size;
        }
    if (msglen > 0)
        memcpy(p, c->msg, msglen);
    *out = m;
    *len = bytes;
    return CLPOOL_OK;
}

/* A non-root rank's reading of root's SETUP (msg is kept by the call until
 * it ends: scalars point into it). Root's failure becomes the call's; this
 * rank's own mismatches are its failure. */
int cmpi__setup_unpack(cmpi__call *c, void *msg, size_t len)
{
    setup_head h;
    if (len < sizeof h)
        goto malformed;
    memcpy(&h, msg, sizeof h);
    const char *p = (const char *)msg + sizeof h, *end = (const char *)msg + len;
    if ((size_t)(end - p) / sizeof(setup_arg) < h.nargs)
        goto malformed;
    const char *scalars = p + (size_t)h.nargs * sizeof(setup_arg);
    c->timeout_ms = h.timeout_ms;
    if (h.status != CLPOOL_OK) {
        if (h.msglen == 0 || h.msglen > (size_t)(end - scalars) || scalars[h.msglen - 1] != '\0')
            goto malformed;
        /* Root's own failure: the only one the call reports. */
        c->status = CLPOOL_OK;
        cmpi__fail_named(c, h.status, c->root, scalars);
        return c->status;
    }
    if (c->status != CLPOOL_OK)
        return c->status; /* this rank's own check failed */
    c->n = (size_t)h.n;
    if (h.nargs != c->nargs) {
        cmpi__fail(c, CLPOOL_EARG, c->rank, "clpool_mpi_map: %zu arguments where root "
                   "gives %u", c->nargs, (unsigned)h.nargs);
        return c->status;
    }
    c->args = calloc(c->nargs ? c->nargs : 1, sizeof *c->args);
    c->arrays = calloc(c->nargs ? c->nargs : 1, sizeof *c->arrays);
    if (c->args == NULL || c->arrays == NULL) {
        cmpi__fail(c, CLPOOL_ENOMEM, c->rank, "clpool_mpi_map: out of memory");
        return c->status;
    }
    size_t item_bytes = 0;
    for (size_t i = 0; i < c->nargs; i++) {
        setup_arg sa;
        memcpy(&sa, p + i * sizeof sa, sizeof sa);
        const clpool_arg *mine = &c->user[i];
        if ((int)sa.kind != (int)mine->kind) {
            cmpi__fail(c, CLPOOL_EARG, c->rank, "clpool_mpi_map: argument %zu is %s here "
                       "where root gives %s", i, kind_name(mine->kind), kind_name(sa.kind));
            return c->status;
        }
        clpool_arg *a = &c->args[i];
        switch (mine->kind) {
        case CLPOOL_ARG_IN:
        case CLPOOL_ARG_OUT:
        case CLPOOL_ARG_INOUT:
            a->kind = mine->kind;
            a->size = (size_t)sa.size;
            item_bytes += a->size;
            break;
        case CLPOOL_ARG_SCALAR:
            if ((size_t)(end - scalars) < sa.size)
                goto malformed;
            *a = clpool_scalar(scalars, (size_t)sa.size);
            scalars += sa.size;
            break;
        case CLPOOL_ARG_LOCAL:
            *a = clpool_local((size_t)sa.size);
            break;
        case CLPOOL_ARG_BUFFER:
            *a = *mine;
            break;
        case CLPOOL_ARG_ARRAY_IN:
            c->arrays[i] = malloc(sa.size ? (size_t)sa.size : 1);
            if (c->arrays[i] == NULL) {
                cmpi__fail(c, CLPOOL_ENOMEM, c->rank, "clpool_mpi_map: argument %zu: no "
                           "memory for root's clpool_array_in of %llu bytes", i,
                           (unsigned long long)sa.size);
                return c->status;
            }
            *a = clpool_array_in(c->arrays[i], (size_t)sa.size);
            break;
        default:
            goto malformed;
        }
    }
    c->item_bytes = item_bytes;
    return CLPOOL_OK;
malformed:
    c->status = CLPOOL_OK;
    cmpi__fail(c, CLPOOL_EIO, c->rank, "clpool_mpi_map: root's SETUP message is malformed "
               "(%zu bytes): are all ranks running the same clpool_mpi?", len);
    return c->status;
}

/* The chunk's own argument list: host arrays at the chunk's elements. */
int cmpi__chunk_args(cmpi__call *c, cmpi__chunk *ch)
{
    ch->cargs = malloc((c->nargs ? c->nargs : 1) * sizeof *ch->cargs);
    if (ch->cargs == NULL)
        return CLPOOL_ENOMEM;
    for (size_t i = 0; i < c->nargs; i++) {
        ch->cargs[i] = c->args[i];
        if (!cmpi__is_slice(c->args[i].kind))
            continue;
        if (ch->bufs != NULL)
            ch->cargs[i].host = ch->bufs[i];
        else
            ch->cargs[i].host = (const char *)c->user[i].host + (size_t)ch->b * c->args[i].size;
    }
    return CLPOOL_OK;
}

void cmpi__chunk_free(cmpi__chunk *ch, size_t nargs)
{
    if (ch == NULL)
        return;
    if (ch->bufs != NULL)
        for (size_t i = 0; i < nargs; i++)
            free(ch->bufs[i]);
    free(ch->bufs);
    free(ch->cargs);
    free(ch->reqs);
    free(ch);
}
