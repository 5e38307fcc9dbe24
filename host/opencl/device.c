/*
 * Finding OpenCL devices: every platform's devices are listed, the AUTO
 * probe asks whether any is a GPU or accelerator, and the device filter
 * picks one for a pool.
 */
#include "opencl/opencl.h"

#include <CL/cl_ext.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#ifndef CL_PLATFORM_NOT_FOUND_KHR
#define CL_PLATFORM_NOT_FOUND_KHR -1001
#endif

/* clGetPlatformInfo and clGetDeviceInfo behind one signature, so that the
 * size-then-fill query below is written once. */
typedef cl_int (*info_fn)(void *handle, cl_uint what, size_t size, void *value, size_t *size_ret);

static cl_int platform_info(void *handle, cl_uint what, size_t size, void *value, size_t *ret)
{
    return clGetPlatformInfo((cl_platform_id)handle, what, size, value, ret);
}

static cl_int device_info(void *handle, cl_uint what, size_t size, void *value, size_t *ret)
{
    return clGetDeviceInfo((cl_device_id)handle, what, size, value, ret);
}

/* Asks the size, then fills a buffer of it. The string is NUL-terminated
 * even if a driver forgets. */
static cl_int query_string(info_fn info, void *handle, cl_uint what, char **out)
{
    *out = NULL;
    size_t size = 0;
    cl_int err = info(handle, what, 0, NULL, &size);
    if (err != CL_SUCCESS)
        return err;
    char *s = malloc(size + 1);
    if (s == NULL)
        return CL_OUT_OF_HOST_MEMORY;
    err = info(handle, what, size, s, NULL);
    if (err != CL_SUCCESS) {
        free(s);
        return err;
    }
    s[size] = '\0';
    *out = s;
    return CL_SUCCESS;
}

cl_int clpool__cl_platform_string(cl_platform_id p, cl_platform_info what, char **out)
{
    return query_string(platform_info, p, what, out);
}

cl_int clpool__cl_device_string(cl_device_id d, cl_device_info what, char **out)
{
    return query_string(device_info, d, what, out);
}

const char *clpool__cl_type_word(cl_device_type type)
{
    if (type & CL_DEVICE_TYPE_GPU)
        return "GPU";
    if (type & CL_DEVICE_TYPE_ACCELERATOR)
        return "accelerator";
    if (type & CL_DEVICE_TYPE_CPU)
        return "CPU";
    if (type & CL_DEVICE_TYPE_CUSTOM)
        return "custom";
    return "other";
}

void clpool__cl_devices_free(clpool__cl_device_list *list)
{
    for (size_t i = 0; i < list->ndevices; i++) {
        free(list->devices[i].name);
        free(list->devices[i].vendor);
        free(list->devices[i].platform_name);
        free(list->devices[i].platform_vendor);
    }
    free(list->devices);
    list->devices = NULL;
    list->ndevices = 0;
}

/* Fills one entry's strings and type. */
static cl_int describe_device(clpool__cl_device *d, const char *platform_name,
                              const char *platform_vendor)
{
    cl_int err = clGetDeviceInfo(d->device, CL_DEVICE_TYPE, sizeof d->type, &d->type, NULL);
    if (err != CL_SUCCESS)
        return err;
    err = clpool__cl_device_string(d->device, CL_DEVICE_NAME, &d->name);
    if (err != CL_SUCCESS)
        return err;
    err = clpool__cl_device_string(d->device, CL_DEVICE_VENDOR, &d->vendor);
    if (err != CL_SUCCESS)
        return err;
    d->platform_name = clpool__strdup(platform_name);
    d->platform_vendor = clpool__strdup(platform_vendor);
    return d->platform_name == NULL || d->platform_vendor == NULL ? CL_OUT_OF_HOST_MEMORY
                                                                   : CL_SUCCESS;
}

/* Appends platform p's devices to the list. A platform without devices adds
 * none and is not an error. */
