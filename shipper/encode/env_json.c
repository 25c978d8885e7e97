/* SPDX-License-Identifier: Apache-2.0 */
/* Kept environments -> Tetragon's environment_variables, as text and as a libfastjson tree. */
#include "shipper/encode/env_json.h"

#include <string.h>

#include <json.h>

#include "lib/jsonstr.h"

/* The entry s[0..len) split as Tetragon splits it: *key and *val with their lengths. */
static void split(
	const char *s, size_t len, const char **key, size_t *klen, const char **val, size_t *vlen)
{
	const char *eq = memchr(s, '=', len);

	if (!eq) {
		*key = "invalid";
		*klen = 7;
		*val = s;
		*vlen = len;
		return;
	}
	*key = s;
	*klen = (size_t)(eq - s);
	*val = eq + 1;
	*vlen = len - *klen - 1;
}

size_t envjson_put(char *d, const char *envs, size_t len)
{
	static const char head[] = ",\"environment_variables\":[";
	const char *key, *val;
	size_t i = 0, n, klen, vlen;

	if (!len)
		return 0;
	memcpy(d, head, sizeof(head) - 1);
	n = sizeof(head) - 1;
	while (i < len) {
		size_t elen = strnlen(envs + i, len - i);

		split(envs + i, elen, &key, &klen, &val, &vlen);
		if (i)
			d[n++] = ',';
		d[n++] = '{';
		if (klen) {
			memcpy(d + n, "\"Key\":", 6);
			n += 6;
			n += jsonstr_put(d + n, key, klen, 0);
		}
		if (vlen) {
			if (klen)
				d[n++] = ',';
			memcpy(d + n, "\"Value\":", 8);
			n += 8;
			n += jsonstr_put(d + n, val, vlen, 0);
		}
		d[n++] = '}';
		i += elen + 1;
	}
	d[n++] = ']';
	return n;
}

void envjson_tree_add(struct fjson_object *o, const char *envs, size_t len)
{
	struct fjson_object *a, *v;
	const char *key, *val;
	size_t i = 0, klen, vlen;

	if (!len)
		return;
	a = fjson_object_new_array();
	if (!a)
		return;
	while (i < len) {
		size_t elen = strnlen(envs + i, len - i);

		split(envs + i, elen, &key, &klen, &val, &vlen);
		v = fjson_object_new_object();
		if (v && klen)
			fjson_object_object_add(
				v, "Key", fjson_object_new_string_len(key, (int)klen));
		if (v && vlen)
			fjson_object_object_add(
				v, "Value", fjson_object_new_string_len(val, (int)vlen));
		fjson_object_array_add(a, v);
		i += elen + 1;
	}
	fjson_object_object_add(o, "environment_variables", a);
}

size_t envjson_prefix(const char *envs, size_t len, size_t max)
{
	size_t i, keep = 0;

	for (i = 0; i < len && i < max; i++)
		if (envs[i] == '\0')
			keep = i + 1;
	return keep;
}
