/* y = 2x + y over a million floats: on a GPU if there is one, else on every core.
 * Run it where saxpy.cl is, or give the kernel file's path: saxpy [FILE.cl] */
#include <clpool.h>
#include <stdio.h>

#define N (1 << 20)
static float x[N], y[N];

int main(int argc, char **argv)
{
    for (int i = 0; i < N; i++) {
        x[i] = (float)i;
        y[i] = 1.0f;
    }
    clpool *pool;
    if (clpool_open(NULL, &pool) != CLPOOL_OK) {
        fprintf(stderr, "clpool: %s\n", clpool_errmsg(NULL));
        return 1;
    }
    clpool_program *prog;
    clpool_kernel *saxpy;
    int rc = clpool_program_file(pool, argc > 1 ? argv[1] : "saxpy.cl", NULL, &prog);
    if (rc == CLPOOL_OK)
        rc = clpool_kernel_get(prog, "saxpy", &saxpy);
    if (rc == CLPOOL_OK)
        rc = CLPOOL_MAP(saxpy, N, clpool_f32(2.0f), clpool_in(x, sizeof *x),
                        clpool_inout(y, sizeof *y));
    if (rc == CLPOOL_OK)
        printf("%s\ny[3] = %g (2 * 3 + 1)\n", clpool_describe(pool), y[3]);
    else
        fprintf(stderr, "clpool: %s\n", clpool_errmsg(pool));
    clpool_close(pool); /* frees the program and kernel too */
    return rc == CLPOOL_OK && y[3] == 7.0f ? 0 : 1;
}
