/* SPDX-License-Identifier: Apache-2.0 */
/* The documents procship writes about itself: agent_init (who is talking, the first datagram
 * to every destination procship connects to) and rate_limit_info (what the rate limit
 * dropped). Pure text builders: the pipeline decides when they are sent. */
#ifndef PROCSHIP_DOCS_JSON_H
#define PROCSHIP_DOCS_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct docs_agent_info {
	const char *hostname;
	const char *udp_destination; /* "host:port" */
	int udp_buffer_size;
	struct timespec started; /* CLOCK_REALTIME at start */
	/* The RFC 5424 meta sequenceId the document goes out with, 0 when none is sent. 1 means
	 * the destination's series starts (again) here: "sequence_restart" says so. */
	uint32_t sequence_id;
	/* Without build_commit, build_date, kernel_version, udp_buffer_size and uptime: for a
	 * --max-message-size too small for the whole document (who is talking, to whom, and
	 * the sequence, are kept). */
	bool brief;
};

/* Render the document into buf (NUL-terminated). Returns its length, or -ENOSPC/-ENOMEM. */
int docs_agent_init(const struct docs_agent_info *info, char *buf, size_t size);

/* The rate_limit_info event as one line of JSON text, written in buf (NUL-terminated):
 * {"rate_limit_info":{"number_of_dropped_process_events":"N"},"node_name":"NODE",
 *  "time":"2024-05-01T10:00:00.500Z"} (0, 3, 6 or 9 fraction digits, as protojson writes them)
 * N is a 64-bit count, so a string (Tetragon's rule); node is JSON-escaped, "/" unescaped as
 * Tetragon writes it; unix_ns is CLOCK_REALTIME in nanoseconds. Returns the length, -ENOSPC
 * when buf is too small (buf then holds ""), -ENOMEM. */
int docs_rate_limit_info(
	const char *node, uint64_t dropped, int64_t unix_ns, char *buf, size_t size);

/* Whose events a fair (per-uid) rate limit dropped, most first. */
struct docs_uid_drops {
	uint32_t uid;
	uint64_t dropped;
};
/* As docs_rate_limit_info, with the uids given (none: the same document) in a key of
 * procship's own inside rate_limit_info, after Tetragon's:
 *   "procship_dropped_by_uid":[{"uid":1001,"dropped":"540"},{"uid":0,"dropped":"2"}]
 * A consumer that ignores unknown fields (protojson's DiscardUnknown) reads Tetragon's
 * document; the key is absent when nuids is 0. */
int docs_rate_limit_info_uids(const char *node, uint64_t dropped, const struct docs_uid_drops *uids,
	size_t nuids, int64_t unix_ns, char *buf, size_t size);

#endif
