/* SPDX-License-Identifier: Apache-2.0 */
/* JSON strings (RFC 8259 section 7) written byte for byte as libfastjson writes them, so that
 * text built by hand and text serialized by libfastjson can be held to each other.
 *
 * libc only, no allocation. Nothing writes a terminating NUL unless it says so.
 */
#ifndef PROCSHIP_LIB_JSONSTR_H
#define PROCSHIP_LIB_JSONSTR_H

#include <stddef.h>

/* The escape of one byte that needs one inside a string (a quote, a backslash or a control
 * character), as libfastjson writes it: \" \\ \b \f \n \r \t, else \u00xx in lower case. d
 * has room for 6 bytes. Returns the length. */
size_t jsonstr_escape(char *d, unsigned char c);

/* jsonstr_put flag: the text need not be valid UTF-8. It is written as utf8_repair(UTF8_NUL)
 * would leave it: each byte that starts no valid sequence, and NUL, becomes U+FFFD. */
#define JSONSTR_REPAIR 0x1u

/* The most jsonstr_put writes for len bytes: every byte \u00xx, and the quotes. */
#define JSONSTR_MAX(len) ((len)*6 + 2)

/* s[0..len) as a JSON string, quotes included, at d (room for JSONSTR_MAX(len) bytes). '/' and
 * bytes >= 0x80 are written as they are (without JSONSTR_REPAIR the text must be valid UTF-8
 * already); NUL is \u0000 unless repaired. Returns the length. */
size_t jsonstr_put(char *d, const char *s, size_t len, unsigned int flags);

/* Copy libfastjson's text src[0..len) into dst, turning its "\/" escapes back into "/": it
 * always escapes a slash, Tetragon never does. Escape pairs are read as pairs, so "\\/" (an
 * escaped backslash, then a slash) stays as it is. Writes a NUL. Returns the length, or -ENOSPC
 * when dst (size bytes) is too small. */
int jsonstr_unescape_slashes(char *dst, size_t size, const char *src, size_t len);

#endif
