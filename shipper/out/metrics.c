/* SPDX-License-Identifier: Apache-2.0 */
/* Prometheus text format, written atomically: a temporary file created exclusively in the
 * directory held from start-up, then renamed over the name. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shipper/out/metrics.h"
#include "shipper/sys/fsafe.h"

static const char *const drop_names[METRICS_DROP_COUNT] = {
	[METRICS_DROP_SEND_ERROR] = "send_error",
	[METRICS_DROP_NO_DESTINATION] = "no_destination",
	[METRICS_DROP_OVERSIZE] = "oversize",
	[METRICS_DROP_ENCODE_ERROR] = "encode_error",
	[METRICS_DROP_FILTERED] = "filtered",
	[METRICS_DROP_EXPORT_FILE] = "export_file",
	[METRICS_DROP_MALFORMED] = "malformed",
	[METRICS_DROP_REFUSED] = "refused",
	[METRICS_DROP_TEXT] = "text_refused",
};

static const char *const rb_names[METRICS_RB_COUNT] = {
	[METRICS_RB_EXEC] = "exec",
	[METRICS_RB_EXIT] = "exit",
	[METRICS_RB_FORK] = "fork",
};

const char *metrics_drop_name(enum metrics_drop r)
{
	return (unsigned int)r < METRICS_DROP_COUNT ? drop_names[r] : "unknown";
}

const char *metrics_ringbuf_name(enum metrics_ringbuf t)
{
	return (unsigned int)t < METRICS_RB_COUNT ? rb_names[t] : "unknown";
}

static void header(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Exposition format: in a label value, backslash, double quote and line feed are escaped. */
static void label_value(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '"')
			fputs("\\\"", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

static void series(FILE *f, const char *name, uint64_t v)
{
	fprintf(f, "%s %" PRIu64 "\n", name, v);
}

static void labelled(FILE *f, const char *name, const char *label, const char *value, uint64_t v)
{
	fprintf(f, "%s{%s=\"", name, label);
	label_value(f, value);
	fprintf(f, "\"} %" PRIu64 "\n", v);
}

static void counter(FILE *f, const char *name, const char *help, uint64_t v)
{
	header(f, name, "counter", help);
	series(f, name, v);
}

int metrics_format(FILE *f, const struct metrics_counters *c)
{
	uint64_t rb_sum = 0;
	size_t i;

	header(f, "procship_build_info", "gauge", "Version and commit of the running procship.");
	fputs("procship_build_info{version=\"", f);
	label_value(f, c->version);
	fputs("\",commit=\"", f);
	label_value(f, c->commit);
	fputs("\"} 1\n", f);

	counter(f, "procship_events_exported_total", "Events exported.", c->exported);
	counter(f, "procship_events_exported_bytes_total", "Bytes of events exported.",
		c->exported_bytes);
	counter(f, "procship_export_ratelimit_events_dropped_total",
		"Events dropped by --export-rate-limit.", c->ratelimit_dropped);

	/* A lost fork record is no lost event: it only leaves a parent unknown. */
	rb_sum = c->ringbuf_lost[METRICS_RB_EXEC] + c->ringbuf_lost[METRICS_RB_EXIT];
	header(f, "procship_events_dropped_total", "counter",
		"Events not exported, by reason; the sum is every event lost.");
	labelled(f, "procship_events_dropped_total", "reason", "ratelimit", c->ratelimit_dropped);
	labelled(f, "procship_events_dropped_total", "reason", "ringbuf_full", rb_sum);
	for (i = 0; i < METRICS_DROP_COUNT; i++)
		labelled(f, "procship_events_dropped_total", "reason", drop_names[i], c->drops[i]);

	header(f, "procship_ringbuf_lost_total", "counter",
		"Ring-buffer records lost in the kernel (reserve failed), by type.");
	for (i = 0; i < METRICS_RB_COUNT; i++)
		labelled(f, "procship_ringbuf_lost_total", "type", rb_names[i], c->ringbuf_lost[i]);

	header(f, "procship_events_truncated_total", "counter",
		"Events truncated to fit a datagram: strings shortened (JSON kept whole) or cut.");
	labelled(f, "procship_events_truncated_total", "how", "shortened", c->truncated_shortened);
	labelled(f, "procship_events_truncated_total", "how", "cut", c->truncated_cut);

	header(f, "procship_udp_datagrams_sent_total", "counter",
		"Datagrams handed to the kernel, by destination.");
	for (i = 0; i < c->ndests; i++)
		labelled(f, "procship_udp_datagrams_sent_total", "destination",
			c->dests[i].destination, c->dests[i].sent);
	header(f, "procship_udp_send_errors_total", "counter",
		"Failed sends (transient errors), by destination.");
	for (i = 0; i < c->ndests; i++)
		labelled(f, "procship_udp_send_errors_total", "destination",
			c->dests[i].destination, c->dests[i].send_errors);
	header(f, "procship_udp_datagrams_dropped_total", "counter",
		"Datagrams not sent, by destination.");
	for (i = 0; i < c->ndests; i++)
		labelled(f, "procship_udp_datagrams_dropped_total", "destination",
			c->dests[i].destination, c->dests[i].dropped);

	counter(f, "procship_udp_failovers_total", "Moves to the next UDP destination.",
		c->failovers);
	counter(f, "procship_udp_reconnects_total", "UDP sockets connected again.", c->reconnects);
	counter(f, "procship_export_file_rotations_total", "Export file rotations.",
		c->file_rotations);
	counter(f, "procship_export_file_rotation_errors_total",
		"Export file rotations, compressions or prunings that failed.",
		c->file_rotation_errors);
	counter(f, "procship_filter_match_limit_total",
		"Regex matches that hit the match limit (each decided for export).",
		c->filter_match_limit);

	header(f, "procship_process_cache_size", "gauge", "Processes in the process cache.");
	series(f, "procship_process_cache_size", c->pcache_size);

	for (i = 0; i < c->nextra; i++) {
		const struct metrics_extra *x = &c->extra[i];

		fprintf(f, "# HELP procship_%s %s\n", x->name, x->help);
		fprintf(f, "# TYPE procship_%s %s\n", x->name, x->gauge ? "gauge" : "counter");
		fprintf(f, "procship_%s %" PRIu64 "\n", x->name, x->value);
	}

	if (fflush(f) == EOF || ferror(f))
		return errno ? -errno : -EIO;
	return 0;
}

struct metrics_file {
	int dirfd;
	char name[NAME_MAX + 1];
	char path[PATH_MAX];
};

struct metrics_file *metrics_file_open(
	const char *path, uid_t uid, char *err, size_t errlen, char *warn, size_t warnlen)
{
	struct fsafe_owner own = {.uid = uid, .gid = getegid()};
	char dir[PATH_MAX], why[200];
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	struct metrics_file *m;
	int e;

	warn[0] = '\0';
	if (!*base || strlen(base) + 8 > NAME_MAX || strlen(path) >= PATH_MAX) {
		snprintf(err, errlen, "metrics: %s: %s", path, strerror(EINVAL));
		errno = EINVAL;
		return NULL;
	}
	if (!slash)
		strcpy(dir, ".");
	else if (slash == path)
		strcpy(dir, "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	m = calloc(1, sizeof(*m));
	if (!m) {
		snprintf(err, errlen, "metrics: %s: %s", path, strerror(ENOMEM));
		return NULL;
	}
	m->dirfd = fsafe_opendir(dir, &own, why, sizeof(why), warn, warnlen);
	if (m->dirfd < 0) {
		e = -m->dirfd;
		snprintf(err, errlen, "metrics: directory of %s: %s", path, why);
		free(m);
		errno = e;
		return NULL;
	}
	strcpy(m->name, base);
	strcpy(m->path, path);
	return m;
}

void metrics_file_free(struct metrics_file *m)
{
	if (!m)
		return;
	close(m->dirfd);
	free(m);
}

const char *metrics_file_path(const struct metrics_file *m)
{
	return m->path;
}

/* NAME.XXXXXX, created exclusively in the held directory, never through a link. */
static int create_tmp(struct metrics_file *m, char *tmp, size_t size)
{
	static const char digits[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	size_t len = strlen(m->name);
	unsigned char rnd[6];
	int fd, i, k;

	if (len + 8 > size)
		return -ENAMETOOLONG;
	memcpy(tmp, m->name, len);
	tmp[len] = '.';
	tmp[len + 7] = '\0';
	for (i = 0; i < 16; i++) {
		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
			return -EIO;
		for (k = 0; k < 6; k++)
			tmp[len + 1 + (size_t)k] = digits[rnd[k] % (sizeof(digits) - 1)];
		fd = openat(
			m->dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0 || errno != EEXIST)
			return fd >= 0 ? fd : -errno;
	}
	return -EEXIST;
}

int metrics_file_write(struct metrics_file *m, const struct metrics_counters *c, bool do_fsync,
	char *err, size_t errlen)
{
	char tmp[NAME_MAX + 1];
	const char *what = "create";
	FILE *f = NULL;
	int fd, ret;

	fd = create_tmp(m, tmp, sizeof(tmp));
	if (fd < 0) {
		snprintf(err, errlen, "metrics: create %s.XXXXXX: %s", m->path, strerror(-fd));
		return fd;
	}
	/* Created 0600: a collector running as another user must read it. */
	what = "chmod";
	if (fchmod(fd, 0644) == -1)
		goto fail;
	what = "write";
	f = fdopen(fd, "w");
	if (!f)
		goto fail;
	errno = 0;
	ret = metrics_format(f, c);
	if (ret < 0) {
		errno = -ret;
		goto fail;
	}
	what = "fsync";
	if (do_fsync && fsync(fd) == -1)
		goto fail;
	what = "close";
	fd = -1;
	ret = fclose(f);
	f = NULL;
	if (ret == EOF)
		goto fail;
	/* rename replaces whatever the name holds (a planted link is replaced, not followed) */
	what = "rename";
	if (renameat(m->dirfd, tmp, m->dirfd, m->name) == -1)
		goto fail;
	return 0;
fail:
	ret = errno ? -errno : -EIO;
	if (strcmp(what, "rename"))
		snprintf(err, errlen, "metrics: %s %s.%s: %s", what, m->path,
			tmp + strlen(m->name) + 1, strerror(-ret));
	else
		snprintf(err, errlen, "metrics: rename %s: %s", m->path, strerror(-ret));
	if (f)
		fclose(f);
	else if (fd != -1)
		close(fd);
	unlinkat(m->dirfd, tmp, 0);
	return ret;
}

int metrics_write_file(
	const char *path, const struct metrics_counters *c, bool do_fsync, char *err, size_t errlen)
{
	char warn[200];
	struct metrics_file *m =
		metrics_file_open(path, geteuid(), err, errlen, warn, sizeof(warn));
	int ret;

	if (!m)
		return -errno;
	ret = metrics_file_write(m, c, do_fsync, err, errlen);
	metrics_file_free(m);
	return ret;
}
