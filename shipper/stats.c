/* SPDX-License-Identifier: Apache-2.0 */
/* A snapshot of every counter -> the summary lines and the metrics series. */
#include "shipper/stats.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define PROCSHIP_STATS_LINE 4096

struct field {
	const char *name;
	size_t off; /* in the module's struct */
	size_t size;
	bool gauge;
	const char *help;
};

#define U64(type, f, help)                                                                         \
	{                                                                                          \
#f, offsetof(struct type, f), sizeof(uint64_t), false, help                        \
	}
#define GAUGE(type, f, help)                                                                       \
	{                                                                                          \
#f, offsetof(struct type, f), sizeof(((struct type *)0)->f), true, help            \
	}

static const struct field pev_fields[] = {
	U64(pev_stats, execs, "Exec records read."),
	U64(pev_stats, exits, "Exit records read."),
	U64(pev_stats, forks, "Fork records read."),
	U64(pev_stats, procfs,
		"procFS exec events of the start-up /proc scan, the kernel's included."),
	U64(pev_stats, kthreads, "Kernel threads the start-up /proc scan cached, not reported."),
	U64(pev_stats, parent_misses, "Execs or forks whose parent was not in the cache."),
	U64(pev_stats, exit_misses, "Exits of processes not in the cache."),
	U64(pev_stats, exit_stale,
		"Of them, exits whose pid's cached entry was another process or an earlier image: "
		"released, sent bare."),
	U64(pev_stats, encode_errors, "Cache entries that could not be filled (no memory)."),
	U64(pev_stats, args_cut, "Cached arguments cut to 4 KiB past the cache's 64 MiB budget."),
};

static const struct field ejson_fields[] = {
	U64(ejson_stats, shortened, "Events re-encoded with shortened strings to fit."),
	U64(ejson_stats, over_limit, "Events still over the payload limit after shortening."),
	U64(ejson_stats, ancestors_cut,
		"Events whose ancestors were shortened to fit (flagged truncAncestors)."),
	U64(ejson_stats, ancestors_dropped, "Ancestors left out of events to fit."),
	U64(ejson_stats, envs_cut,
		"Environments of a process or its parent cut to fit (flagged truncEnvs)."),
};

static const struct field users_fields[] = {
	U64(udb_stats, loads, "Reads of /etc/passwd for --username-metadata (the first included)."),
	U64(udb_stats, load_errors,
		"Reads of /etc/passwd that failed (the names read before stay)."),
	U64(udb_stats, skipped, "passwd lines left out: malformed, an unfit name, past the bound."),
	U64(udb_stats, hits, "Processes named from /etc/passwd."),
	U64(udb_stats, misses, "Processes whose uid has no passwd entry (no name)."),
};

static const struct field pipe_fields[] = {
	U64(pipe_stats, shipped, "Messages handed to the outputs."),
	U64(pipe_stats, filtered, "Process events refused by the allow/deny lists."),
	U64(pipe_stats, encode_errors, "Process events the encoder could not write."),
	U64(pipe_stats, frame_errors, "Messages that could not be framed."),
	U64(pipe_stats, cut, "Datagrams cut by the framer to fit the size limit."),
	U64(pipe_stats, text_dropped, "Text messages refused by the parser."),
	U64(pipe_stats, text_ratelimited, "Local messages dropped by the per-process rate limit."),
	U64(pipe_stats, text_renamed, "Local messages that claimed procship's APP-NAME or MSGID."),
	U64(pipe_stats, text_refit, "Text documents shortened for their sender's long header."),
	U64(pipe_stats, docs_too_long,
		"agent_init or rate_limit_info not sent: longer than the budget."),
};

static const struct field ringbuf_fields[] = {
	U64(stats_ringbuf, malformed, "Ring-buffer records too short to read."),
	U64(stats_ringbuf, exec, "Exec records lost to a full ring buffer."),
	U64(stats_ringbuf, exit, "Exit records lost to a full ring buffer."),
	U64(stats_ringbuf, fork, "Fork records lost to a full ring buffer."),
};

