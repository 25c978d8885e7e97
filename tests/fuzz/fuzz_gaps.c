/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for shipper/gaps/: what a receiver's files hold is written by whoever can
 * send to the receiver. The first byte chooses:
 *   even: the rest is a file, split into lines, each read by gaps_line and the report written:
 *     nothing may crash, leak or read out of bounds, and the report's totals stay consistent.
 *   odd: u32 sequenceId, u32 sysUpTime, then a HOSTNAME: framing_rfc5424 writes a message
 *     with that [meta] element, and gaps_line must count it with exactly those numbers (the
 *     builder is the reader's oracle).
 *
 *   build/fuzz/fuzz_gaps -max_total_time=60 tests/fuzz/corpus/gaps
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "framing/framing.h"
#include "fuzz_util.h"
#include "shipper/gaps/gaps.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void report(struct gaps *g, struct gaps_totals *t)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	CHECK(f);
	gaps_report(g, f, t);
	fclose(f);
	free(text);
}

static void file_case(const char *s, size_t n)
{
	struct gaps *g = gaps_new();
	struct gaps_totals t;
	uint64_t counted = 0;
	size_t i = 0, j;

	CHECK(g);
	while (i < n) {
		for (j = i; j < n && s[j] != '\n'; j++)
			;
		if (gaps_line(g, s + i, j - i) == 1)
			counted++;
		i = j + 1;
	}
	report(g, &t);
	CHECK(t.received + t.duplicates == counted);
	CHECK(t.runs <= counted);
	gaps_free(g);
}

static void roundtrip_case(const uint8_t *d, size_t n)
{
	struct framing_header hdr = {.facility = 1, .severity = 6, .app_name = "procship"};
	struct framing_meta meta = {0};
	struct gaps_totals t;
	struct gaps *g;
	char host[64], buf[512];
	ssize_t len;

	if (n < 8)
		return;
	memcpy(&meta.sequence_id, d, 4);
	memcpy(&meta.sys_uptime, d + 4, 4);
	meta.sequence_id = meta.sequence_id % FRAMING_SEQUENCE_MAX + 1;
	snprintf(host, sizeof(host), "%.*s", (int)(n - 8 < 63 ? n - 8 : 63), (const char *)d + 8);
	if (!host[0] || memchr(d + 8, '\0', n - 8 < 63 ? n - 8 : 63))
		snprintf(host, sizeof(host), "h");
	hdr.hostname = host;
	hdr.meta = &meta;
	hdr.time.tv_sec = 1795442957;
	len = framing_rfc5424(buf, sizeof(buf), &hdr, "{}", 2, NULL);
	CHECK(len > 0);
	g = gaps_new();
	CHECK(g);
	CHECK(gaps_line(g, buf, (size_t)len) == 1);
	report(g, &t);
	CHECK(t.senders == 1 && t.runs == 1 && t.received == 1 && t.duplicates == 0);
	gaps_free(g);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if (data[0] & 1)
		roundtrip_case(data + 1, size - 1);
	else
		file_case((const char *)data + 1, size - 1);
	return 0;
}
