/* SPDX-License-Identifier: Apache-2.0 */
/* The unsafe-permission rules for files read and written as root; see fsafe.h. */
#include "shipper/sys/fsafe.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

bool fsafe_unsafe(const struct stat *st, uid_t euid, char *why, size_t size)
{
	bool writable = st->st_mode & (S_IWGRP | S_IWOTH);
	bool owner = st->st_uid == 0 || st->st_uid == euid;
	const char *by = st->st_mode & S_IWOTH ? "others" : "its group";
	unsigned int mode = (unsigned int)(st->st_mode & 07777);

	if (writable && !owner)
		snprintf(why, size,
			"unsafe permissions: owned by uid %u and writable by %s (mode %04o)",
			(unsigned int)st->st_uid, by, mode);
	else if (writable)
		snprintf(why, size, "unsafe permissions: writable by %s (mode %04o)", by, mode);
	else if (!owner)
		snprintf(why, size, "unsafe permissions: owned by uid %u, not root",
			(unsigned int)st->st_uid);
	else if (size)
		why[0] = '\0';
	return writable || !owner;
}

static const char *file_type(mode_t m)
{
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISLNK(m))
		return "a symbolic link";
	if (S_ISSOCK(m))
		return "a socket";
	if (S_ISCHR(m) || S_ISBLK(m))
		return "a device";
	return "not a regular file";
}

int fsafe_opendir(const char *path, const struct fsafe_owner *own, char *why, size_t size,
	char *warn, size_t warnlen)
{
	unsigned int mode;
	struct stat st;
	int fd, e;

	warn[0] = '\0';
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1) {
		e = errno;
		snprintf(why, size, "%s", strerror(e));
		return -e;
	}
	if (fstat(fd, &st) == -1) {
		e = errno;
		close(fd);
		snprintf(why, size, "%s", strerror(e));
		return -e;
	}
	mode = (unsigned int)(st.st_mode & 07777);
	if ((st.st_mode & S_IWOTH) && !(st.st_mode & S_ISVTX)) {
		snprintf(why, size, "unsafe directory: writable by others (mode %04o)", mode);
		close(fd);
		return -EPERM;
	}
	if (st.st_uid != 0 && st.st_uid != own->uid) {
		snprintf(why, size, "unsafe directory: owned by uid %u, neither root nor uid %u",
			(unsigned int)st.st_uid, (unsigned int)own->uid);
		close(fd);
		return -EPERM;
	}
	if (st.st_mode & S_IWOTH)
		snprintf(warn, warnlen,
			"directory writable by others (mode %04o, sticky): they can plant names "
			"in it",
			mode);
	else if (st.st_mode & S_IWGRP)
		snprintf(warn, warnlen, "directory writable by its group (gid %u, mode %04o)",
			(unsigned int)st.st_gid, mode);
	return fd;
}

int fsafe_check_written(const struct stat *st, const struct fsafe_owner *own, mode_t max_mode,
	char *why, size_t size)
{
	unsigned int mode = (unsigned int)(st->st_mode & 07777);

	if (!S_ISREG(st->st_mode)) {
		snprintf(why, size, "%s, not a regular file", file_type(st->st_mode));
		return -EINVAL;
	}
	if (st->st_uid != own->uid) {
		snprintf(why, size, "owned by uid %u, not by procship's user (uid %u)",
			(unsigned int)st->st_uid, (unsigned int)own->uid);
		return -EPERM;
	}
	if (st->st_nlink != 1) {
		snprintf(why, size, "has %lu hard links", (unsigned long)st->st_nlink);
		return -EPERM;
	}
	if (st->st_mode & ~max_mode & 07777) {
		snprintf(why, size, "unsafe mode %04o (at most %04o: chmod it or remove it)", mode,
			(unsigned int)max_mode);
		return -EPERM;
	}
	return 0;
}

/* A file we created belongs to the account that will write it after the drop. */
static int give(int fd, const struct fsafe_owner *own, struct stat *st)
{
	if (st->st_uid == own->uid && st->st_gid == own->gid)
		return 0;
	if (fchown(fd, own->uid, own->gid) == -1)
		return -errno;
	return fstat(fd, st) == -1 ? -errno : 0;
}

int fsafe_openat(int dirfd, const char *name, int flags, const struct fsafe_owner *own,
	struct stat *st, char *why, size_t size)
{
	const int extra = O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
	bool created = false;
	int fd, e, rc;

	fd = -1;
	if ((flags & O_CREAT) && !(flags & O_EXCL)) {
		/* Exclusive first: a file we create is ours to give away. */
		fd = openat(dirfd, name, flags | O_EXCL | extra, 0600);
		if (fd == -1 && errno != EEXIST)
			goto fail;
		created = fd != -1;
		if (fd == -1)
			fd = openat(dirfd, name, (flags & ~O_CREAT) | extra);
	} else {
		fd = openat(dirfd, name, flags | extra, 0600);
		created = fd != -1 && (flags & O_EXCL);
	}
	if (fd == -1)
		goto fail;
	if (fstat(fd, st) == -1)
		goto fail_close;
	if (created && (rc = give(fd, own, st)) < 0) {
		errno = -rc;
		goto fail_close;
	}
	rc = fsafe_check_written(st, own, 0640, why, size);
	if (rc < 0) {
		close(fd);
		return rc;
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) == -1)
		goto fail_close;
	return fd;
fail_close:
	e = errno;
	close(fd);
	errno = e;
fail:
	e = errno;
	if (e == ELOOP)
		snprintf(why, size, "a symbolic link: refused");
	else if (e == ENXIO)
		snprintf(why, size, "a FIFO (or a device) with no reader: refused");
	else
		snprintf(why, size, "%s", strerror(e));
	return -e;
}
