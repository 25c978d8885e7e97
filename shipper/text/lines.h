/* SPDX-License-Identifier: Apache-2.0 */
/* Local text logs -> syslog header fields + MSG to relay (the default), or + one JSON document
 * normalized with liblognorm (lines_set_json).
 *
 * Relay: the header fields and STRUCTURED-DATA as read, MSG byte for byte as it came (not
 * repaired: a relay passes on what it got, as rsyslog does) but for control characters, which
 * are escaped as rsyslog escapes them ("\n" -> "#012", LINES_F_REPLACED); no document is built.
 *
 * Accepted forms, one message per call (a datagram from /dev/log or a line from stdin):
 *   RFC 3164 as syslog(3) and logger send it: <PRI>Mmm dd hh:mm:ss [HOSTNAME] TAG[PID]: MSG
 *     (the timestamp, hostname and TAG are each optional; a line from a log file without <PRI>
 *     that starts with such a timestamp is read the same way); a local message (local given)
 *     as rsyslog's imuxsock reads it: no HOSTNAME, its first word for TAG (framing_parse.h)
 *   RFC 5424: <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD [MSG]
 *   plain text: the whole line is MSG, user.notice (RFC 3164 section 4.3.3)
 *   a JSON object, when the caller allows it (LINES_IN_JSON): passed through byte for byte.
 *
 * The document (keys absent when the message has no such field):
 *   {"syslog":{"facility":"auth","severity":"info","hostname":"h","app_name":"sshd",
 *     "procid":"42","msgid":"ID1","structured_data":"[a b=\"c\"]","msg":"Accepted ..."},
 *    "fields":{...liblognorm fields, "event.tags":[...]...},
 *    "unparsed":true, "truncated":true, "replaced":true, "bad_pri":true,
 *    "node_name":"n1","time":"2024-05-01T10:00:00.000000000Z"}
 * "fields" is present when a rule matched; "unparsed" when a rulebase is loaded and no rule
 * matched (the text is still in syslog.msg). "truncated": the message was cut (input limit or
 * payload limit); "replaced": invalid UTF-8 or NUL bytes were replaced by U+FFFD so the document
 * is valid UTF-8; "bad_pri": a malformed <PRI> ("<13", "<999>") was read as text. "time" is the
 * header's timestamp in UTC when there is one, else the receive time. Slashes are not escaped.
 *
 * Nothing is allocated per message except liblognorm's own result object: the returned strings
 * live in buffers owned by struct lines and are valid until the next lines_parse() call.
 */
#ifndef PROCSHIP_LINES_H
#define PROCSHIP_LINES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "shipper/text/claims.h"

/* Longest message read by default; longer input is cut there and flagged. */
#define LINES_DEFAULT_MAX_INPUT 65536

/* What the input knows about a message (lines_parse in_flags). */
#define LINES_IN_TRUNCATED 0x1u /* the input already cut it (datagram or line too long) */
#define LINES_IN_JSON	   0x2u /* a message that is a JSON object passes through unchanged */

/* What happened to a message (struct lines_msg flags). */
#define LINES_F_UNPARSED  0x01u /* a rulebase is loaded and no rule matched */
#define LINES_F_TRUNCATED 0x02u
#define LINES_F_REPLACED  0x04u /* invalid UTF-8 or NUL replaced by U+FFFD */
#define LINES_F_BAD_PRI	  0x08u
#define LINES_F_RENAMED	  0x10u /* lines_claim: APP-NAME renamed or MSGID cleared */

enum lines_form {
	LINES_FORM_PLAIN,
	LINES_FORM_RFC3164,
	LINES_FORM_RFC5424,
	LINES_FORM_JSON, /* passed through */
};

/* Header fields for reframing plus the payload. Strings are NUL-terminated, "" when absent,
 * printable ASCII only (anything else became '_') and within framing's RFC 5424 limits. */
