/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for framing/framing_parse.c. The first byte chooses what the rest is:
 *   even: a message, any bytes. Checks what the header promises: MSG is the tail of the input
 *     (all before it was header), SD lies inside the input before MSG, every field is a
 *     NUL-terminated run of printable ASCII within its RFC 5424 limit, the PRI is in range, a
 *     bad PRI leaves all the text, and the time is now unless the header had one.
 *   odd: header fields and a payload, framed by framing_rfc5424() or framing_rfc3164() and
 *     parsed back: the same PRI, each field as framing wrote it, the timestamp (to the
 *     microsecond for RFC 5424; RFC 3164 in local time, here UTC, to the second), the SD and
 *     the payload (behind "@cee:" when set). The builder and the parser are each other's
 *     oracle; fuzz_framing holds the builder to a parser written in the target.
 *
 *   clang -std=gnu11 -g -O1 -D_GNU_SOURCE -I. -fsanitize=fuzzer,address,undefined \
 *	tests/fuzz/fuzz_framing_parse.c framing/framing_parse.c framing/framing.c lib/fmt.c \
 *	lib/utf8.c -o build/fuzz/fuzz_framing_parse
 *   build/fuzz/fuzz_framing_parse -max_total_time=60 tests/fuzz/corpus/framing_parse
 *
 * Round-trip layout: u8 flags, u8 facility, u8 severity, i64 seconds, u32 nanoseconds, then
 * hostname, app-name, procid, msgid and SD-ID as NUL-terminated fields, and the payload.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "framing/framing_parse.h"
#include "fuzz_util.h"

#define FIELD_MAX 300
#define OUT_MAX	  4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static struct framing_parser parser;
static const struct timespec now = {1795442957, 123456789};

static void check_field(const char *f, size_t max)
{
	size_t i, n = strlen(f);

	CHECK(n <= max);
	for (i = 0; i < n; i++)
		CHECK(f[i] > 32 && f[i] < 127);
}

static void check_any(const char *s, size_t len)
{
	struct framing_parsed out;

	framing_parse(&parser, s, len, &now, &out);
	CHECK(out.msg >= s && out.msg + out.msg_len == s + len);
	CHECK(out.hdr.facility >= 0 && out.hdr.facility <= 23);
	CHECK(out.hdr.severity >= 0 && out.hdr.severity <= 7);
	check_field(out.hdr.hostname, FRAMING_HOSTNAME_MAX);
	check_field(out.hdr.app_name, FRAMING_APPNAME_MAX);
	check_field(out.hdr.procid, FRAMING_PROCID_MAX);
	check_field(out.hdr.msgid, FRAMING_MSGID_MAX);
	if (out.sd) {
		CHECK(out.form == FRAMING_FORM_RFC5424);
		CHECK(out.sd > s && out.sd + out.sd_len <= out.msg && out.sd[0] == '[');
	}
	if (out.bad_pri || out.form == FRAMING_FORM_PLAIN) {
		CHECK(out.msg == s && !out.have_time && !out.hdr.hostname[0] &&
			!out.hdr.app_name[0]);
		CHECK(out.bad_pri || out.hdr.facility * 8 + out.hdr.severity == 13);
	}
	if (!out.have_time)
		CHECK(out.hdr.time.tv_sec == now.tv_sec && out.hdr.time.tv_nsec == now.tv_nsec);
	else
		CHECK(out.hdr.time.tv_nsec >= 0 && out.hdr.time.tv_nsec < 1000000000L);
}

/* A field as the builder writes it and the parser keeps it: cut at max, each byte outside
 * the allowed set made '_', and "-" (NILVALUE, also what an absent field is written as)
 * read as absent. */
static void expect_field(char *want, const char *f, size_t max, bool (*ok)(unsigned char))
{
	size_t i, n = strlen(f);

	if (n > max)
		n = max;
	for (i = 0; i < n; i++)
		want[i] = ok((unsigned char)f[i]) ? f[i] : '_';
	want[n] = '\0';
	if (!strcmp(want, "-"))
		want[0] = '\0';
}

