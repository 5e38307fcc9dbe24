/*
 * Bad input, on the fork backend and then on OpenCL (opened after the fork
 * pools, which is allowed): NULL handles and pointers, n × element size
 * overflowing size_t, offsets past the end, allocations over the backend's
 * limit, missing, empty and unreadable .cl files, options the compiler
 * rejects, and argument lists that do not fit. Each call must return its
 * status with a message that says what was wrong; the library prints
 * nothing (stdout and stderr are captured and must stay empty), aborts
 * nothing, and leaves output untouched when it refuses the arguments.
 * ctest parts: fork opencl
 */
#include "faults_util.h"

#include <fcntl.h>
#include <sys/stat.h>

static const char source[] =
    "__kernel void add(__global const int *a, __global int *b, const int k)\n"
    "{\n"
    "    const size_t i = get_global_id(0);\n"
    "    b[i] = a[i] + k;\n"
    "}\n";

#define SENTINEL 0x5a5a5a5a
#define N 64

/* ------------------------------------------------- nothing printed */

static int saved_out = -1, saved_err = -1;
static char capture_path[] = "/tmp/clpool-faults-input-XXXXXX";

static void capture_dump(void)
{
    if (saved_err < 0)
        return;
    fflush(NULL);
    dup2(saved_out, 1);
    dup2(saved_err, 2);
    close(saved_out);
    close(saved_err);
    saved_out = saved_err = -1;
    FILE *f = fopen(capture_path, "r");
    if (f != NULL) {
        char buf[4096];
        size_t len;
        while ((len = fread(buf, 1, sizeof buf, f)) > 0)
            fwrite(buf, 1, len, stderr);
        fclose(f);
    }
    unlink(capture_path);
}

/* From here to capture_end, whatever is written to fds 1 and 2 goes to a
 * file; a failing assert's message is shown when the test exits. */
static void capture_begin(void)
{
    fflush(NULL);
    strcpy(capture_path + sizeof capture_path - 7, "XXXXXX");
    int fd = mkstemp(capture_path);
    ASSERT(fd >= 0);
    saved_out = dup(1);
    saved_err = dup(2);
    ASSERT(saved_out >= 0 && saved_err >= 0);
    dup2(fd, 1);
    dup2(fd, 2);
    close(fd);
    static int registered;
    if (!registered++)
        atexit(capture_dump);
}

/* Lines an OpenCL driver's compiler prints itself, not the library: PoCL's
 * clang says "1 error generated." on stderr after a failed build. */
static int driver_noise_only(void)
{
    FILE *f = fopen(capture_path, "r");
    if (f == NULL)
        return 0;
    char line[512];
    int only = 1;
    while (fgets(line, sizeof line, f) != NULL) {
        unsigned count;
        char tail[64];
        if (sscanf(line, "%u error%*[s] generated%63s", &count, tail) != 2 &&
            sscanf(line, "%u error generated%63s", &count, tail) != 2)
            only = 0;
    }
    fclose(f);
    return only;
}

static void capture_end(const char *what, int driver)
{
    fflush(NULL);
    struct stat st;
    ASSERT_EQ(stat(capture_path, &st), 0);
    off_t printed = st.st_size;
    if (driver && printed != 0 && driver_noise_only()) {
        fprintf(stderr, "(%s: the OpenCL driver's compiler printed %lld bytes, shown below)\n",
                what, (long long)printed);
        printed = 0;
    }
    capture_dump();
    if (printed != 0)
        FAIL_("%s: the library printed %lld bytes (shown above)", what, (long long)printed);
}

/* ------------------------------------------------------- helpers */

#define EXPECT(pool, call, want, needle)                                                   \
    do {                                                                                   \
        ASSERT_STATUS(pool, call, want);                                                   \
        const char *m_ = clpool_errmsg(pool);                                              \
        if ((needle) != NULL)                                                              \
            ASSERT_STR_CONTAINS(m_, (const char *)(needle));                               \
        else                                                                               \
            ASSERT(m_ != NULL);                                                            \
    } while (0)

static void fill(int *v, size_t n, int value)
{
    for (size_t i = 0; i < n; i++)
        v[i] = value;
}

static void check_untouched(const int *v, size_t n, const char *what)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] != SENTINEL)
            FAIL_("%s: element %zu was written (%#x) although the call was refused", what, i,
                  (unsigned)v[i]);
}

