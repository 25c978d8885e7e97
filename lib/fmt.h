/* SPDX-License-Identifier: Apache-2.0 */
/* Numbers and times as text, without snprintf or strftime: the event encoder writes several
 * per event.
 *
 * libc only, no allocation. The one state is fmt_rfc3339's per-thread copy of the last second
 * it wrote.
 */
#ifndef PROCSHIP_LIB_FMT_H
#define PROCSHIP_LIB_FMT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* fmt_rfc3339's `digits` for protojson's google.protobuf.Timestamp rule (what Tetragon's JSON
 * export writes): 0, 3, 6 or 9 digits, the fewest that hold tv_nsec exactly. */
#define FMT_PROTOJSON 0x100u

/* v in decimal at d, which has room for 20 bytes; no NUL. Returns the length. Inline: the
 * framer and the encoder write several numbers per message. */
static inline size_t fmt_u64(char *d, uint64_t v)
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

/* ts in UTC as RFC 3339 (section 5.6) writes it, with "Z" for the offset:
 * YYYY-MM-DDThh:mm:ss, then "." and the first `digits` digits of tv_nsec (cut, not rounded;
 * nothing when digits is 0), then "Z" and a NUL. A year past 9999 gets the digits it needs,
 * as strftime's %Y writes it (RFC 3339 has no form for it: a caller that needs four checks
 * the time first). The date and clock of the last second written are kept, per thread: a
 * stream of times within one second costs one gmtime_r. Returns the length without the NUL,
 * or 0 when buf (size bytes) is too small, digits > 9, tv_nsec is outside 0..999999999, or
 * the year is before 0. digits FMT_PROTOJSON picks 0, 3, 6 or 9 from tv_nsec. */
size_t fmt_rfc3339(char *buf, size_t size, const struct timespec *ts, unsigned int digits);

/* fmt_rfc3339 for nanoseconds since the epoch; a negative time is the second before it plus
 * a positive fraction, as gmtime_r counts. */
static inline size_t fmt_rfc3339_ns(char *buf, size_t size, int64_t ns, unsigned int digits)
{
	struct timespec ts = {
		.tv_sec = (time_t)(ns / 1000000000),
		.tv_nsec = (long)(ns % 1000000000),
	};

	if (ts.tv_nsec < 0) {
		ts.tv_nsec += 1000000000;
		ts.tv_sec--;
	}
	return fmt_rfc3339(buf, size, &ts, digits);
}

#endif