static const struct field misc_fields[] = {
	U64(stats_misc, ratelimit_dropped, "Events dropped by the rate limit."),
	U64(stats_misc, ratelimit_uid_dropped,
		"Of them, events dropped by their uid's own bucket (--export-rate-limit-per-uid)."),
	U64(stats_misc, filter_match_errors,
		"Regex matches that failed, each taken as the answer that exports the event."),
	U64(stats_misc, filter_budget_skips,
		"Regexes not run, their uid over the regex time budget; each taken as failed."),
	GAUGE(stats_misc, pcache_size, "Cache entries held: live processes and kept parents."),
	GAUGE(stats_misc, pcache_bytes,
		"Bytes of arguments, environments and their JSON text the cache holds (its "
		"budget)."),
	U64(stats_misc, pcache_evictions, "Exited parents evicted from the cache at its cap."),
};

static const struct field udp_fields[] = {
	U64(udp_stats, sent, "Datagrams handed to the kernel."),
	U64(udp_stats, sent_bytes, "Bytes handed to the kernel."),
	U64(udp_stats, dropped, "Datagrams not sent, for any reason."),
	U64(udp_stats, dropped_oversize, "Datagrams longer than the largest allowed."),
	U64(udp_stats, dropped_send_error, "Datagrams lost to transient send errors."),
	U64(udp_stats, dropped_no_destination, "Datagrams with no connected destination."),
	U64(udp_stats, dropped_refused, "Datagrams refused by the receiving host."),
	U64(udp_stats, failovers, "Moves to the next destination."),
	U64(udp_stats, reconnects, "Sockets connected again."),
	U64(udp_stats, resolve_failures, "Failed look-ups of a destination name."),
	U64(udp_stats, greetings, "agent_init datagrams among those sent."),
	U64(udp_stats, greeting_bytes, "Bytes of the agent_init datagrams among those sent."),
	GAUGE(udp_stats, sndbuf_effective, "SO_SNDBUF as read back."),
};

static const struct field lines_fields[] = {
	U64(lines_stats, messages, "Text messages parsed."),
	U64(lines_stats, rfc3164, "RFC 3164 messages."),
	U64(lines_stats, rfc5424, "RFC 5424 messages."),
	U64(lines_stats, plain, "Messages without a syslog header."),
	U64(lines_stats, json, "JSON lines passed through."),
	U64(lines_stats, normalized, "Messages a rulebase rule matched."),
	U64(lines_stats, unparsed, "Messages no rule matched."),
	U64(lines_stats, truncated, "Messages cut."),
	U64(lines_stats, replaced, "Messages with bytes replaced by U+FFFD."),
	U64(lines_stats, bad_pri, "Messages with a malformed PRI."),

	U64(lines_stats, dropped_empty, "Empty messages dropped."),
	U64(lines_stats, dropped_nomem, "Messages dropped for lack of memory."),
	U64(lines_stats, dropped_limit, "Messages dropped: no room for a document."),
};

static const struct field unix_fields[] = {
	U64(input_unix_stats, messages, "Datagrams read from the unix socket."),
	U64(input_unix_stats, bytes, "Bytes read from the unix socket."),
	U64(input_unix_stats, truncated, "Datagrams longer than the limit, cut."),
	U64(input_unix_stats, errors, "Receive errors."),
	U64(input_unix_stats, budget_hits, "Reads that stopped at their budget."),
	U64(input_unix_stats, no_creds, "Datagrams without the sender's credentials."),
};

static const struct field stdin_fields[] = {
	U64(input_stdin_stats, lines, "Lines read from standard input."),
	U64(input_stdin_stats, bytes, "Bytes read from standard input."),
	U64(input_stdin_stats, truncated, "Lines longer than the limit, cut."),
	U64(input_stdin_stats, discarded_bytes, "Bytes of the cut-off tails."),
	U64(input_stdin_stats, errors, "Read errors."),
};

static const struct field export_fields[] = {
	U64(export_stats, lines, "Lines written to the export file."),
	U64(export_stats, bytes, "Bytes written to the export file."),
	U64(export_stats, dropped, "Lines lost to failed writes."),
	U64(export_stats, write_errors, "Failed writes."),
	U64(export_stats, rotations, "Rotations."),
	U64(export_stats, rotate_errors, "Rotations that failed."),
	U64(export_stats, compress_errors, "Backups left uncompressed after an error."),
	U64(export_stats, prune_errors, "Old backups that could not be removed."),
	GAUGE(export_stats, last_errno, "errno of the last failure (0 when none)."),
};

