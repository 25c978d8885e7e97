/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the "procship getevents" reader and compact encoder: byte 0 chooses the
 * style (bit 0 colour, bit 1 --timestamps), the rest is one input line. Checks:
 *   - gev_doc_parse returns 0 or -EINVAL (with a one-line printable reason) or -ENOMEM;
 *   - for an accepted process_exec/process_exit with a process, gev_compact gives a line that
 *     is valid UTF-8, holds no NUL, CR or LF (the one-line rule, whatever the strings hold),
 *     no control byte but the ESC of an SGR colour sequence "ESC [ digits m" (and none at all
 *     without colour), and starts with the timestamp and the event's emoji;
 *   - every other accepted document is refused with -ENOTSUP and a reason;
 *   - nothing leaks (LeakSanitizer).
 *
 *   clang -std=gnu11 -g -O1 -D_GNU_SOURCE -I. -I/usr/include/libfastjson \
 *	-fsanitize=fuzzer,address,undefined tests/fuzz/fuzz_getevents.c shipper/getevents.c \
 *	shipper/getevents/doc.c shipper/getevents/compact.c lib/utf8.c lib/json_scan.c \
 *	lib/fmt.c lib/strbuf.c -lfastjson -lpcre2-8 -o build/fuzz/fuzz_getevents
 *   build/fuzz/fuzz_getevents -max_total_time=60 tests/fuzz/corpus/getevents
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/utf8.h"
#include "shipper/getevents/compact.h"
#include "shipper/getevents/doc.h"
#include "tests/fuzz/fuzz_util.h"

static void check_reason(const char *err)
{
	size_t i;

	CHECK(err[0]);
	for (i = 0; err[i]; i++)
		CHECK((unsigned char)err[i] >= 0x20 && err[i] != 0x7f);
}

/* Valid UTF-8, and the only control bytes are SGR sequences when colour is on. */
static void check_line(const struct gev_line *l, bool color)
{
	const unsigned char *u = (const unsigned char *)l->buf;
	size_t i = 0, n;

	CHECK(strlen(l->buf) == l->len);
	while (i < l->len) {
		if (u[i] == 0x1b) {
			CHECK(color && i + 1 < l->len && u[i + 1] == '[');
			for (i += 2; i < l->len && u[i] >= '0' && u[i] <= '9'; i++)
				;
			CHECK(i < l->len && u[i] == 'm');
			i++;
			continue;
		}
		CHECK(u[i] >= 0x20 && u[i] != 0x7f);
		n = utf8_seq(u + i, l->len - i);
		CHECK(n > 0);
		CHECK(!(n == 2 && u[i] == 0xc2 && u[i + 1] < 0xa0)); /* no C1 control */
		i += n;
	}
}

static void check_start(const struct gev_line *l, const struct gev_style *st, bool is_exit)
{
	const char *p = l->buf;

	if (st->timestamps) {
		CHECK(l->len > 31 && p[4] == '-' && p[10] == 'T' && p[29] == 'Z' && p[30] == ' ');
		p += 31;
	}
	if (st->color) {
		CHECK(strncmp(p, "\x1b[34m", 5) == 0);
		p += 5;
	}
	/* The emoji and the event's name, padded to 7 (inside the colour, if any). */
	CHECK(strncmp(p, is_exit ? "\xf0\x9f\x92\xa5 exit   " : "\xf0\x9f\x9a\x80 process", 12) ==
		0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gev_style st = {0};
	struct gev_line l = {0};
	struct gev_doc d;
	char err[256], *text;
	int rc;

	if (size < 1)
		return 0;
	st.color = data[0] & 1;
	st.timestamps = data[0] & 2;
	text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	err[0] = '\0';
	rc = gev_doc_parse(&d, text, strlen(text), err, sizeof(err));
	CHECK(rc == 0 || rc == -EINVAL || rc == -ENOMEM);
	if (rc == -EINVAL)
		check_reason(err);
	if (rc == 0) {
		rc = gev_compact(&d, &st, &l, err, sizeof(err));
		if ((d.kind == GEV_EXEC || d.kind == GEV_EXIT) && d.process.present) {
			CHECK(rc == 0 || rc == -ENOMEM);
			if (rc == 0) {
				check_line(&l, st.color);
				check_start(&l, &st, d.kind == GEV_EXIT);
			}
		} else {
			CHECK(rc == -ENOTSUP);
			check_reason(err);
		}
		gev_doc_clear(&d);
	}
	gev_line_free(&l);
	free(text);
	return 0;
}
