/* SPDX-License-Identifier: Apache-2.0 */
/* What event_json.c (the writers) and event_fit.c (shortening to fit) share; not for other
 * modules. */
#ifndef PROCSHIP_EVENT_JSON_INT_H
#define PROCSHIP_EVENT_JSON_INT_H

#include "shipper/encode/cred_json.h"
#include "shipper/encode/event_json.h"

struct ejson {
	char node[256];
	char node_json[600]; /* the node name as a JSON string, quotes included */
	size_t node_json_len;
	int64_t boot_offset_ns;
	char *out;
	size_t out_size;
	char *scratch; /* where process objects are written before they are kept */
	size_t scratch_size;
	size_t max_len;
	bool ancestors; /* --enable-ancestors */
	struct ejson_stats stats;
	uint32_t host_ns[PS_NS_COUNT];
	char piece[CJSON_MAX + 16];
	struct pcache_proc *anc[PCACHE_ANCESTORS_MAX]; /* this event's, nearest first */
};

/* One event to write: the process, its parent (NULL: none) and ancestors (n may be 0). */
struct ejson_ev {
	const char *kind;
	struct pcache_proc *proc, *parent;
	struct pcache_proc **anc;
	size_t nanc;
	size_t nanc_found; /* before shortening */
	bool anc_more;	   /* the walk stopped at PCACHE_ANCESTORS_MAX: flag truncAncestors */
	bool is_exit;
	uint32_t exit_code;
	uint64_t ktime;
};

/* The event as a libfastjson tree, serialized: every piece built afresh. */
const char *ejson_i_tree(struct ejson *ej, const struct ejson_ev *ev, size_t *len);
/* The event from each process's cached object (built and kept on first use). NULL when a
 * piece cannot be built. */
const char *ejson_i_fast(struct ejson *ej, const struct ejson_ev *ev, size_t *len);
/* p's cached object text (built on first use), or NULL on ENOMEM. */
const char *ejson_i_process_text(struct ejson *ej, struct pcache_proc *p, size_t *len);
/* The event, shortened to ej->max_len when it is longer (event_fit.c). */
const char *ejson_i_fit(struct ejson *ej, struct ejson_ev *ev, size_t *len);

#endif
