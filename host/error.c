/* Error messages: the last failure's detail lives on the pool (like
 * sqlite3_errmsg); a failed clpool_open has no pool, so its message lives in
 * the calling thread. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Big enough for a list of every device on a large machine. */
static _Thread_local char open_errmsg[4096];

/* Kept when the message itself cannot be allocated. */
static const char no_memory_for_message[] = "out of memory (while formatting the error message)";

static void set_message(clpool *pool, char *msg)
{
    if (pool == NULL) {
        snprintf(open_errmsg, sizeof open_errmsg, "%s", msg ? msg : no_memory_for_message);
        free(msg);
        return;
    }
    free(pool->errmsg);
    pool->errmsg = msg;
}

int clpool__verror(clpool *pool, int status, const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int len = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    char *msg = len < 0 ? NULL : malloc((size_t)len + 1);
    if (msg != NULL)
        vsnprintf(msg, (size_t)len + 1, fmt, ap);
    set_message(pool, msg);
    return status;
}

int clpool__error(clpool *pool, int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    clpool__verror(pool, status, fmt, ap);
    va_end(ap);
    return status;
}

int clpool__error_locked(clpool *pool, int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pthread_mutex_lock(&pool->lock);
    clpool__verror(pool, status, fmt, ap);
    pthread_mutex_unlock(&pool->lock);
    va_end(ap);
    return status;
}

int clpool__error_text(clpool *pool, int status, const char *text)
{
    set_message(pool, clpool__strdup(text));
    return status;
}

char *clpool__error_swap(clpool *pool, char *msg)
{
    char *old = pool->errmsg;
    pool->errmsg = msg;
    return old;
}

/* Each thread gets its own copy of a pool's message, so that another thread's
 * failure on a shared pool cannot free the string under it. The key is
 * process-wide, like errno; its destructor frees a thread's copy. */
static pthread_key_t copy_key;
static pthread_once_t copy_key_once = PTHREAD_ONCE_INIT;
static int copy_key_made;

static void make_copy_key(void)
{
    copy_key_made = pthread_key_create(&copy_key, free) == 0;
}

const char *clpool_errmsg(const clpool *pool)
{
    if (pool == NULL)
        return open_errmsg;
    pthread_once(&copy_key_once, make_copy_key);
    if (!copy_key_made)
        return pool->errmsg != NULL ? pool->errmsg : "";

    /* The lock guards the message, not the pool's value: cast it away. */
    clpool *p = (clpool *)pool;
    pthread_mutex_lock(&p->lock);
    char *copy = clpool__strdup(p->errmsg != NULL ? p->errmsg : "");
    pthread_mutex_unlock(&p->lock);
    if (copy == NULL)
        return no_memory_for_message;
    free(pthread_getspecific(copy_key));
    if (pthread_setspecific(copy_key, copy) != 0) {
        free(copy);
        return no_memory_for_message;
    }
    return copy;
}

/* Moves a failed open's message from the half-made pool to the thread. */
void clpool__error_to_thread(clpool *pool)
{
    snprintf(open_errmsg, sizeof open_errmsg, "%s", pool->errmsg != NULL ? pool->errmsg : "");
}

void clpool__error_clear_thread(void)
{
    open_errmsg[0] = '\0';
}