struct module {
	const char *name;   /* in the "counters:" line */
	const char *series; /* series prefix, after "procship_" */
	size_t off;	    /* of the module's struct in the snapshot */
	size_t size;
	const struct field *fields;
	size_t n;
};

#define MODULE(name, series, member, table)                                                        \
	{                                                                                          \
		name, series, offsetof(struct stats_snapshot, member),                             \
			sizeof(((struct stats_snapshot *)0)->member), table,                       \
			sizeof(table) / sizeof(table[0])                                           \
	}

static const struct module modules[] = {
	MODULE("capture", "capture_", pev, pev_fields),
	MODULE("encode", "encode_", ejson, ejson_fields),
	MODULE("users", "users_", users, users_fields),
	MODULE("pipeline", "pipeline_", pipe, pipe_fields),
	MODULE("ringbuf", "ringbuf_", ringbuf, ringbuf_fields),
	MODULE("misc", "", misc, misc_fields),
	MODULE("udp", "udp_output_", udp, udp_fields),
	MODULE("text", "text_", lines, lines_fields),
	MODULE("input_unix", "input_unix_", in_unix, unix_fields),
	MODULE("input_stdin", "input_stdin_", in_stdin, stdin_fields),
	MODULE("export", "export_", export, export_fields),
};

#define NMODULES (sizeof(modules) / sizeof(modules[0]))

static uint64_t value_at(const void *p, size_t size)
{
	int i;
	uint64_t u;

	if (size == sizeof(uint64_t)) {
		memcpy(&u, p, sizeof(u));
		return u;
	}
	memcpy(&i, p, sizeof(i));
	return (uint64_t)(int64_t)i;
}

size_t stats_nfields(void)
{
	size_t m, n = 0;

	for (m = 0; m < NMODULES; m++)
		n += modules[m].n;
	return n;
}

void *stats_field(
	struct stats_snapshot *s, size_t i, size_t *size, const char **module, const char **name)
{
	size_t m;

	for (m = 0; m < NMODULES; m++) {
		if (i < modules[m].n) {
			const struct field *f = &modules[m].fields[i];

			*size = f->size;
			*module = modules[m].series;
			*name = f->name;
			return (char *)s + modules[m].off + f->off;
		}
		i -= modules[m].n;
	}
	return NULL;
}

bool stats_module_cover(size_t m, const char **module, size_t *struct_size, size_t *covered)
{
	size_t i, end = 0;

	if (m >= NMODULES)
		return false;
	*module = modules[m].name;
	*struct_size = modules[m].size;
	*covered = 0;
	/* The rows are in declaration order: each must start where the last one ended (or at
	 * the next aligned offset), so a field missing from a table leaves a gap. */
	for (i = 0; i < modules[m].n; i++) {
		const struct field *f = &modules[m].fields[i];

		if (f->off < end || f->off - end >= f->size)
			return true;
		end = f->off + f->size;
		*covered += f->size;
	}
	*covered += modules[m].size - end < sizeof(uint64_t) ? modules[m].size - end : 0;
	return true;
}

void stats_dest_add(struct stats_dest *t, size_t *n, size_t max, const char *name,
	const struct udp_dest_stats *st)
{
	size_t i;

	for (i = 0; i < *n && strcmp(t[i].name, name) != 0; i++)
		;
	if (i == *n) {
		if (*n == max)
			return;
		snprintf(t[i].name, sizeof(t[i].name), "%s", name);
		memset(&t[i].st, 0, sizeof(t[i].st));
		(*n)++;
	}
	t[i].st.sent += st->sent;
	t[i].st.send_errors += st->send_errors;
	t[i].st.dropped += st->dropped;
}

