/* SPDX-License-Identifier: Apache-2.0 */
/* Sensor records -> process cache -> process events (identities, not documents). Decides
 * parents and flags the way Tetragon does: an exec after a fork carries "clone" and names its
 * real_parent at exec time (or the nearest known ancestor) as parent; an exec without a fork
 * names the pid's previous image as parent; procFS execs come from the start-up scan. What happens
 * to an event (filters, encoding, outputs) is the callback's business: this module neither encodes
 * nor admits. */
#ifndef PROCSHIP_PROCEVENTS_H
#define PROCSHIP_PROCEVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>

#include "bpf/procship_event.h"
#include "shipper/capture/proc_cache.h"

/* One process_exec or process_exit. proc and parent (NULL when unknown) are cache entries,
 * valid only during the callback; the callback may fill their cached JSON (ejson_*). */
struct pev_event {
	enum ps_event_type type; /* PS_EVENT_EXEC or PS_EVENT_EXIT */
	struct pcache_proc *proc;
	struct pcache_proc *parent;
	uint64_t ktime;	    /* of the exec or exit, CLOCK_BOOTTIME ns */
	uint32_t exit_code; /* PS_EVENT_EXIT: the kernel's wait status (code << 8 | signal) */
	bool procfs;	    /* a procFS exec of the start-up scan, not a record of the kernel's */
};

typedef void pev_event_fn(void *arg, const struct pev_event *ev);

struct pev_stats {
	uint64_t execs;
	uint64_t exits;
	uint64_t forks;
	uint64_t procfs;   /* procFS process_exec events of the start-up scan (the kernel's too) */
	uint64_t kthreads; /* kernel threads the scan cached without an event */
	uint64_t parent_misses; /* exec or fork whose parent was not in the cache */
	uint64_t exit_misses;	/* exit of a process not in the cache */
	/* of them, exits whose pid's entry was another thread group (a pid reused while the
	 * records between were lost): that entry released, the exit sent bare */
	uint64_t exit_stale;
	uint64_t encode_errors; /* cache entries that could not be filled (ENOMEM) */
	uint64_t args_cut;	/* cached arguments cut past PCACHE_ARGS_BUDGET */
};

struct pev;

/* The cache stays the caller's; cb receives every exec and exit. NULL on ENOMEM. */
struct pev *pev_new(struct pcache *cache, pev_event_fn *cb, void *arg);
void pev_free(struct pev *p); /* accepts NULL */
struct udb;
/* Name each exec'd or scanned process's uid from users (proc->user), or no more (NULL).
 * users stays the caller's. */
void pev_set_users(struct pev *p, struct udb *users);
struct envs_filter;
/* Keep the environment of exec records that carry one (PS_F_EXT_ENV) in their processes,
 * only the entries f keeps (NULL: all). f stays the caller's. */
void pev_set_envs_filter(struct pev *p, const struct envs_filter *f);
/* The host's namespaces, for user names of processes whose records carry theirs. */
void pev_set_host_ns(struct pev *p, const uint32_t host[PS_NS_COUNT]);
/* Feed one record (a sensor_record_fn). */
void pev_record(void *pev, const struct ps_event *e);
/* From pev_hold until pev_release, procFS records fill the cache but their events wait, in
 * the order they came: the start-up scan must run while procship may still read every
 * /proc/PID/exe, and its events must wait until the outputs can send (a destination's name
 * resolves only once privileges are dropped). No other record may arrive in between.
 * pev_release hands cb each held event whose process is still the one scanned. An event with
 * no room to wait (ENOMEM) goes to cb at once. */
void pev_hold(struct pev *p);
void pev_release(struct pev *p);
const struct pev_stats *pev_get_stats(const struct pev *p);

/* Helper exposed for tests: filename made absolute against cwd as Tetragon does it (an
 * absolute one as it is, else Go's filepath.Join(cwd, filename)); returns the length or
 * -ENOSPC. */
int pev_binary_path(const char *filename, const char *cwd, char *buf, size_t size);

#endif
