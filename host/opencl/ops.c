/* The OpenCL backend's table of operations: what pool.c calls. */
#include "backend.h"
#include "opencl/opencl.h"

const struct clpool__backend_ops clpool__opencl_ops = {
    .name = "opencl",
    .kind = CLPOOL_OPENCL,
    .auto_probe = clpool__cl_auto_probe,
    /* OpenCL drivers start threads, and a forked child of a threaded driver
     * can deadlock: the probe runs in a child that only probes. */
    .probe_in_child = 1,
    .open = clpool__cl_open,
    .close = clpool__cl_close,
    .program_build = clpool__cl_program_build,
    .program_free = clpool__cl_program_free,
    .kernel_create = clpool__cl_kernel_create,
    /* Frees the kernel's window wrapper too (window.c). */
    .kernel_free = clpool__cl_window_kernel_free,
    .buffer_new = clpool__cl_buffer_new,
    .buffer_free = clpool__cl_buffer_free,
    .buffer_write = clpool__cl_buffer_write,
    .buffer_read = clpool__cl_buffer_read,
    .map = clpool__cl_map,
    .window_start = clpool__cl_window_start,
    .window_wait = clpool__cl_window_wait,
    .xfer_write = clpool__cl_xfer_write,
    .xfer_read = clpool__cl_xfer_read,
    /* In place on a CPU device, pinned memory on a GPU (hostmem.c). */
    .host_alloc = clpool__cl_host_alloc,
    .host_free = clpool__cl_host_free,
    .host_view = clpool__cl_host_view,
    .host_unview = clpool__cl_host_unview,
};