void stats_udp_add(struct udp_stats *t, const struct udp_stats *us)
{
	t->sent += us->sent;
	t->sent_bytes += us->sent_bytes;
	t->dropped += us->dropped;
	t->dropped_oversize += us->dropped_oversize;
	t->dropped_send_error += us->dropped_send_error;
	t->dropped_no_destination += us->dropped_no_destination;
	t->dropped_refused += us->dropped_refused;
	t->failovers += us->failovers;
	t->reconnects += us->reconnects;
	t->resolve_failures += us->resolve_failures;
	t->greetings += us->greetings;
	t->greeting_bytes += us->greeting_bytes;
	t->sndbuf_effective = us->sndbuf_effective;
}

/* "counters: capture.execs=3 udp.sent=3 ...": every counter that moved. */
static void counters_line(const struct stats_snapshot *s, stats_line_fn *out, void *arg)
{
	char line[PROCSHIP_STATS_LINE];
	size_t m, i, o;

	o = (size_t)snprintf(line, sizeof(line), "counters:");
	for (m = 0; m < NMODULES; m++) {
		for (i = 0; i < modules[m].n; i++) {
			const struct field *f = &modules[m].fields[i];
			uint64_t v = value_at((const char *)s + modules[m].off + f->off, f->size);
			int w;

			if (!v || o >= sizeof(line))
				continue;
			if (f->size == sizeof(uint64_t))
				w = snprintf(line + o, sizeof(line) - o, " %s.%s=%" PRIu64,
					modules[m].name, f->name, v);
			else
				w = snprintf(line + o, sizeof(line) - o, " %s.%s=%" PRId64,
					modules[m].name, f->name, (int64_t)v);
			if (w > 0)
				o += (size_t)w;
		}
	}
	out(arg, false, line);
}

uint64_t stats_delivered(const struct stats_snapshot *s)
{
	uint64_t udp = s->udp.sent > s->udp.greetings ? s->udp.sent - s->udp.greetings : 0;
	uint64_t file = s->export_enabled ? s->export.lines : 0;

	if (!s->udp_enabled)
		return file;
	return udp > file ? udp : file;
}

void stats_summary(const struct stats_snapshot *s, stats_line_fn *out, void *arg)
{
	char line[PROCSHIP_STATS_LINE];

	snprintf(line, sizeof(line),
		"events: %" PRIu64 " exec, %" PRIu64 " exit, %" PRIu64 " fork; %" PRIu64
		" exported, %" PRIu64 " handed to outputs, %" PRIu64 " filtered, %" PRIu64
		" rate-limited, %" PRIu64 " shortened to fit, %" PRIu64
		" cut by the framer, %" PRIu64 " cache misses",
		s->pev.execs, s->pev.exits, s->pev.forks, stats_delivered(s), s->pipe.shipped,
		s->pipe.filtered, s->misc.ratelimit_dropped, s->ejson.shortened, s->pipe.cut,
		s->pev.parent_misses + s->pev.exit_misses);
	out(arg, false, line);
	if (s->udp_enabled) {
		snprintf(line, sizeof(line),
			"udp: %" PRIu64 " sent, %" PRIu64 " dropped, %" PRIu64
			" failovers; %" PRIu64 " of the dropped were refused by the receiving host",
			s->udp.sent, s->udp.dropped, s->udp.failovers, s->udp.dropped_refused);
		out(arg, false, line);
	}
	if (s->text_enabled) {
		snprintf(line, sizeof(line),
			"text: %" PRIu64 " messages, %" PRIu64 " normalized, %" PRIu64
			" unparsed, %" PRIu64 " truncated, %" PRIu64 " dropped (%" PRIu64
			" empty, %" PRIu64 " too long), %" PRIu64 " rate-limited, %" PRIu64
			" renamed",
			s->lines.messages, s->lines.normalized, s->lines.unparsed,
			s->lines.truncated, s->pipe.text_dropped, s->lines.dropped_empty,
			s->lines.dropped_limit, s->pipe.text_ratelimited, s->pipe.text_renamed);
		out(arg, false, line);
	}
	if (s->export_enabled && s->export.dropped) {
		snprintf(line, sizeof(line),
			"export file: %" PRIu64 " events lost to write errors (%s)",
			s->export.dropped, strerror(s->export.last_errno));
		out(arg, true, line);
	}
	counters_line(s, out, arg);
}

