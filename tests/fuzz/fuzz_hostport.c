/* libFuzzer target for udp_parse_dest() and udp_parse_dest_list(): arbitrary bytes as one
 * entry and as a list. Checks what the header promises: success means a port in 1..65535, a
 * non-empty host that fits, no brackets or blanks in it, and a message on every refusal.
 *
 *   clang -std=gnu11 -g -O1 -D_GNU_SOURCE -I. -fsanitize=fuzzer,address,undefined \
 *	tests/fuzz/fuzz_hostport.c shipper/output_udp.c -o build/fuzz_hostport
 *   build/fuzz_hostport -max_total_time=60
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shipper/output_udp.h"

#define ENTRY_MAX 4096
#define LIST_MAX  8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* abort() rather than assert(): the check must stay in a -DNDEBUG build. */
#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			abort();                                                                   \
	} while (0)

static void check_dest(const struct udp_dest *d)
{
	size_t len = strnlen(d->host, sizeof(d->host));

	CHECK(len > 0 && len < sizeof(d->host) && len <= 253);
	CHECK(d->port >= 1);
	CHECK(strpbrk(d->host, "[] \t\r\n,") == NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char entry[ENTRY_MAX + 1];
	struct udp_dest d, list[LIST_MAX];
	char err[256];
	int rc, i;

	if (size > ENTRY_MAX)
		size = ENTRY_MAX;
	memcpy(entry, data, size);
	entry[size] = '\0'; /* an embedded NUL just ends the entry early */

	err[0] = '\0';
	rc = udp_parse_dest(entry, 514, &d, err, sizeof(err));
	CHECK(rc == 0 || rc == -EINVAL);
	if (rc == 0)
		check_dest(&d);
	else
		CHECK(err[0] != '\0');

	/* with no default port, success means the entry named one */
	rc = udp_parse_dest(entry, 0, &d, err, sizeof(err));
	if (rc == 0)
		check_dest(&d);

	err[0] = '\0';
	rc = udp_parse_dest_list(entry, 514, list, LIST_MAX, err, sizeof(err));
	CHECK(rc == -EINVAL || rc == -E2BIG || (rc >= 1 && rc <= LIST_MAX));
	if (rc < 0)
		CHECK(err[0] != '\0');
	for (i = 0; i < rc; i++)
		check_dest(&list[i]);
	return 0;
}
