/* SPDX-License-Identifier: Apache-2.0 */
/* The gzip of one rotated export file, done in slices, so that compressing a backup never holds
 * the event loop for longer than one slice: a backup of --export-file-max-size-mb can be large
 * (10 MB by default, any size the operator asks for), and the loop that drains the ring buffer
 * and the local syslog socket is the thread that would compress it.
 *
 * Names are in a directory fd the caller holds; files are opened by fsafe's rules. The
 * compressed file is created exclusively beside the source ("NAME.gz"); it replaces the source
 * only once it is complete: a failure removes the partial .gz and keeps the source. */
#ifndef PROCSHIP_EXPORT_GZ_H
#define PROCSHIP_EXPORT_GZ_H

#include <stddef.h>
#include <sys/stat.h>

#include "shipper/sys/fsafe.h"

/* Bytes read per step when the caller has no better figure. */
#define EXPORT_GZ_SLICE (256 * 1024)

struct export_gz;

/* Start compressing src in dirfd (borrowed: it must outlive the export_gz). st is the status
 * the caller saw for src: a file with another identity by now is not compressed (-ESTALE).
 * NULL with errno on failure, nothing created. */
struct export_gz *export_gz_start(
	int dirfd, const char *src, const struct stat *st, const struct fsafe_owner *own);
/* Read and compress at least budget bytes of the source (one buffer at a time; 0 means one
 * buffer). 1: more to do; 0: done, the .gz complete and the source removed; -errno: failed,
 * the partial .gz removed, the source kept. After 0 or -errno only export_gz_free is allowed. */
int export_gz_step(struct export_gz *gz, size_t budget);
/* The name the backup has now: the .gz once a step returned 0, the source before or after a
 * failure. */
const char *export_gz_name(const struct export_gz *gz);
/* Stops where it is (the partial .gz removed, the source kept) unless it finished; accepts
 * NULL. */
void export_gz_free(struct export_gz *gz);

#endif