struct lines_msg {
	enum lines_form form;
	unsigned int flags;
	int facility;	      /* 0..23; 1 (user) when the message has no PRI */
	int severity;	      /* 0..7; 5 (notice) when the message has no PRI */
	struct timespec time; /* the header's timestamp, else the receive time (CLOCK_REALTIME) */
	const char *hostname;
	const char *app_name; /* RFC 5424 APP-NAME, or the program name in an RFC 3164 TAG */
	const char *tag;      /* relay: RFC 3164 TAG's name (framing_parsed.tag); may hold bytes
			       * from 128 up as the sender wrote them */
	const char *procid;
	const char *msgid;
	const char *json; /* the payload, not NUL-terminated; for LINES_FORM_JSON it points */
	size_t json_len;  /* into the caller's input buffer; NULL when relaying */
	bool have_time;	  /* time is the header's, not the receive time */
	const char *sd;	  /* relay: RFC 5424 STRUCTURED-DATA as written, or NULL */
	size_t sd_len;
	const char *msg; /* relay: MSG, into the caller's input buffer; as rsyslog's, it starts */
	size_t msg_len;	 /* with the space that followed the TAG */
	/* relay: a first word read as the TAG (framing_parsed.word), to pass on as it came in
	 * RFC 3164; NULL when the PROCID in it was replaced by the kernel's (then TAG[PID]:) */
	const char *word;
	size_t word_len;
	/* relay, local, RFC 3164: "local-" when word, or MSG's first word in a message without
	 * TAG, reads as own_name to a receiver (framing_relay's msg_prefix); else NULL */
	const char *msg_prefix;
};

struct lines_stats {
	uint64_t messages; /* lines_parse() returned 0 */
	uint64_t rfc3164;
	uint64_t rfc5424;
	uint64_t plain;
	uint64_t json;	     /* passed through */
	uint64_t normalized; /* a rule matched */
	uint64_t unparsed;   /* no rule matched (shipped with "unparsed":true) */
	uint64_t truncated;
	uint64_t replaced; /* messages with bytes replaced by U+FFFD */
	uint64_t bad_pri;
	uint64_t dropped_empty; /* nothing left after the trailing newlines and NULs */
	uint64_t dropped_nomem;
	uint64_t dropped_limit; /* max_payload too small for even an empty document */
};

struct lines;

/* rulebase: a liblognorm rulebase file (v1 or "version=2"), or NULL to normalize nothing (no
 * "fields", no "unparsed"). node_name goes in every document (copied). Returns NULL with errno
 * set and a message in err ("lines: rulebase /x.rb: ...") when the file cannot be read or
 * liblognorm reports an error in it. */
struct lines *lines_new(const char *rulebase, const char *node_name, char *err, size_t errlen);
void lines_free(struct lines *l); /* accepts NULL */

/* Longest input considered (default LINES_DEFAULT_MAX_INPUT); longer messages are cut at a UTF-8
 * boundary and flagged. Returns 0, or -EINVAL for 0. */
int lines_set_max_input(struct lines *l, size_t max);
/* Longest document produced (0, the default: no limit). A document that would be longer loses
 * "fields" and has its msg cut until it fits ("truncated":true); a JSON line that is too long is
 * shipped as text the same way. Set it to the datagram budget so framing never cuts JSON. */
void lines_set_max_payload(struct lines *l, size_t max);

/* Build the JSON document (true) or relay (false, the default). */
void lines_set_json(struct lines *l, bool json);
bool lines_json(const struct lines *l);

/* The document of the last message that lines_parse() returned, shortened to at most max
 * bytes as lines_set_max_payload() would have: for a header longer than the one the limit
 * was set for (a sender's long APP-NAME, PROCID or MSGID). Returns 0 (out updated) or
 * -ENOSPC / -ENOMEM, counted as drops. Only after a successful lines_parse() that built a
 * document (not LINES_FORM_JSON, not relaying). */
int lines_refit(struct lines *l, size_t max, struct lines_msg *out);

/* Parse one message buf[0..len) (need not be NUL-terminated); local: NULL, or what a local
 * sender may not claim (lines_claim, on the header as soon as it is read, so that the relayed
 * header and the document say the same). Returns 0 and fills *out, or -ENODATA
 * (empty: dropped and counted), -ENOMEM, -ENOSPC (max_payload too small); drops are counted in
 * the stats under their reason. */
int lines_parse(struct lines *l, const char *buf, size_t len, unsigned int in_flags,
	const struct lines_local *local, struct lines_msg *out);

const struct lines_stats *lines_get_stats(const struct lines *l);

#endif
