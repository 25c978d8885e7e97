/* SPDX-License-Identifier: Apache-2.0 */
/* The running daemon's counters: read into a snapshot, logged, written as metrics. */
#ifndef PROCSHIP_STATS_READ_H
#define PROCSHIP_STATS_READ_H

#include <stddef.h>
#include <sys/types.h>

#include "shipper/daemon.h"
#include "shipper/stats.h"

void stats_read(const struct daemon *d, struct stats_snapshot *s);
/* The UDP output is replaced or stopped: close it (its last refusals count), keep its
 * counters in d's totals, free it. */
void stats_retire_udp(struct daemon *d);
/* The summary lines (SIGUSR1, SIGHUP, exit), after each destination's drop summary. */
void stats_log_summary(struct daemon *d);
/* Open the directory of --metrics-file (none: 0) for uid, the account that writes it: at
 * start, before the privileges go. 0, or -errno with the reason in err. */
int stats_open_metrics(struct daemon *d, uid_t uid, char *err, size_t errlen);
/* Rewrite the metrics file, if one is configured; a failure is logged once a minute. */
void stats_write_metrics(struct daemon *d);
/* Rewrite it now, whatever the interval: 0, or -errno with the reason in err (start-up, where
 * a file that cannot be written is an error). 0 when no file is configured. */
int stats_write_metrics_now(struct daemon *d, char *err, size_t errlen);
/* One line for the service manager's STATUS=: events exported and dropped, cache size. */
void stats_status(struct daemon *d, char *buf, size_t len);
/* Log the ring-buffer records lost since the last call. */
void stats_check_ringbuf(struct daemon *d);

/* Log the export file's rotation, compression and pruning failures since the last call. */
void stats_check_export(struct daemon *d);

#endif
