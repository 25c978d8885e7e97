/* SPDX-License-Identifier: Apache-2.0 */
/* Reads every module's counters out of the running daemon into one snapshot. */
#include "shipper/stats_read.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "shipper/admit/filters.h"
#include "shipper/admit/ratelimit.h"
#include "shipper/capture/proc_cache.h"
#include "shipper/capture/sensor.h"
#include "shipper/sys/log.h"

#define NDEST_BEFORE (sizeof(((struct daemon *)0)->dest_before) / sizeof(struct stats_dest))

static void read_udp(const struct daemon *d, struct stats_snapshot *s)
{
	const struct udp_output *u = d->pipe.udp;
	size_t i;

	s->udp = d->udp_before;
	if (u)
		stats_udp_add(&s->udp, udp_get_stats(u));
	/* Every destination ever configured, each with what was sent to it. */
	for (i = 0; i < d->ndest_before; i++)
		stats_dest_add(s->dests, &s->ndests, STATS_MAX_DESTS, d->dest_before[i].name,
			&d->dest_before[i].st);
	for (i = 0; u && i < udp_dest_count(u); i++) {
		const char *name;
		const struct udp_dest_stats *st = udp_get_dest_stats(u, i, &name);

		stats_dest_add(s->dests, &s->ndests, STATS_MAX_DESTS, name, st);
	}
}

/* Every unix socket (--input-unix and the passed ones) adds to one set of counters. */
static void add_unix_stats(struct input_unix_stats *sum, const struct input_unix_stats *in)
{
	sum->messages += in->messages;
	sum->bytes += in->bytes;
	sum->truncated += in->truncated;
	sum->errors += in->errors;
	sum->budget_hits += in->budget_hits;
	sum->no_creds += in->no_creds;
}

void stats_read(const struct daemon *d, struct stats_snapshot *s)
{
	size_t i;

	const struct pipeline *p = &d->pipe;
	uint64_t drops[PS_DROP_SLOTS];

	memset(s, 0, sizeof(*s));
	s->udp_enabled = d->conf.udp_output_enabled;
	s->text_enabled = p->lines != NULL;
	s->export_enabled = p->export != NULL;
	s->pev = *pev_get_stats(d->pev);
	s->ejson = *ejson_get_stats(p->ej);
	if (d->users)
		s->users = *udb_get_stats(d->users);
	s->pipe = p->stats;
	s->ringbuf = d->ringbuf_drops;
	if (d->sensor && sensor_drops(d->sensor, drops) == 0) {
		s->ringbuf.malformed = drops[PS_DROP_SHORT];
		s->ringbuf.exec = drops[PS_EVENT_EXEC];
		s->ringbuf.exit = drops[PS_EVENT_EXIT];
		s->ringbuf.fork = drops[PS_EVENT_FORK];
	}
	s->misc.ratelimit_dropped = ratelimit_dropped(p->ratelimit);
	s->misc.ratelimit_uid_dropped = ratelimit_uid_dropped(p->ratelimit);
	s->misc.filter_match_errors = p->filters ? filters_match_errors(p->filters) : 0;
	s->misc.filter_budget_skips = p->filters ? filters_budget_skips(p->filters) : 0;
	s->misc.pcache_size = pcache_count(d->cache);
	s->misc.pcache_bytes = pcache_args_bytes();
	s->misc.pcache_evictions = pcache_evictions(d->cache);
	if (s->udp_enabled)
		read_udp(d, s);
	if (p->lines)
		s->lines = *lines_get_stats(p->lines);
	for (i = 0; i < d->n_unix; i++)
		add_unix_stats(&s->in_unix, input_unix_get_stats(d->in_unix[i]));
	if (d->in_stdin)
		s->in_stdin = *input_stdin_get_stats(d->in_stdin);
	if (p->export)
		s->export = *export_get_stats(p->export);
}

void stats_retire_udp(struct daemon *d)
{
	struct udp_output *old = d->pipe.udp;
	struct udp_stats last;
	size_t i;

	d->pipe.udp = NULL;
	udp_close(old); /* flushes and takes in the last refusals: final only now */
	for (i = 0; i < udp_dest_count(old); i++) {
		const char *name;
		const struct udp_dest_stats *st = udp_get_dest_stats(old, i, &name);

		stats_dest_add(d->dest_before, &d->ndest_before, NDEST_BEFORE, name, st);
	}
	udp_free_stats(old, &last);
	stats_udp_add(&d->udp_before, &last);
}

static void log_line(void *arg, bool warn, const char *line)
{
	(void)arg;
	if (warn)
		log_warnx("%s", line);
	else
		log_info("%s", line);
}

void stats_log_summary(struct daemon *d)
{
	static struct stats_snapshot s; /* host names of up to NI_MAXHOST bytes: not the stack */

	if (d->pipe.udp)
		udp_log_drop_summary(d->pipe.udp);
	stats_read(d, &s);
	stats_summary(&s, log_line, NULL);
}

