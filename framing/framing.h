/* SPDX-License-Identifier: Apache-2.0 */
/* Syslog framing: header fields + payload -> one message in a caller-owned buffer; the names
 * of facilities, severities and formats; the RFC 5424 limits. (Reading a header back is
 * framing_parse.h.)
 *
 * No allocation, no logging, no shared state but per-thread caches of the last second
 * written: its local time (keyed on TZ; see local_tm) or UTC for RFC 3164 and lib/fmt's RFC
 * 3339 text. framing/ uses lib/ and nothing from shipper/. Every builder writes at
 * most `size` bytes (no terminating NUL is written or counted) and returns the number of bytes
 * written. The header is never cut: when the header alone does not fit, the builder returns
 * -ENOSPC. When the payload does not fit it is cut at a UTF-8 character boundary and
 * *truncated is set to true (it is set to false otherwise).
 */
#ifndef PROCSHIP_FRAMING_H
#define PROCSHIP_FRAMING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

enum framing_format {
	FRAMING_JSON,	 /* the payload alone, as Tetragon's UDP output sends it */
	FRAMING_RFC3164, /* <PRI>Mmm dd hh:mm:ss HOSTNAME TAG[PID]: MSG */
	FRAMING_RFC5424, /* <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD MSG */
};

/* RFC 5424 section 6.1 field limits. */
#define FRAMING_HOSTNAME_MAX 255
#define FRAMING_APPNAME_MAX  48
#define FRAMING_PROCID_MAX   128
#define FRAMING_MSGID_MAX    32
#define FRAMING_SDNAME_MAX   32
/* RFC 3164 section 4.1.3: the TAG is at most 32 characters. */
#define FRAMING_TAG_MAX 32
/* RFC 5424 section 7.3.1: sequenceId runs 1..2147483647, then wraps to 1. */
#define FRAMING_SEQUENCE_MAX 2147483647U

/* How RFC 3164 writes its timestamp. Section 4.1.2 says "Mmm dd hh:mm:ss" in local time,
 * with no zone and no year: a receiver in another zone files it hours off. */
enum framing_3164_time {
	FRAMING_3164_LOCAL,   /* "Mmm dd hh:mm:ss", local time (the RFC; the default) */
	FRAMING_3164_UTC,     /* "Mmm dd hh:mm:ss", UTC */
	FRAMING_3164_RFC3339, /* "2026-12-01T12:00:00.123456Z", as rsyslog's ForwardFormat */
};

/* RFC 5424 sections 7.3 and 7.2: who is sending, and where it is in its own sequence. The
 * [meta] element is written when sequence_id is not 0, [origin] when software is set. */
struct framing_meta {
	uint32_t sequence_id; /* 1..FRAMING_SEQUENCE_MAX; 0 = no [meta] */
	uint32_t sys_uptime;  /* hundredths of a second since the sender started */
	const char *software; /* origin software; NULL = no [origin] */
	const char *sw_version;
};

struct framing_sd_param {
	const char *name;  /* SD-NAME: printable ASCII except '=', ' ', ']', '"'; max 32 */
	const char *value; /* any UTF-8; '"', '\' and ']' are escaped (RFC 5424 6.3.3) */
};

/* Fields for the header. NULL or "" string fields are absent: "-" in RFC 5424, left out in
 * RFC 3164 where the format allows it. */
struct framing_header {
	int facility;	      /* 0..23 */
	int severity;	      /* 0..7 */
	struct timespec time; /* CLOCK_REALTIME; RFC 3164 prints it as time3164 says */
	const char *hostname;
	const char *app_name; /* RFC 5424 APP-NAME; RFC 3164 TAG */
	const char *procid;   /* RFC 5424 PROCID; RFC 3164 "[PID]" after the TAG */
	const char *msgid;    /* RFC 5424 only */
	const char *sd_id;    /* RFC 5424: one SD-ELEMENT when set, else "-" */
	const struct framing_sd_param *sd_params;
	size_t sd_nparams;
	bool bom; /* RFC 5424: UTF-8 BOM before MSG (off by default: it breaks
		   * rsyslog's mmjsonparse) */
	bool cee; /* "@cee:" before the payload, for rsyslog's mmjsonparse */
	enum framing_3164_time time3164;
	/* RFC 5424: [meta ...] and [origin ...] after the sd_id element; NULL = neither.
	 * RFC 3164 and bare JSON have no place for them and leave them out. */
	const struct framing_meta *meta;
};