static cl_int add_platform(clpool__cl_device_list *list, cl_platform_id p, const char **failed)
{
    char *pname = NULL, *pvendor = NULL;
    cl_device_id *ids = NULL;
    cl_int err = clpool__cl_platform_string(p, CL_PLATFORM_NAME, &pname);
    if (err != CL_SUCCESS) {
        *failed = "clGetPlatformInfo(CL_PLATFORM_NAME)";
        return err;
    }
    err = clpool__cl_platform_string(p, CL_PLATFORM_VENDOR, &pvendor);
    if (err != CL_SUCCESS) {
        *failed = "clGetPlatformInfo(CL_PLATFORM_VENDOR)";
        goto free_name;
    }
    cl_uint n = 0;
    err = clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, 0, NULL, &n);
    if (err == CL_DEVICE_NOT_FOUND || (err == CL_SUCCESS && n == 0)) {
        err = CL_SUCCESS;
        goto free_name;
    }
    if (err != CL_SUCCESS) {
        *failed = "clGetDeviceIDs";
        goto free_name;
    }
    ids = malloc(n * sizeof *ids);
    clpool__cl_device *grown = realloc(list->devices, (list->ndevices + n) * sizeof *grown);
    if (grown != NULL)
        list->devices = grown;
    if (ids == NULL || grown == NULL) {
        *failed = "malloc";
        err = CL_OUT_OF_HOST_MEMORY;
        goto free_ids;
    }
    err = clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, n, ids, NULL);
    if (err != CL_SUCCESS) {
        *failed = "clGetDeviceIDs";
        goto free_ids;
    }
    for (cl_uint i = 0; i < n; i++) {
        clpool__cl_device *d = &list->devices[list->ndevices];
        memset(d, 0, sizeof *d);
        d->platform = p;
        d->device = ids[i];
        /* Counted before it is complete, so that devices_free frees the
         * part that was filled in. */
        list->ndevices++;
        err = describe_device(d, pname, pvendor);
        if (err != CL_SUCCESS) {
            *failed = "clGetDeviceInfo";
            goto free_ids;
        }
    }
free_ids:
    free(ids);
free_name:
    free(pvendor);
    free(pname);
    return err;
}

cl_int clpool__cl_devices(clpool__cl_device_list *list, const char **failed)
{
    memset(list, 0, sizeof *list);
    *failed = "";
    cl_uint n = 0;
    cl_int err = clGetPlatformIDs(0, NULL, &n);
    /* The ICD loader says CL_PLATFORM_NOT_FOUND_KHR when no driver is
     * installed: that is an answer (no platform), not a failure. */
    if (err == CL_PLATFORM_NOT_FOUND_KHR || (err == CL_SUCCESS && n == 0))
        return CL_SUCCESS;
    if (err != CL_SUCCESS) {
        *failed = "clGetPlatformIDs";
        return err;
    }
    cl_platform_id *ids = malloc(n * sizeof *ids);
    if (ids == NULL) {
        *failed = "malloc";
        return CL_OUT_OF_HOST_MEMORY;
    }
    err = clGetPlatformIDs(n, ids, NULL);
    if (err != CL_SUCCESS) {
        *failed = "clGetPlatformIDs";
        goto free_ids;
    }
    list->nplatforms = n;
    for (cl_uint i = 0; i < n; i++) {
        size_t before = list->ndevices;
        const char *what = "";
        cl_int perr = add_platform(list, ids[i], &what);
        if (perr == CL_OUT_OF_HOST_MEMORY) {
            err = perr;
            *failed = what;
            clpool__cl_devices_free(list);
            goto free_ids;
        }
        if (perr != CL_SUCCESS) {
            /* One broken driver must not hide the others: drop this
             * platform's devices and remember why for the messages. */
            for (size_t j = before; j < list->ndevices; j++) {
                free(list->devices[j].name);
                free(list->devices[j].vendor);
                free(list->devices[j].platform_name);
                free(list->devices[j].platform_vendor);
            }
            list->ndevices = before;
            if (list->skipped[0] == '\0')
                snprintf(list->skipped, sizeof list->skipped,
                         "platform %u skipped: %s failed: %s (%d)", i, what,
                         clpool__cl_err_name(perr), (int)perr);
        }
    }
free_ids:
    free(ids);
    return err;
}