int stats_open_metrics(struct daemon *d, uid_t uid, char *err, size_t errlen)
{
	char warn[256];

	metrics_file_free(d->metrics);
	d->metrics = NULL;
	if (!d->conf.metrics_file[0])
		return 0;
	d->metrics = metrics_file_open(d->conf.metrics_file, uid, err, errlen, warn, sizeof(warn));
	if (!d->metrics)
		return -errno;
	if (warn[0])
		log_warnx("--metrics-file %s: %s", d->conf.metrics_file, warn);
	return 0;
}

static int write_metrics(struct daemon *d, char *err, size_t errlen)
{
	static struct stats_snapshot s;
	static struct metrics_dest dests[STATS_MAX_DESTS];
	static struct metrics_extra extra[STATS_MAX_FIELDS];
	struct metrics_counters c;
	int ret;

	/* A reload named another file: its directory is opened now, as procship's user. */
	if (!d->metrics || strcmp(metrics_file_path(d->metrics), d->conf.metrics_file)) {
		ret = stats_open_metrics(d, geteuid(), err, errlen);
		if (ret != 0)
			return ret;
	}
	stats_read(d, &s);
	stats_metrics(&s, &c, dests, extra);
	return metrics_file_write(d->metrics, &c, false, err, errlen);
}

void stats_write_metrics(struct daemon *d)
{
	char err[512];

	if (!d->conf.metrics_file[0])
		return;
	if (write_metrics(d, err, sizeof(err)) != 0 &&
		(d->metrics_warned == 0 || d->seconds - d->metrics_warned >= 60)) {
		/* A broken metrics path is worth one line a minute, not one per interval. */
		d->metrics_warned = d->seconds ? d->seconds : 1;
		log_warnx("%s", err);
	}
}

int stats_write_metrics_now(struct daemon *d, char *err, size_t errlen)
{
	return d->conf.metrics_file[0] ? write_metrics(d, err, errlen) : 0;
}

void stats_status(struct daemon *d, char *buf, size_t len)
{
	static struct stats_snapshot s;
	static struct metrics_dest dests[STATS_MAX_DESTS];
	static struct metrics_extra extra[STATS_MAX_FIELDS];
	struct metrics_counters c;
	uint64_t dropped;
	size_t i;

	stats_read(d, &s);
	stats_metrics(&s, &c, dests, extra);
	dropped = c.ratelimit_dropped;
	for (i = 0; i < METRICS_DROP_COUNT; i++)
		dropped += c.drops[i];
	for (i = 0; i < METRICS_RB_COUNT; i++)
		dropped += c.ringbuf_lost[i];
	snprintf(buf, len,
		"%" PRIu64 " events exported, %" PRIu64 " dropped, %" PRIu64 " processes in cache",
		c.exported, dropped, c.pcache_size);
}

static void report_drops(const char *what, uint64_t now, uint64_t *last, const char *why)
{
	if (now != *last)
		log_warnx("%" PRIu64 " %s records dropped (%s)", now - *last, what, why);
	*last = now;
}

void stats_check_ringbuf(struct daemon *d)
{
	struct stats_ringbuf *r = &d->ringbuf_drops;
	uint64_t drops[PS_DROP_SLOTS];

	if (!d->sensor || sensor_drops(d->sensor, drops) != 0)
		return;
	report_drops("malformed", drops[PS_DROP_SHORT], &r->malformed, "short_record");
	report_drops("exec", drops[PS_EVENT_EXEC], &r->exec, "ringbuf_full");
	report_drops("exit", drops[PS_EVENT_EXIT], &r->exit, "ringbuf_full");
	report_drops(
		"fork", drops[PS_EVENT_FORK], &r->fork, "ringbuf_full; fork records, not events");
}

/* One counter of the export file: log what moved since the last look. */
static void report_export(const char *what, uint64_t now, uint64_t *last, int e)
{
	if (now < *last)
		*last = 0; /* a reload opened a new file: its counters start again */
	if (now != *last)
		log_warnx("export file: %" PRIu64 " %s failed (%s)", now - *last, what,
			e == ESTALE ? "the name no longer holds procship's file: replaced under it"
			: e	    ? strerror(e)
				    : "unknown error");
	*last = now;
}

void stats_check_export(struct daemon *d)
{
	const struct export_stats *st;
	struct export_stats *seen = &d->export_seen;

	if (!d->pipe.export)
		return;
	st = export_get_stats(d->pipe.export);
	report_export("rotations", st->rotate_errors, &seen->rotate_errors, st->last_errno);
	report_export("compressions of a backup", st->compress_errors, &seen->compress_errors,
		st->last_errno);
	report_export(
		"removals of an old backup", st->prune_errors, &seen->prune_errors, st->last_errno);
}
