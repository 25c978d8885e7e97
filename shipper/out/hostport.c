/* SPDX-License-Identifier: Apache-2.0 */
/* host:port as the user writes it: split and checked, never resolved. The contract is in
 * hostport.h; this file explains the why.
 */
#include "shipper/out/hostport.h"

#include "lib/strbuf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#define HOSTPORT_HOST_MAX    253 /* longest DNS name (RFC 1035 section 2.3.4) */
#define HOSTPORT_PORT_DIGITS 5
/* "[" + host + "]:" + port: anything longer is refused before it is looked at */
#define HOSTPORT_ENTRY_MAX (NI_MAXHOST + 3 + HOSTPORT_PORT_DIGITS)
_Static_assert(HOSTPORT_PORT_DIGITS < NI_MAXSERV, "a port's digits fit getaddrinfo's service");

static bool hostport_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static bool hostport_is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_';
}

/* An IPv6 literal, optionally with a "%scope" suffix that getaddrinfo understands. */
static bool hostport_is_ipv6(const char *host, size_t len)
{
	char buf[INET6_ADDRSTRLEN];
	struct in6_addr a;
	const char *pct = memchr(host, '%', len);
	size_t alen = pct ? (size_t)(pct - host) : len;
	size_t i;

	if (alen == 0 || alen >= sizeof(buf))
		return false;
	if (pct) {
		if (pct + 1 == host + len)
			return false;
		for (i = alen + 1; i < len; i++)
			if (!hostport_is_name_char(host[i]))
				return false;
	}
	memcpy(buf, host, alen);
	buf[alen] = '\0';
	return inet_pton(AF_INET6, buf, &a) == 1;
}

