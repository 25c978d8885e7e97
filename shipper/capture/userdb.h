/* SPDX-License-Identifier: Apache-2.0 */
/* User names for --username-metadata unix: uid -> name from the local passwd file, read
 * whole into a sorted table, as Tetragon's Go os/user reads /etc/passwd (no NSS module: none
 * may open a socket under the seccomp allowlist, and a name service could stall the loop).
 *
 * Bounded by construction: the table holds what the file says, at most UDB_MAX_USERS entries
 * of a file of at most UDB_MAX_BYTES, whatever uids processes run as; a uid with no entry is
 * a miss, never an error and never an allocation. The first entry of a uid wins, as
 * getpwuid's does. The file is checked for a change (inode, size, mtime) at most once per
 * UDB_CHECK_NS, and read again when it changed. Mechanism only: counters and a reason for the
 * caller, never a log line. */
#ifndef PROCSHIP_USERDB_H
#define PROCSHIP_USERDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UDB_MAX_USERS (1u << 16)
#define UDB_MAX_BYTES (16u << 20)
#define UDB_CHECK_NS  1000000000ull

struct udb;

struct udb_stats {
	uint64_t loads;	      /* times the file was read (the first one included) */
	uint64_t load_errors; /* reads that failed: the previous table stays */
	uint64_t skipped; /* lines left out: malformed, a name not fit for JSON, or past a bound */
	uint64_t hits, misses;
};

/* path is the passwd file (copied; "/etc/passwd" in production). Nothing is read yet. NULL
 * with errno on failure. */
struct udb *udb_new(const char *path);
void udb_free(struct udb *u); /* accepts NULL */

/* Read the file again now if it changed (force: in any case). 0, or -errno with the reason
 * in err; the previous table stays on failure. */
int udb_reload(struct udb *u, bool force, char *err, size_t errlen);
/* The name of uid, or NULL. now_ns is any monotonic clock: when UDB_CHECK_NS passed since the
 * last check, the file is checked (and read again) first. The string is valid until the next
 * call. */
const char *udb_lookup(struct udb *u, uint32_t uid, uint64_t now_ns);
/* Entries in the table. */
size_t udb_count(const struct udb *u);
const struct udb_stats *udb_get_stats(const struct udb *u);
/* The reason of the last failed read, "" when the last read worked. */
const char *udb_error(const struct udb *u);

#endif
