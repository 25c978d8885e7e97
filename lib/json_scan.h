/* SPDX-License-Identifier: Apache-2.0 */
/* Validating JSON: whether a text is one JSON object, decided in one pass without building
 * anything, for pre-encoded lines that may pass through unchanged.
 *
 * libc only, no allocation, no state.
 */
#ifndef PROCSHIP_LIB_JSON_SCAN_H
#define PROCSHIP_LIB_JSON_SCAN_H

#include <stdbool.h>
#include <stddef.h>

/* True when s[0..len) (need not be NUL-terminated) is exactly one JSON object, white space
 * around it allowed: the RFC 8259 grammar, every string valid UTF-8 (RFC 3629) with its control
 * characters escaped, containers nested at most 64 deep. False for anything else, a top-level
 * value that is no object included. */
bool json_scan_object(const char *s, size_t len);

#endif
