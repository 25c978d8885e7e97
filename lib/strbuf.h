/* SPDX-License-Identifier: Apache-2.0 */
/* Writing into a caller-owned, fixed-size text buffer: the error buffers that mechanism
 * fills for its caller (redis anet.c style) and the short reason strings kept in structs.
 * libc only; both always leave buf terminated when size > 0, and cut what does not fit. */
#ifndef PROCSHIP_STRBUF_H
#define PROCSHIP_STRBUF_H

#include <stddef.h>

/* printf into buf; does nothing when buf is NULL or size is 0. */
void strbuf_printf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Copy src into buf (size > 0), cut at size - 1 bytes. */
void strbuf_copy(char *buf, const char *src, size_t size);

#endif
