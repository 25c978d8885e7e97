/* SPDX-License-Identifier: Apache-2.0 */
/* Tetragon filter objects (JSON) -> compiled filters: fields, PCRE2 code, pid arrays. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "shipper/admit/filters.h"
#include "shipper/admit/filters_int.h"

int filters_i_err(const struct filters_where *w, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(w->err, w->errlen, "%s line %d: ", w->list, w->line);
	if (n >= 0 && (size_t)n < w->errlen) {
		va_start(ap, fmt);
		vsnprintf(w->err + n, w->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* ---- parsing ------------------------------------------------------------------------------- */

/* Beyond the two procship produces, valid names that never match. */
const char *const filters_i_types[FILTERS_I_NTYPES] = {
	"PROCESS_EXEC",
	"PROCESS_EXIT",
	"PROCESS_KPROBE",
	"PROCESS_TRACEPOINT",
	"PROCESS_LOADER",
	"PROCESS_UPROBE",
	"PROCESS_LSM",
	"PROCESS_USDT",
	"PROCESS_THROTTLE",
	"RATE_LIMIT_INFO",
	"TEST",
};

/* Tetragon's (v1.7.0) filter fields that need what procship does not have: Kubernetes pods
 * and their namespaces, container runtimes, tracing policies, a CEL interpreter. */
static const char *const unsupported[] = {
	"namespace",
	"namespace_regex",
	"health_check",
	"pod_regex",
	"labels",
	"policy_names",
	"cel_expression",
	"container_id",
	"container_name_regex",
};

static bool in_table(const char *const *t, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(t[i], s))
			return true;
	return false;
}

static int type_index(const char *s)
{
	int i;

	for (i = 0; i < FILTERS_I_NTYPES; i++)
		if (!strcmp(filters_i_types[i], s))
			return i;
	return -1;
}

static int get_array(const struct filters_where *w, const char *key, struct fjson_object *v, int *n)
{
	if (!fjson_object_is_type(v, fjson_type_array))
		return filters_i_err(w, "%s: expected an array", key);
	*n = fjson_object_array_length(v);
	return 0;
}

static int parse_events(const struct filters_where *w, struct filter *f, struct fjson_object *v)
{
	struct fjson_object *e;
	const char *s;
	int n = 0, i, ret, t;

	ret = get_array(w, "event_set", v, &n);
	if (ret < 0)
		return ret;
	f->has_events = n > 0;
	for (i = 0; i < n; i++) {
		e = fjson_object_array_get_idx(v, i);
		if (!fjson_object_is_type(e, fjson_type_string))
			return filters_i_err(w, "event_set: expected event type names");
		s = fjson_object_get_string(e);
		t = type_index(s);
		if (t < 0)
			return filters_i_err(w, "event_set: unknown event type \"%s\"", s);
		f->types |= 1u << t;
		f->events |= t == 0 ? FILTERS_EXEC : t == 1 ? FILTERS_EXIT : 0;
	}
	return 0;
}

static int parse_pids(
	const struct filters_where *w, const char *key, struct pid_list *l, struct fjson_object *v)
{
	struct fjson_object *e;
	int64_t x;
	int n = 0, i, ret;

	ret = get_array(w, key, v, &n);
	if (ret < 0 || n == 0)
		return ret;
	l->pid = calloc((size_t)n, sizeof(*l->pid));
	if (!l->pid)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		e = fjson_object_array_get_idx(v, i);
		x = fjson_object_get_int64(e);
		if (!fjson_object_is_type(e, fjson_type_int) || x < 0 || x > UINT32_MAX)
			return filters_i_err(w, "%s: expected pids (integers 0..4294967295)", key);
		l->pid[l->n++] = (uint32_t)x;
	}
	return 0;
}

