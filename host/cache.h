/*
 * The on-disk cache of built programs: content-addressed by a SHA-256 key,
 * written atomically (temporary file + rename), kept in a private directory.
 * Every entry carries its own key, its length, the files the build read
 * besides its source (with their contents' hashes) and a SHA-256 over all
 * of it; an entry that does not verify, or whose files have changed, is
 * treated as a miss (and removed), never trusted.
 */
#ifndef CLPOOL_CACHE_H
#define CLPOOL_CACHE_H

#include <stddef.h>

#include "deps.h"

typedef struct clpool__cache {
    char *dir;   /* the directory in use, NULL when the cache is off */
    char *note;  /* for clpool_describe: "cache: /home/u/.cache/clpool" or
                    "cache: off (/tmp/x is writable by group or others)" */
} clpool__cache;

/* Chooses and checks the directory: cfg_dir NULL = $XDG_CACHE_HOME/clpool,
 * else $HOME/.cache/clpool; "" = off. The directory is created mode 0700; one
 * owned by another user, or writable by group or others, is not used (the
 * cache is then off and note says why). Returns 0, or -1 on allocation
 * failure; an unusable directory is not an error. */
int clpool__cache_open(clpool__cache *c, const char *cfg_dir);
void clpool__cache_close(clpool__cache *c);

/* One input to a key. Parts are hashed with their lengths, so ("ab","c") and
 * ("a","bc") give different keys. */
typedef struct clpool__key_part {
    const void *data;
    size_t len;
} clpool__key_part;

#define CLPOOL__KEY_HEX 65 /* 64 hex digits and a NUL */

/* key = SHA-256 over the parts, as lowercase hex. */
void clpool__cache_key(const clpool__key_part *parts, size_t nparts, char key[CLPOOL__KEY_HEX]);

/* Returns 1 and a heap copy of the payload on a hit, 0 on a miss (no entry,
 * cache off, or an entry that failed verification), -1 on allocation
 * failure. */
int clpool__cache_load(const clpool__cache *c, const char *key, void **data, size_t *len);

/* Stores the payload under key atomically. Returns 0, or -1 if it could not
 * be written (the cache is an optimisation: callers carry on). */
int clpool__cache_store(const clpool__cache *c, const char *key, const void *data, size_t len);

/* The same, recording deps (NULL: none) in the entry: a later load is a hit
 * only while every one of those files has the contents it had now. deps
 * with failed set are not stored (returns -1). */
int clpool__cache_store_deps(const clpool__cache *c, const char *key, const clpool__deps *deps,
                             const void *data, size_t len);

/* Whether the cache's file system has room for a build's files (a few
 * megabytes free); 0 when it is full, so that builds go elsewhere. */
int clpool__cache_has_room(const clpool__cache *c);

/* Removes key's entry: one that verified but that the backend could not
 * load (a driver or loader that changed since). Nothing to report. */
void clpool__cache_drop(const clpool__cache *c, const char *key);

/* The reader's checks on an entry read whole for key, without touching the
 * disk (the fuzz harness drives it): header is HEADER_SIZE (88) bytes, body
 * the rest. Returns 0 with the dependency list's and the payload's lengths
 * when the entry is key's and verifies, 1 when it is to be thrown away. */
#define CLPOOL__CACHE_HEADER 88
int clpool__cache_entry_check(const char *key, const unsigned char *header,
                              const unsigned char *body, size_t body_len, size_t *deps_len,
                              size_t *payload_len);

#endif /* CLPOOL_CACHE_H */
