/* SPDX-License-Identifier: Apache-2.0 */
/* The unix datagram socket and standard input, read in bounded turns; see inputs.h. */
#include "shipper/text/inputs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define STDIN_CHUNK 65536 /* bytes per read(): bounds the work of one input_stdin_read() */
/* Datagrams per recvmmsg(): a wake-up that finds a full queue (10 on our machines, 512 where
 * systemd sets it) takes it in one or a few calls, not one each plus the EAGAIN that ends it. */
#define UNIX_BATCH 16

union creds_ctl {
	struct cmsghdr h;
	char b[CMSG_SPACE(sizeof(struct ucred))];
};

/* ---- unix datagram socket ------------------------------------------------------------------ */

struct input_unix {
	int fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t dev; /* the file we bound, so that free removes only ours */
	ino_t ino;
	char *buf; /* UNIX_BATCH slots of max_msg + 1 bytes */
	size_t max_msg;
	int queue;
	int qlen; /* the queue length it has, whoever chose it */
	struct mmsghdr mm[UNIX_BATCH];
	struct iovec iov[UNIX_BATCH];
	union creds_ctl ctl[UNIX_BATCH];
	struct input_unix_stats stats;
};

#define QLEN_SYSCTL "/proc/sys/net/unix/max_dgram_qlen"
#define QLEN_KERNEL 10 /* the kernel's own default, assumed when the sysctl cannot be read */

static int qlen_read(void)
{
	FILE *f = fopen(QLEN_SYSCTL, "re");
	int v = -1;

	if (!f)
		return -errno;
	if (fscanf(f, "%d", &v) != 1)
		v = -EIO;
	fclose(f);
	return v;
}

static int qlen_write(int v)
{
	FILE *f = fopen(QLEN_SYSCTL, "we");
	int ret = 0;

	if (!f)
		return -errno;
	if (fprintf(f, "%d\n", v) < 0)
		ret = -EIO;
	if (fclose(f) != 0 && ret == 0)
		ret = -errno;
	return ret;
}

static int system_qlen(void)
{
	int v = qlen_read();

	return v > 0 ? v : QLEN_KERNEL;
}

/* socket(), with the queue length raised to want for that moment when want is larger than the
 * system's (the value is per network namespace and copied into each new socket). */
static int unix_socket(int want, int *got, char *err, size_t errlen)
{
	int old = 0, fd, e, ret;

	*got = 0;
	if (want > 0) {
		old = qlen_read();
		if (old < 0) {
			snprintf(err, errlen, "%s: %s", QLEN_SYSCTL, strerror(-old));
			return old;
		}
		if (want > old) {
			ret = qlen_write(want);
			if (ret < 0) {
				snprintf(err, errlen, "%s: %s", QLEN_SYSCTL, strerror(-ret));
				return ret;
			}
		}
		*got = want > old ? want : old;
	}
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	e = errno;
	if (want > old)
		qlen_write(old);
	if (fd == -1) {
		snprintf(err, errlen, "socket: %s", strerror(e));
		return -e;
	}
	return fd;
}

/* The kernel names each sender (SCM_CREDENTIALS) once this is on. */
static int pass_creds(int fd, char *err, size_t errlen)
{
	int one = 1;

	if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) == 0)
		return 0;
	snprintf(err, errlen, "SO_PASSCRED: %s", strerror(errno));
	return -errno;
}

/* Decide what to do with a file already at path: 0 when it is gone or stale (removed), else
 * -errno with a message. */
static int clear_path(const char *path, const struct sockaddr_un *sun, bool replace_symlink,
	char *err, size_t errlen)
{
	struct stat st;
	int fd, e;

	if (lstat(path, &st) == -1) {
		if (errno == ENOENT)
			return 0;
		e = errno;
		snprintf(err, errlen, "input-unix %s: %s", path, strerror(e));
		return -e;
	}
	if (S_ISLNK(st.st_mode)) {
		if (!replace_symlink) {
			snprintf(err, errlen,
				"input-unix %s: is a symbolic link (systemd's /dev/log points to "
				"journald); take it over with --input-unix-replace-symlink, or let "
				"procship.socket pass the socket",
				path);
			return -EEXIST;
		}
		if (unlink(path) == -1 && errno != ENOENT) {
			e = errno;
			snprintf(err, errlen, "input-unix %s: remove symbolic link: %s", path,
				strerror(e));
			return -e;
		}
		return 0;
	}
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "input-unix %s: exists and is not a socket", path);
		return -EEXIST;
	}
	/* A socket file outlives its process: only a receiver that still answers makes it ours
	 * to leave alone. */
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		e = errno;
		snprintf(err, errlen, "input-unix %s: socket: %s", path, strerror(e));
		return -e;
	}
	if (connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0) {
		close(fd);
		snprintf(err, errlen,
			"input-unix %s: in use by another process (connect succeeded)", path);
		return -EADDRINUSE;
	}
	e = errno;
	close(fd);
	if (e != ECONNREFUSED) {
		snprintf(err, errlen,
			"input-unix %s: cannot tell whether it is in use: connect: %s", path,
			strerror(e));
		return -e;
	}
	if (unlink(path) == -1 && errno != ENOENT) {
		e = errno;
		snprintf(err, errlen, "input-unix %s: remove stale socket: %s", path, strerror(e));
		return -e;
	}
	return 0;
}