static bool printusascii(unsigned char c)
{
	return c >= 33 && c <= 126;
}

static bool tag_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '.' || c == '/';
}

static void check_msg(const struct framing_parsed *out, const struct framing_header *hdr,
	const char *payload, size_t len)
{
	const char *want = payload;
	size_t want_len = len;
	char buf[OUT_MAX];

	if (len > 0 && hdr->cee) {
		CHECK(len + 5 <= sizeof(buf));
		memcpy(buf, "@cee:", 5);
		memcpy(buf + 5, payload, len);
		want = buf;
		want_len = len + 5;
	}
	/* The parser skips a BOM where RFC 5424 allows one, whoever put it there. */
	if (out->form == FRAMING_FORM_RFC5424 && !hdr->bom && want_len >= 3 &&
		!memcmp(want, "\xef\xbb\xbf", 3)) {
		want += 3;
		want_len -= 3;
	}
	CHECK(out->msg_len == want_len && !memcmp(out->msg, want, want_len));
}

static void round_trip_5424(struct framing_header *hdr, const char *payload, size_t len)
{
	static char frame[OUT_MAX], bare[OUT_MAX];
	char want[FIELD_MAX + 1];
	struct framing_parsed out;
	bool truncated;
	ssize_t n, b;
	size_t sd_off, i, spaces;

	n = framing_rfc5424(frame, sizeof(frame), hdr, payload, len, &truncated);
	CHECK(n > 0 && !truncated);
	framing_parse(&parser, frame, (size_t)n, &now, &out);
	CHECK(out.form == FRAMING_FORM_RFC5424 && !out.bad_pri);
	CHECK(out.hdr.facility == hdr->facility && out.hdr.severity == hdr->severity);
	expect_field(want, hdr->hostname, FRAMING_HOSTNAME_MAX, printusascii);
	CHECK(!strcmp(out.hdr.hostname, want));
	expect_field(want, hdr->app_name, FRAMING_APPNAME_MAX, printusascii);
	CHECK(!strcmp(out.hdr.app_name, want));
	expect_field(want, hdr->procid, FRAMING_PROCID_MAX, printusascii);
	CHECK(!strcmp(out.hdr.procid, want));
	expect_field(want, hdr->msgid, FRAMING_MSGID_MAX, printusascii);
	CHECK(!strcmp(out.hdr.msgid, want));
	/* Written when the year has four digits, read back from 1970 on. */
	if (hdr->time.tv_nsec >= 0 && hdr->time.tv_nsec < 1000000000L && hdr->time.tv_sec >= 0 &&
		hdr->time.tv_sec <= 253402300799LL) {
		CHECK(out.have_time && out.hdr.time.tv_sec == hdr->time.tv_sec &&
			out.hdr.time.tv_nsec == hdr->time.tv_nsec / 1000 * 1000);
	} else {
		CHECK(!out.have_time);
	}
	/* The SD as written: what follows the sixth space of the frame without a payload. */
	b = framing_rfc5424(bare, sizeof(bare), hdr, "", 0, &truncated);
	CHECK(b > 0);
	for (i = 0, spaces = 0; i < (size_t)b && spaces < 6; i++)
		spaces += bare[i] == ' ';
	sd_off = i;
	if (hdr->sd_id && hdr->sd_id[0]) {
		CHECK(out.sd && out.sd_len == (size_t)b - sd_off);
		CHECK(!memcmp(out.sd, bare + sd_off, out.sd_len));
	} else {
		CHECK(!out.sd);
	}
	check_msg(&out, hdr, payload, len);
}

