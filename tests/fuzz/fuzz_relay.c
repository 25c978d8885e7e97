/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the relay path: arbitrary bytes as a datagram on --input-unix, read by
 * shipper/text/lines.c in relay mode and written again by framing/framing_relay.c as RFC 3164 or
 * RFC 5424 into a buffer of a size the first byte chooses, as pipe_text does (this host's name,
 * a PROCID the kernel's pid). Checks what the headers promise:
 *   - the message fits its buffer; only a buffer too small for the header is refused
 *     (-ENOSPC), never a PRI (framing_parse keeps it in range);
 *   - no byte below 32 anywhere: header fields are printable, MSG's controls escaped (#ooo);
 *   - it starts with the message's own <PRI>; MSG is the escaped MSG, whole or a prefix cut
 *     at a UTF-8 boundary (flagged);
 *   - it parses back with framing_parse: RFC 5424 to the same APP-NAME, PROCID, MSGID, the SD
 *     written only when framing_sd_valid and then kept whole, and MSG; RFC 3164 to the same
 *     HOSTNAME, TAG (no ':', '[' or ']' in it, at most 32) and PROCID, so no sender can make a
 *     relayed message read as another program's (with the kernel's PID no first word is
 *     passed on as it came: TAG[PID]: is written, also for a nameless "[x] y");
 *   - with the local claims pipe_text makes: no receiver reads procship's name (framing_program_is)
 *     in the TAG (RFC 3164, the first word after HOSTNAME) or the APP-NAME, nor its MSGIDs.
 *
 *   make build/fuzz/fuzz_relay && build/fuzz/fuzz_relay -max_total_time=60 tests/fuzz/corpus/relay
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "framing/framing_parse.h"
#include "framing/framing_relay.h"
#include "shipper/text/lines.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char out[70000];

static struct lines *lines_once(void)
{
	static struct lines *l;
	char err[256];

	if (l)
		return l;
	setenv("TZ", "UTC", 1);
	l = lines_new(NULL, "fuzz-node", err, sizeof(err));
	if (!l) {
		fprintf(stderr, "%s\n", err);
		abort();
	}
	lines_set_max_input(l, 8192);
	return l;
}

/* What is left of s after a TAG has been written from it (r_tag in framing_relay.c). */
static void tag_of(char *dst, const char *s, size_t max)
{
	size_t i;

	for (i = 0; i < max && s[i]; i++)
		dst[i] = s[i] == ':' || s[i] == '[' || s[i] == ']' ? '_' : s[i];
	dst[i] = '\0';
}

static void check_5424(const struct framing_relay *r, const struct framing_parsed *p)
{
	CHECK(p->form == FRAMING_FORM_RFC5424);
	CHECK(strcmp(p->hdr.app_name, r->app_name) == 0);
	CHECK(strcmp(p->hdr.procid, r->procid) == 0);
	CHECK(strcmp(p->hdr.msgid, r->msgid) == 0);
	CHECK(strcmp(p->hdr.hostname, r->hostname) == 0);
	if (r->sd && framing_sd_valid(r->sd, r->sd_len))
		CHECK(p->sd && p->sd_len == r->sd_len && memcmp(p->sd, r->sd, r->sd_len) == 0);
	else
		CHECK(!p->sd);
}

static void check_3164(const struct framing_relay *r, const struct framing_parsed *p)
{
	char tag[FRAMING_TAG_MAX + 1], pid[FRAMING_PROCID_MAX + 1];

	CHECK(p->form == FRAMING_FORM_RFC3164);
	if (!r->tag[0])
		return; /* no name written: the receiver reads MSG as the sender wrote it */
	tag_of(tag, r->tag, FRAMING_TAG_MAX);
	tag_of(pid, r->procid, FRAMING_PROCID_MAX);
	CHECK(strcmp(p->hdr.hostname, r->hostname) == 0);
	CHECK(strcmp(p->tag, tag) == 0);
	CHECK(strcmp(p->hdr.procid, pid) == 0);
}

/* Nothing a receiver reads as procship's own: the TAG (RFC 3164, what follows "HOSTNAME "), or
 * the APP-NAME and MSGID (RFC 5424). */
