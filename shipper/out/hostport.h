/* SPDX-License-Identifier: Apache-2.0 */
/* host:port as the user writes it: split and checked, never resolved.
 *
 * Pure: libc only, no logging, no allocation, no state. Accepts "host", "host:port",
 * "1.2.3.4:port", "[v6]:port", "[v6]" and a bare IPv6 address (two or more colons, no port);
 * refuses anything else with -EINVAL and a message naming the entry in the caller's buffer.
 * hostport_format is the one writer of "host:port": every name the user sees is its output.
 */
#ifndef PROCSHIP_OUT_HOSTPORT_H
#define PROCSHIP_OUT_HOSTPORT_H

#include <netdb.h>
#include <stddef.h>
#include <stdint.h>

#define HOSTPORT_NAME_MAX (NI_MAXHOST + 16) /* "[" host "]:" port and its NUL */

/* One destination as written by the user, split but not resolved. */
struct hostport {
	char host[NI_MAXHOST]; /* name, IPv4 literal or IPv6 literal without brackets */
	uint16_t port;
};

/* Parse one entry. default_port applies when the entry has none (0: the entry must name
 * one). Returns 0, or -EINVAL with a message naming the entry in err. */
int hostport_parse(
	const char *entry, uint16_t default_port, struct hostport *out, char *err, size_t errlen);

/* Parse a comma-separated list, blanks around items allowed, appending to out (capacity
 * max). Returns the number of entries added, or -EINVAL / -E2BIG with a message in err. */
int hostport_parse_list(const char *list, uint16_t default_port, struct hostport *out, size_t max,
	char *err, size_t errlen);

/* Write "host:port", or "[host]:port" when host is an IPv6 literal (it holds a colon), as
 * snprintf does: always terminated when size > 0. Returns the length of the whole text; a
 * result >= size means buf holds a truncated prefix. */
size_t hostport_format(char *buf, size_t size, const char *host, uint16_t port);

#endif
