/* UTF-8 (RFC 3629) for text that must stay valid when it is cut or shipped as JSON: the length
 * of one character and where a cut may fall.
 *
 * libc only, no allocation. Lengths are bytes; nothing writes a terminating NUL.
 */
#ifndef PROCSHIP_LIB_UTF8_H
#define PROCSHIP_LIB_UTF8_H

#include <stddef.h>

/* Length of the valid UTF-8 sequence at s[0..len) (RFC 3629: no overlongs, no surrogates,
 * nothing past U+10FFFF), or 0 when s does not start one (or len is 0). NUL is a character
 * here (length 1). */
size_t utf8_seq(const unsigned char *s, size_t len);

/* The longest prefix of s[0..len) that ends on a UTF-8 character boundary and is <= max. A
 * stray continuation byte in invalid input is no character to keep whole: only a sequence
 * that really reaches past max is dropped. */
size_t utf8_cut(const char *s, size_t len, size_t max);

#endif