/* 0 best: GPUs first, then accelerators, then the rest. */
static int type_rank(cl_device_type type)
{
    if (type & CL_DEVICE_TYPE_GPU)
        return 0;
    if (type & CL_DEVICE_TYPE_ACCELERATOR)
        return 1;
    return 2;
}

static int contains_nocase(const char *hay, const char *needle)
{
    return hay != NULL && strcasestr(hay, needle) != NULL;
}

static int matches(const clpool__cl_device *d, const char *filter)
{
    if (filter == NULL || filter[0] == '\0')
        return 1;
    if (strcasecmp(filter, "gpu") == 0)
        return (d->type & CL_DEVICE_TYPE_GPU) != 0;
    if (strcasecmp(filter, "cpu") == 0)
        return (d->type & CL_DEVICE_TYPE_CPU) != 0;
    if (strcasecmp(filter, "accelerator") == 0)
        return (d->type & CL_DEVICE_TYPE_ACCELERATOR) != 0;
    /* The platform's vendor lets "pocl", "nvidia" or "intel" pick a
     * driver whatever its devices are called. */
    return contains_nocase(d->name, filter) || contains_nocase(d->vendor, filter) ||
           contains_nocase(d->platform_name, filter) ||
           contains_nocase(d->platform_vendor, filter);
}

const clpool__cl_device *clpool__cl_select(const clpool__cl_device_list *list,
                                           const char *filter)
{
    const clpool__cl_device *best = NULL;
    for (size_t i = 0; i < list->ndevices; i++) {
        const clpool__cl_device *d = &list->devices[i];
        if (!matches(d, filter))
            continue;
        if (best == NULL || type_rank(d->type) < type_rank(best->type))
            best = d;
    }
    return best;
}

/* Whether every device listed is of the same kind, for "CPU devices only". */
static int same_type_word(const clpool__cl_device_list *list)
{
    for (size_t i = 1; i < list->ndevices; i++)
        if (strcmp(clpool__cl_type_word(list->devices[i].type),
                   clpool__cl_type_word(list->devices[0].type)) != 0)
            return 0;
    return 1;
}

int clpool__cl_auto_probe(char *why, size_t whylen)
{
    clpool__cl_device_list list;
    const char *failed;
    cl_int err = clpool__cl_devices(&list, &failed);
    if (err != CL_SUCCESS) {
        snprintf(why, whylen, "%s failed: %s (%d)", failed, clpool__cl_err_name(err), (int)err);
        return 0;
    }
    int found = 0;
    const clpool__cl_device *d = clpool__cl_select(&list, NULL);
    if (d != NULL && type_rank(d->type) < 2) {
        snprintf(why, whylen, "OpenCL %s %s (%s)", clpool__cl_type_word(d->type), d->name,
                 d->platform_name);
        found = 1;
    } else if (list.nplatforms == 0) {
        snprintf(why, whylen, "no OpenCL platform");
    } else {
        const char *plural = list.nplatforms == 1 ? "" : "s";
        if (list.ndevices == 0)
            snprintf(why, whylen, "%u platform%s, no devices%s%s", list.nplatforms, plural,
                     list.skipped[0] ? "; " : "", list.skipped);
        else if (same_type_word(&list))
            snprintf(why, whylen, "%u platform%s, %s devices only", list.nplatforms, plural,
                     clpool__cl_type_word(list.devices[0].type));
        else
            snprintf(why, whylen, "%u platform%s, %zu devices, none a GPU or accelerator",
                     list.nplatforms, plural, list.ndevices);
    }
    clpool__cl_devices_free(&list);
    return found;
}