static struct input_unix *unix_alloc(size_t max_msg, char *err, size_t errlen)
{
	struct input_unix *in = calloc(1, sizeof(*in));
	int e;

	if (!in)
		goto err_out;
	in->fd = -1;
	in->max_msg = max_msg ? max_msg : INPUT_DEFAULT_MAX_MSG;
	/* One byte more than kept, so that a longer datagram is seen as such. */
	in->buf = malloc(UNIX_BATCH * (in->max_msg + 1));
	if (in->buf)
		return in;
err_out:
	e = errno;
	snprintf(err, errlen, "input-unix: %s", strerror(e));
	free(in);
	errno = e;
	return NULL;
}

/* Socket, bind, mode, identity: the steps after the path is clear. */
static int unix_bind(struct input_unix *in, const struct input_unix_conf *c,
	const struct sockaddr_un *sun, char *err, size_t errlen)
{
	char why[256];
	struct stat st;
	int e;

	in->fd = unix_socket(c->queue, &in->queue, why, sizeof(why));
	if (in->fd < 0) {
		e = -in->fd;
		in->fd = -1;
		snprintf(err, errlen, "input-unix %s: %s", c->path, why);
		return -e;
	}
	in->qlen = in->queue > 0 ? in->queue : system_qlen();
	if (bind(in->fd, (const struct sockaddr *)sun, sizeof(*sun)) == -1) {
		e = errno;
		snprintf(err, errlen, "input-unix %s: bind: %s", c->path, strerror(e));
		return -e;
	}
	snprintf(in->path, sizeof(in->path), "%s", c->path);
	/* Every local program logs here, as to /dev/log; bind() honoured the umask. */
	if (chmod(c->path, 0666) == -1 || lstat(c->path, &st) == -1) {
		e = errno;
		snprintf(err, errlen, "input-unix %s: chmod: %s", c->path, strerror(e));
		return -e;
	}
	in->dev = st.st_dev;
	in->ino = st.st_ino;
	e = pass_creds(in->fd, why, sizeof(why));
	if (e < 0)
		snprintf(err, errlen, "input-unix %s: %s", c->path, why);
	return e;
}

struct input_unix *input_unix_open(const struct input_unix_conf *c, char *err, size_t errlen)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct input_unix *in;
	int ret;

	if (strlen(c->path) >= sizeof(sun.sun_path) || !c->path[0]) {
		snprintf(err, errlen, "input-unix %s: path empty or longer than %zu bytes", c->path,
			sizeof(sun.sun_path) - 1);
		errno = ENAMETOOLONG;
		return NULL;
	}
	in = unix_alloc(c->max_msg, err, errlen);
	if (!in)
		return NULL;
	memcpy(sun.sun_path, c->path, strlen(c->path) + 1);
	ret = clear_path(c->path, &sun, c->replace_symlink, err, errlen);
	if (ret == 0)
		ret = unix_bind(in, c, &sun, err, errlen);
	if (ret == 0)
		return in;
	input_unix_free(in);
	errno = -ret;
	return NULL;
}

struct input_unix *input_unix_new(const char *path, size_t max_msg, char *err, size_t errlen)
{
	struct input_unix_conf c = {.path = path, .max_msg = max_msg};

	return input_unix_open(&c, err, errlen);
}