static void round_trip_3164(struct framing_header *hdr, const char *payload, size_t len)
{
	static char frame[OUT_MAX];
	char want[FIELD_MAX + 1], *h;
	struct framing_parsed out;
	struct timespec when;
	bool truncated;
	ssize_t n;

	/* Keep the hostname to the characters the parser takes for one, and the time within a
	 * year (it is read back with now's year). */
	for (h = (char *)hdr->hostname; *h; h++)
		if (!tag_char((unsigned char)*h) || *h == '/')
			*h = 'h';
	hdr->time.tv_sec = now.tv_sec - (hdr->time.tv_sec & 0xffffff);
	hdr->time.tv_nsec = 0;
	n = framing_rfc3164(frame, sizeof(frame), hdr, payload, len, &truncated);
	CHECK(n > 0 && !truncated);
	when = hdr->time;
	framing_parse(&parser, frame, (size_t)n, &when, &out);
	CHECK(out.form == FRAMING_FORM_RFC3164 && !out.bad_pri);
	CHECK(out.hdr.facility == hdr->facility && out.hdr.severity == hdr->severity);
	CHECK(out.have_time && out.hdr.time.tv_sec == hdr->time.tv_sec);
	expect_field(want, hdr->hostname, FRAMING_HOSTNAME_MAX, printusascii);
	CHECK(!strcmp(out.hdr.hostname, want));
	expect_field(want, hdr->app_name, FRAMING_TAG_MAX, tag_char);
	CHECK(!strcmp(out.tag, want));
	want[strcspn(want, "/")] = '\0'; /* the program name, rsyslog's APP-NAME */
	if (!strcmp(want, "-"))
		want[0] = '\0';
	CHECK(!strcmp(out.hdr.app_name, want));
	expect_field(want, hdr->procid, FRAMING_PROCID_MAX, tag_char);
	CHECK(!strcmp(out.hdr.procid, want));
	CHECK(!out.hdr.msgid[0] && !out.sd);
	check_msg(&out, hdr, payload, len);
}

static void next_field(const uint8_t **p, size_t *left, char *out)
{
	size_t n = strnlen((const char *)*p, *left);

	if (n > FIELD_MAX)
		n = FIELD_MAX;
	memcpy(out, *p, n);
	out[n] = '\0';
	n = n < *left ? n + 1 : n;
	*p += n;
	*left -= n;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setenv("TZ", "UTC", 1);
	tzset();
	framing_parser_init(&parser);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char fields[5][FIELD_MAX + 1];
	struct framing_header hdr;
	const uint8_t *p = data + 1;
	size_t left = size - 1;
	int64_t sec;
	uint32_t nsec;
	unsigned flags;

	if (size < 1)
		return 0;
	if (!(data[0] & 1)) {
		check_any((const char *)p, left);
		return 0;
	}
	if (left < 15)
		return 0;
	flags = p[0];
	memset(&hdr, 0, sizeof(hdr));
	hdr.facility = p[1] % 24;
	hdr.severity = p[2] % 8;
	memcpy(&sec, p + 3, sizeof(sec));
	memcpy(&nsec, p + 11, sizeof(nsec));
	p += 15;
	left -= 15;
	hdr.time.tv_sec = (flags & 0x40) ? (time_t)sec : (time_t)(sec % 253402300800LL);
	hdr.time.tv_nsec = (flags & 0x20) ? (long)(int32_t)nsec : (long)(nsec % 1000000000u);
	hdr.bom = flags & 1;
	hdr.cee = flags & 2;
	for (size_t i = 0; i < 5; i++)
		next_field(&p, &left, fields[i]);
	hdr.hostname = fields[0];
	hdr.app_name = fields[1];
	hdr.procid = fields[2];
	hdr.msgid = fields[3];
	hdr.sd_id = fields[4];
	if (left > 1024)
		left = 1024;
	if (flags & 0x80)
		round_trip_3164(&hdr, (const char *)p, left);
	else
		round_trip_5424(&hdr, (const char *)p, left);
	return 0;
}
