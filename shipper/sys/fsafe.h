/* SPDX-License-Identifier: Apache-2.0 */
/* The rules for files procship reads or writes as root.
 *
 * Read (the configuration file, a rulebase): whoever can write such a file decides what
 * procship does, so it must be owned by root or by procship's own user and writable by nobody
 * else.
 *
 * Written (the export file, its backups, the metrics file): opened relative to a directory fd
 * held from start-up, never through a symbolic link, never blocking (a FIFO is refused, not
 * waited on), and only when it is a regular file with one link, owned by the account that
 * writes it, that neither others nor its group can write and others cannot read. The
 * directory must not be writable by others (but with the sticky bit) nor owned by a third
 * account. Mechanism only: a status and a reason, never a log line. */
#ifndef PROCSHIP_FSAFE_H
#define PROCSHIP_FSAFE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

/* True when st breaks the rule, with the reason in why ("unsafe permissions: writable by
 * others (mode 0666)"); false (why "") when it is safe. euid is procship's own. */
bool fsafe_unsafe(const struct stat *st, uid_t euid, char *why, size_t size);

/* The account that owns and writes the files: procship's user after the drop. */
struct fsafe_owner {
	uid_t uid;
	gid_t gid;
};

/* Open the directory of a file procship writes (O_DIRECTORY, the path's own symlinks
 * followed: the administrator chose it) and check it. Returns the fd, or -errno with the
 * reason in why (-EPERM: writable by others without the sticky bit, or owned by a uid that is
 * neither root nor own->uid). A directory that is safe enough but not quite (writable by its
 * group, or by others with the sticky bit) is opened with the reason in warn; warn is ""
 * otherwise. */
int fsafe_opendir(const char *path, const struct fsafe_owner *own, char *why, size_t size,
	char *warn, size_t warnlen);

/* Open name in dirfd for writing (flags O_WRONLY | O_APPEND, optionally with O_CREAT and
 * O_EXCL; a file created is mode 0600 and given to own when we are root) or reading
 * (O_RDONLY), with O_NOFOLLOW, O_NONBLOCK, O_NOCTTY and O_CLOEXEC added, then check the file
 * (fsafe_check_written). Returns the fd (blocking again), or -errno with the reason in why:
 * -ELOOP for a symbolic link, -ENXIO or -EINVAL for a FIFO or any other non-regular file,
 * -EPERM for an owner, link count or mode the rule refuses. *st receives the file's status. */
int fsafe_openat(int dirfd, const char *name, int flags, const struct fsafe_owner *own,
	struct stat *st, char *why, size_t size);

/* The checks of fsafe_openat on a status: 0, or -errno with the reason in why. max_mode is
 * the widest mode allowed (0640 for the export file, 0644 for the metrics file). */
int fsafe_check_written(const struct stat *st, const struct fsafe_owner *own, mode_t max_mode,
	char *why, size_t size);

#endif