struct input_unix *input_unix_adopt(int fd, size_t max_msg, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	socklen_t sl = sizeof(sun);
	struct input_unix *in;
	int type = 0, e, fl;
	socklen_t tl = sizeof(type);
	char why[256];

	if (getsockname(fd, (struct sockaddr *)&sun, &sl) == -1 || sun.sun_family != AF_UNIX ||
		getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) == -1 || type != SOCK_DGRAM) {
		snprintf(err, errlen, "input-unix: passed fd %d is not a unix datagram socket", fd);
		close(fd);
		errno = EINVAL;
		return NULL;
	}
	in = unix_alloc(max_msg, err, errlen);
	if (!in) {
		e = errno;
		close(fd);
		errno = e;
		return NULL;
	}
	in->fd = fd;
	in->qlen = system_qlen(); /* the value when systemd made it, most likely */
	/* The socket unit's path, for messages; path stays empty so free removes nothing. */
	fl = fcntl(fd, F_GETFL);
	if (fl == -1 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1 ||
		fcntl(fd, F_SETFD, FD_CLOEXEC) == -1 || pass_creds(fd, why, sizeof(why)) < 0) {
		e = errno;
		snprintf(err, errlen, "input-unix: passed fd %d: %s", fd, strerror(e));
		input_unix_free(in);
		errno = e;
		return NULL;
	}
	return in;
}

int input_unix_queue(const struct input_unix *in)
{
	return in->queue;
}

int input_unix_qlen(const struct input_unix *in)
{
	return in->qlen;
}

void input_unix_free(struct input_unix *in)
{
	struct stat st;

	if (!in)
		return;
	if (in->fd != -1)
		close(in->fd);
	/* Another instance may have replaced a socket we were told was stale: leave theirs. */
	if (in->path[0] && lstat(in->path, &st) == 0 && st.st_dev == in->dev &&
		st.st_ino == in->ino)
		unlink(in->path);
	free(in->buf);
	free(in);
}

int input_unix_fd(const struct input_unix *in)
{
	return in->fd;
}

const char *input_unix_path(const struct input_unix *in)
{
	return in->path;
}

/* The sender's pid from SCM_CREDENTIALS; 0 without one. A sender may also pass fds
 * (SCM_RIGHTS): they are closed, not leaked. */
static pid_t sender_pid(struct msghdr *mh)
{
	struct cmsghdr *c;
	pid_t pid = 0;

	for (c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level != SOL_SOCKET)
			continue;
		if (c->cmsg_type == SCM_CREDENTIALS &&
			c->cmsg_len >= CMSG_LEN(sizeof(struct ucred))) {
			struct ucred uc;

			memcpy(&uc, CMSG_DATA(c), sizeof(uc));
			pid = uc.pid > 0 ? uc.pid : 0;
		} else if (c->cmsg_type == SCM_RIGHTS) {
			size_t i, n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			int fd;

			for (i = 0; i < n; i++) {
				memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
				close(fd);
			}
		}
	}
	return pid;
}

/* One received datagram of the batch to the callback. */
static void deliver_dgram(struct input_unix *in, size_t i, input_msg_fn *cb, void *arg)
{
	struct msghdr *mh = &in->mm[i].msg_hdr;
	size_t len = in->mm[i].msg_len;
	unsigned int flags = 0;
	pid_t pid;

	/* MSG_TRUNC: msg_len is the datagram's real length, so a cut one is known and counted. */
	if (len > in->max_msg || (mh->msg_flags & MSG_TRUNC)) {
		len = len < in->max_msg ? len : in->max_msg;
		flags |= INPUT_F_TRUNCATED;
		in->stats.truncated++;
	}
	pid = sender_pid(mh);
	if (pid == 0)
		in->stats.no_creds++;
	in->stats.messages++;
	in->stats.bytes += len;
	cb(arg, in->iov[i].iov_base, len, flags, pid);
}

int input_unix_read(struct input_unix *in, int budget, input_msg_fn *cb, void *arg)
{
	int count = 0, want, n, i;

	if (budget <= 0)
		budget = INPUT_UNIX_BUDGET;
	while (count < budget) {
		want = budget - count < UNIX_BATCH ? budget - count : UNIX_BATCH;
		for (i = 0; i < want; i++) {
			in->iov[i] = (struct iovec){
				in->buf + (size_t)i * (in->max_msg + 1), in->max_msg + 1};
			in->mm[i].msg_hdr = (struct msghdr){.msg_iov = &in->iov[i],
				.msg_iovlen = 1,
				.msg_control = &in->ctl[i],
				.msg_controllen = sizeof(in->ctl[i])};
		}
		n = recvmmsg(in->fd, in->mm, (unsigned int)want,
			MSG_DONTWAIT | MSG_TRUNC | MSG_CMSG_CLOEXEC, NULL);
		if (n == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				return count;
			in->stats.errors++;
			return -errno;
		}
		for (i = 0; i < n; i++)
			deliver_dgram(in, (size_t)i, cb, arg);
		count += n;
		if (n < want)
			return count; /* the queue is empty */
	}
	in->stats.budget_hits++;
	return count;
}

const struct input_unix_stats *input_unix_get_stats(const struct input_unix *in)
{
	return &in->stats;
}

