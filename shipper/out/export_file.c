/* SPDX-License-Identifier: Apache-2.0 */
/* JSON lines to a file with lumberjack-style rotation; gzip by zlib. Every name is opened
 * relative to the directory fd held from export_open, through fsafe's checks: an attacker
 * who can write the directory can make a rotation fail (counted), never aim it elsewhere. */
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

#include "shipper/out/export_file.h"
#include "shipper/out/export_gz.h"
#include "shipper/sys/fsafe.h"

#define STAMP_LEN     23 /* 2024-05-01T10-00-00.000 */
#define CLOCK_SLACK_S 60 /* a backup stamped later than this after now is not ours */
#define WHY_MAX	      200

struct export_file {
	struct export_config cfg;
	char path[PATH_MAX];
	char dir[PATH_MAX];
	char base[NAME_MAX + 1]; /* the live file's name in dirfd */
	char stem[NAME_MAX + 1]; /* base name without its extension */
	char ext[NAME_MAX + 1];	 /* ".json", or "" */
	bool is_stdout;
	int dirfd;
	struct fsafe_owner own;
	int fd;
	dev_t dev; /* of the live file: rotation renames only that file */
	ino_t ino;
	/* The backups this export file may prune, oldest first: those it made, and those it
	 * found at open that pass fsafe's checks and are not stamped in the future. Names
	 * planted later are never in it. Kept only when max_backups is set. */
	char **backups;
	size_t nbackups, cap_backups;
	uint64_t size;	    /* bytes in the file */
	uint64_t rotate_at; /* rotate when a line would take size past this */
	bool broken_line;   /* a partial line could not be cut: start with a newline */
	char *buf;
	size_t used;
	size_t lines;		    /* lines in buf */
	struct timespec last_stamp; /* of the newest backup name taken */
	char warning[WHY_MAX];	    /* about the directory, from export_open */
	/* The backup being compressed, a slice at a time (export_gz.h); recorded once done. */
	struct export_gz *gz;
	size_t gz_credit; /* bytes of lines written since the last slice */
	struct export_stats stats;
};

/* The live file, created if need be (exclusively when excl: the rotation gap). */
static int open_live(struct export_file *ef, bool excl, char *why, size_t size)
{
	struct stat st;
	int fd = fsafe_openat(ef->dirfd, ef->base,
		O_WRONLY | O_APPEND | O_CREAT | (excl ? O_EXCL : 0), &ef->own, &st, why, size);

	if (fd < 0)
		return fd;
	ef->dev = st.st_dev;
	ef->ino = st.st_ino;
	ef->size = (uint64_t)st.st_size;
	return fd;
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
	strcpy(ef->base, base);
	memcpy(ef->stem, base, stem_len);
	ef->stem[stem_len] = '\0';
	strcpy(ef->ext, dot ? dot : "");
	return 0;
}

static int adopt_backups(struct export_file *ef);
static void export_free_quiet(struct export_file *ef);
static void gz_step(struct export_file *ef, size_t budget);

/* The directory, held for good, and the live file in it. */
static int open_dir_and_file(struct export_file *ef, char *why, size_t size)
{
	int fd;

	if (ef->cfg.set_owner) {
		ef->own.uid = ef->cfg.uid;
		ef->own.gid = ef->cfg.gid;
	} else {
		ef->own.uid = geteuid();
		ef->own.gid = getegid();
	}
	ef->dirfd = fsafe_opendir(ef->dir, &ef->own, why, size, ef->warning, sizeof(ef->warning));
	if (ef->dirfd < 0)
		return ef->dirfd;
	fd = open_live(ef, false, why, size);
	if (fd < 0)
		return fd;
	ef->fd = fd;
	return ef->cfg.max_backups ? adopt_backups(ef) : 0;
}

struct export_file *export_open(const struct export_config *cfg, char *err, size_t errlen)
{
	struct export_file *ef;
	char why[WHY_MAX];
	int e;

	if (!cfg->path || !*cfg->path) {
		snprintf(err, errlen, "export: empty file name");
		errno = EINVAL;
		return NULL;
	}
	snprintf(why, sizeof(why), "%s", strerror(EINVAL));
	ef = calloc(1, sizeof(*ef));
	if (!ef)
		goto err_errno;
	ef->fd = -1;
	ef->dirfd = -1;
	ef->cfg = *cfg;
	if (!ef->cfg.bufsize)
		ef->cfg.bufsize = EXPORT_DEFAULT_BUFSIZE;
	if ((size_t)snprintf(ef->path, sizeof(ef->path), "%s", cfg->path) >= sizeof(ef->path)) {
		errno = ENAMETOOLONG;
		goto err_errno;
	}
	ef->cfg.path = ef->path;
	ef->rotate_at = ef->cfg.max_size;
	ef->buf = malloc(ef->cfg.bufsize);
	if (!ef->buf)
		goto err_errno;
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
	e = open_dir_and_file(ef, why, sizeof(why));
	if (e < 0) {
		errno = -e;
		goto err_out;
	}
	return ef;
err_errno:
	snprintf(why, sizeof(why), "%s", strerror(errno));
err_out:
	e = errno;
	snprintf(err, errlen, "export: open %s: %s", cfg->path, why);
	export_free_quiet(ef);
	errno = e;
	return NULL;
}

