/* SPDX-License-Identifier: Apache-2.0 */
/* "procship gaps FILE...": read what a receiver wrote and report, per sender, the RFC 5424
 * meta sequenceIds it never got, that is, the datagrams lost on the way.
 *
 * A sender is the HOSTNAME of the header (received.hostname in the receiving configs' JSON
 * lines, the header itself in raw RFC 5424 lines). Its numbers fall into runs: a run begins
 * at the sender's start, seen as an agent_init with "sequence_restart":true, or, when that
 * one was lost, as a sequenceId and a sysUpTime both going back (by more than a second of
 * uptime). Within a run a number lower than the last is a wrap (2147483647 -> 1) when the
 * last was near the top and this one near the bottom, else a datagram that arrived out of
 * order. A run that starts at a restart counts from 1; the first run of the input counts
 * from the first number seen (what came before may be in another file, or before the
 * receiver started).
 *
 * gaps.c keeps the runs and writes the report; gaps_read.c reads the lines and the command
 * line. Nothing here logs: the report goes to the caller's stream.
 */
#ifndef PROCSHIP_GAPS_H
#define PROCSHIP_GAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Most missing ranges listed per run; the count is always complete. */
#define GAPS_RANGES_SHOWN 20

struct gaps;

struct gaps *gaps_new(void); /* NULL, errno ENOMEM */
void gaps_free(struct gaps *g);

/* One datagram of sender: its sequenceId (1..2147483647) and sysUpTime; restart when it is
 * an agent_init saying its series starts here. Returns 0, -EINVAL for a sequenceId out of
 * range, -ENOMEM. */
int gaps_add(struct gaps *g, const char *sender, uint32_t seq, uint32_t uptime, bool restart);

struct gaps_totals {
	uint64_t senders, runs, received, missing, duplicates;
};

/* One line per run, then nothing else (the caller writes the summary from *totals). */
void gaps_report(const struct gaps *g, FILE *out, struct gaps_totals *totals);

/* The [meta] element of an RFC 5424 STRUCTURED-DATA s[0..len): sequenceId and sysUpTime
 * (0 when absent). Returns 0, -ENOENT when there is no [meta] with a sequenceId, -EINVAL when
 * the SD or the number is malformed. */
int gaps_sd_meta(const char *s, size_t len, uint32_t *seq, uint32_t *uptime);

/* One line of a receiver's file (a JSON line of the receiving configs, or a raw RFC 5424
 * message). Returns 1 when it was counted, 0 when it carries no sequenceId, -ENOMEM. */
int gaps_line(struct gaps *g, const char *line, size_t len);

/* Entry point for argv = {"gaps", FILE...}: 0 nothing missing, 1 datagrams missing, 2 a
 * usage or read error. */
int gaps_main(int argc, char **argv);

#endif