/* Series names, made once: they are the same for every snapshot. */
static const char *series_name(size_t k, const struct module *m, const struct field *f)
{
	static char names[STATS_MAX_FIELDS][64];

	if (!names[k][0])
		snprintf(names[k], sizeof(names[k]), "%s%s%s", m->series, f->name,
			f->gauge ? "" : "_total");
	return names[k];
}

static void metrics_extra(const struct stats_snapshot *s, struct metrics_extra *extra)
{
	size_t m, i, k = 0;

	for (m = 0; m < NMODULES; m++) {
		for (i = 0; i < modules[m].n && k < STATS_MAX_FIELDS; i++, k++) {
			const struct field *f = &modules[m].fields[i];

			extra[k].name = series_name(k, &modules[m], f);
			extra[k].help = f->help;
			extra[k].gauge = f->gauge;
			extra[k].value =
				value_at((const char *)s + modules[m].off + f->off, f->size);
		}
	}
}

void stats_metrics(const struct stats_snapshot *s, struct metrics_counters *c,
	struct metrics_dest *dests, struct metrics_extra *extra)
{
	size_t i;

	memset(c, 0, sizeof(*c));
	c->version = PROCSHIP_VERSION;
	c->commit = PROCSHIP_BUILD_COMMIT;
	c->ratelimit_dropped = s->misc.ratelimit_dropped;
	c->drops[METRICS_DROP_ENCODE_ERROR] =
		s->pev.encode_errors + s->pipe.encode_errors + s->pipe.frame_errors;
	c->drops[METRICS_DROP_FILTERED] = s->pipe.filtered;
	c->drops[METRICS_DROP_MALFORMED] = s->ringbuf.malformed;
	c->drops[METRICS_DROP_TEXT] = s->pipe.text_dropped;
	c->filter_match_limit = s->misc.filter_match_errors;
	c->ringbuf_lost[METRICS_RB_EXEC] = s->ringbuf.exec;
	c->ringbuf_lost[METRICS_RB_EXIT] = s->ringbuf.exit;
	c->ringbuf_lost[METRICS_RB_FORK] = s->ringbuf.fork;
	c->truncated_shortened = s->ejson.shortened;
	c->truncated_cut = s->pipe.cut;
	c->pcache_size = s->misc.pcache_size;
	if (s->udp_enabled) {
		/* Events only: the greetings are procship's own, counted on their own. A refusal
		 * takes a datagram back out of sent, which may have been a greeting. */
		c->exported = s->udp.sent > s->udp.greetings ? s->udp.sent - s->udp.greetings : 0;
		c->exported_bytes = s->udp.sent_bytes - s->udp.greeting_bytes;
		c->drops[METRICS_DROP_SEND_ERROR] = s->udp.dropped_send_error;
		c->drops[METRICS_DROP_NO_DESTINATION] = s->udp.dropped_no_destination;
		c->drops[METRICS_DROP_OVERSIZE] = s->udp.dropped_oversize;
		c->drops[METRICS_DROP_REFUSED] = s->udp.dropped_refused;
		c->failovers = s->udp.failovers;
		c->reconnects = s->udp.reconnects;
		for (i = 0; i < s->ndests; i++) {
			dests[i].destination = s->dests[i].name;
			dests[i].sent = s->dests[i].st.sent;
			dests[i].send_errors = s->dests[i].st.send_errors;
			dests[i].dropped = s->dests[i].st.dropped;
		}
		c->dests = dests;
		c->ndests = s->ndests;
	}
	if (s->export_enabled) {
		if (!s->udp_enabled) {
			c->exported = s->export.lines;
			c->exported_bytes = s->export.bytes;
		}
		c->drops[METRICS_DROP_EXPORT_FILE] = s->export.dropped;
		c->file_rotations = s->export.rotations;
		c->file_rotation_errors = s->export.rotate_errors + s->export.compress_errors +
					  s->export.prune_errors;
	}
	metrics_extra(s, extra);
	c->extra = extra;
	c->nextra = stats_nfields() < STATS_MAX_FIELDS ? stats_nfields() : STATS_MAX_FIELDS;
}
