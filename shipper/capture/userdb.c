/* SPDX-License-Identifier: Apache-2.0 */
/* The passwd table: one read of the file into a sorted array of (uid, name); see userdb.h. */
#include "shipper/capture/userdb.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/utf8.h"

/* Bytes of a name kept, NUL excluded: proc_cache's field holds one more. */
#define UDB_NAME_MAX 63

struct udb_entry {
	uint32_t uid;
	uint32_t off; /* of the name in names */
};

struct udb {
	char *path;
	struct udb_entry *v;
	size_t n;
	char *names;
	bool loaded;
	bool checked_once;
	uint64_t last_check_ns;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	struct udb_stats stats;
	char error[256];
};

struct udb *udb_new(const char *path)
{
	struct udb *u = calloc(1, sizeof(*u));

	if (!u)
		return NULL;
	u->path = strdup(path);
	if (!u->path) {
		free(u);
		return NULL;
	}
	return u;
}

void udb_free(struct udb *u)
{
	if (!u)
		return;
	free(u->v);
	free(u->names);
	free(u->path);
	free(u);
}

/* A name as it can stand in JSON and in a cache entry: short, valid UTF-8, no control byte. */
static bool name_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > UDB_NAME_MAX || utf8_invalid(s, len, UTF8_NUL))
		return false;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

/* "name:pw:uid:..." -> uid and the name's length; false for a line that is no entry. */
static bool parse_line(const char *line, size_t len, uint32_t *uid, size_t *name_len)
{
	const char *c1 = memchr(line, ':', len), *c2, *p;
	uint64_t v = 0;

	if (!c1 || line[0] == '#' || line[0] == '+' || line[0] == '-')
		return false;
	c2 = memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - line));
	if (!c2)
		return false;
	p = c2 + 1;
	if (p >= line + len || *p < '0' || *p > '9')
		return false;
	while (p < line + len && *p >= '0' && *p <= '9') {
		v = v * 10 + (uint64_t)(*p++ - '0');
		if (v > UINT32_MAX)
			return false;
	}
	if (p >= line + len || *p != ':')
		return false;
	*uid = (uint32_t)v;
	*name_len = (size_t)(c1 - line);
	return name_ok(line, *name_len);
}

static int cmp_entry(const void *a, const void *b)
{
	const struct udb_entry *x = a, *y = b;

	if (x->uid != y->uid)
		return x->uid < y->uid ? -1 : 1;
	/* The same uid twice: the earlier line (lower offset) first, and it wins. */
	return x->off < y->off ? -1 : x->off > y->off;
}

/* The table of text[0..len) (names rewritten in place as NUL-terminated strings). */
static int build(struct udb *u, char *text, size_t len)
{
	struct udb_entry *v = NULL;
	size_t n = 0, cap = 0, i = 0, o;

	while (i < len) {
		char *nl = memchr(text + i, '\n', len - i);
		size_t llen = nl ? (size_t)(nl - (text + i)) : len - i, name_len;
		uint32_t uid;

		if (llen && parse_line(text + i, llen, &uid, &name_len)) {
			if (n == UDB_MAX_USERS) {
				u->stats.skipped++;
			} else {
				if (n == cap) {
					struct udb_entry *nv;

					cap = cap ? cap * 2 : 256;
					nv = realloc(v, cap * sizeof(*v));
					if (!nv) {
						free(v);
						return -ENOMEM;
					}
					v = nv;
				}
				text[i + name_len] = '\0';
				v[n++] = (struct udb_entry){uid, (uint32_t)i};
			}
		} else if (llen && text[i] != '#') {
			u->stats.skipped++;
		}
		i += llen + 1;
	}
	qsort(v, n, sizeof(*v), cmp_entry);
	for (i = o = 0; i < n; i++)
		if (o == 0 || v[o - 1].uid != v[i].uid)
			v[o++] = v[i];
	free(u->v);
	free(u->names);
	u->v = v;
	u->n = o;
	u->names = text;
	return 0;
}

static int fail(struct udb *u, int rc, const char *what, char *err, size_t errlen)
{
	snprintf(u->error, sizeof(u->error), "%s: %s: %s", u->path, what, strerror(-rc));
	if (err)
		snprintf(err, errlen, "%s", u->error);
	u->stats.load_errors++;
	return rc;
}

static int read_all(int fd, char *buf, size_t size, size_t *got)
{
	*got = 0;
	while (*got < size) {
		ssize_t r = read(fd, buf + *got, size - *got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		*got += (size_t)r;
	}
	return 0;
}

static bool same_file(const struct udb *u, const struct stat *st)
{
	return u->loaded && u->dev == st->st_dev && u->ino == st->st_ino &&
	       u->size == st->st_size && u->mtime.tv_sec == st->st_mtim.tv_sec &&
	       u->mtime.tv_nsec == st->st_mtim.tv_nsec;
}

int udb_reload(struct udb *u, bool force, char *err, size_t errlen)
{
	int fd = open(u->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY), rc;
	struct stat st;
	size_t got;
	char *text;

	if (fd < 0)
		return fail(u, -errno, "cannot open", err, errlen);
	if (fstat(fd, &st) != 0) {
		rc = -errno;
		close(fd);
		return fail(u, rc, "cannot stat", err, errlen);
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return fail(u, -EINVAL, "not a regular file", err, errlen);
	}
	if (!force && same_file(u, &st)) {
		close(fd);
		return 0;
	}
	/* One byte past the bound tells a file that is too long from one that fits. */
	text = malloc(UDB_MAX_BYTES + 2);
	if (!text) {
		close(fd);
		return fail(u, -ENOMEM, "cannot read", err, errlen);
	}
	rc = read_all(fd, text, UDB_MAX_BYTES + 1, &got);
	close(fd);
	if (rc == 0 && got > UDB_MAX_BYTES)
		rc = -EFBIG;
	if (rc == 0)
		rc = build(u, text, got);
	if (rc != 0) {
		free(text);
		return fail(u, rc, "cannot read", err, errlen);
	}
	/* Give back what the bound reserved beyond the file. */
	u->names = realloc(text, got + 1) ?: text;
	u->loaded = true;
	u->dev = st.st_dev;
	u->ino = st.st_ino;
	u->size = st.st_size;
	u->mtime = st.st_mtim;
	u->error[0] = '\0';
	u->stats.loads++;
	return 0;
}

const char *udb_lookup(struct udb *u, uint32_t uid, uint64_t now_ns)
{
	size_t lo = 0, hi;

	if (!u->checked_once || now_ns - u->last_check_ns >= UDB_CHECK_NS) {
		u->checked_once = true;
		u->last_check_ns = now_ns;
		(void)udb_reload(u, false, NULL, 0);
	}
	hi = u->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (u->v[mid].uid == uid) {
			u->stats.hits++;
			return u->names + u->v[mid].off;
		}
		if (u->v[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	u->stats.misses++;
	return NULL;
}

size_t udb_count(const struct udb *u)
{
	return u->n;
}

const struct udb_stats *udb_get_stats(const struct udb *u)
{
	return &u->stats;
}

const char *udb_error(const struct udb *u)
{
	return u->error;
}
