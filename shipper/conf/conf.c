/* SPDX-License-Identifier: Apache-2.0 */
/* What reads the option table (conf_options.c): defaults, the command line, --help, reload
 * rules. */
#include "shipper/conf/conf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct conf_str {
	struct conf_str *next;
	char text[];
};

static const struct conf_option *find_option_len(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < conf_noptions; i++)
		if (strlen(conf_options[i].name) == len &&
			strncmp(conf_options[i].name, name, len) == 0)
			return &conf_options[i];
	return NULL;
}

const struct conf_option *conf_find(const char *name)
{
	return find_option_len(name, strlen(name));
}

static const char *keep(struct conf *c, const char *value)
{
	size_t len = strlen(value);
	struct conf_str *s = malloc(sizeof(*s) + len + 1);

	if (!s)
		return NULL;
	memcpy(s->text, value, len + 1);
	s->next = c->strings;
	c->strings = s;
	return s->text;
}

void conf_free(struct conf *c)
{
	struct conf_str *s = c->strings, *next;

	for (; s; s = next) {
		next = s->next;
		free(s);
	}
	c->strings = NULL;
}

static int parse_bool(const char *val, bool *out)
{
	if (!strcmp(val, "true") || !strcmp(val, "yes") || !strcmp(val, "1") || !strcmp(val, "on"))
		*out = true;
	else if (!strcmp(val, "false") || !strcmp(val, "no") || !strcmp(val, "0") ||
		 !strcmp(val, "off"))
		*out = false;
	else
		return -1;
	return 0;
}

/* Set one option from text. Returns 0 or -1 with a message (without the flag's name). */
static int set_option(
	struct conf *c, const struct conf_option *o, const char *val, char *err, size_t errlen)
{
	char *field = (char *)c + o->offset;
	char *end;
	long n;
	int v;

	switch (o->type) {
	case CONF_BOOL:
		if (parse_bool(val, (bool *)field) != 0) {
			snprintf(err, errlen, "'%s' is not a boolean (true or false)", val);
			return -1;
		}
		return 0;
	case CONF_INT:
		errno = 0;
		n = strtol(val, &end, 10);
		if (errno || end == val || *end != '\0') {
			snprintf(err, errlen, "'%s' is not a number", val);
			return -1;
		}
		if (n < o->min || n > o->max) {
			snprintf(err, errlen, "%ld is out of range %ld..%ld", n, o->min, o->max);
			return -1;
		}
		*(long *)field = n;
		return 0;
	case CONF_STRING:
		val = keep(c, val);
		if (!val) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		*(const char **)field = val;
		return 0;
	case CONF_LIST: {
		struct conf_list *list = (struct conf_list *)field;

		val = keep(c, val);
		if (!val) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		if (list->n >= CONF_LIST_MAX) {
			snprintf(err, errlen, "more than %d values", CONF_LIST_MAX);
			return -1;
		}
		list->v[list->n++] = val;
		return 0;
	}
	case CONF_NAME:
		v = o->lookup(val);
		if (v < 0) {
			snprintf(err, errlen, "unknown name '%s' (one of: %s)", val, o->choices);
			return -1;
		}
		*(int *)field = v;
		return 0;
	}
	return -1;
}

void conf_defaults(struct conf *c)
{
	char err[256];
	size_t i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < conf_noptions; i++) {
		if (conf_set(c, &conf_options[i], conf_options[i].def, CONF_FROM_DEFAULT, err,
			    sizeof(err)) != 0)
			abort(); /* a bad default in the table is a programming error */
	}
}

int conf_set(struct conf *c, const struct conf_option *o, const char *value,
	enum conf_origin origin, char *err, size_t errlen)
{
	size_t idx = (size_t)(o - conf_options);
	char *field = (char *)c + o->offset;
	unsigned char saved[sizeof(long) > sizeof(char *) ? sizeof(long) : sizeof(char *)];
	size_t size = o->type == CONF_BOOL   ? sizeof(bool)
		      : o->type == CONF_INT  ? sizeof(long)
		      : o->type == CONF_NAME ? sizeof(int)
					     : sizeof(const char *);

	if (o->type != CONF_LIST) {
		/* Type and range first, then the option's own check, keeping the old value when
		 * either refuses. */
		memcpy(saved, field, size);
		if (set_option(c, o, value, err, errlen) != 0)
			return -1;
		if (o->check && o->check(value, err, errlen) != 0) {
			memcpy(field, saved, size);
			return -1;
		}
		c->origin[idx] = (unsigned char)origin;
		return 0;
	}
	if (o->check && o->check(value, err, errlen) != 0)
		return -1;
	if (c->origin[idx] != origin) {
		struct conf_list *list = (struct conf_list *)((char *)c + o->offset);

		list->n = 0;
	}
	c->origin[idx] = (unsigned char)origin;
	return set_option(c, o, value, err, errlen);
}

static bool option_differs(const struct conf_option *o, const char *a, const char *b)
{
	switch (o->type) {
	case CONF_BOOL:
		return *(const bool *)a != *(const bool *)b;
	case CONF_INT:
		return *(const long *)a != *(const long *)b;
	case CONF_NAME:
		return *(const int *)a != *(const int *)b;
	case CONF_STRING:
		return strcmp(*(const char *const *)a, *(const char *const *)b) != 0;
	case CONF_LIST: {
		const struct conf_list *x = (const void *)a, *y = (const void *)b;
		size_t i;

		if (x->n != y->n)
			return true;
		for (i = 0; i < x->n; i++)
			if (strcmp(x->v[i], y->v[i]) != 0)
				return true;
		return false;
	}
	}
	return false;
}

