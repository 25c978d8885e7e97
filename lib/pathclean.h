/* SPDX-License-Identifier: Apache-2.0 */
/* Lexical path cleaning as Go's path/filepath does it on Unix (Clean, Join), so that a binary
 * exec'd by a relative path is named as Tetragon names it. libc only; nothing is looked up on
 * disk: "a/../b" is "b" whatever a is. */
#ifndef PROCSHIP_PATHCLEAN_H
#define PROCSHIP_PATHCLEAN_H

#include <stddef.h>

/* filepath.Clean of the len bytes at path: one slash between elements, no "." elements, each
 * ".." with the element before it removed, ".." at the start of a rooted path dropped, no
 * trailing slash but for "/" itself, and "." for an empty result. Writes a NUL-terminated
 * string (size >= len + 2 always suffices); returns its length or -ENOSPC. */
int pathclean(const char *path, size_t len, char *buf, size_t size);
/* filepath.Join(dir, file): the non-empty ones joined by "/" and cleaned; "" when both are
 * empty. Returns the length written or -ENOSPC (size >= strlen(dir) + strlen(file) + 3
 * always suffices), or -ENOMEM. */
int pathclean_join(const char *dir, const char *file, char *buf, size_t size);

#endif
