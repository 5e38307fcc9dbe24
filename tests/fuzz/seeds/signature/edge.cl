/* kernel void not_this(int x) {} */
#define K __kernel
#if 0
kernel void hidden(__global int *a) {}
#endif
typedef struct { float scale; int w; } params;
K void a(__global const float4 *restrict x, __global params *p, const uint n, __local int *tmp) { }
__kernel __attribute__((reqd_work_group_size(16, 1, 1))) void b(read_only image2d_t img, sampler_t s) {}
kernel void c(void) {}
__kernel void d(__global int* a, // comment ) {
                int b) { a[0] = b; "string with ) and {"; }
