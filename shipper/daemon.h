/* SPDX-License-Identifier: Apache-2.0 */
/* The running daemon: what setup builds from the configuration, the loop drives and stats
 * reads. Only the top of shipper/ (main, setup, loop, stats_read) sees this struct; the
 * stages below know nothing of it. */
#ifndef PROCSHIP_DAEMON_H
#define PROCSHIP_DAEMON_H

#include <stdbool.h>
#include <stdint.h>

#include "shipper/conf/conf.h"
#include "shipper/pipeline.h"
#include "shipper/stats.h"

#define INPUT_UNIX_MAX 4

struct daemon {
	struct conf conf;
	int argc;
	char **argv;
	char node[256];
	char procid[16];

	struct pipeline pipe;

	/* Counters of UDP outputs that reloads replaced: totals keep counting. */
	struct udp_stats udp_before;
	struct stats_dest dest_before[STATS_MAX_DESTS / 2];
	size_t ndest_before;

	/* Capture; sensor is NULL with --process-events=false. */
	struct sensor *sensor;
	struct pcache *cache;
	struct pev *pev;
	struct udb *users;		    /* --username-metadata unix, or NULL */
	struct envs_filter *envs_filter;    /* --filter-environment-variables, or NULL */
	struct stats_ringbuf ringbuf_drops; /* as last logged */
	struct export_stats export_seen;    /* the export file's failures, as last logged */

	/* Text inputs. */
	struct input_unix *in_unix[INPUT_UNIX_MAX]; /* --input-unix and sockets systemd passed */
	size_t n_unix;
	struct input_stdin *in_stdin;
	bool stdin_polled;

	int epfd;
	/* The same set without the text sockets: a turn that relayed a trickle waits here, up to
	 * --input-unix-coalesce-us, so that more datagrams share the next turn's wake-up. The
	 * first loop_watch makes it; loop_run closes it when it returns. */
	int epfd_quiet;
	bool quiet_made;
	int sfd;
	int tfd; /* once a second: retries, counters, housekeeping */
	unsigned int seconds;
	unsigned int metrics_warned;  /* seconds when a metrics failure was last logged */
	struct metrics_file *metrics; /* its directory, held from start-up */
	bool running;
};

#endif