const char *export_warning(const struct export_file *ef)
{
	return ef->warning;
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

	if (!ef->used) {
		gz_step(ef, EXPORT_GZ_SLICE);
		return 0;
	}
	ret = put(ef, ef->buf, ef->used, NULL, 0, ef->lines);
	ef->used = 0;
	ef->lines = 0;
	gz_step(ef, EXPORT_GZ_SLICE);
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

static bool exists(int dirfd, const char *name)
{
	struct stat st;

	return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT;
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

/* "STEM-STAMP.EXT" not taken yet, neither compressed nor plain (a name in dirfd). */
static int backup_name(struct export_file *ef, char *name, size_t size)
{
	struct timespec ts, last = ef->last_stamp;
	char stamp[40], gz[NAME_MAX + 4];
	int i;

	/* Never at or before the last name taken: names must sort in rotation order even when
	 * rotations come faster than milliseconds or the clock steps back. */
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec -= ts.tv_nsec % 1000000;
	if (ts.tv_sec < last.tv_sec || (ts.tv_sec == last.tv_sec && ts.tv_nsec <= last.tv_nsec))
		ts = add_ms(last);
	for (i = 0; i < 1000; i++, ts = add_ms(ts)) {
		format_stamp(ts, stamp, sizeof(stamp));
		if ((size_t)snprintf(name, size, "%s-%s%s", ef->stem, stamp, ef->ext) >= size ||
			strlen(name) + 3 > NAME_MAX)
			return -ENAMETOOLONG;
		snprintf(gz, sizeof(gz), "%s.gz", name);
		if (!exists(ef->dirfd, name) && !exists(ef->dirfd, gz)) {
			ef->last_stamp = ts;
			return 0;
		}
	}
	return -EEXIST;
}

/* A name of ours: STEM-STAMP.EXT or STEM-STAMP.EXT.gz, STAMP digits in the right places, not
 * stamped more than CLOCK_SLACK_S in the future (two planted future-dated names once made
 * pruning delete every real backup). */
static bool is_backup(const struct export_file *ef, const char *name, time_t now)
{
	static const char shape[] = "dddd-dd-ddTdd-dd-dd.ddd";
	size_t stem_len = strlen(ef->stem), ext_len = strlen(ef->ext);
	char stamp[32], nowstamp[40];
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
	memcpy(stamp, p, STAMP_LEN);
	stamp[STAMP_LEN] = '\0';
	/* The stamps compare as text: same width, most significant first. */
	format_stamp((struct timespec){.tv_sec = now + CLOCK_SLACK_S}, nowstamp, sizeof(nowstamp));
	if (strcmp(stamp, nowstamp) > 0)
		return false;
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

/* Append name to the record (it sorts after every name in it). */
static int record(struct export_file *ef, const char *name)
{
	char **tmp;

	if (!ef->cfg.max_backups)
		return 0;
	if (ef->nbackups == ef->cap_backups) {
		size_t cap = ef->cap_backups ? ef->cap_backups * 2 : 16;

		tmp = realloc(ef->backups, cap * sizeof(*tmp));
		if (!tmp)
			return -ENOMEM;
		ef->backups = tmp;
		ef->cap_backups = cap;
	}
	ef->backups[ef->nbackups] = strdup(name);
	if (!ef->backups[ef->nbackups])
		return -ENOMEM;
	ef->nbackups++;
	return 0;
}

/* At open: the backups already there that pass fsafe's checks (owned by us, one link, a
 * regular file) become the record, in rotation order. */
static int adopt_backups(struct export_file *ef)
{
	time_t now = time(NULL);
	struct dirent *e;
	struct stat st;
	char why[WHY_MAX];
	int fd, ret = 0;
	DIR *d;

	fd = openat(ef->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while (ret == 0 && (e = readdir(d))) {
		if (!is_backup(ef, e->d_name, now) ||
			fstatat(ef->dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
			fsafe_check_written(&st, &ef->own, 0640, why, sizeof(why)) < 0)
			continue;
		ret = record(ef, e->d_name);
	}
	closedir(d);
	if (ef->nbackups > 1)
		qsort(ef->backups, ef->nbackups, sizeof(*ef->backups), cmp_names);
	return ret;
}

/* Delete the oldest recorded backups beyond max_backups. A name that is no longer a file of
 * ours (replaced under us) leaves the record without being removed. */
static int prune(struct export_file *ef)
{
	size_t i, n;
	struct stat st;
	char why[WHY_MAX];
	int ret = 0;

	if (!ef->cfg.max_backups || ef->nbackups <= ef->cfg.max_backups)
		return 0;
	n = ef->nbackups - ef->cfg.max_backups;
	for (i = 0; i < n; i++) {
		const char *name = ef->backups[i];

		if (fstatat(ef->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			fsafe_check_written(&st, &ef->own, 0640, why, sizeof(why)) == 0 &&
			unlinkat(ef->dirfd, name, 0) == -1 && errno != ENOENT)
			ret = -errno;
		free(ef->backups[i]);
	}
	memmove(ef->backups, ef->backups + n, (ef->nbackups - n) * sizeof(*ef->backups));
	ef->nbackups -= n;
	return ret;
}

/* The name still holds the file we write to: rotation renames nothing else. */
static int live_is_ours(struct export_file *ef, struct stat *st)
{
	if (fstatat(ef->dirfd, ef->base, st, AT_SYMLINK_NOFOLLOW) == -1)
		return -errno;
	return st->st_dev == ef->dev && st->st_ino == ef->ino ? 0 : -ESTALE;
}

static void record_and_prune(struct export_file *ef, const char *backup)
{
	int ret = record(ef, backup);

	if (ret < 0)
		fail(ef, &ef->stats.prune_errors, -ret);
	ret = prune(ef);
	if (ret < 0)
		fail(ef, &ef->stats.prune_errors, -ret);
}

/* One slice of the pending compression; the backup is recorded (and the oldest pruned) once it
 * is done, under the name it then has. */
static void gz_step(struct export_file *ef, size_t budget)
{
	int ret;

	if (!ef->gz)
		return;
	ret = export_gz_step(ef->gz, budget);
	if (ret > 0)
		return;
	if (ret < 0)
		fail(ef, &ef->stats.compress_errors, -ret);
	record_and_prune(ef, export_gz_name(ef->gz));
	export_gz_free(ef->gz);
	ef->gz = NULL;
	ef->gz_credit = 0;
}

/* Start compressing the backup just made (the previous one finished first, so that the record
 * stays in rotation order), or record it as it is. */
static void after_rotate(struct export_file *ef, const char *backup, const struct stat *st)
{
	if (!ef->cfg.compress) {
		record_and_prune(ef, backup);
		return;
	}
	while (ef->gz)
		gz_step(ef, SIZE_MAX);
	ef->gz = export_gz_start(ef->dirfd, backup, st, &ef->own);
	if (!ef->gz) {
		fail(ef, &ef->stats.compress_errors, errno);
		record_and_prune(ef, backup);
	}
}

/* The buffer is empty. On a failure the current file stays in use, a bit longer than asked,
 * and the next attempt waits for another max_size bytes. The new file is created
 * exclusively: whatever was planted in the gap makes the rotation fail, nothing else. */
static void rotate(struct export_file *ef)
{
	char backup[NAME_MAX + 1], why[WHY_MAX];
	struct stat st;
	int fd, ret;

	ef->rotate_at = ef->size + ef->cfg.max_size;
	ret = backup_name(ef, backup, sizeof(backup));
	if (ret == 0)
		ret = live_is_ours(ef, &st);
	if (ret == 0 && renameat2(ef->dirfd, ef->base, ef->dirfd, backup, RENAME_NOREPLACE) == -1)
		ret = -errno;
	if (ret < 0) {
		fail(ef, &ef->stats.rotate_errors, -ret);
		return;
	}
	fd = open_live(ef, true, why, sizeof(why));
	if (fd < 0) {
		fail(ef, &ef->stats.rotate_errors, -fd);
		/* Put the name back; if even that fails, keep writing to the renamed file. */
		renameat2(ef->dirfd, backup, ef->dirfd, ef->base, RENAME_NOREPLACE);
		return;
	}
	close(ef->fd);
	ef->fd = fd;
	ef->broken_line = false;
	ef->rotate_at = ef->cfg.max_size;
	ef->stats.rotations++;
	after_rotate(ef, backup, &st);
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
	if (ef->gz) {
		/* Twice what is written: the backup is compressed before the next rotation. */
		ef->gz_credit += 2 * need;
		if (ef->gz_credit >= EXPORT_GZ_SLICE)
			gz_step(ef, ef->gz_credit);
	}
	return 0;
}

int export_reopen(struct export_file *ef)
{
	char why[WHY_MAX];
	int fd;

	export_flush(ef);
	if (ef->is_stdout)
		return 0;
	fd = open_live(ef, false, why, sizeof(why));
	if (fd < 0) {
		ef->stats.last_errno = -fd;
		return fd;
	}
	close(ef->fd);
	ef->fd = fd;
	ef->broken_line = false;
	ef->rotate_at = ef->cfg.max_size;
	return 0;
}

const struct export_stats *export_get_stats(const struct export_file *ef)
{
	return &ef->stats;
}

static void export_free_quiet(struct export_file *ef)
{
	size_t i;

	if (!ef)
		return;
	if (!ef->is_stdout && ef->fd >= 0)
		close(ef->fd);
	if (ef->dirfd >= 0)
		close(ef->dirfd);
	export_gz_free(ef->gz);
	for (i = 0; i < ef->nbackups; i++)
		free(ef->backups[i]);
	free(ef->backups);
	free(ef->buf);
	free(ef);
}

void export_free(struct export_file *ef)
{
	if (!ef)
		return;
	export_flush(ef);
	while (ef->gz)
		gz_step(ef, SIZE_MAX);
	export_free_quiet(ef);
}