static char tmpdir[] = "/tmp/clpool-faults-input-dir-XXXXXX";

static const char *write_file(const char *name, const char *text)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    ASSERT(f != NULL);
    fputs(text, f);
    fclose(f);
    return path;
}

/* ------------------------------------------------------ the checks */

static void null_handles(void)
{
    clpool *out = (clpool *)&out;
    EXPECT(NULL, clpool_open(NULL, NULL), CLPOOL_EINVAL, "NULL");
    clpool_config cfg = test_config(CLPOOL_FORK);
    cfg.workers = -3;
    ASSERT_STATUS(NULL, clpool_open(&cfg, &out), CLPOOL_EINVAL);
    ASSERT(out == NULL);
    ASSERT(strlen(clpool_errmsg(NULL)) > 0);
    cfg.workers = 1;
    cfg.backend = (clpool_backend)42;
    ASSERT_STATUS(NULL, clpool_open(&cfg, &out), CLPOOL_EINVAL);
    ASSERT(out == NULL);

    clpool_program *prog = (clpool_program *)&prog;
    clpool_kernel *k = (clpool_kernel *)&k;
    clpool_buffer *buf = (clpool_buffer *)&buf;
    clpool_event *ev = (clpool_event *)&ev;
    int v[N];
    fill(v, N, SENTINEL);
    ASSERT_EQ(clpool_program_source(NULL, source, NULL, &prog), CLPOOL_EINVAL);
    ASSERT_EQ(clpool_program_file(NULL, "x.cl", NULL, &prog), CLPOOL_EINVAL);
    ASSERT_EQ(clpool_kernel_get(NULL, "add", &k), CLPOOL_EINVAL);
    ASSERT_EQ(clpool_buffer_new(NULL, 16, &buf), CLPOOL_EINVAL);
    ASSERT_EQ(clpool_buffer_write(NULL, 0, v, sizeof v), CLPOOL_EINVAL);
    ASSERT_EQ(clpool_buffer_read(NULL, 0, v, sizeof v), CLPOOL_EINVAL);
    check_untouched(v, N, "clpool_buffer_read(NULL, ...)");
    ASSERT_EQ(clpool_buffer_size(NULL), 0);
    ASSERT_EQ(clpool_map(NULL, N, NULL, 0), CLPOOL_EINVAL);
    /* An async map's errors may come back from its wait. */
    int rc = clpool_map_async(NULL, N, NULL, 0, &ev);
    if (rc == CLPOOL_OK)
        rc = clpool_wait(ev);
    ASSERT_EQ(rc, CLPOOL_EINVAL);
    ASSERT_EQ(clpool_wait(NULL), CLPOOL_EINVAL);
    clpool_close(NULL);
    clpool_program_free(NULL);
    clpool_buffer_free(NULL);
    ASSERT(clpool_errmsg(NULL) != NULL);
    ASSERT(clpool_describe(NULL) != NULL);
    ASSERT(clpool_program_log(NULL) != NULL);
    ASSERT(strcmp(clpool_strerror(-12345), "unknown status") == 0);
}

/* What the rejected options said, shown once nothing is captured. */
static char notes[4096];