/* The one table of facility names (RFC 5424 section 6.2.1, table 1), spelled as rsyslog spells
 * them (runtime/srutils.c syslogFacNames): it is our receiver, so a name means the same in
 * procship's configuration as in the receiver's filters. X(name, value), one name per value,
 * the name written for it. 15 is "clock", as rsyslog's syslogfacility-text writes it (its
 * selector table has no name for 15). The BSD facility 13 goes by rsyslog's "bsd_security".
 * These lists are kept from clang-format, which cannot lay out a list of macro calls. */
/* clang-format off */
#define FRAMING_FACILITIES(X)                                                                      \
	X("kern", 0) X("user", 1) X("mail", 2) X("daemon", 3) X("auth", 4) X("syslog", 5)          \
	X("lpr", 6) X("news", 7) X("uucp", 8) X("cron", 9) X("authpriv", 10) X("ftp", 11)          \
	X("ntp", 12) X("bsd_security", 13) X("console", 14) X("clock", 15) X("local0", 16)        \
	X("local1", 17) X("local2", 18) X("local3", 19) X("local4", 20) X("local5", 21)            \
	X("local6", 22) X("local7", 23)
/* Names also accepted, never written: "security" is the deprecated Linux alias of auth, as
 * in glibc's facilitynames. */
#define FRAMING_FACILITY_ALIASES(X) X("security", 4)
/* RFC 5424 section 6.2.1 table 2, named as in syslog.conf. */
#define FRAMING_SEVERITIES(X)                                                                      \
	X("emerg", 0) X("alert", 1) X("crit", 2) X("err", 3) X("warning", 4) X("notice", 5)        \
	X("info", 6) X("debug", 7)
/* The deprecated aliases syslog.conf and rsyslog still accept. "none" selects nothing and is
 * no severity, so it is refused. */
#define FRAMING_SEVERITY_ALIASES(X) X("panic", 0) X("error", 3) X("warn", 4)
/* clang-format on */

/* Name -> number, from the tables above (names and aliases; case-sensitive, as in
 * syslog.conf). -1 for an unknown name or NULL. */
int framing_facility_from_name(const char *name);
int framing_severity_from_name(const char *name);
/* Number -> the name written for it. Never NULL: "unknown" for a number out of range or
 * without a name. */
const char *framing_facility_name(int facility);
const char *framing_severity_name(int severity);
/* "json", "rfc3164", "rfc5424" -> enum framing_format; -1 when unknown. */
int framing_format_from_name(const char *name);
/* An out-of-range value gives "unknown" rather than NULL, so a caller may print it as is. */
const char *framing_format_name(enum framing_format format);
/* "local", "utc", "rfc3339" -> enum framing_3164_time; -1 when unknown. */
int framing_3164_time_from_name(const char *name);
const char *framing_3164_time_name(enum framing_3164_time t);
/* The sequenceId after seq: seq + 1, and 1 after FRAMING_SEQUENCE_MAX (or after 0). */
uint32_t framing_sequence_next(uint32_t seq);

/* Build one message of the given format. msg is <pointer, length>, need not be NUL-terminated. */
ssize_t framing_build(char *buf, size_t size, enum framing_format format,
	const struct framing_header *hdr, const char *msg, size_t msg_len, bool *truncated);

ssize_t framing_rfc3164(char *buf, size_t size, const struct framing_header *hdr, const char *msg,
	size_t msg_len, bool *truncated);
ssize_t framing_rfc5424(char *buf, size_t size, const struct framing_header *hdr, const char *msg,
	size_t msg_len, bool *truncated);
ssize_t framing_json(char *buf, size_t size, const struct framing_header *hdr, const char *msg,
	size_t msg_len, bool *truncated);

#endif
