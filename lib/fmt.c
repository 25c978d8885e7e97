/* Decimal and RFC 3339 writers. */
#include "lib/fmt.h"

size_t fmt_u64(char *d, uint64_t v)
{
	char tmp[20];
	size_t n = 0, o = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		d[o++] = tmp[--n];
	return o;
}
