/* SPDX-License-Identifier: Apache-2.0 */
/* JSON lines to a file with lumberjack-style rotation; gzip by zlib. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include "shipper/out/export_file.h"

#define STAMP_LEN 23 /* 2024-05-01T10-00-00.000 */

struct export_file {
	struct export_config cfg;
	char path[PATH_MAX];
	char dir[PATH_MAX];
	char stem[NAME_MAX + 1]; /* base name without its extension */
	char ext[NAME_MAX + 1];	 /* ".json", or "" */
	bool is_stdout;
	int fd;
	uint64_t size;	    /* bytes in the file */
	uint64_t rotate_at; /* rotate when a line would take size past this */
	bool broken_line;   /* a partial line could not be cut: start with a newline */
	char *buf;
	size_t used;
	size_t lines;		    /* lines in buf */
	struct timespec last_stamp; /* of the newest backup name taken */
	struct export_stats stats;
};

static int open_path(const char *path)
{
	return open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
}

static void fail(struct export_file *ef, uint64_t *counter, int err)
{
	(*counter)++;
	ef->stats.last_errno = err;
}

/* Split "DIR/STEM.EXT" once, for rotation (as Go's filepath.Ext: the last dot of the base). */
static int split_path(struct export_file *ef)
{
	const char *slash = strrchr(ef->path, '/');
	const char *base = slash ? slash + 1 : ef->path;
	const char *dot = strrchr(base, '.');
	size_t stem_len = dot ? (size_t)(dot - base) : strlen(base);

	if (!*base || stem_len > NAME_MAX || strlen(base) > NAME_MAX)
		return -EINVAL;
	if (!slash)
		strcpy(ef->dir, ".");
	else if (slash == ef->path)
		strcpy(ef->dir, "/");
	else
		snprintf(ef->dir, sizeof(ef->dir), "%.*s", (int)(slash - ef->path), ef->path);
	memcpy(ef->stem, base, stem_len);
	ef->stem[stem_len] = '\0';
	strcpy(ef->ext, dot ? dot : "");
	return 0;
}

struct export_file *export_open(const struct export_config *cfg, char *err, size_t errlen)
{
	struct export_file *ef;
	struct stat st;
	int e;

	if (!cfg->path || !*cfg->path) {
		snprintf(err, errlen, "export: empty file name");
		errno = EINVAL;
		return NULL;
	}
	ef = calloc(1, sizeof(*ef));
	if (!ef)
		goto err_out;
	ef->cfg = *cfg;
	if (!ef->cfg.bufsize)
		ef->cfg.bufsize = EXPORT_DEFAULT_BUFSIZE;
	if ((size_t)snprintf(ef->path, sizeof(ef->path), "%s", cfg->path) >= sizeof(ef->path)) {
		errno = ENAMETOOLONG;
		goto err_out;
	}
	ef->cfg.path = ef->path;
	ef->rotate_at = ef->cfg.max_size;
	ef->buf = malloc(ef->cfg.bufsize);
	if (!ef->buf)
		goto err_out;
	ef->is_stdout = !strcmp(ef->path, "-");
	if (ef->is_stdout) {
		ef->fd = STDOUT_FILENO;
		ef->cfg.max_size = 0;
		return ef;
	}
	if (split_path(ef) < 0) {
		errno = EINVAL;
		goto err_out;
	}
	ef->fd = open_path(ef->path);
	if (ef->fd == -1)
		goto err_out;
	if (fstat(ef->fd, &st) == 0)
		ef->size = (uint64_t)st.st_size;
	return ef;
err_out:
	e = errno;
	snprintf(err, errlen, "export: open %s: %s", cfg->path, strerror(e));
	if (ef && ef->fd > STDERR_FILENO)
		close(ef->fd);
	if (ef)
		free(ef->buf);
	free(ef);
	errno = e;
	return NULL;
}

/* Write all of iov; returns 0 or -errno with the bytes that did get written in *done. */
static int write_all(int fd, struct iovec *iov, int iovcnt, size_t *done)
{
	*done = 0;
	while (iovcnt > 0) {
		ssize_t n = writev(fd, iov, iovcnt);

		if (n == -1) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		*done += (size_t)n;
		while (iovcnt > 0 && (size_t)n >= iov->iov_len) {
			n -= (ssize_t)iov->iov_len;
			iov++;
			iovcnt--;
		}
		if (iovcnt > 0) {
			iov->iov_base = (char *)iov->iov_base + n;
			iov->iov_len -= (size_t)n;
		}
	}
	return 0;
}

/* Write whole lines (iov[1..]) after an optional newline that ends a broken line. All or
 * nothing: on failure the file is cut back to where it was, and `lines` are counted dropped. */