/* ---- standard input ------------------------------------------------------------------------ */

struct input_stdin {
	int fd;
	int saved_flags; /* -1: not changed */
	bool pollable;
	bool eof;
	bool skipping; /* inside the cut-off tail of a long line */
	size_t max_line;
	char *buf;
	size_t cap;
	size_t fill;
	struct input_stdin_stats stats;
};

struct input_stdin *input_stdin_new(int fd, size_t max_line, char *err, size_t errlen)
{
	struct input_stdin *in = calloc(1, sizeof(*in));
	struct stat st;
	int e, fl;

	if (!in) {
		e = errno;
		snprintf(err, errlen, "input-stdin: %s", strerror(e));
		errno = e;
		return NULL;
	}
	in->fd = fd;
	in->saved_flags = -1;
	in->max_line = max_line ? max_line : INPUT_DEFAULT_MAX_MSG;
	/* A kept partial line is at most max_line, so a whole chunk always fits behind it. */
	in->cap = in->max_line + STDIN_CHUNK;
	in->buf = malloc(in->cap);
	if (!in->buf) {
		e = errno;
		snprintf(err, errlen, "input-stdin: %s", strerror(e));
		goto err_out;
	}
	if (fstat(fd, &st) == -1) {
		e = errno;
		snprintf(err, errlen, "input-stdin: fd %d: %s", fd, strerror(e));
		goto err_out;
	}
	in->pollable = !S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode) && !S_ISDIR(st.st_mode);
	if (in->pollable) {
		fl = fcntl(fd, F_GETFL);
		if (fl == -1 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1) {
			e = errno;
			snprintf(
				err, errlen, "input-stdin: fd %d: O_NONBLOCK: %s", fd, strerror(e));
			goto err_out;
		}
		/* The flag belongs to the open file description, which a shell or a pipe's writer
		 * may share: put it back when done. */
		in->saved_flags = fl;
	}
	return in;

err_out:
	input_stdin_free(in);
	errno = e;
	return NULL;
}

void input_stdin_free(struct input_stdin *in)
{
	if (!in)
		return;
	if (in->saved_flags != -1)
		fcntl(in->fd, F_SETFL, in->saved_flags);
	free(in->buf);
	free(in);
}

int input_stdin_fd(const struct input_stdin *in)
{
	return in->fd;
}

bool input_stdin_pollable(const struct input_stdin *in)
{
	return in->pollable;
}

bool input_stdin_eof(const struct input_stdin *in)
{
	return in->eof;
}

const struct input_stdin_stats *input_stdin_get_stats(const struct input_stdin *in)
{
	return &in->stats;
}

/* Deliver one line of len bytes, cutting it at max_line. */
static void deliver(
	struct input_stdin *in, const char *line, size_t len, input_msg_fn *cb, void *arg)
{
	unsigned int flags = 0;

	if (len > in->max_line) {
		in->stats.discarded_bytes += len - in->max_line;
		in->stats.truncated++;
		len = in->max_line;
		flags |= INPUT_F_TRUNCATED;
	}
	in->stats.lines++;
	in->stats.bytes += len;
	cb(arg, line, len, flags, 0);
}

int input_stdin_read(struct input_stdin *in, input_msg_fn *cb, void *arg)
{
	size_t start = 0, rest;
	int count = 0;
	ssize_t n;

	if (in->eof)
		return 0;
	n = read(in->fd, in->buf + in->fill, in->cap - in->fill);
	if (n == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return 0;
		in->stats.errors++;
		return -errno;
	}
	if (n == 0) {
		in->eof = true;
		if (in->fill > 0 && !in->skipping) {
			deliver(in, in->buf, in->fill, cb, arg);
			count++;
		}
		in->fill = 0;
		return count;
	}
	in->fill += (size_t)n;
	for (;;) {
		char *nl = memchr(in->buf + start, '\n', in->fill - start);
		size_t len;

		if (!nl)
			break;
		len = (size_t)(nl - (in->buf + start));
		if (in->skipping) {
			in->stats.discarded_bytes += len;
			in->skipping = false;
		} else {
			deliver(in, in->buf + start, len, cb, arg);
			count++;
		}
		start += len + 1;
	}
	rest = in->fill - start;
	if (in->skipping) {
		in->stats.discarded_bytes += rest;
		rest = 0;
	} else if (rest > in->max_line) {
		/* No '\n' within max_line: ship what we have now, drop the rest of the line. */
		deliver(in, in->buf + start, rest, cb, arg);
		count++;
		in->skipping = true;
		rest = 0;
	}
	memmove(in->buf, in->buf + in->fill - rest, rest);
	in->fill = rest;
	return count;
}
