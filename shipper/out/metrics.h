/* SPDX-License-Identifier: Apache-2.0 */
/* Metrics without a port: the counters in Prometheus text format (exposition format 0.0.4),
 * written to a file that is replaced atomically (node_exporter's textfile collector, or any
 * reader, sees the old file or the new one, never half of one).
 *
 * The caller fills a struct metrics_counters from the modules' stats and calls
 * metrics_write_file every interval and once at exit. Nothing here logs or keeps state. */
#ifndef PROCSHIP_METRICS_H
#define PROCSHIP_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/* procship_events_dropped_total{reason="..."}: every event produced and not exported, once,
 * whatever stage dropped it; so sum(procship_events_dropped_total) is the total loss.
 * "ratelimit" repeats procship_export_ratelimit_events_dropped_total (Tetragon's name) and
 * "ringbuf_full" is procship_ringbuf_lost_total of type exec and exit (a lost fork record is
 * no lost event: it only leaves a parent unknown); both are filled in by metrics_format from
 * those fields, not from drops[]. */
enum metrics_drop {
	METRICS_DROP_SEND_ERROR,     /* "send_error": transient send errno */
	METRICS_DROP_NO_DESTINATION, /* "no_destination": no socket connected */
	METRICS_DROP_OVERSIZE,	     /* "oversize": longer than the largest datagram */
	METRICS_DROP_ENCODE_ERROR,   /* "encode_error": JSON or framing failed */
	METRICS_DROP_FILTERED,	     /* "filtered": refused by allowlist/denylist */
	METRICS_DROP_EXPORT_FILE,    /* "export_file": export file write failed (ENOSPC...) */
	METRICS_DROP_MALFORMED,	     /* "malformed": ring-buffer record too short to read */
	METRICS_DROP_REFUSED,	     /* "refused": sent, then refused by the host (ICMP) */
	METRICS_DROP_TEXT,	     /* "text_refused": a local text message lines refused */
	METRICS_DROP_COUNT
};

/* procship_ringbuf_lost_total{type="..."}: reserve failures counted in BPF. */
enum metrics_ringbuf {
	METRICS_RB_EXEC, /* "exec" */
	METRICS_RB_EXIT, /* "exit" */
	METRICS_RB_FORK, /* "fork" */
	METRICS_RB_COUNT
};

/* One UDP destination, labelled destination="host:port". */
struct metrics_dest {
	const char *destination; /* "host:port"; any bytes, escaped on output */
	uint64_t sent;		 /* procship_udp_datagrams_sent_total */
	uint64_t send_errors;	 /* procship_udp_send_errors_total */
	uint64_t dropped;	 /* procship_udp_datagrams_dropped_total */
};

/* One more series, named and described by the caller: procship_NAME (counter or gauge). */
struct metrics_extra {
	const char *name; /* without "procship_"; [a-z0-9_] */
	const char *help;
	bool gauge;
	uint64_t value;
};

struct metrics_counters {
	const char *version; /* procship_build_info{version=,commit=} 1 */
	const char *commit;
	uint64_t exported;	    /* procship_events_exported_total */
	uint64_t exported_bytes;    /* procship_events_exported_bytes_total */
	uint64_t ratelimit_dropped; /* procship_export_ratelimit_events_dropped_total */
	uint64_t drops[METRICS_DROP_COUNT];
	uint64_t ringbuf_lost[METRICS_RB_COUNT];
	uint64_t truncated_shortened;	  /* procship_events_truncated_total{how="shortened"} */
	uint64_t truncated_cut;		  /* procship_events_truncated_total{how="cut"} */
	uint64_t failovers;		  /* procship_udp_failovers_total */
	uint64_t reconnects;		  /* procship_udp_reconnects_total */
	uint64_t file_rotations;	  /* procship_export_file_rotations_total */
	uint64_t file_rotation_errors;	  /* procship_export_file_rotation_errors_total */
	uint64_t filter_match_limit;	  /* procship_filter_match_limit_total */
	uint64_t pcache_size;		  /* procship_process_cache_size (gauge) */
	const struct metrics_dest *dests; /* may be NULL when ndests is 0 */
	size_t ndests;
	const struct metrics_extra *extra; /* written last, in order; NULL when nextra is 0 */
	size_t nextra;
};

/* Label values of enum metrics_drop and enum metrics_ringbuf ("send_error", "exec", ...). */
const char *metrics_drop_name(enum metrics_drop r);
const char *metrics_ringbuf_name(enum metrics_ringbuf t);

/* The whole text, HELP and TYPE lines included, every labelled series present even when 0.
 * Returns 0, or -errno when writing to f failed. */
int metrics_format(FILE *f, const struct metrics_counters *c);

/* The metrics file's directory, opened once (at start-up, before the privileges go) and held:
 * later writes never resolve the path again. The directory must pass fsafe_opendir's rule
 * for uid (the account that writes); a warning worth logging is left in warn. NULL with
 * errno and a message in err. */
struct metrics_file;
struct metrics_file *metrics_file_open(
	const char *path, uid_t uid, char *err, size_t errlen, char *warn, size_t warnlen);
void metrics_file_free(struct metrics_file *m); /* accepts NULL */
const char *metrics_file_path(const struct metrics_file *m);
/* metrics_write_file in the held directory. */
int metrics_file_write(struct metrics_file *m, const struct metrics_counters *c, bool do_fsync,
	char *err, size_t errlen);

/* Write the text to a temporary file in path's directory (mode 0644, so a collector running as
 * another user can read it), optionally fsync it, and rename it over path. On failure nothing
 * is left behind, path keeps its previous content, a message ("metrics: write PATH.tmp: No
 * space left on device") is in err, and -errno is returned. */
int metrics_write_file(const char *path, const struct metrics_counters *c, bool do_fsync, char *err,
	size_t errlen);

#endif
