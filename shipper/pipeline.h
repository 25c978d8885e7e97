/* SPDX-License-Identifier: Apache-2.0 */
/* The one path every message takes: admit -> encode -> frame -> outputs.
 *
 * Producers hand over a process event (pipe_process, the capture callback), a raw text
 * message (pipe_text, the input callback) or a document procship writes itself (agent_init
 * through pipe_greeting, rate_limit_info from pipe_tick). Each becomes one struct msg whose
 * kind travels with it (it names the MSGID), is framed by pipe_frame and, but for agent_init,
 * shipped by pipe_ship. Process events are admitted (filters, then the rate limit) before any
 * encoding work is spent on them.
 *
 * The pipeline owns none of the objects it is given (setup builds and frees them); it owns
 * its counters and one scratch buffer. */
#ifndef PROCSHIP_PIPELINE_H
#define PROCSHIP_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "framing/framing.h"
#include "shipper/capture/procevents.h"
#include "shipper/out/hostport.h"

enum msg_kind {
	MSG_PROCESS_EXEC,
	MSG_PROCESS_EXIT,
	MSG_AGENT_INIT,
	MSG_RATE_LIMIT_INFO,
	MSG_TEXT, /* a local syslog message: its header fields are its own */
};

/* One message between stages. For every kind but MSG_TEXT the header is procship's own,
 * stamped when the message is framed, with the kind's name as MSGID. */
struct msg {
	enum msg_kind kind;
	const char *payload; /* not NUL-terminated */
	size_t len;
	struct framing_header hdr;
};

/* "process_exec", "agent_init", ...; NULL for MSG_TEXT (its MSGID is its own). */
const char *msg_kind_name(enum msg_kind kind);

struct pipe_stats {
	uint64_t shipped;	   /* messages handed to the outputs (agent_init not counted) */
	uint64_t filtered;	   /* process events refused by the allow/deny lists */
	uint64_t encode_errors;	   /* process events the encoder could not write (ENOMEM) */
	uint64_t frame_errors;	   /* no room in the batch, or a header that does not fit */
	uint64_t cut;		   /* datagrams cut by the framer to fit the size limit */
	uint64_t text_dropped;	   /* text messages refused by lines (counted by reason there) */
	uint64_t text_ratelimited; /* local messages refused by the per-process rate limit */
	uint64_t text_renamed;	   /* local messages that claimed procship's APP-NAME or MSGID */
	uint64_t text_refit;	   /* documents shortened again for their sender's long header */
	uint64_t docs_too_long;	   /* agent_init or rate_limit_info not sent: over the budget */
};

#define PIPE_OWN_MSGIDS		4 /* every kind but MSG_TEXT */
#define PIPE_AGENT_INIT_MAX	2048
#define PIPE_RATELIMIT_UIDS	10   /* uids named in a rate_limit_info, most drops first */
#define PIPE_RATELIMIT_INFO_MAX 1024 /* holds the document with that many uids */

struct pipeline {
	/* Set by setup; pointers may be NULL where the feature is off (ratelimit never). */
	enum framing_format format;
	size_t max_message;	   /* --max-message-size */
	struct framing_header hdr; /* procship's own header fields */
	const char *node;
	int udp_buffer_size; /* for agent_init */
	/* RFC 5424 [meta sequenceId sysUpTime] per destination, [origin] on procship's own
	 * messages (--syslog-meta); set only with the RFC 5424 format. */
	bool meta;
	struct filters *filters;
	struct ratelimit *ratelimit;
	struct ejson *ej;
	struct lines *lines;
	struct udp_output *udp;
	struct export_file *export;
	struct pidlimit *pidlimit; /* NULL: local input is not rate-limited */
	bool kernel_pid;	   /* local input: PROCID from the kernel's credentials */
	pid_t self;		   /* getpid(): our own messages that come back via /dev/log */

