/* SPDX-License-Identifier: Apache-2.0 */
/* Relaying a local syslog message as syslog: the header fields it was read with (by
 * framing_parse) written again as RFC 3164 or RFC 5424, MSG byte for byte.
 *
 * The conversions follow rsyslog's standard templates, so that a receiver files a relayed
 * message as it would the same message forwarded by rsyslog (imuxsock -> omfwd):
 *   to RFC 3164 (RSYSLOG_TraditionalForwardFormat): <PRI>Mmm dd hh:mm:ss HOSTNAME TAG MSG, the
 *     TAG being TAG[PROCID]: (TAG: without PROCID; [PROCID]: without a name; nothing when
 *     there is neither), or a first word passed on as it came (word); the TAG's name or that
 *     word cut at 32 bytes (RFC 3164 section 4.1.3, rsyslog's %syslogtag:1:32%), and ':',
 *     '[' and ']' in the name or PROCID become '_' (an APP-NAME "procship:" must not read as
 *     procship). A space goes between TAG and MSG unless MSG starts with one, as rsyslog's
 *     sp-if-no-1st-sp; the time is written in local time to the second. MSGID and
 *     STRUCTURED-DATA have no place in RFC 3164 and are left out, as rsyslog does.
 *   to RFC 5424 (RSYSLOG_SyslogProtocol23Format): <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID
 *     MSGID SD MSG, with "-" for an absent field; an RFC 3164 TAG gives APP-NAME (its program
 *     name) and PROCID (rsyslog's emulation), MSGID and SD are "-", and MSG keeps the space
 *     that followed the TAG, as rsyslog's does. The time is UTC with microseconds.
 * Header fields are written as given: framing_parse keeps them printable ASCII and within the
 * RFC 5424 limits. Pure functions over caller-owned buffers; the same return contract as
 * framing.h (the header is never cut, -ENOSPC; MSG is cut at a UTF-8 boundary, *truncated).
 */
#ifndef PROCSHIP_FRAMING_RELAY_H
#define PROCSHIP_FRAMING_RELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "framing/framing.h"

/* One message to relay. Strings are NUL-terminated, "" when absent. */
struct framing_relay {
	int facility; /* 0..23 */
	int severity; /* 0..7 */
	struct timespec time;
	const char *hostname;
	const char *app_name; /* RFC 5424 APP-NAME */
	const char *tag;      /* RFC 3164 TAG without "[PID]:"; NULL: app_name */
	const char *procid;
	const char *msgid;
	const char *sd; /* STRUCTURED-DATA as written (framing_sd_valid), or NULL */
	size_t sd_len;
	const char *msg; /* need not be NUL-terminated */
	size_t msg_len;
	/* RFC 3164 only: the sender's first word, written as it came in place of TAG[PROCID]:
	 * (framing_parsed.word: rsyslog passes it on so). NULL: none. */
	const char *word;
	size_t word_len;
	/* RFC 3164 only, for a message without TAG: written before word, or before the first
	 * word of MSG after its leading spaces, which a receiver reads as the TAG ("local-" when
	 * that word names procship: see framing_program_is). NULL: none. */
	const char *msg_prefix;
};

/* True when a receiver can read the program name `name` (ASCII, any case) from a TAG or
 * APP-NAME that starts at s[0..len), as rsyslog 8.2302 and syslog-ng 3.38 read it: rsyslog's
 * programname (RFC 3164 and RFC 5424 alike) ends at the first ' ', ':', '[', '/' or byte
 * outside printable ASCII; syslog-ng's PROGRAM skips leading spaces and ends at ' ', ':' or
 * '[' ("procship/x" is procship to rsyslog, "  procship" to syslog-ng). *at (unless at is
 * NULL) is where the name starts, after those spaces. */
bool framing_program_is(const char *s, size_t len, const char *name, size_t *at);

/* MSG as rsyslog passes it on ($EscapeControlCharactersOnReceive, its default): each byte below
 * 32, tab and NUL included, as "#" and three octal digits ("\n" -> "#012"), so that no message
 * can start a line of its own in a receiver's file. dst has room for 4 * len bytes. Returns the
 * length written. */
size_t framing_relay_escape(char *dst, const char *s, size_t len);
/* The number of bytes framing_relay_escape would change: 0 means s can go as it is. */
size_t framing_relay_controls(const char *s, size_t len);

/* True when sd[0..len) is one or more SD-ELEMENTs exactly as RFC 5424 section 6.3 writes
 * them: "[" SD-ID *(SP PARAM-NAME "=" DQUOTE PARAM-VALUE DQUOTE) "]", names of 1..32
 * printable characters other than '=', ' ', ']', '"', and in values '"', '\' and ']' only
 * escaped and no byte below 32. A relay writes no SD it cannot vouch for. */
bool framing_sd_valid(const char *sd, size_t len);

ssize_t framing_relay_3164(char *buf, size_t size, const struct framing_relay *m, bool *truncated);
ssize_t framing_relay_5424(char *buf, size_t size, const struct framing_relay *m, bool *truncated);

#endif