static void check_unclaimed(size_t n, bool rfc5424, const char *const *own_ids)
{
	static struct framing_parser parser;
	struct timespec now = {1795442957, 0};
	struct framing_parsed p;
	const char *host;
	size_t at, i;

	if (!rfc5424) {
		host = memmem(out, n, " fuzz-node", 10);
		CHECK(host);
		host += 10;
		if (host < out + n)
			host++; /* the space before the TAG */
		CHECK(!framing_program_is(host, n - (size_t)(host - out), "procship", &at));
		return;
	}
	framing_parser_init(&parser);
	framing_parse(&parser, out, n, &now, &p);
	CHECK(!framing_program_is(p.hdr.app_name, strlen(p.hdr.app_name), "procship", &at));
	for (i = 0; own_ids[i]; i++)
		CHECK(strcasecmp(p.hdr.msgid, own_ids[i]) != 0);
}

/* The message parses back, MSG included (a prefix when cut). */
static void round_trip(const struct framing_relay *r, bool rfc5424, size_t n, bool cut)
{
	static struct framing_parser parser;
	struct timespec now = {1795442957, 0};
	struct framing_parsed p;

	framing_parser_init(&parser);
	framing_parse(&parser, out, n, &now, &p);
	CHECK(!p.bad_pri);
	CHECK(p.hdr.facility == r->facility && p.hdr.severity == r->severity);
	if (rfc5424)
		check_5424(r, &p);
	else
		check_3164(r, &p);
	if (!r->tag[0] && !rfc5424)
		return;
	/* A BOM at the start of MSG is taken for RFC 5424's; a leading space is the separator. */
	if (rfc5424 && r->msg_len >= 3 && memcmp(r->msg, "\xef\xbb\xbf", 3) == 0)
		return;
	if (!rfc5424 && r->msg_len && r->msg[0] == ' ')
		return;
	CHECK(p.msg_len <= r->msg_len && memcmp(p.msg, r->msg, p.msg_len) == 0);
	CHECK(cut || p.msg_len == r->msg_len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t sizes[] = {sizeof(out), 480, 1024, 64, 200, 2048, 8192, 100};
	struct lines *l = lines_once();
	struct framing_relay r;
	static const char *const own_ids[] = {
		"process_exec", "process_exit", "agent_init", "rate_limit_info", NULL};
	const struct lines_local lc = {"fuzz-node", 4242, true, 1, "procship", own_ids};
	struct lines_msg m;
	size_t cap, i, sp = 0;
	bool rfc5424, cut = false;
	ssize_t n;
	char pri[8];

	if (size < 1)
		return 0;
	rfc5424 = data[0] & 1;
	cap = sizes[(data[0] >> 1) % (sizeof(sizes) / sizeof(sizes[0]))];
	if (lines_parse(l, (const char *)data + 1, size - 1,
		    (data[0] & 0x80) ? LINES_IN_TRUNCATED : 0, &lc, &m) != 0)
		return 0;
	CHECK(!m.json && m.facility >= 0 && m.facility <= 23 && m.severity >= 0 && m.severity <= 7);
	CHECK(strcmp(m.hostname, "fuzz-node") == 0 && strcmp(m.procid, "4242") == 0);
	r = (struct framing_relay){.facility = m.facility,
		.severity = m.severity,
		.time = m.time,
		.hostname = m.hostname,
		.app_name = m.app_name,
		.tag = m.tag,
		.procid = m.procid,
		.msgid = m.msgid,
		.sd = m.sd,
		.sd_len = m.sd_len,
		.msg = m.msg,
		.msg_len = m.msg_len,
		.msg_prefix = rfc5424 ? NULL : m.msg_prefix};
	CHECK(!m.word); /* the kernel's PID: TAG[PID]: is written again, no word passed on */
	while (r.msg_prefix && sp < m.msg_len && m.msg[sp] == ' ')
		sp++;
	n = rfc5424 ? framing_relay_5424(out, cap, &r, &cut)
		    : framing_relay_3164(out, cap, &r, &cut);
	if (n < 0) {
		CHECK(n == -ENOSPC && cap < 480);
		return 0;
	}
	CHECK((size_t)n <= cap);
	for (i = 0; i < (size_t)n; i++)
		CHECK((unsigned char)out[i] >= 32);
	snprintf(pri, sizeof(pri), "<%d>", m.facility * 8 + m.severity);
	CHECK(strncmp(out, pri, strlen(pri)) == 0);
	if (!cut)
		CHECK((size_t)n >= m.msg_len - sp &&
			memcmp(out + n - (m.msg_len - sp), m.msg + sp, m.msg_len - sp) == 0);
	check_unclaimed((size_t)n, rfc5424, own_ids);
	round_trip(&r, rfc5424, (size_t)n, cut);
	return 0;
}
