/* SPDX-License-Identifier: Apache-2.0 */
/* One line of "procship getevents" input read as tetra reads it: a JSON document that
 * protojson would take as a tetragon.GetEventsResponse (Tetragon v1.7.0), its event kind and
 * the fields the compact form prints. procship's agent_init greeting is recognized so that it
 * can be skipped.
 *
 * A parsed document owns its libfastjson tree; the strings point into it. */
#ifndef PROCSHIP_GETEVENTS_DOC_H
#define PROCSHIP_GETEVENTS_DOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

enum gev_kind {
	GEV_EMPTY,	/* an object with no event key: protojson's empty response */
	GEV_AGENT_INIT, /* procship's greeting: no GetEventsResponse */
	GEV_EXEC,
	GEV_EXIT,
	GEV_RATE_LIMIT_INFO,
	GEV_OTHER, /* another of Tetragon's events (kprobe, ...) */
};

struct gev_proc {
	bool present;
	const char *binary;    /* "" when absent, as protojson leaves a string */
	const char *arguments; /* "" when absent */
	bool has_pod;
	const char *pod_namespace, *pod_name;
	size_t cap_effective; /* how many capabilities process.cap.effective lists */
};

struct gev_doc {
	struct fjson_object *root;
	enum gev_kind kind;
	const char *key; /* the event's key ("process_exec"), NULL for GEV_EMPTY/AGENT_INIT */
	int type;	 /* Tetragon's EventType number, 0 (UNDEF) when none */
	const char *node_name;
	struct timespec time; /* 1970-01-01 when the document has none, as tetra prints it */
	struct gev_proc process;
	const char *signal; /* process_exit */
	uint64_t status;
	uint64_t dropped; /* rate_limit_info */
};

/* Parse text[0..len) (one line, no newline, NUL-terminated at len). Returns 0, or -EINVAL with the
 * reason in err (size errlen) when it is no GetEventsResponse: not one strict JSON object (RFC
 * 8259, valid UTF-8), two event keys, a field of the wrong type, a time protojson would refuse.
 * -ENOMEM. On success the caller calls gev_doc_clear. */
int gev_doc_parse(struct gev_doc *d, const char *text, size_t len, char *err, size_t errlen);
void gev_doc_clear(struct gev_doc *d);

/* Tetragon's EventType number for a name ("PROCESS_EXEC" -> 1), or -1 for none. */
int gev_event_type(const char *name);
/* The EventType names, comma-separated in number order, for error messages. */
const char *gev_event_type_names(void);

/* RFC 3339 as protojson reads a Timestamp: YYYY-MM-DDThh:mm:ss, up to 9 fraction digits,
 * then Z or an offset (+hh:mm). Returns 0 or -EINVAL. */
int gev_parse_time(const char *s, struct timespec *ts);

#endif