static int put(struct export_file *ef, const void *a, size_t alen, const void *b, size_t blen,
	size_t lines)
{
	struct iovec iov[3];
	size_t done, want;
	int n = 0, ret;

	if (ef->broken_line)
		iov[n++] = (struct iovec){.iov_base = "\n", .iov_len = 1};
	iov[n++] = (struct iovec){.iov_base = (void *)a, .iov_len = alen};
	if (blen)
		iov[n++] = (struct iovec){.iov_base = (void *)b, .iov_len = blen};
	want = alen + blen + ef->broken_line;
	ret = write_all(ef->fd, iov, n, &done);
	if (ret == 0) {
		ef->size += want;
		ef->broken_line = false;
		ef->stats.lines += lines;
		ef->stats.bytes += alen + blen;
		return 0;
	}
	/* No half line may stay: the next line would be glued to it. Cut it off, or when that
	 * is impossible (a pipe, a device), end it with the next write. */
	if (done > 0 && (ef->is_stdout || ftruncate(ef->fd, (off_t)ef->size) == -1)) {
		ef->size += done;
		ef->broken_line = true;
	}
	ef->stats.dropped += lines;
	fail(ef, &ef->stats.write_errors, -ret);
	return ret;
}

int export_flush(struct export_file *ef)
{
	int ret;

	if (!ef->used)
		return 0;
	ret = put(ef, ef->buf, ef->used, NULL, 0, ef->lines);
	ef->used = 0;
	ef->lines = 0;
	return ret;
}

static void format_stamp(struct timespec ts, char *buf, size_t size)
{
	struct tm tm;
	char date[32];

	gmtime_r(&ts.tv_sec, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H-%M-%S", &tm);
	snprintf(buf, size, "%s.%03u", date, (unsigned int)(ts.tv_nsec / 1000000) % 1000u);
}

static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static struct timespec add_ms(struct timespec ts)
{
	ts.tv_nsec += 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_nsec -= 1000000000;
		ts.tv_sec++;
	}
	return ts;
}

/* "DIR/STEM-STAMP.EXT" not taken yet, neither compressed nor plain. */
static int backup_name(struct export_file *ef, char *name, size_t size)
{
	struct timespec ts, last = ef->last_stamp;
	char stamp[40], gz[PATH_MAX + 3];
	int i;

	/* Never at or before the last name taken: names must sort in rotation order even when
	 * rotations come faster than milliseconds or the clock steps back. */
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec -= ts.tv_nsec % 1000000;
	if (ts.tv_sec < last.tv_sec || (ts.tv_sec == last.tv_sec && ts.tv_nsec <= last.tv_nsec))
		ts = add_ms(last);
	for (i = 0; i < 1000; i++, ts = add_ms(ts)) {
		format_stamp(ts, stamp, sizeof(stamp));
		if ((size_t)snprintf(name, size, "%s/%s-%s%s", ef->dir, ef->stem, stamp, ef->ext) >=
			size)
			return -ENAMETOOLONG;
		snprintf(gz, sizeof(gz), "%s.gz", name);
		if (!exists(name) && !exists(gz)) {
			ef->last_stamp = ts;
			return 0;
		}
	}
	return -EEXIST;
}

/* gzip src into src.gz with the (empty) write buffer as scratch, then remove src. */
static int compress_file(struct export_file *ef, const char *src)
{
	char dst[PATH_MAX + 3];
	gzFile gz = NULL;
	int in, out = -1, ret = 0;
	ssize_t n;

	snprintf(dst, sizeof(dst), "%s.gz", src);
	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in == -1)
		return -errno;
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out == -1) {
		ret = -errno;
		goto out;
	}
	gz = gzdopen(out, "wb1");
	if (!gz) {
		ret = -ENOMEM;
		close(out);
		goto out_unlink;
	}
	while ((n = read(in, ef->buf, ef->cfg.bufsize)) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			break;
		}
		errno = 0;
		if (gzwrite(gz, ef->buf, (unsigned int)n) != (int)n) {
			ret = errno ? -errno : -EIO;
			break;
		}
	}
	errno = 0;
	if (gzclose(gz) != Z_OK && ret == 0)
		ret = errno ? -errno : -EIO;
	if (ret == 0) {
		unlink(src);
		goto out;
	}
out_unlink:
	unlink(dst);
out:
	close(in);
	return ret;
}

