/* SPDX-License-Identifier: Apache-2.0 */
/* Events as JSON lines in a file, as Tetragon's --export-filename, with its size-based rotation
 * (--export-file-max-size-mb, --export-file-max-backups, --export-file-compress).
 *
 * Rotation follows lumberjack, which Tetragon uses: when the next line would take the file past
 * max_size, "DIR/NAME.EXT" is renamed to "DIR/NAME-2024-05-01T10-00-00.000.EXT" (UTC, the time
 * of rotation; a name already taken moves on by a millisecond, so names sort in rotation order),
 * then gzip-compressed to "...EXT.gz" when asked, and backups beyond max_backups are deleted,
 * oldest first. A path without an extension gives "NAME-2024-...000". A single line longer
 * than max_size still goes into a file of its own.
 *
 * Lines are buffered and written with one write(2) per buffer. A failed write (ENOSPC, EFBIG,
 * EIO...) drops the lines in that buffer, counted, and cuts the file back to its last whole line;
 * the next write tries again. Nothing here logs or exits: the caller reads the stats.
 * Compression runs in the caller's thread at zlib's fastest level, a slice at a time
 * (export_gz.h): with each line written after a rotation (twice its size, so a backup is done
 * before the next rotation) and with each export_flush. A rotation that finds the previous
 * backup still being compressed (it cannot, at that rate) finishes it first. */
#ifndef PROCSHIP_EXPORT_FILE_H
#define PROCSHIP_EXPORT_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define EXPORT_DEFAULT_MAX_SIZE	   (10ULL << 20) /* Tetragon: 10 MB (lumberjack's MiB) */
#define EXPORT_DEFAULT_MAX_BACKUPS 5
#define EXPORT_DEFAULT_BUFSIZE	   (64 * 1024)

struct export_config {
	const char *path;	  /* "-" is stdout (never rotated, reopened or closed) */
	uint64_t max_size;	  /* bytes; 0 = never rotate */
	unsigned int max_backups; /* rotated files kept; 0 = keep them all (as lumberjack) */
	bool compress;		  /* gzip rotated files */
	size_t bufsize;		  /* write buffer; 0 = EXPORT_DEFAULT_BUFSIZE */
	/* The account that owns and writes the files (procship's user after the drop); when
	 * set_owner is false, the caller's effective ids. */
	bool set_owner;
	uid_t uid;
	gid_t gid;
};

struct export_stats {
	uint64_t lines;	       /* lines written */
	uint64_t bytes;	       /* bytes written, newlines included */
	uint64_t dropped;      /* lines lost to failed writes */
	uint64_t write_errors; /* failed writes (each drops a buffer's worth of lines) */
	uint64_t rotations;
	uint64_t rotate_errors;	  /* rename/open failed: retried after another max_size */
	uint64_t compress_errors; /* the backup is kept uncompressed */
	uint64_t prune_errors;
	int last_errno; /* of the last failure of any kind, 0 when none yet */
};

struct export_file;

/* Opens the directory (held for good) and in it the file (creates it, mode 0600, given to the
 * configured owner, or appends to it), by fsafe's rules for files written as root: no
 * symbolic link, no FIFO or other non-regular file, owned by the configured owner, one link,
 * mode at most 0640; the directory neither writable by others without the sticky bit nor
 * owned by a third account. NULL with errno and a message in err ("export: open
 * /var/log/x.json: No such file or directory"). The config is copied.
 *
 * Rotation renames the live file only when the name still holds it, to a backup name that is
 * free (RENAME_NOREPLACE), creates the new file exclusively, and prunes only the backups it
 * recorded: those it made and those it found at open that pass the same checks and are not
 * stamped in the future. */
struct export_file *export_open(const struct export_config *cfg, char *err, size_t errlen);
/* What export_open found worth a warning about the directory ("directory writable by its
 * group ..."), or "". */
const char *export_warning(const struct export_file *ef);
/* Flushes, closes; accepts NULL. */
void export_free(struct export_file *ef);

/* Append one line: json (len bytes, no newline: one is added). Rotates first when due. Returns
 * 0 when the line was buffered or written, -errno when this line was dropped (counted). A
 * failure to flush earlier lines shows in the stats only. No allocation. */
int export_write(struct export_file *ef, const char *json, size_t len);
/* Write out the buffer: call when the event loop goes idle and from a timer. 0 or -errno. */
int export_flush(struct export_file *ef);
/* SIGHUP: flush and reopen the name in the held directory (an external rotation renamed the
 * file), with export_open's checks. On failure the old file stays in use and -errno is
 * returned. */
int export_reopen(struct export_file *ef);

const struct export_stats *export_get_stats(const struct export_file *ef);

#endif
