/* SPDX-License-Identifier: Apache-2.0 */
/* Environment blocks -> the entries kept, with Tetragon's split, repair and filter. */
#include "shipper/capture/envs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/utf8.h"

struct envs_filter {
	size_t n;
	char **names;
	char *text; /* the copied lists, cut at their commas */
};

void envs_filter_free(struct envs_filter *f)
{
	if (!f)
		return;
	free(f->names);
	free(f->text);
	free(f);
}

/* Splits text at its commas in place, every name kept, an empty one too ("LANG," is LANG and
 * ""), as pflag's StringSlice reads a value. */
static size_t split_names(char *text, char **names)
{
	size_t n = 0;
	char *p = text;

	for (;;) {
		char *comma = strchr(p, ',');

		if (comma)
			*comma = '\0';
		if (names)
			names[n] = p;
		n++;
		if (!comma)
			return n;
		p = comma + 1;
	}
}

struct envs_filter *envs_filter_new(const char *const *lists, size_t n)
{
	struct envs_filter *f = calloc(1, sizeof(*f));
	size_t i, total = 0, o = 0;

	if (!f)
		return NULL;
	for (i = 0; i < n; i++)
		total += strlen(lists[i]) + 1;
	f->text = malloc(total + 1);
	f->names = malloc((total + 1) * sizeof(*f->names));
	if (!f->text || !f->names)
		goto err_out;
	/* Each list split on its own: an empty one gives no name, as pflag reads "" as none. */
	for (i = 0; i < n; i++) {
		size_t len = strlen(lists[i]);

		if (!len)
			continue;
		memcpy(f->text + o, lists[i], len + 1);
		f->n += split_names(f->text + o, f->names + f->n);
		o += len + 1;
	}
	if (f->n == 0) {
		envs_filter_free(f);
		errno = EINVAL;
		return NULL;
	}
	return f;

err_out:
	envs_filter_free(f);
	errno = ENOMEM;
	return NULL;
}

bool envs_filter_has_empty(const struct envs_filter *f)
{
	size_t i;

	for (i = 0; f && i < f->n; i++)
		if (!f->names[i][0])
			return true;
	return false;
}

bool envs_filter_keeps(const struct envs_filter *f, const char *s, size_t len)
{
	const char *eq = memchr(s, '=', len);
	size_t klen = eq ? (size_t)(eq - s) : len, i;

	if (!f)
		return true;
	for (i = 0; i < f->n; i++)
		if (strlen(f->names[i]) == klen && memcmp(f->names[i], s, klen) == 0)
			return true;
	return false;
}

size_t envs_whole(const char *raw, size_t len)
{
	while (len && raw[len - 1] != '\0')
		len--;
	return len;
}

int envs_decode(const char *raw, size_t len, const struct envs_filter *f, char **out,
	size_t *out_len, size_t *count)
{
	size_t i = 0, o = 0;
	char *d;

	*out = NULL;
	*out_len = 0;
	*count = 0;
	if (len && raw[len - 1] == '\0')
		len--;
	if (!len)
		return 0;
	/* Every piece repaired grows by at most 2 bytes a byte; one NUL more at the end. */
	d = malloc(3 * len + 1);
	if (!d)
		return -ENOMEM;
	while (i <= len) {
		const char *s = raw + i;
		size_t slen = strnlen(s, len - i), start = o;

		/* The filter sees what Tetragon's sees: the repaired entry. */
		o += utf8_repair_runs(d + o, s, slen);
		if (envs_filter_keeps(f, d + start, o - start)) {
			d[o++] = '\0';
			(*count)++;
		} else {
			o = start;
		}
		i += slen + 1;
	}
	if (!o) {
		free(d);
		return 0;
	}
	/* Kept for the process's life: at its exact size. */
	*out = realloc(d, o);
	if (!*out)
		*out = d;
	*out_len = o;
	return 0;
}
