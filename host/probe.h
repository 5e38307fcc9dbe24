#ifndef CLPOOL_PROBE_H
#define CLPOOL_PROBE_H

#include <stddef.h>

/* Runs probe(why, whylen) in a short-lived child process and returns its
 * answer (1 found, 0 not), so that a runtime the probe initialises (OpenCL
 * drivers start threads) never lives in this process, which may later fork
 * workers. A child that crashes or hangs counts as 0, with why saying so. */
int clpool__probe_in_child(int (*probe)(char *why, size_t whylen), char *why, size_t whylen);

#endif /* CLPOOL_PROBE_H */
