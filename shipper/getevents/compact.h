/* SPDX-License-Identifier: Apache-2.0 */
/* tetra's compact line for a parsed event, byte for byte as Tetragon v1.7.0's CompactEncoder
 * (pkg/encoder) writes it for process_exec and process_exit: emoji, padding, colours, the
 * exit's signal or status, the CAP_SYS_ADMIN trailer and its 120-column padding, the
 * --timestamps prefix. One exception, for the one-line-per-event rule: a string holding a
 * control character (C0, DEL, C1) or a byte that is no UTF-8 is written quoted and escaped as
 * Go's strconv.Quote writes it (which Tetragon's main branch does since, and v1.7.0 does not).
 */
#ifndef PROCSHIP_GETEVENTS_COMPACT_H
#define PROCSHIP_GETEVENTS_COMPACT_H

#include <stdbool.h>
#include <stddef.h>

#include "shipper/getevents/doc.h"

struct gev_style {
	bool color;	 /* SGR colours, as fatih/color writes them */
	bool timestamps; /* the event's time first, RFC 3339 with nine digits */
};

/* A growing text buffer; zero-initialize it, gev_line_free it. */
struct gev_line {
	char *buf;
	size_t len, cap;
};
void gev_line_free(struct gev_line *l);

/* The line for d (no newline) in l, replacing what l held, NUL-terminated. Returns 0;
 * -ENOTSUP when the event has no compact form here, or tetra would refuse it (no process
 * field), with the reason in err; -ENOMEM. */
int gev_compact(const struct gev_doc *d, const struct gev_style *st, struct gev_line *l, char *err,
	size_t errlen);

/* s as the compact line writes a string: unchanged, or quoted when it holds a control
 * character or invalid UTF-8. Appends to l; returns 0 or -ENOMEM. */
int gev_put_text(struct gev_line *l, const char *s);

#endif
