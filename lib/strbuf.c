/* SPDX-License-Identifier: Apache-2.0 */
/* Bounded writes into caller-owned text buffers; see strbuf.h. */
#include "lib/strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void strbuf_printf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (!buf || size == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

void strbuf_copy(char *buf, const char *src, size_t size)
{
	size_t n = strnlen(src, size - 1);

	memcpy(buf, src, n);
	buf[n] = '\0';
}
