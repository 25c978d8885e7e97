/* JSON strings (RFC 8259 section 7) written byte for byte as libfastjson writes them, so that
 * text built by hand and text serialized by libfastjson can be held to each other.
 *
 * libc only, no allocation; nothing writes a terminating NUL.
 */
#ifndef PROCSHIP_LIB_JSONSTR_H
#define PROCSHIP_LIB_JSONSTR_H

#include <stddef.h>

/* The escape of one byte that needs one inside a string (a quote, a backslash or a control
 * character), as libfastjson writes it: \" \\ \b \f \n \r \t, else \u00xx in lower case. d
 * has room for 6 bytes. Returns the length. */
size_t jsonstr_escape(char *d, unsigned char c);

#endif
