/* SPDX-License-Identifier: Apache-2.0 */
/* A process's kept environment (pcache_proc envs) as Tetragon v1.7.0 writes its field 21,
 * environment_variables: repeated EnvVar {string Key = 1; string Value = 2;}, protojson with
 * proto names, so ,"environment_variables":[{"Key":"HOME","Value":"/root"},...]. Each entry
 * splits at its first '=' ("A=B=C" is A and B=C); one without '=' is Key "invalid" with the
 * whole entry as Value, as Tetragon's getEnvironmentVariables does; an empty Key or Value is
 * left out, as protojson leaves out empty strings (so "C=" is {"Key":"C"}, "=" is {}). No
 * entries, no field. */
#ifndef PROCSHIP_ENV_JSON_H
#define PROCSHIP_ENV_JSON_H

#include <stddef.h>

struct fjson_object;

/* The most envjson_put writes for envs[0..len) holding count entries. */
#define ENVJSON_MAX(len, count) (6 * (len) + 26 * (count) + 32)

/* ,"environment_variables":[...] at d (room for ENVJSON_MAX); its length, 0 for no entries. */
size_t envjson_put(char *d, const char *envs, size_t len);
/* The same field as libfastjson values, added to o (nothing for no entries). */
void envjson_tree_add(struct fjson_object *o, const char *envs, size_t len);
/* The longest prefix of envs[0..len) that ends on an entry and is at most max bytes. */
size_t envjson_prefix(const char *envs, size_t len, size_t max);

#endif