/* A backup of ours: STEM-STAMP.EXT or STEM-STAMP.EXT.gz, STAMP digits in the right places. */
static bool is_backup(const struct export_file *ef, const char *name)
{
	static const char shape[] = "dddd-dd-ddTdd-dd-dd.ddd";
	size_t stem_len = strlen(ef->stem), ext_len = strlen(ef->ext);
	const char *p;
	int i;

	if (strncmp(name, ef->stem, stem_len) || name[stem_len] != '-')
		return false;
	p = name + stem_len + 1;
	for (i = 0; i < STAMP_LEN; i++) {
		if (!p[i])
			return false;
		if (shape[i] == 'd' ? (p[i] < '0' || p[i] > '9') : p[i] != shape[i])
			return false;
	}
	p += STAMP_LEN;
	if (strncmp(p, ef->ext, ext_len))
		return false;
	p += ext_len;
	return !strcmp(p, "") || !strcmp(p, ".gz");
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Delete the oldest backups beyond max_backups (names sort in rotation order). */
static int prune(struct export_file *ef)
{
	char **names = NULL, **tmp, path[PATH_MAX * 2];
	size_t n = 0, cap = 0, i;
	struct dirent *e;
	DIR *d;
	int ret = 0;

	if (!ef->cfg.max_backups)
		return 0;
	d = opendir(ef->dir);
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		if (!is_backup(ef, e->d_name))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			tmp = realloc(names, cap * sizeof(*names));
			if (!tmp) {
				ret = -ENOMEM;
				goto out;
			}
			names = tmp;
		}
		names[n] = strdup(e->d_name);
		if (!names[n]) {
			ret = -ENOMEM;
			goto out;
		}
		n++;
	}
	if (n > ef->cfg.max_backups) {
		qsort(names, n, sizeof(*names), cmp_names);
		for (i = 0; i < n - ef->cfg.max_backups; i++) {
			snprintf(path, sizeof(path), "%s/%s", ef->dir, names[i]);
			if (unlink(path) == -1 && errno != ENOENT)
				ret = -errno;
		}
	}
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return ret;
}

/* The buffer is empty. On a failure the current file stays in use, a bit longer than asked,
 * and the next attempt waits for another max_size bytes. */
static void rotate(struct export_file *ef)
{
	char backup[PATH_MAX];
	int fd, ret;

	ef->rotate_at = ef->size + ef->cfg.max_size;
	ret = backup_name(ef, backup, sizeof(backup));
	if (ret < 0) {
		fail(ef, &ef->stats.rotate_errors, -ret);
		return;
	}
	if (rename(ef->path, backup) == -1) {
		fail(ef, &ef->stats.rotate_errors, errno);
		return;
	}
	fd = open_path(ef->path);
	if (fd == -1) {
		fail(ef, &ef->stats.rotate_errors, errno);
		/* Put the name back; if even that fails, keep writing to the renamed file. */
		rename(backup, ef->path);
		return;
	}
	close(ef->fd);
	ef->fd = fd;
	ef->size = 0;
	ef->broken_line = false;
	ef->rotate_at = ef->cfg.max_size;
	ef->stats.rotations++;
	if (ef->cfg.compress) {
		ret = compress_file(ef, backup);
		if (ret < 0)
			fail(ef, &ef->stats.compress_errors, -ret);
	}
	ret = prune(ef);
	if (ret < 0)
		fail(ef, &ef->stats.prune_errors, -ret);
}

int export_write(struct export_file *ef, const char *json, size_t len)
{
	size_t need = len + 1;
	uint64_t cur = ef->size + ef->used;

	if (ef->cfg.max_size && cur > 0 && cur + need > ef->rotate_at) {
		export_flush(ef);
		rotate(ef);
	}
	if (ef->used + need > ef->cfg.bufsize) {
		export_flush(ef);
		if (need > ef->cfg.bufsize)
			return put(ef, json, len, "\n", 1, 1);
	}
	memcpy(ef->buf + ef->used, json, len);
	ef->buf[ef->used + len] = '\n';
	ef->used += need;
	ef->lines++;
	return 0;
}

int export_reopen(struct export_file *ef)
{
	struct stat st;
	int fd;

	export_flush(ef);
	if (ef->is_stdout)
		return 0;
	fd = open_path(ef->path);
	if (fd == -1) {
		ef->stats.last_errno = errno;
		return -ef->stats.last_errno;
	}
	close(ef->fd);
	ef->fd = fd;
	ef->size = fstat(fd, &st) == 0 ? (uint64_t)st.st_size : 0;
	ef->broken_line = false;
	ef->rotate_at = ef->cfg.max_size;
	return 0;
}

const struct export_stats *export_get_stats(const struct export_file *ef)
{
	return &ef->stats;
}

void export_free(struct export_file *ef)
{
	if (!ef)
		return;
	export_flush(ef);
	if (!ef->is_stdout)
		close(ef->fd);
	free(ef->buf);
	free(ef);
}