static int parse_regexes(
	const struct filters_where *w, const char *key, struct rx_list *l, struct fjson_object *v)
{
	struct fjson_object *e;
	PCRE2_UCHAR msg[128];
	PCRE2_SIZE off;
	const char *s;
	int n = 0, i, ret, code;

	ret = get_array(w, key, v, &n);
	if (ret < 0 || n == 0)
		return ret;
	l->re = calloc((size_t)n, sizeof(*l->re));
	if (!l->re)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		e = fjson_object_array_get_idx(v, i);
		if (!fjson_object_is_type(e, fjson_type_string))
			return filters_i_err(w, "%s: expected regular expressions (strings)", key);
		s = fjson_object_get_string(e);
		/* Go's $ (without (?m)) is the end of the text only, not before a last newline. */
		l->re[i] = pcre2_compile((PCRE2_SPTR)s, (PCRE2_SIZE)fjson_object_get_string_len(e),
			PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_NEVER_BACKSLASH_C |
				PCRE2_DOLLAR_ENDONLY,
			&code, &off, NULL);
		if (!l->re[i]) {
			pcre2_get_error_message(code, msg, sizeof(msg));
			return filters_i_err(w, "%s \"%s\": %s at offset %zu", key, s,
				(const char *)msg, (size_t)off);
		}
		l->n++;
		/* JIT when the platform has it (not under MemoryDenyWriteExecute=yes); the
		 * interpreter otherwise. */
		if (pcre2_jit_compile(l->re[i], PCRE2_JIT_COMPLETE) != 0)
			l->interpreted++;
	}
	return 0;
}

/* A google.protobuf.BoolValue in protojson: true or false (null: not given). */
static int parse_bool(
	const struct filters_where *w, const char *key, int *out, struct fjson_object *v)
{
	if (!v)
		return 0;
	if (!fjson_object_is_type(v, fjson_type_boolean))
		return filters_i_err(w, "%s: expected true or false", key);
	*out = fjson_object_get_boolean(v) ? 1 : 0;
	return 0;
}

/* Tetragon reads filters with protojson, which takes a field's lowerCamelCase JSON name
 * ("parentArgumentsRegex") as well as its proto name: the proto name of such a key in buf,
 * or the key itself. */
