/* SPDX-License-Identifier: Apache-2.0 */
/* UDP output: a failover list of destinations, connected datagram sockets, sendmmsg batches.
 *
 * Knows nothing of JSON or syslog: it ships opaque datagrams. It includes no header from
 * outside out/ and never writes to a log itself; everything worth saying goes through the
 * caller's log callback, at a bounded rate. Return conventions: int functions return 0 or
 * -errno; constructors return NULL with errno set and a message in the caller's buffer.
 */
#ifndef PROCSHIP_OUTPUT_UDP_H
#define PROCSHIP_OUTPUT_UDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "shipper/out/hostport.h"

#define UDP_DEFAULT_PORT   514
#define UDP_MAX_PAYLOAD	   65507 /* IPv4: 65535 - 20 (IP) - 8 (UDP) */
#define UDP_DEFAULT_SNDBUF 65536
#define UDP_DEFAULT_BATCH  64
#define UDP_ARENA_BYTES	   (256 * 1024) /* a batch's datagrams, packed, before it is sent */

/* The callbacks run inside the output and must never call it: from a callback, udp_reserve
 * returns NULL, udp_commit, udp_queue and udp_flush return -EBUSY, udp_tick does nothing. */
enum udp_log_level { UDP_LOG_WARN, UDP_LOG_INFO, UDP_LOG_DEBUG };
typedef void udp_log_fn(void *arg, enum udp_log_level level, const char *msg);
/* The greeting (agent_init): the first datagram each newly connected target hears. After
 * every (re)connect, before it sends anything else to that target, the output asks for it:
 * peer is the target ("host:port"), buf is the output's own, size bytes (max_message). The
 * hook only writes buf; it returns the datagram's length, 0 for no greeting, or < 0 when it
 * cannot build one (nothing is sent; the hook says why). The output sends it itself and
 * counts it like any datagram. */
typedef ssize_t udp_greeting_fn(void *arg, const char *peer, char *buf, size_t size);

struct udp_config {
	const struct hostport *dests; /* failover order; copied by udp_new */
	size_t ndests;
	int sndbuf;		   /* SO_SNDBUF bytes; 0 = leave the system default */
	uint16_t local_port;	   /* 0 = any */
	int reconnect_interval;	   /* seconds; 0 = 1 s doubling to a cap, reset when stable */
	size_t max_message;	   /* longest datagram accepted by udp_queue */
	unsigned int batch;	   /* datagrams per sendmmsg; 0 = UDP_DEFAULT_BATCH */
	udp_log_fn *log;	   /* may be NULL */
	udp_greeting_fn *greeting; /* may be NULL */
	bool number_greeting;	   /* the greeting carries udp_next_sequence: spend it */
	void *cb_arg;
};

struct udp_stats {
	uint64_t sent; /* datagrams handed to the kernel */
	uint64_t sent_bytes;
	uint64_t dropped; /* every datagram not sent, whatever the reason */
	uint64_t dropped_oversize;
	uint64_t dropped_send_error;	 /* transient errors: ENOBUFS, EAGAIN, ECONNREFUSED, ... */
	uint64_t dropped_no_destination; /* no socket could be connected */
	/* Sent, then refused by the destination host (ICMP): taken back out of sent, so
	 * sent + dropped == queued. */
	uint64_t dropped_refused;
	uint64_t failovers;
	uint64_t reconnects;
	uint64_t resolve_failures; /* look-ups of a destination name that failed */
	uint64_t greetings;	   /* greetings (agent_init) among sent */
	uint64_t greeting_bytes;   /* their bytes, among sent_bytes */
	int sndbuf_effective;	   /* as read back with getsockopt */
};

/* What one configured destination was sent, failed and dropped since udp_new. Every
 * datagram counts against the destination that was current when it was sent or dropped. */
struct udp_dest_stats {
	uint64_t sent;
	uint64_t send_errors; /* dropped by transient send errors (part of dropped) */
	uint64_t dropped;
};

struct udp_output;

/* Never fails because a receiver is absent or a name does not resolve yet: that is retried
 * later. Fails (NULL, errno, err) only on a local problem: bad config, local port in use.
 * The first connect happens here; its greeting waits for the first call that sends. */
struct udp_output *udp_new(const struct udp_config *cfg, char *err, size_t errlen);
void udp_free(struct udp_output *u); /* flushes first; accepts NULL */
/* udp_free that first copies the final counters (after the flush and the last refusals) into
 * *final: for a caller that replaces one output with another and keeps counting. */
void udp_free_stats(struct udp_output *u, struct udp_stats *final);
/* What udp_free does before freeing: send what is queued, take in the last refusals, close
 * the socket, log the drop summary. The counters are then final and still readable; the
 * output sends nothing more (datagrams queued after this are dropped, counted). */
void udp_close(struct udp_output *u);

/* Copy one datagram into the batch; sends the batch when it is full. A datagram longer than
 * max_message is dropped and counted (the caller truncates before). Returns 0, or -errno
 * when this datagram was dropped. */
int udp_queue(struct udp_output *u, const void *buf, size_t len);
/* The same without the copy: udp_reserve returns room for a datagram of up to max bytes
 * (at most max_message; NULL otherwise), to be written in place and queued by udp_commit
 * with its length. A reservation not committed is simply forgotten. Reserving may send the
 * greeting to a newly connected target first, and the batch when it is full. */
void *udp_reserve(struct udp_output *u, size_t max);
int udp_commit(struct udp_output *u, size_t len);
/* Send everything queued now, after the greeting where one is due (the event loop calls it
 * when its sources are empty). */
int udp_flush(struct udp_output *u);
/* Reconnect / retry work that is due, and the greeting of a new connection; call from a
 * timer at least once a second. */
void udp_tick(struct udp_output *u);
/* Log one "dropped N messages to HOST:PORT (reason)" line per destination with drops since
 * the last summary (on SIGHUP, at exit, and when a path recovers). */
void udp_log_drop_summary(struct udp_output *u);

const struct udp_stats *udp_get_stats(const struct udp_output *u);
/* Destinations in failover order, each with its configured name ("host:port"). */
size_t udp_dest_count(const struct udp_output *u);
const struct udp_dest_stats *udp_get_dest_stats(
	const struct udp_output *u, size_t i, const char **name);
/* "host:port" of the current target, or of the first destination when not connected. */
const char *udp_current_peer(const struct udp_output *u);

/* Sequence numbers, one series per configured destination (RFC 5424 section 7.3.1 meta
 * sequenceId). udp_next_sequence is the number the next numbered datagram for the current
 * target carries, 1 for a destination that has heard nothing yet; it only reads, so the
 * greeting hook may call it. A caller that wrote that number into a datagram calls
 * udp_spend_sequence before committing it; the greeting's number is spent when the hook built
 * one and the configuration says greetings are numbered. A spent number stays spent whatever
 * becomes of the datagram, so a receiver counting the numbers sees every numbered datagram
 * meant for it that it did not get; datagrams nobody numbered spend nothing. The series wraps
 * from 2147483647 to 1. */
uint32_t udp_next_sequence(const struct udp_output *u);
void udp_spend_sequence(struct udp_output *u);
/* A replacement output (a reload) continues the series of the destinations it shares, by
 * name, with the one it replaces, so that a reload is no restart for the receivers. Call it
 * before anything is queued on to. */
void udp_continue_sequences(struct udp_output *to, const struct udp_output *from);

#endif
