/* SPDX-License-Identifier: Apache-2.0 */
/* shipper/pipeline.c: the payload budget is measured with the longest MSGID procship sends,
 * and procship's own documents fit in it at the smallest --max-message-size. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "shipper/encode/docs_json.h"
#include "shipper/pipeline.h"

static void init(struct pipeline *p, enum framing_format format, size_t max)
{
	assert_int_equal(pipe_init(p, max), 0);
	p->format = format;
	p->hdr.facility = 1;
	p->hdr.severity = 6;
	p->hdr.hostname = "host1";
	p->hdr.app_name = "procship";
	p->hdr.procid = "4242";
	p->node = "host1";
}

/* The budget leaves room for "rate_limit_info", the longest MSGID: a payload of exactly the
 * budget, framed as rate_limit_info, is not cut. */
static void budget_fits_the_longest_msgid(void **state)
{
	static const enum framing_format formats[] = {FRAMING_RFC3164, FRAMING_RFC5424};
	struct msg m = {.kind = MSG_RATE_LIMIT_INFO};
	struct pipeline p;
	char payload[480], frame[480];
	size_t i, budget;

	(void)state;
	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		init(&p, formats[i], sizeof(frame));
		budget = pipe_payload_budget(&p);
		assert_true(budget > 0 && budget < sizeof(payload));
		memset(payload, 'x', budget);
		m.payload = payload;
		m.len = budget;
		assert_true(pipe_frame(&p, &m, frame, sizeof(frame)) > 0);
		assert_int_equal(p.stats.cut, 0);
		m.len = budget + 1; /* and not a byte more */
		assert_true(pipe_frame(&p, &m, frame, sizeof(frame)) > 0);
		assert_int_equal(p.stats.cut, 1);
		pipe_fini(&p);
	}
}

/* At 480 bytes with a default header, agent_init (short form) and rate_limit_info fit. */
static void docs_fit_at_the_minimum(void **state)
{
	static const enum framing_format formats[] = {
		FRAMING_JSON, FRAMING_RFC3164, FRAMING_RFC5424};
	struct pipeline p;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		init(&p, formats[i], 480);
		assert_int_equal(pipe_docs_fit(&p, err, sizeof(err)), 0);
		pipe_fini(&p);
	}
	init(&p, FRAMING_RFC3164, 480);
	p.hdr.hostname = "a-very-long-host-name-that-fills-the-header-of-every-message.example."
			 "net.a-very-long-host-name-that-fills-the-header-of-every-message.example."
			 "net.a-very-long-host-name-that-fills-the-header-of-every-message.example";
	assert_int_equal(pipe_docs_fit(&p, err, sizeof(err)), -ENOSPC);
	assert_non_null(strstr(err, "--max-message-size 480: too small"));
	pipe_fini(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(budget_fits_the_longest_msgid),
		cmocka_unit_test(docs_fit_at_the_minimum),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