static const char *proto_name(const char *key, char *buf, size_t size)
{
	size_t n = 0;

	if (strchr(key, '_') || !strpbrk(key, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
		return key;
	for (; *key && n + 2 < size; key++) {
		if (*key >= 'A' && *key <= 'Z') {
			buf[n++] = '_';
			buf[n++] = (char)(*key - 'A' + 'a');
		} else {
			buf[n++] = *key;
		}
	}
	buf[n] = '\0';
	return *key ? "" : buf;
}

static int parse_filter(const struct filters_where *w, struct filter *f, struct fjson_object *obj)
{
	struct fjson_object_iterator it = fjson_object_iter_begin(obj);
	struct fjson_object_iterator end = fjson_object_iter_end(obj);
	struct fjson_object *v;
	const char *key, *given;
	char buf[64];
	int ret;

	for (; !fjson_object_iter_equal(&it, &end); fjson_object_iter_next(&it)) {
		given = fjson_object_iter_peek_name(&it);
		key = proto_name(given, buf, sizeof(buf));
		v = fjson_object_iter_peek_value(&it);
		if (!strcmp(key, "event_set"))
			ret = parse_events(w, f, v);
		else if (!strcmp(key, "binary_regex"))
			ret = parse_regexes(w, key, &f->binary, v);
		else if (!strcmp(key, "parent_binary_regex"))
			ret = parse_regexes(w, key, &f->parent_binary, v);
		else if (!strcmp(key, "arguments_regex"))
			ret = parse_regexes(w, key, &f->arguments, v);
		else if (!strcmp(key, "parent_arguments_regex"))
			ret = parse_regexes(w, key, &f->parent_arguments, v);
		else if (!strcmp(key, "ancestor_binary_regex"))
			ret = parse_regexes(w, key, &f->ancestor_binary, v);
		else if (!strcmp(key, "in_init_tree"))
			ret = parse_bool(w, key, &f->in_init_tree, v);
		else if (!strcmp(key, "capabilities"))
			ret = filters_i_parse_caps(w, &f->caps, v);
		else if (!strcmp(key, "pid"))
			ret = parse_pids(w, key, &f->pid, v);
		else if (!strcmp(key, "pid_set"))
			ret = parse_pids(w, key, &f->pid_set, v);
		else if (in_table(unsupported, sizeof(unsupported) / sizeof(unsupported[0]), key))
			ret = filters_i_err(
				w, "%s: Tetragon filter field not supported by procship", key);
		else
			ret = filters_i_err(w, "unknown field \"%s\"", given);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static void free_filter(struct filter *f)
{
	size_t i;

	for (i = 0; i < f->binary.n; i++)
		pcre2_code_free(f->binary.re[i]);
	for (i = 0; i < f->parent_binary.n; i++)
		pcre2_code_free(f->parent_binary.re[i]);
	for (i = 0; i < f->arguments.n; i++)
		pcre2_code_free(f->arguments.re[i]);
	for (i = 0; i < f->parent_arguments.n; i++)
		pcre2_code_free(f->parent_arguments.re[i]);
	for (i = 0; i < f->ancestor_binary.n; i++)
		pcre2_code_free(f->ancestor_binary.re[i]);
	free(f->parent_arguments.re);
	free(f->ancestor_binary.re);
	free(f->binary.re);
	free(f->parent_binary.re);
	free(f->arguments.re);
	free(f->pid.pid);
	free(f->pid_set.pid);
}

void filters_i_free_list(struct filter_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free_filter(&l->f[i]);
	free(l->f);
	l->f = NULL;
	l->n = 0;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* One JSON object after another, separated by JSON whitespace. */
int filters_i_parse_list(
	struct filter_list *l, const char *name, const char *text, char *err, size_t errlen)
{
	struct filters_where w = {.list = name, .line = 1, .err = err, .errlen = errlen};
	struct fjson_tokener *tok;
	struct fjson_object *obj;
	enum fjson_tokener_error jerr;
	size_t len = text ? strlen(text) : 0, off = 0, end, cap = 0;
	struct filter *tmp;
	int ret = 0;

	if (len > INT32_MAX)
		return filters_i_err(&w, "filter text too long");
	tok = fjson_tokener_new();
	if (!tok)
		return -ENOMEM;
	for (;;) {
		for (; off < len && is_space(text[off]); off++)
			if (text[off] == '\n')
				w.line++;
		if (off == len)
			break;
		fjson_tokener_reset(tok);
		obj = fjson_tokener_parse_ex(tok, text + off, (int)(len - off));
		jerr = fjson_tokener_get_error(tok);
		if (!obj && jerr != fjson_tokener_success) {
			ret = filters_i_err(&w, "invalid JSON: %s",
				jerr == fjson_tokener_continue ? "unexpected end of text"
							       : fjson_tokener_error_desc(jerr));
			break;
		}
		if (!fjson_object_is_type(obj, fjson_type_object)) {
			fjson_object_put(obj);
			ret = filters_i_err(&w, "expected a JSON object");
			break;
		}
		if (l->n == cap) {
			cap = cap ? cap * 2 : 4;
			tmp = realloc(l->f, cap * sizeof(*l->f));
			if (!tmp) {
				fjson_object_put(obj);
				ret = -ENOMEM;
				break;
			}
			l->f = tmp;
		}
		memset(&l->f[l->n], 0, sizeof(l->f[l->n]));
		l->f[l->n].in_init_tree = -1;
		l->f[l->n].line = w.line;
		ret = parse_filter(&w, &l->f[l->n], obj);
		l->n++; /* even when half-built: free_list frees what was made */
		fjson_object_put(obj);
		if (ret < 0)
			break;
		/* Lines inside the object count too, for the next error's line number. */
		for (end = off + (size_t)tok->char_offset; off < end; off++)
			if (text[off] == '\n')
				w.line++;
	}
	fjson_tokener_free(tok);
	return ret;
}
