/* SPDX-License-Identifier: Apache-2.0 */
/* What a local sender (a unix socket anyone can write) may not say in its header: another
 * host's HOSTNAME, another PROCID than the kernel's, procship's APP-NAME or the MSGIDs of
 * procship's own messages, which receivers file as procship's events (issue 20 item 9).
 * Pure functions on parsed header fields; part of the lines module. */
#ifndef PROCSHIP_CLAIMS_H
#define PROCSHIP_CLAIMS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "framing/framing.h"

struct lines_local {
	const char *hostname; /* this host's: the HOSTNAME of every local message */
	pid_t pid;	      /* the kernel's word on the sender; 0 when unknown */
	bool kernel_pid;      /* PROCID := pid when pid > 0 */
	pid_t self;	      /* procship's own pid: its own lines keep their name and MSGID */
	const char *own_name; /* procship's APP-NAME ("procship") */
	const char *const *own_msgids; /* NULL-terminated: procship's own MSGIDs */
};

/* Where the fields lines_claim writes live (the caller's, one per message). */
struct lines_claimed {
	char procid[16];
	char app_name[FRAMING_APPNAME_MAX + 8];
	char tag[FRAMING_APPNAME_MAX + 8];
};

/* The claims on a header just read (its strings "" when absent, never NULL): hostname and
 * procid as lc says; but for messages from lc->self, an APP-NAME that rsyslog or syslog-ng
 * reads as own_name (framing_program_is: "procship", "PROCSHIP", "procship/x", "procship[x",
 * "procship:x") becomes "local-APP-NAME" in out, so does an RFC 3164 TAG (*tag, unless tag
 * is NULL) that reads so, and an MSGID among own_msgids (any case) is dropped. Returns true
 * when one of those was changed (a claim to count). */
bool lines_claim(const struct lines_local *lc, struct lines_claimed *out, struct framing_header *h,
	const char **tag);

/* A first word s[0..len) that every receiver reads as the TAG of an RFC 3164 message (a word
 * passed on as it came, or the first word of a message without TAG, after its spaces):
 * "local-" when it reads as own_name (to go before it, framing_relay's msg_prefix), NULL when
 * it does not or the message is our own. */
const char *lines_claim_tagless(const struct lines_local *lc, const char *s, size_t len);

#endif