	/* Owned. */
	char *scratch; /* max_message bytes, for measuring the header */
	const char *own_msgids[PIPE_OWN_MSGIDS + 1]; /* NULL-terminated: what local input loses */
	const char *longest_msgid;		     /* of own_msgids: the header budget's */
	char agent_init[PIPE_AGENT_INIT_MAX];
	int agent_init_len;
	char agent_init_peer[HOSTPORT_NAME_MAX];
	uint32_t agent_init_seq; /* the sequenceId the document was built for */
	int64_t started_ns;	 /* CLOCK_MONOTONIC at pipe_init: sysUpTime counts from it */
	struct pipe_stats stats;
	/* An event's ancestors, for an ancestor_binary_regex filter. */
	struct pcache_proc *anc[PCACHE_ANCESTORS_MAX];
	const char *anc_binaries[PCACHE_ANCESTORS_MAX];
};

/* Zero p and allocate its scratch buffer for messages of up to max_message bytes. Returns 0
 * or -ENOMEM. */
int pipe_init(struct pipeline *p, size_t max_message);
void pipe_fini(struct pipeline *p);

/* pev_event_fn: filters, rate limit, encode, ship. arg is the pipeline. */
void pipe_process(void *arg, const struct pev_event *ev);
/* A raw text message (in_flags: LINES_IN_*): parsed by lines and relayed as the syslog message
 * it was (or, with lines in JSON mode, shipped as a document under its own header). local: from
 * the unix socket, where anyone can write, so the sender does not choose the HOSTNAME (this
 * host's), nor, with kernel_pid, the PROCID (pid, the kernel's word when not 0), nor may it claim
 * procship's APP-NAME in any spelling rsyslog or syslog-ng reads as procship's, a TAG-less
 * RFC 3164 message's first word included, or the MSGIDs of procship's own messages (renamed
 * "local-NAME", MSGID dropped, counted; lines_claim), in the header and in the document alike.
 * Messages from standard input keep what they say. With pidlimit, local
 * messages over their process's rate are dropped and counted, and the "begins to drop" and
 * "lost N messages" notices are relayed as procship's own. */
void pipe_text(struct pipeline *p, const char *buf, size_t len, unsigned int in_flags, pid_t pid,
	bool local);
/* Frame m into buf (at most size bytes, and at most max_message). Returns the length, or
 * -ENOSPC when not even the header fits (counted). A cut payload is counted. */
ssize_t pipe_frame(struct pipeline *p, struct msg *m, char *buf, size_t size);
/* Frame m into the UDP output's batch and write its payload to the export file. */
void pipe_ship(struct pipeline *p, struct msg *m);
/* agent_init, framed for the peer "host:port" into buf: the first datagram every newly
 * connected target hears (a udp_greeting_fn). Returns its length, 0 when there is none, or
 * -errno. Never calls into an output. */
ssize_t pipe_greeting(void *arg, const char *peer, char *buf, size_t size);
/* The 1 s tick: a rate_limit_info when one is due, the per-process rate limit's reports. */
void pipe_tick(struct pipeline *p);
/* At exit, before the last flush: a rate_limit_info for the drops not reported yet, so that
 * those of the last minute are not lost. */
void pipe_last_report(struct pipeline *p);
/* Send what the outputs hold (the loop calls it when its sources are drained). */
void pipe_flush(struct pipeline *p);

/* What is left of max_message for the payload once procship's own header is written with the
 * longest MSGID procship sends (the whole datagram with bare JSON); 0 when not even one byte
 * fits. */
size_t pipe_payload_budget(struct pipeline *p);
/* 0 when procship's own documents fit in the payload budget: agent_init to the widest peer
 * (in its short form, docs_agent_info.brief) and rate_limit_info without its uids (which are
 * left out until it fits). Else -ENOSPC and err says so, naming --max-message-size and the
 * size needed: setup refuses to start, so that neither is ever cut inside its JSON. */
int pipe_docs_fit(struct pipeline *p, char *err, size_t errlen);

#endif
