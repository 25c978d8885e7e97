/* SPDX-License-Identifier: Apache-2.0 */
/* A process's environment block (from its exec record) -> the entries procship keeps, as
 * Tetragon v1.7.0 decodes them (pkg/sensors/exec, pkg/process): the block is split at every
 * NUL, each piece (an empty one too) is one entry made valid UTF-8 as Go's
 * strings.ToValidUTF8 does, and --filter-environment-variables keeps only the entries whose
 * name, the part before the first '=' (the whole entry when it has none), is one of its names
 * exactly. libc only. */
#ifndef PROCSHIP_ENVS_H
#define PROCSHIP_ENVS_H

#include <stdbool.h>
#include <stddef.h>

struct envs_filter;

/* The names of lists[0..n), each a comma-separated list of names (copied), as Tetragon's flag
 * (a pflag StringSlice) reads each value: an empty list gives no name, any other every name
 * between its commas, an empty one too ("LANG," is LANG and "", which keeps the entries with
 * no name, "=x" and ""). NULL with errno EINVAL when no name is given (no filter: keep
 * everything, as Tetragon's), ENOMEM. */
struct envs_filter *envs_filter_new(const char *const *lists, size_t n);
void envs_filter_free(struct envs_filter *f); /* accepts NULL */
/* Whether f has the empty name (for a warning: a stray comma is rarely meant). */
bool envs_filter_has_empty(const struct envs_filter *f);
/* Whether f (NULL: no filter) keeps the entry s[0..len). */
bool envs_filter_keeps(const struct envs_filter *f, const char *s, size_t len);

/* The length of raw[0..len) up to its last NUL: a block cut at a bound (truncEnvs) without its
 * last entry's rest, which would be a wrong value ("PATH=/usr/lo"). */
size_t envs_whole(const char *raw, size_t len);

/* The entries of raw[0..len) that f keeps, into *out (malloc'd; NULL when none): each one
 * NUL-terminated, back to back, *out_len bytes in all, *count entries. The NUL that ends the
 * block's last string separates nothing: it is dropped (Tetragon drops the block's last byte
 * whatever it is; a block cut at its bound keeps its last byte here). Returns 0 or -ENOMEM. */
int envs_decode(const char *raw, size_t len, const struct envs_filter *f, char **out,
	size_t *out_len, size_t *count);

#endif
