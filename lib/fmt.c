/* SPDX-License-Identifier: Apache-2.0 */
/* Decimal and RFC 3339 writers. */
#include "lib/fmt.h"

#include <stdbool.h>
#include <string.h>

/* "00" to "99": two digits a division. */
static const char pairs[200] = "00010203040506070809"
			       "10111213141516171819"
			       "20212223242526272829"
			       "30313233343536373839"
			       "40414243444546474849"
			       "50515253545556575859"
			       "60616263646566676869"
			       "70717273747576777879"
			       "80818283848586878889"
			       "90919293949596979899";

static void put2(char *d, int v)
{
	memcpy(d, pairs + 2 * v, 2);
}

/* "YYYY-MM-DDThh:mm:ss" at d (room for 32 bytes), or 0 for a second gmtime_r cannot break
 * down or before year 0. */
static size_t date_clock(time_t sec, char *d)
{
	char year[20];
	size_t n = 0, ylen;
	struct tm tm;

	if (!gmtime_r(&sec, &tm) || tm.tm_year < -1900)
		return 0;
	ylen = fmt_u64(year, (uint64_t)tm.tm_year + 1900);
	while (n + ylen < 4)
		d[n++] = '0';
	memcpy(d + n, year, ylen);
	n += ylen;
	d[n] = '-';
	put2(d + n + 1, tm.tm_mon + 1);
	d[n + 3] = '-';
	put2(d + n + 4, tm.tm_mday);
	d[n + 6] = 'T';
	put2(d + n + 7, tm.tm_hour);
	d[n + 9] = ':';
	put2(d + n + 10, tm.tm_min);
	d[n + 12] = ':';
	put2(d + n + 13, tm.tm_sec);
	return n + 15;
}

size_t fmt_rfc3339(char *buf, size_t size, const struct timespec *ts, unsigned int digits)
{
	/* gmtime_r takes glibc's time zone lock; events and messages come many to a second. */
	static _Thread_local struct {
		bool valid;
		time_t sec;
		size_t len;
		char text[32];
	} last;
	size_t len, n;
	char *p;

	if (ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000L)
		return 0;
	if (digits == FMT_PROTOJSON)
		digits = ts->tv_nsec == 0	      ? 0
			 : ts->tv_nsec % 1000000 == 0 ? 3
			 : ts->tv_nsec % 1000 == 0    ? 6
						      : 9;
	if (digits > 9)
		return 0;
	if (!last.valid || last.sec != ts->tv_sec) {
		last.valid = false;
		last.len = date_clock(ts->tv_sec, last.text);
		if (last.len == 0)
			return 0;
		last.sec = ts->tv_sec;
		last.valid = true;
	}
	len = last.len;
	n = len + (digits ? 1 + digits : 0) + 1;
	if (n >= size)
		return 0;
	memcpy(buf, last.text, len);
	p = buf + len;
	if (digits) {
		/* All nine digits, right to left, two at a time, in 32 bits (a constant divisor
		 * becomes a multiplication); then the first ones are kept. */
		uint32_t frac = (uint32_t)ts->tv_nsec;
		char nine[9];

		nine[8] = (char)('0' + frac % 10);
		frac /= 10;
		memcpy(nine + 6, pairs + 2 * (frac % 100), 2);
		frac /= 100;
		memcpy(nine + 4, pairs + 2 * (frac % 100), 2);
		frac /= 100;
		memcpy(nine + 2, pairs + 2 * (frac % 100), 2);
		memcpy(nine, pairs + 2 * (frac / 100), 2);
		*p++ = '.';
		memcpy(p, nine, digits);
		p += digits;
	}
	p[0] = 'Z';
	p[1] = '\0';
	return n;
}
