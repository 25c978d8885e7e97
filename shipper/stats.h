/* SPDX-License-Identifier: Apache-2.0 */
/* Every module's counters, read into one snapshot and shown in three places: the exit
 * summary, the SIGUSR1 line and the metrics file.
 *
 * stats.c is pure: it turns a snapshot into log lines and metrics, and knows every field of
 * every module's stats struct by name (a field no output shows fails the unit test, and a
 * field added to a struct without a row here fails it too). stats_read.c fills the snapshot
 * from the running daemon and carries the counters of outputs that reloads replaced. */
#ifndef PROCSHIP_STATS_H
#define PROCSHIP_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shipper/capture/procevents.h"
#include "shipper/capture/userdb.h"
#include "shipper/encode/event_json.h"
#include "shipper/out/export_file.h"
#include "shipper/out/metrics.h"
#include "shipper/out/udp.h"
#include "shipper/pipeline.h"
#include "shipper/text/inputs.h"
#include "shipper/text/lines.h"

#define STATS_MAX_DESTS	 128
#define STATS_MAX_FIELDS 128 /* rows in all the tables of stats.c */

/* Reserve failures counted in BPF, by record type (sensor_drops order). */
struct stats_ringbuf {
	uint64_t malformed; /* records too short to read */
	uint64_t exec;
	uint64_t exit;
	uint64_t fork;
};

/* Counters of modules that keep a single number. */
struct stats_misc {
	uint64_t ratelimit_dropped;
	uint64_t ratelimit_uid_dropped;
	uint64_t filter_match_errors;
	uint64_t filter_budget_skips;
	uint64_t pcache_size;  /* a gauge */
	uint64_t pcache_bytes; /* a gauge */
	uint64_t pcache_evictions;
};

struct stats_dest {
	char name[HOSTPORT_NAME_MAX];
	struct udp_dest_stats st;
};

struct stats_snapshot {
	/* Which parts are in use: the summary leaves the others out. */
	bool udp_enabled;
	bool text_enabled;
	bool export_enabled;

	struct pev_stats pev;
	struct ejson_stats ejson;
	struct udb_stats users; /* --username-metadata unix */
	struct pipe_stats pipe;
	struct stats_ringbuf ringbuf;
	struct stats_misc misc;
	struct udp_stats udp; /* since start, across reloads */
	struct lines_stats lines;
	struct input_unix_stats in_unix;
	struct input_stdin_stats in_stdin;
	struct export_stats export;
	struct stats_dest dests[STATS_MAX_DESTS]; /* every destination ever configured */
	size_t ndests;
};

/* Add st to the destination called name in s (appended when new; ignored when full). */
void stats_dest_add(struct stats_dest *t, size_t *n, size_t max, const char *name,
	const struct udp_dest_stats *st);
/* Add us into t (sndbuf_effective is taken, not added). */
void stats_udp_add(struct udp_stats *t, const struct udp_stats *us);

/* Messages a destination got: datagrams sent but the greetings, or lines written to the
 * export file; with both outputs, the larger of the two. */
uint64_t stats_delivered(const struct stats_snapshot *s);

typedef void stats_line_fn(void *arg, bool warn, const char *line);
/* The summary: one line per part in use, and one "counters:" line naming every counter that
 * is not zero (module.field=N). */
void stats_summary(const struct stats_snapshot *s, stats_line_fn *out, void *arg);

/* The metrics: the named series of metrics.h, then one series per field of every module's
 * stats (procship_MODULE_FIELD_total, or without _total for a gauge). extra must have room
 * for STATS_MAX_FIELDS entries; c points into s and extra, so both must outlive its use. */
void stats_metrics(const struct stats_snapshot *s, struct metrics_counters *c,
	struct metrics_dest *dests, struct metrics_extra *extra);
size_t stats_nfields(void);

/* For the unit test: each field of the tables, by index, as a pointer into s (its width in
 * *size: 8 or sizeof(int)), with its series name. NULL past the last. */
void *stats_field(
	struct stats_snapshot *s, size_t i, size_t *size, const char **module, const char **name);
/* For the unit test: module m's struct size and the bytes its listed fields cover (equal but
 * for trailing padding when every field is listed). False past the last module. */
bool stats_module_cover(size_t m, const char **module, size_t *struct_size, size_t *covered);

#endif