static void bad_programs(clpool *pool, const char *backend)
{
    clpool_program *prog = (clpool_program *)&prog;
    EXPECT(pool, clpool_program_source(pool, NULL, NULL, &prog), CLPOOL_EINVAL, "source is NULL");
    ASSERT_EQ(clpool_program_source(pool, source, NULL, NULL), CLPOOL_EINVAL);
    EXPECT(pool, clpool_program_file(pool, NULL, NULL, &prog), CLPOOL_EINVAL, "path is NULL");

    char path[600];
    snprintf(path, sizeof path, "%s/missing.cl", tmpdir);
    EXPECT(pool, clpool_program_file(pool, path, NULL, &prog), CLPOOL_EIO, path);
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "No such file");
    ASSERT(prog == NULL);

    const char *empty = write_file("empty.cl", "  \n\t\n");
    EXPECT(pool, clpool_program_file(pool, empty, NULL, &prog), CLPOOL_EBUILD, empty);
    ASSERT_STR_CONTAINS(clpool_errmsg(pool), "empty");
    const char *zero = write_file("zero.cl", "");
    EXPECT(pool, clpool_program_file(pool, zero, NULL, &prog), CLPOOL_EBUILD, zero);

    /* A directory cannot be read as a file. */
    EXPECT(pool, clpool_program_file(pool, tmpdir, NULL, &prog), CLPOOL_EIO, tmpdir);
    /* An unreadable file (not for root, who reads everything). */
    const char *locked = write_file("locked.cl", source);
    ASSERT_EQ(chmod(locked, 0), 0);
    if (geteuid() != 0) {
        EXPECT(pool, clpool_program_file(pool, locked, NULL, &prog), CLPOOL_EIO, locked);
        ASSERT_STR_CONTAINS(clpool_errmsg(pool), "Permission denied");
    }

    /* A syntax error: EBUILD with the compiler's log pointing at line 2. */
    EXPECT(pool, clpool_program_source(pool, "__kernel void f(__global int *x)\n{ x[0] = ; }\n",
                                       NULL, &prog),
           CLPOOL_EBUILD, "2");
    /* Options the compiler rejects: a build failure whose message says so. */
    static const char *const bad_options[] = {"-cl-no-such-option", "-DX=(", "-I"};
    for (size_t i = 0; i < sizeof bad_options / sizeof bad_options[0]; i++) {
        /* Said outside the capture, so that a crash shows where it was. */
        dprintf(saved_err >= 0 ? saved_err : 2, "%s: building with options \"%s\"\n", backend,
                bad_options[i]);
        int rc = clpool_program_source(pool, source, bad_options[i], &prog);
        const char *m = clpool_errmsg(pool);
        if (rc == CLPOOL_OK) {
            /* "-DX=(" only breaks a program that uses X. */
            ASSERT(i == 1);
            clpool_program_free(prog);
            continue;
        }
        if (rc != CLPOOL_EBUILD && rc != CLPOOL_EINVAL)
            FAIL_("%s: options \"%s\": got %s: %s", backend, bad_options[i], clpool_err_name(rc),
                  m);
        ASSERT(m != NULL && strlen(m) > 0);
        size_t used = strlen(notes);
        snprintf(notes + used, sizeof notes - used, "%s: options \"%s\": %s: %.200s\n",
                 backend, bad_options[i], clpool_err_name(rc), m);
    }
}

