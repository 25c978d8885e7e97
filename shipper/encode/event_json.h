/* SPDX-License-Identifier: Apache-2.0 */
/* Process records -> Tetragon-compatible JSON text (libfastjson).
 *
 * The encoder owns one output buffer, reused for every event: a returned pointer is valid
 * until the next call. Slashes are written unescaped, as Tetragon writes them (libfastjson
 * always escapes them; we undo exactly its "\/" pairs). */
#ifndef PROCSHIP_EVENT_JSON_H
#define PROCSHIP_EVENT_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "shipper/capture/proc_cache.h"

struct ejson;

/* node_name for every event (copied). boot_offset_ns = CLOCK_REALTIME - CLOCK_BOOTTIME, to
 * turn BPF boot-time stamps into wall-clock time. */
struct ejson *ejson_new(const char *node, int64_t boot_offset_ns);
void ejson_free(struct ejson *ej); /* accepts NULL */
void ejson_set_boot_offset(struct ejson *ej, int64_t boot_offset_ns);
/* The host's namespaces (PID 1's at start-up), which ns's is_host compares with. */
void ejson_set_host_ns(struct ejson *ej, const uint32_t host[PS_NS_COUNT]);

/* The longest event text the output can carry (0 = no limit). An event that would be longer
 * is re-encoded with its longest strings shortened, arguments first, then paths, each cut
 * flagged (truncArgs, truncFilename, truncCWD): the JSON stays whole and valid. Only when
 * that is not enough is the text longer than max_len (the framer then cuts it, counted). */
void ejson_set_max_len(struct ejson *ej, size_t max_len);

/* An event over max_len after its ancestors are cut loses environment variables next, the
 * parent's last entries before the process's, each environment cut flagged truncEnvs
 * (procship's flag; Tetragon has none), before any string is cut. */

/* With ancestors on, an exec's and an exit's ancestors (Tetragon's: beyond the parent,
 * nearest first, up to pid 1 or 2, as far as the cache knows them; none for pid 1 and 2).
 * An event over max_len loses its farthest ancestors first, the process flagged
 * truncAncestors (procship's flag; Tetragon has none), before any string is cut; so does one
 * whose walk stopped at PCACHE_ANCESTORS_MAX. */
void ejson_set_ancestors(struct ejson *ej, bool on);

struct ejson_stats {
	uint64_t shortened;	    /* events re-encoded with shortened strings */
	uint64_t over_limit;	    /* still longer than max_len after shortening */
	uint64_t ancestors_cut;	    /* events whose ancestors were shortened */
	uint64_t ancestors_dropped; /* ancestors left out of them */
	uint64_t envs_cut;	    /* environments (of a process or its parent) cut to fit */
};
const struct ejson_stats *ejson_get_stats(const struct ejson *ej);

/* parent may be NULL (omitted). Returns the text and its length in *len, or NULL (ENOMEM).
 * Each process's own object is built once and cached in it (proc->json): an event is then
 * put together from cached pieces, without building a JSON tree. */
const char *ejson_exec(struct ejson *ej, struct pcache_proc *proc, struct pcache_proc *parent,
	uint64_t ktime, size_t *len);
/* exit_code is the kernel's wait status (code << 8 | signal). */
const char *ejson_exit(struct ejson *ej, struct pcache_proc *proc, struct pcache_proc *parent,
	uint32_t exit_code, uint64_t ktime, size_t *len);

/* The same event built as a libfastjson tree and serialized by it, never from the cached
 * texts: what the fast path is held to, byte for byte, by the tests (and the encoder of
 * events re-encoded to fit). */
const char *ejson_event_tree(struct ejson *ej, bool is_exit, const struct pcache_proc *proc,
	const struct pcache_proc *parent, uint32_t exit_code, uint64_t ktime, size_t *len);

/* "execve rootcwd clone" for a flag set, in Tetragon's order. Returns the length written. */
size_t ejson_flags(uint32_t flags, char *buf, size_t size);
/* Tetragon's arguments: argv[1..] of a NUL-separated argv, joined by spaces, an argument
 * holding a space wrapped in double quotes; trim (no cwd follows them in Tetragon's record:
 * rootcwd, errorCWD) drops empty last arguments, else an empty last one leaves a trailing
 * space. Returns a malloc'd string or NULL. */
char *ejson_join_args(const char *argv, size_t len, bool trim);

#endif
