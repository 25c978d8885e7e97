/* Sensor records -> process cache -> JSON events. Decides parents and flags the way Tetragon
 * does: an exec after a fork carries "clone" and names the forker as parent; an exec without
 * a fork names the pid's previous image as parent; procFS entries come from the start-up scan. */
#ifndef PROCSHIP_PROCEVENTS_H
#define PROCSHIP_PROCEVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>

#include "bpf/procship_event.h"
#include "shipper/encode/event_json.h"
#include "shipper/capture/proc_cache.h"

/* Receives each finished JSON event; the text is valid only during the call. */
typedef void pev_emit_fn(void *arg, const char *json, size_t len);
/* Asked before an event is encoded (so a filtered or rate-limited event costs no encoding):
 * false drops it, and counting it is the caller's business. parent may be NULL. */
typedef bool pev_accept_fn(void *arg, enum ps_event_type type, const struct pcache_proc *proc,
	const struct pcache_proc *parent);

struct pev_stats {
	uint64_t execs;
	uint64_t exits;
	uint64_t forks;
	uint64_t procfs;
	uint64_t parent_misses; /* exec or fork whose parent was not in the cache */
	uint64_t exit_misses;	/* exit of a process not in the cache */
	uint64_t encode_errors; /* events dropped because encoding failed (ENOMEM) */
};

struct pev;

/* The cache and encoder stay the caller's. NULL on ENOMEM. */
struct pev *pev_new(struct pcache *cache, struct ejson *ej, pev_emit_fn *emit, void *arg);
void pev_free(struct pev *p); /* accepts NULL */
/* Install (or remove, with NULL) the accept hook. */
void pev_set_accept(struct pev *p, pev_accept_fn *accept, void *arg);
/* Feed one record (a sensor_record_fn). */
void pev_record(void *pev, const struct ps_event *e);
const struct pev_stats *pev_get_stats(const struct pev *p);

/* Helpers exposed for tests. The cwd components of a BPF record (leaf first, NUL-separated)
 * as an absolute path; returns the length or -ENOSPC. */
int pev_cwd_path(const char *components, size_t len, char *buf, size_t size);
/* filename made absolute against cwd ("./x" and "x" -> cwd/x). */
int pev_binary_path(const char *filename, const char *cwd, char *buf, size_t size);

#endif