static void bad_maps(clpool *pool, clpool *other)
{
    clpool_program *prog;
    clpool_kernel *k;
    ASSERT_OK(pool, clpool_program_source(pool, source, NULL, &prog));
    clpool_kernel *nk = (clpool_kernel *)&nk;
    EXPECT(pool, clpool_kernel_get(prog, NULL, &nk), CLPOOL_EINVAL, "name is NULL");
    EXPECT(pool, clpool_kernel_get(prog, "nope", &nk), CLPOOL_ENOKERNEL, "add");
    ASSERT_EQ(clpool_kernel_get(prog, "add", NULL), CLPOOL_EINVAL);
    ASSERT_OK(pool, clpool_kernel_get(prog, "add", &k));

    int a[N], b[N];
    for (int i = 0; i < N; i++)
        a[i] = i;
    fill(b, N, SENTINEL);

    /* NULL host arrays, element sizes that are 0 or wrong. */
    EXPECT(pool, CLPOOL_MAP(k, N, clpool_in(NULL, 4), clpool_out(b, 4), clpool_i32(1)),
           CLPOOL_EINVAL, "NULL");
    check_untouched(b, N, "NULL input");
    EXPECT(pool, CLPOOL_MAP(k, N, clpool_in(a, 0), clpool_out(b, 4), clpool_i32(1)),
           CLPOOL_EINVAL, "0");
    check_untouched(b, N, "element size 0");
    EXPECT(pool, CLPOOL_MAP(k, N, clpool_in(a, 8), clpool_out(b, 4), clpool_i32(1)),
           CLPOOL_EARG, "add");
    check_untouched(b, N, "element size 8 for an int");
    /* n × element size overflowing size_t. */
    EXPECT(pool, CLPOOL_MAP(k, SIZE_MAX / 2, clpool_in(a, 4), clpool_out(b, 4), clpool_i32(1)),
           CLPOOL_EOVERFLOW, "overflow");
    check_untouched(b, N, "n * 4 overflowing");
    EXPECT(pool, CLPOOL_MAP(k, SIZE_MAX, clpool_in(a, 4), clpool_out(b, 4), clpool_i32(1)),
           CLPOOL_EOVERFLOW, "overflow");
    check_untouched(b, N, "n = SIZE_MAX");
    /* The wrong number and kinds of arguments. */
    EXPECT(pool, CLPOOL_MAP(k, N, clpool_in(a, 4), clpool_out(b, 4)), CLPOOL_EARG, "add");
    check_untouched(b, N, "too few arguments");
    EXPECT(pool,
           CLPOOL_MAP(k, N, clpool_in(a, 4), clpool_out(b, 4), clpool_i32(1), clpool_i32(2)),
           CLPOOL_EARG, "add");
    EXPECT(pool, CLPOOL_MAP(k, N, clpool_in(a, 4), clpool_out(b, 4), clpool_i64(1)), CLPOOL_EARG,
           "add");
    EXPECT(pool, CLPOOL_MAP(k, N, clpool_in(a, 4), clpool_buf(NULL), clpool_i32(1)),
           CLPOOL_EINVAL, "clpool_buf(NULL)");
    EXPECT(pool, CLPOOL_MAP(k, N, clpool_i32(3), clpool_out(b, 4), clpool_i32(1)), CLPOOL_EARG,
           "add");
    check_untouched(b, N, "a scalar for a pointer");
    clpool_arg junk[3];
    memset(junk, 0, sizeof junk);
    EXPECT(pool, clpool_map(k, N, junk, 3), CLPOOL_EINVAL, "add");
    ASSERT_NE(clpool_map(k, N, NULL, 3), CLPOOL_OK);
    /* A buffer from another pool. */
    clpool_buffer *foreign;
    ASSERT_OK(other, clpool_buffer_new(other, N * sizeof(int), &foreign));
    EXPECT(pool, CLPOOL_MAP(k, N, clpool_in(a, 4), clpool_buf(foreign), clpool_i32(1)),
           CLPOOL_EINVAL, "another pool");
    clpool_buffer_free(foreign);
    /* A bad async map gives its error at its wait. */
    clpool_event *ev = NULL;
    int rc = clpool_map_async(k, N, (const clpool_arg[]){clpool_in(a, 4), clpool_out(b, 4)}, 2,
                              &ev);
    if (rc == CLPOOL_OK)
        rc = clpool_wait(ev);
    ASSERT_STATUS(pool, rc, CLPOOL_EARG);
    check_untouched(b, N, "a bad async map");
    ASSERT_EQ(clpool_map_async(k, N, NULL, 0, NULL), CLPOOL_EINVAL);

    /* And after all that, a good map. */
    ASSERT_OK(pool, CLPOOL_MAP(k, N, clpool_in(a, 4), clpool_out(b, 4), clpool_i32(5)));
    for (int i = 0; i < N; i++)
        ASSERT_EQ(b[i], i + 5);
    /* n == 0 touches nothing, whatever the pointers. */
    fill(b, N, SENTINEL);
    ASSERT_OK(pool, CLPOOL_MAP(k, 0, clpool_in(NULL, 4), clpool_out(b, 4), clpool_i32(5)));
    check_untouched(b, N, "n == 0");
    clpool_program_free(prog);
}

