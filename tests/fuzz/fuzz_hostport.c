/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for hostport_parse() and hostport_parse_list(): arbitrary bytes as one
 * entry and as a list. Checks what the header promises: success means a port in 1..65535, a
 * non-empty host that fits, no brackets or blanks in it, and a message on every refusal. And
 * that parsing loses nothing: the host is taken verbatim from the entry, the port is the
 * entry's or the default, and the canonical form ("host:port", "[v6]:port") parses back to
 * the same destination; a one-item list parses like the entry alone.
 *
 *   clang -std=gnu11 -g -O1 -D_GNU_SOURCE -I. -fsanitize=fuzzer,address,undefined \
 *	tests/fuzz/fuzz_hostport.c shipper/out/hostport.c -o build/fuzz/fuzz_hostport
 *   build/fuzz/fuzz_hostport -max_total_time=60 tests/fuzz/corpus/hostport
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shipper/out/hostport.h"
#include "fuzz_util.h"

#define ENTRY_MAX 4096
#define LIST_MAX  8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_dest(const struct hostport *d)
{
	size_t len = strnlen(d->host, sizeof(d->host));

	CHECK(len > 0 && len < sizeof(d->host) && len <= 253);
	CHECK(d->port >= 1);
	CHECK(!strpbrk(d->host, "[] \t\r\n,"));
}

/* d came from entry: its host is in the entry as written, and its canonical form reads back
 * as d (with no default port to fall back on). */
static void check_round_trip(const char *entry, const struct hostport *d)
{
	char canon[NI_MAXHOST + 16], err[256];
	struct hostport again;

	CHECK(strstr(entry, d->host));
	snprintf(canon, sizeof(canon), strchr(d->host, ':') ? "[%s]:%u" : "%s:%u", d->host,
		(unsigned)d->port);
	CHECK(hostport_parse(canon, 0, &again, err, sizeof(err)) == 0);
	CHECK(strcmp(again.host, d->host) == 0 && again.port == d->port);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char entry[ENTRY_MAX + 1];
	struct hostport d, d2, d3, list[LIST_MAX];
	char err[256];
	int rc, rc2, rc3, i;
	size_t len;
	bool plain;

	if (size > ENTRY_MAX)
		size = ENTRY_MAX;
	memcpy(entry, data, size);
	entry[size] = '\0'; /* an embedded NUL just ends the entry early */

	err[0] = '\0';
	rc = hostport_parse(entry, 514, &d, err, sizeof(err));
	CHECK(rc == 0 || rc == -EINVAL);
	if (rc == 0) {
		check_dest(&d);
		check_round_trip(entry, &d);
	} else {
		CHECK(err[0] != '\0');
	}

	/* with no default port, success means the entry named one, and it is the same one */
	rc2 = hostport_parse(entry, 0, &d2, err, sizeof(err));
	if (rc2 == 0) {
		check_dest(&d2);
		CHECK(rc == 0 && strcmp(d.host, d2.host) == 0 && d.port == d2.port);
	}
	/* a default port that differs tells which port came from the entry */
	rc3 = hostport_parse(entry, 4242, &d3, err, sizeof(err));
	CHECK((rc3 == 0) == (rc == 0));
	if (rc == 0)
		CHECK(strcmp(d.host, d3.host) == 0 &&
			(rc2 == 0 ? d3.port == d2.port : d.port == 514 && d3.port == 4242));

	err[0] = '\0';
	rc = hostport_parse_list(entry, 514, list, LIST_MAX, err, sizeof(err));
	CHECK(rc == -EINVAL || rc == -E2BIG || (rc >= 1 && rc <= LIST_MAX));
	if (rc < 0)
		CHECK(err[0] != '\0');
	for (i = 0; i < rc; i++)
		check_dest(&list[i]);
	/* no comma and no blank at either end: the list is the entry alone */
	len = strlen(entry);
	plain = len > 0 && !strchr(entry, ',') && entry[0] != ' ' && entry[0] != '\t' &&
		entry[len - 1] != ' ' && entry[len - 1] != '\t';
	if (plain) {
		CHECK((rc == 1) == (rc3 == 0));
		if (rc == 1)
			CHECK(strcmp(list[0].host, d.host) == 0 && list[0].port == d.port);
	}
	return 0;
}