/* The running value of a restart option back into next (strings copied into next). */
static int keep_running(struct conf *next, const struct conf_option *o, const char *from)
{
	char *to = (char *)next + o->offset;
	size_t i;

	if (o->type == CONF_STRING) {
		const char *copy = keep(next, *(const char *const *)from);

		if (!copy)
			return -1;
		*(const char **)to = copy;
	} else if (o->type == CONF_LIST) {
		const struct conf_list *src = (const void *)from;
		struct conf_list *dst = (void *)to;

		for (dst->n = 0, i = 0; i < src->n; i++) {
			dst->v[i] = keep(next, src->v[i]);
			if (!dst->v[i])
				return -1;
			dst->n++;
		}
	} else {
		memcpy(to, from,
			o->type == CONF_BOOL  ? sizeof(bool)
			: o->type == CONF_INT ? sizeof(long)
					      : sizeof(int));
	}
	return 0;
}

int conf_keep_restart(struct conf *next, const struct conf *running,
	void (*changed)(void *arg, const struct conf_option *o), void *arg)
{
	size_t i;

	for (i = 0; i < conf_noptions; i++) {
		const struct conf_option *o = &conf_options[i];
		char *to = (char *)next + o->offset;
		const char *from = (const char *)running + o->offset;

		if (!o->restart || !option_differs(o, to, from))
			continue;
		changed(arg, o);
		if (keep_running(next, o, from) != 0)
			return -1;
	}
	return 0;
}

const char *conf_config_file_arg(int argc, char **argv)
{
	const char *found = NULL;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--config-file") && i + 1 < argc)
			found = argv[++i];
		else if (!strncmp(argv[i], "--config-file=", 14))
			found = argv[i] + 14;
	}
	return found;
}

/* Messages quote what the user typed: keep them one printable line whatever it held. */
static void printable(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

static enum conf_parse_result parse_args(
	struct conf *c, int argc, char **argv, char *err, size_t errlen);

enum conf_parse_result conf_parse_args(
	struct conf *c, int argc, char **argv, char *err, size_t errlen)
{
	enum conf_parse_result r = parse_args(c, argc, argv, err, errlen);

	if (r == CONF_ERROR)
		printable(err);
	return r;
}

static enum conf_parse_result parse_args(
	struct conf *c, int argc, char **argv, char *err, size_t errlen)
{
	char why[256];
	int i;

	for (i = 1; i < argc; i++) {
		const char *arg = argv[i];
		const char *eq, *val;
		const struct conf_option *o;
		size_t len;

		if (!strcmp(arg, "--help") || !strcmp(arg, "-h"))
			return CONF_HELP;
		if (!strcmp(arg, "--version") || !strcmp(arg, "-V"))
			return CONF_VERSION;
		if (strncmp(arg, "--", 2) != 0) {
			snprintf(err, errlen, "unexpected argument '%s' (options start with --)",
				arg);
			return CONF_ERROR;
		}
		eq = strchr(arg + 2, '=');
		len = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
		o = find_option_len(arg + 2, len);
		if (!o) {
			snprintf(err, errlen, "unknown option '%.*s' (see --help)", (int)(len + 2),
				arg);
			return CONF_ERROR;
		}
		if (eq) {
			val = eq + 1;
		} else if (o->type == CONF_BOOL) {
			val = "true";
		} else if (i + 1 < argc) {
			val = argv[++i];
		} else {
			snprintf(err, errlen, "--%s: missing value (%s)", o->name, o->arg);
			return CONF_ERROR;
		}
		if (conf_set(c, o, val, CONF_FROM_ARGS, why, sizeof(why)) != 0) {
			snprintf(err, errlen, "--%s: %s", o->name, why);
			return CONF_ERROR;
		}
	}
	return CONF_OK;
}

void conf_usage(FILE *out)
{
	size_t i;

	fprintf(out, "usage: procship [OPTION]...\n"
		     "   or: procship getevents [OPTION]... [FILE]...  (print events as tetra "
		     "getevents; see --help there)\n"
		     "Capture process execs and exits with BPF and ship them as Tetragon-style "
		     "JSON over syslog/UDP.\n\n");
	for (i = 0; i < conf_noptions; i++) {
		const struct conf_option *o = &conf_options[i];
		char left[64];

		snprintf(left, sizeof(left), "--%s%s%s", o->name, o->arg ? " " : "",
			o->arg ? o->arg : "");
		fprintf(out, "  %-40s %s", left, o->help);
		if (o->def && o->def[0])
			fprintf(out, " (default: %s)", o->def);
		fputc('\n', out);
		if (o->choices)
			fprintf(out, "  %-40s   one of: %s\n", "", o->choices);
	}
	fprintf(out, "  %-40s %s\n", "--help", "show this help and exit");
	fprintf(out, "  %-40s %s\n", "--version", "show the version and exit");
	fprintf(out,
		"\n  procship getevents [...]  read events from standard input, Tetragon-style"
		"\n  procship gaps FILE...     the RFC 5424 sequence numbers missing, per sender"
		"\n  procship reload PID       reload a running procship and wait for the outcome"
		"\n\nSee procship(8).\n");
}
