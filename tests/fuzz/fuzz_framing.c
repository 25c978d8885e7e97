/* libFuzzer target for framing/: arbitrary header fields and payload, all three formats, every
 * buffer size around the message length. Checks what the header promises: at most size bytes,
 * a header that is never cut and never holds a line break, a payload prefix kept byte for byte
 * and cut only at a UTF-8 boundary. And the property a receiver relies on: every message, whole
 * or cut, parses back with a small RFC 3164 / RFC 5424 parser written here (not framing/'s
 * code) into the same fields: PRI, the timestamp, each header field as the RFC allows it to be
 * written (the input when it was already valid, else the same length with each refused byte
 * made '_', cut at the field's limit), every SD-PARAM value unescaped back, and the payload.
 *
 *   clang -std=gnu11 -g -O1 -D_GNU_SOURCE -I. -fsanitize=fuzzer,address,undefined \
 *	tests/fuzz/fuzz_framing.c framing/framing.c -o build/fuzz/fuzz_framing
 *   build/fuzz/fuzz_framing -max_total_time=60 tests/fuzz/corpus/framing
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "framing/framing.h"
#include "fuzz_util.h"

#define NFIELDS	  7
#define FIELD_MAX 400
#define OUT_MAX	  8192

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#include "fuzz_parse.h"

/* Fields are separated by 0x00 in the input; the rest is the payload, NULs and all. */
static size_t next_field(const uint8_t **p, size_t *left, char *dst)
{
	size_t n = 0;

	while (*left > 0 && **p != 0) {
		if (n < FIELD_MAX)
			dst[n++] = (char)**p;
		(*p)++;
		(*left)--;
	}
	if (*left > 0) {
		(*p)++;
		(*left)--;
	}
	dst[n] = '\0';
	return n;
}

static void check_format(enum framing_format format, const struct framing_header *hdr,
	const char *msg, size_t msg_len, unsigned size_knob)
{
	static char full[OUT_MAX], out[OUT_MAX];
	ssize_t len, n;
	size_t hdr_len, size, i, kept, spaces;
	bool truncated;

	len = framing_build(full, sizeof(full), format, hdr, msg, msg_len, &truncated);
	if (len == -EINVAL)
		return;
	CHECK(len >= 0 && (size_t)len <= sizeof(full));
	if (truncated)
		return; /* a header this long is no use for the size sweep below */
	hdr_len = (size_t)len - msg_len;
	for (i = 0; i < hdr_len; i++)
		CHECK(full[i] != '\n' && full[i] != '\r' && full[i] != '\0');
	/* RFC 5424: no field may hold a space, so STRUCTURED-DATA starts after the sixth. */
	if (format == FRAMING_RFC5424) {
		for (i = 0, spaces = 0; i < hdr_len && spaces < 6; i++)
			spaces += full[i] == ' ';
		CHECK(spaces == 6 && i < hdr_len && (full[i] == '-' || full[i] == '['));
	}

	/* A buffer a little shorter or longer than the whole message. */
	size = (size_t)len + 8 > size_knob ? (size_t)len + 8 - size_knob : 0;
	n = framing_build(out, size, format, hdr, msg, msg_len, &truncated);
	if (size < hdr_len) {
		CHECK(n == -ENOSPC);
		return;
	}
	CHECK(n >= 0 && (size_t)n <= size);
	CHECK((size_t)n >= hdr_len);
	CHECK(memcmp(out, full, hdr_len) == 0);
	kept = (size_t)n - hdr_len;
	CHECK(kept == framing_utf8_cut(msg, msg_len, size - hdr_len));
	CHECK(memcmp(out + hdr_len, msg, kept) == 0);
	CHECK(truncated == (kept < msg_len));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char fields[NFIELDS][FIELD_MAX + 1];
	struct framing_sd_param params[2];
	struct framing_header hdr;
	const uint8_t *p = data;
	size_t left = size, i;
	unsigned flags, knob;
	int64_t sec;

	if (size < 12)
		return 0;
	setenv("TZ", "UTC", 0);
	flags = p[0];
	knob = p[1];
	memcpy(&sec, p + 2, sizeof(sec));
	p += 10;
	left -= 10;

	memset(&hdr, 0, sizeof(hdr));
	/* Mostly valid PRI values, sometimes not. */
	hdr.facility = (flags & 0x80) ? (int)(int8_t)p[0] : p[0] % 24;
	hdr.severity = (flags & 0x80) ? (int)(int8_t)p[1] : p[1] % 8;
	p += 2;
	left -= 2;
	/* Keep years printable most of the time; the rest tests the NILVALUE path. */
	hdr.time.tv_sec = (flags & 0x40) ? (time_t)sec : (time_t)(sec % 253402300800LL);
	hdr.time.tv_nsec = (flags & 0x20) ? (long)(sec >> 32) : (long)((uint64_t)sec % 1000000000);
	hdr.bom = flags & 1;
	hdr.cee = flags & 2;

	for (i = 0; i < NFIELDS; i++)
		next_field(&p, &left, fields[i]);
	hdr.hostname = (flags & 4) ? NULL : fields[0];
	hdr.app_name = fields[1];
	hdr.procid = fields[2];
	hdr.msgid = (flags & 8) ? NULL : fields[3];
	hdr.sd_id = fields[4];
	params[0].name = fields[5];
	params[0].value = fields[6];
	params[1].name = "n";
	params[1].value = (flags & 16) ? NULL : fields[6];
	hdr.sd_params = params;
	hdr.sd_nparams = 2;

	check_format(FRAMING_JSON, &hdr, (const char *)p, left, knob);
	check_format(FRAMING_RFC3164, &hdr, (const char *)p, left, knob);
	check_format(FRAMING_RFC5424, &hdr, (const char *)p, left, knob);
	return 0;
}