static void bad_buffers(clpool *pool)
{
    clpool_buffer *buf = (clpool_buffer *)&buf;
    EXPECT(pool, clpool_buffer_new(pool, 0, &buf), CLPOOL_EINVAL, "0 bytes");
    ASSERT_EQ(clpool_buffer_new(pool, 16, NULL), CLPOOL_EINVAL);
    /* Over the backend's limit: refused, with the limit in the message. */
    EXPECT(pool, clpool_buffer_new(pool, SIZE_MAX, &buf), CLPOOL_ENOMEM, "allows (");
    EXPECT(pool, clpool_buffer_new(pool, SIZE_MAX / 2 + 1, &buf), CLPOOL_ENOMEM, "bytes)");

    int v[N], w[N];
    ASSERT_OK(pool, clpool_buffer_new(pool, sizeof v, &buf));
    ASSERT_EQ(clpool_buffer_size(buf), sizeof v);
    fill(v, N, SENTINEL);
    ASSERT_OK(pool, clpool_buffer_write(buf, 0, v, sizeof v));
    for (int i = 0; i < N; i++)
        w[i] = i;
    /* Past the end, by offset, by length, by overflow: refused, nothing copied. */
    EXPECT(pool, clpool_buffer_write(buf, sizeof v + 4, w, 4), CLPOOL_EINVAL, "past the end");
    EXPECT(pool, clpool_buffer_write(buf, 4, w, sizeof w), CLPOOL_EINVAL, "past the end");
    EXPECT(pool, clpool_buffer_write(buf, SIZE_MAX - 2, w, 8), CLPOOL_EINVAL, "past the end");
    EXPECT(pool, clpool_buffer_write(buf, 4, w, SIZE_MAX), CLPOOL_EINVAL, "past the end");
    EXPECT(pool, clpool_buffer_write(buf, 0, NULL, 4), CLPOOL_EINVAL, "NULL");
    fill(w, N, SENTINEL);
    ASSERT_OK(pool, clpool_buffer_read(buf, 0, w, sizeof w));
    check_untouched(w, N, "the buffer after refused writes");
    int *r = w;
    fill(r, N, SENTINEL);
    ASSERT_OK(pool, clpool_buffer_write(buf, 0, (int[]){1, 2, 3, 4}, 16));
    EXPECT(pool, clpool_buffer_read(buf, sizeof v, r, 4), CLPOOL_EINVAL, "past the end");
    EXPECT(pool, clpool_buffer_read(buf, 8, r, sizeof v), CLPOOL_EINVAL, "past the end");
    EXPECT(pool, clpool_buffer_read(buf, SIZE_MAX, r, 1), CLPOOL_EINVAL, "past the end");
    EXPECT(pool, clpool_buffer_read(buf, 0, NULL, 4), CLPOOL_EINVAL, "NULL");
    check_untouched(r, N, "refused reads");
    /* Zero bytes at the very end is fine. */
    ASSERT_OK(pool, clpool_buffer_read(buf, sizeof v, r, 0));
    ASSERT_OK(pool, clpool_buffer_write(buf, sizeof v, w, 0));
    clpool_buffer_free(buf);
}

static void run_backend(clpool_backend backend, const char *name)
{
    clpool_config cfg = test_config(backend);
    cfg.workers = 2;
    clpool *pool = test_try_open(&cfg), *other = NULL;
    if (pool == NULL) {
        fprintf(stderr, "%s: skipped\n", name);
        return;
    }
    ASSERT_OK(NULL, clpool_open(&cfg, &other));
    size_t fds0 = proc_count_fds();
    char phase[64];
    snprintf(phase, sizeof phase, "%s: bad maps", name);
    faults_phase(phase);
    capture_begin();
    bad_maps(pool, other);
    capture_end(phase, backend == CLPOOL_OPENCL);
    snprintf(phase, sizeof phase, "%s: bad buffers", name);
    faults_phase(phase);
    capture_begin();
    bad_buffers(pool);
    capture_end(phase, backend == CLPOOL_OPENCL);
    /* Last: a crash on a bad option (a driver's bug) should not hide the rest. */
    snprintf(phase, sizeof phase, "%s: bad programs", name);
    faults_phase(phase);
    capture_begin();
    bad_programs(pool, name);
    capture_end(phase, backend == CLPOOL_OPENCL);
    fputs(notes, stderr);
    notes[0] = '\0';
    ASSERT_EQ(proc_count_fds(), fds0);
    clpool_close(other);
    clpool_close(pool);
}

/* Also when a part that cannot run here exits 77. */
static void remove_tmpdir(void)
{
    test_remove_tree(tmpdir);
}

int main(void)
{
    faults_watchdog(240);
    ASSERT(mkdtemp(tmpdir) != NULL);
    atexit(remove_tmpdir);
    faults_phase("NULL handles");
    capture_begin();
    null_handles();
    capture_end("NULL handles", 0);
    if (test_part("fork"))
        run_backend(CLPOOL_FORK, "fork");
    faults_check_children(0);
    if (test_part("opencl"))
        run_backend(CLPOOL_OPENCL, "opencl");
    ASSERT_EQ(test_remove_tree(tmpdir), 0);
    return 0;
}