static int hostport_parse_port(const char *s, size_t len, uint16_t *port)
{
	unsigned long v = 0;
	size_t i;

	if (len == 0 || len > HOSTPORT_PORT_DIGITS)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

/* The entry as a whole: given, not empty, not longer than any valid one, no blanks. */
static int hostport_check_entry(const char *entry, size_t *len, char *err, size_t errlen)
{
	size_t i;

	*len = strnlen(entry, HOSTPORT_ENTRY_MAX + 1);
	if (*len == 0) {
		strbuf_printf(err, errlen, "empty destination");
		return -EINVAL;
	}
	if (*len > HOSTPORT_ENTRY_MAX) {
		strbuf_printf(err, errlen, "destination \"%.40s...\": too long", entry);
		return -EINVAL;
	}
	for (i = 0; i < *len; i++) {
		if (hostport_is_space(entry[i])) {
			strbuf_printf(err, errlen, "destination \"%s\": whitespace inside", entry);
			return -EINVAL;
		}
	}
	return 0;
}

/* Where the host and the port lie in an entry, before either is checked. */
struct hostport_span {
	const char *host;
	size_t hostlen;
	const char *port; /* NULL when the entry names none */
	bool v6;	  /* the host must be an IPv6 literal */
};

/* OpenBSD syslogd loghost_parse(): "[v6]" and "[v6]:port" first, then split at the last
 * colon, except that two or more colons without brackets are a bare IPv6. */
static int hostport_split(
	const char *entry, size_t len, struct hostport_span *sp, char *err, size_t errlen)
{
	const char *close, *c1, *c2;

	sp->host = entry;
	sp->hostlen = len;
	sp->port = NULL;
	sp->v6 = false;
	if (entry[0] == '[') {
		close = memchr(entry, ']', len);
		if (!close) {
			strbuf_printf(err, errlen, "destination \"%s\": missing ']'", entry);
			return -EINVAL;
		}
		sp->host = entry + 1;
		sp->hostlen = (size_t)(close - sp->host);
		if (close + 1 < entry + len) {
			if (close[1] != ':') {
				strbuf_printf(err, errlen,
					"destination \"%s\": unexpected text after ']'", entry);
				return -EINVAL;
			}
			sp->port = close + 2;
		}
		sp->v6 = true;
		return 0;
	}
	c1 = memchr(entry, ':', len);
	c2 = c1 ? strrchr(entry, ':') : NULL;
	if (c1 && c1 != c2) {
		sp->v6 = true;
	} else if (c1) {
		sp->hostlen = (size_t)(c1 - entry);
		sp->port = c1 + 1;
	}
	return 0;
}

/* The host: not empty, no longer than a DNS name, an IPv6 literal where the form asks for
 * one, otherwise made of name characters only. */
static int hostport_check_host(
	const char *entry, const struct hostport_span *sp, char *err, size_t errlen)
{
	size_t i;

	if (sp->hostlen == 0) {
		strbuf_printf(err, errlen, "destination \"%s\": empty host", entry);
		return -EINVAL;
	}
	if (sp->hostlen > HOSTPORT_HOST_MAX || sp->hostlen > NI_MAXHOST - 1) {
		strbuf_printf(err, errlen, "destination \"%.40s...\": host longer than %d bytes",
			entry, HOSTPORT_HOST_MAX);
		return -EINVAL;
	}
	if (sp->v6 && !hostport_is_ipv6(sp->host, sp->hostlen)) {
		strbuf_printf(err, errlen, "destination \"%s\": not an IPv6 address%s", entry,
			entry[0] == '[' ? "" : " (write [v6]:port, or host:port with one colon)");
		return -EINVAL;
	}
	for (i = 0; !sp->v6 && i < sp->hostlen; i++) {
		if (!hostport_is_name_char(sp->host[i])) {
			strbuf_printf(err, errlen, "destination \"%s\": invalid character in host",
				entry);
			return -EINVAL;
		}
	}
	return 0;
}

int hostport_parse(
	const char *entry, uint16_t default_port, struct hostport *out, char *err, size_t errlen)
{
	struct hostport_span sp;
	size_t len;

	if (!entry || !out) {
		strbuf_printf(err, errlen, "no destination given");
		return -EINVAL;
	}
	if (hostport_check_entry(entry, &len, err, errlen) < 0 ||
		hostport_split(entry, len, &sp, err, errlen) < 0 ||
		hostport_check_host(entry, &sp, err, errlen) < 0)
		return -EINVAL;
	if (sp.port) {
		if (hostport_parse_port(sp.port, (size_t)(entry + len - sp.port), &out->port) ==
			-EINVAL) {
			strbuf_printf(err, errlen,
				"destination \"%s\": invalid port \"%s\" (need 1-65535)", entry,
				sp.port);
			return -EINVAL;
		}
	} else if (default_port == 0) {
		strbuf_printf(
			err, errlen, "destination \"%s\": no port and no default port", entry);
		return -EINVAL;
	} else {
		out->port = default_port;
	}
	memcpy(out->host, sp.host, sp.hostlen);
	out->host[sp.hostlen] = '\0';
	return 0;
}

int hostport_parse_list(const char *list, uint16_t default_port, struct hostport *out, size_t max,
	char *err, size_t errlen)
{
	char item[HOSTPORT_ENTRY_MAX + 1];
	const char *p, *comma, *b, *e;
	size_t n = 0, idx = 0;
	int rc;

	if (!list || !out) {
		strbuf_printf(err, errlen, "no destination list given");
		return -EINVAL;
	}
	p = list;
	for (;;) {
		idx++;
		comma = strchr(p, ',');
		e = comma ? comma : p + strlen(p);
		/* blanks around an item are layout; blanks inside one are refused later */
		for (b = p; b < e && (*b == ' ' || *b == '\t'); b++)
			;
		while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (b == e) {
			strbuf_printf(err, errlen, "destination list \"%s\": item %zu is empty",
				list, idx);
			return -EINVAL;
		}
		if ((size_t)(e - b) > HOSTPORT_ENTRY_MAX) {
			strbuf_printf(err, errlen,
				"destination list: item %zu \"%.40s...\": too long", idx, b);
			return -EINVAL;
		}
		if (n == max) {
			strbuf_printf(
				err, errlen, "destination list: more than %zu destinations", max);
			return -E2BIG;
		}
		memcpy(item, b, (size_t)(e - b));
		item[e - b] = '\0';
		rc = hostport_parse(item, default_port, &out[n], err, errlen);
		if (rc < 0)
			return rc;
		n++;
		if (!comma)
			break;
		p = comma + 1;
	}
	return n > INT32_MAX ? -E2BIG : (int)n;
}

/* The brackets keep the port apart from the address (RFC 3986 section 3.2.2). */
size_t hostport_format(char *buf, size_t size, const char *host, uint16_t port)
{
	int n;

	if (strchr(host, ':'))
		n = snprintf(buf, size, "[%s]:%u", host, port);
	else
		n = snprintf(buf, size, "%s:%u", host, port);
	return n < 0 ? 0 : (size_t)n;
}
