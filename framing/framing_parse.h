/* SPDX-License-Identifier: Apache-2.0 */
/* Syslog text -> header fields: the reading half of framing/, for local messages that are
 * relayed with the header their sender wrote.
 *
 * Accepted forms (one message per call):
 *   RFC 3164 as syslog(3) and logger send it: <PRI>Mmm dd hh:mm:ss [HOSTNAME] TAG[PID]: MSG
 *     (the timestamp, hostname and TAG are each optional; a line from a log file without <PRI>
 *     that starts with such a timestamp is read the same way). A local message
 *     (framing_parser.local) has no HOSTNAME and its first word for TAG, as rsyslog's
 *     imuxsock reads it: "<13>hello[12] world" is hello, 12, " world".
 *   RFC 5424: <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD [MSG]
 *   anything else: plain text, all of it MSG, user.notice (RFC 3164 section 4.3.3)
 * Nothing is refused: what is not a header is text.
 *
 * Pure functions over caller-owned buffers, as OpenBSD syslogd's parsemsg.c: no allocation, no
 * logging, no state but the caller's struct framing_parser. Each part of a header is read by
 * a sub-parser that returns the bytes it consumed.
 */
#ifndef PROCSHIP_FRAMING_PARSE_H
#define PROCSHIP_FRAMING_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "framing/framing.h"

enum framing_form {
	FRAMING_FORM_PLAIN,
	FRAMING_FORM_RFC3164,
	FRAMING_FORM_RFC5424,
};

/* The caller's: where the header strings of the last message are copied (so that each is
 * NUL-terminated, printable ASCII with anything else made '_', and within the RFC 5424 limits,
 * ready to be framed again), and the local time conversions RFC 3164's timestamps need, kept
 * from one message to the next. framing_parser_init() before the first message. */
struct framing_parser {
	/* Read as rsyslog's imuxsock reads a local message (its defaults: ParseHostname off):
	 * no HOSTNAME, and the TAG is the first word, up to a space, whatever it holds
	 * ("hello[12]: x", "hello x", "hello:world x"). Else (a log file's line) "[HOSTNAME]
	 * TAG:" as syslog(3) and logger write it. Set by the caller, kept across messages. */
	bool local;
	char hostname[FRAMING_HOSTNAME_MAX + 1];
	char app_name[FRAMING_APPNAME_MAX + 1];
	char tag[FRAMING_APPNAME_MAX + 1];
	char procid[FRAMING_PROCID_MAX + 1];
	char msgid[FRAMING_MSGID_MAX + 1];
	/* The local time of hh:00:00 on a day: mktime() and localtime_r() cost about a
	 * microsecond each and a stream of messages stays within one hour, so the last answer
	 * is kept. Within an hour the offset from UTC does not change (DST moves at full hours
	 * in the zones we run in). */
	struct {
		time_t now_hour; /* now / 3600 when now_year was taken */
		int now_year;	 /* tm_year of now, local time */
		int key;	 /* year, month, day, hour of base packed; -1: empty */
		time_t base;
	} hours;
};

/* One message as read. */
struct framing_parsed {
	enum framing_form form;
	bool bad_pri;	/* it starts like a PRI and is none ("<13", "<999>", "<>"): all text */
	bool have_time; /* hdr.time is the header's timestamp, not now */
	/* facility and severity (user.notice without a PRI); time; hostname, app_name (RFC 5424
	 * APP-NAME or RFC 3164 TAG), procid and msgid, "" when absent, pointing into the parser
	 * until its next message. sd_id, sd_params, bom and cee are left zero. */
	struct framing_header hdr;
	/* RFC 3164: the TAG's name as written (before "[PID]" and ':'), bytes below 33 made '_';
	 * hdr.app_name is the program name rsyslog reads in it, which ends at the first '/',
	 * ':', '[' or byte outside printable ASCII ("postfix/smtpd" -> "postfix"). RFC 5424: the
	 * APP-NAME. "" when absent. */
	const char *tag;
	/* RFC 3164 read as local: the first word, up to a space or the end,
	 * read as the TAG (rsyslog's imuxsock does): app_name, tag (up to '[' or ':') and procid
	 * (the first "[...]" in it) come from it, MSG follows it. Points into the input; NULL
	 * when there is no such word (the message starts with a space, the word runs into a
	 * control byte or is longer than an APP-NAME, FRAMING_APPNAME_MAX: then it is no TAG but
	 * text, rsyslog would cut it) or the message is not local. */
	const char *word;
	size_t word_len;
	size_t word_tail; /* bytes of word after its "name[PID]:" ("world" in "hello:world") */
	/* A space after the TAG (or word) was skipped: rsyslog keeps it as MSG's first byte. */
	bool tag_space;
	const char *sd; /* RFC 5424 STRUCTURED-DATA as written; NULL for "-" or none */
	size_t sd_len;
	const char *msg; /* MSG, into the input: after the header, a BOM before it skipped */
	size_t msg_len;
};

void framing_parser_init(struct framing_parser *p);

/* Read one message s[0..len) (need not be NUL-terminated). now is CLOCK_REALTIME: it gives
 * an RFC 3164 timestamp its year (the current one, or the previous one for a stamp more than
 * a month ahead) and is the time of a message without a timestamp. Fills *out. */
void framing_parse(struct framing_parser *p, const char *s, size_t len, const struct timespec *now,
	struct framing_parsed *out);

#endif
