/* SPDX-License-Identifier: Apache-2.0 */
/* The configuration file, read with libyaml's event parser: one mapping of option names to
 * scalars (or, for list options, sequences of scalars). Every value goes through conf_set,
 * so the file and the command line accept and refuse exactly the same text. */
#include "shipper/conf/conf_yaml.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#include "shipper/sys/fsafe.h"

struct loader {
	struct conf *c;
	const char *name; /* FILE in messages */
	yaml_parser_t parser;
	char *err;
	size_t errlen;
	/* line on which each option was first set (0: not yet), by index in conf_options */
	size_t seen[sizeof(((struct conf *)0)->origin)];
};

/* A file may hold anything; a message is one line of printable text. */
static void sanitize(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

/* "FILE:LINE: KEY: reason", leaving out LINE when 0 and KEY when NULL. */
static int fail(struct loader *l, size_t line, const char *key, size_t keylen, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int fail(struct loader *l, size_t line, const char *key, size_t keylen, const char *fmt, ...)
{
	char why[512], shown[65];
	va_list ap;
	size_t i;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	/* the start of an absurd key is enough to find it; a NUL in it is shown too */
	for (i = 0; key && i < keylen && i < sizeof(shown) - 1; i++)
		shown[i] = key[i] ? key[i] : '?';
	shown[i] = '\0';
	if (line && key)
		snprintf(l->err, l->errlen, "%s:%zu: %s: %s", l->name, line, shown, why);
	else if (line)
		snprintf(l->err, l->errlen, "%s:%zu: %s", l->name, line, why);
	else
		snprintf(l->err, l->errlen, "%s: %s", l->name, why);
	sanitize(l->err);
	return -1;
}

static size_t line_of(const yaml_event_t *ev)
{
	return ev->start_mark.line + 1;
}

/* The next event, or -1 with libyaml's reason as a syntax error. */
static int next_event(struct loader *l, yaml_event_t *ev)
{
	const yaml_parser_t *p = &l->parser;
	size_t line;

	if (yaml_parser_parse(&l->parser, ev))
		return 0;
	switch (p->error) {
	case YAML_MEMORY_ERROR:
		return fail(l, 0, NULL, 0, "out of memory");
	case YAML_READER_ERROR:
		/* a bad byte: the reader's mark is where it stopped */
		line = p->mark.line + 1;
		if (p->problem_value != -1)
			return fail(l, line, NULL, 0,
				"syntax error: %s (byte 0x%02x at offset %zu)", p->problem,
				(unsigned int)p->problem_value, p->problem_offset);
		return fail(l, line, NULL, 0, "syntax error: %s",
			p->problem ? p->problem : "cannot read");
	default:
		line = p->problem_mark.line + 1;
		return fail(l, line, NULL, 0, "syntax error: %s",
			p->problem ? p->problem : "unknown error");
	}
}

/* What a collection or reference event is, for messages. */
static const char *kind(yaml_event_type_t type)
{
	switch (type) {
	case YAML_ALIAS_EVENT:
		return "reference (alias)";
	case YAML_SEQUENCE_START_EVENT:
		return "list";
	case YAML_MAPPING_START_EVENT:
		return "mapping";
	default:
		return "YAML event";
	}
}

/* YAML's null: ~, null, or nothing at all, unquoted. */
static bool is_null(const yaml_event_t *ev)
{
	const char *v = (const char *)ev->data.scalar.value;

	if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	return !v[0] || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") ||
	       !strcmp(v, "NULL");
}

static int set_scalar(struct loader *l, const struct conf_option *o, const yaml_event_t *ev)
{
	const char *v = (const char *)ev->data.scalar.value;
	char lower[8], why[256];
	size_t i, len = ev->data.scalar.length;

	if (strlen(v) != len)
		return fail(l, line_of(ev), o->name, strlen(o->name), "the value holds a NUL byte");
	if (is_null(ev))
		return fail(l, line_of(ev), o->name, strlen(o->name), "no value%s",
			o->type == CONF_STRING ? " (write \"\" for an empty string)" : "");
	/* YAML 1.1 also spells its booleans True and TRUE; conf_set knows the lower case */
	if (o->type == CONF_BOOL && ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
		len < sizeof(lower)) {
		for (i = 0; i <= len; i++)
			lower[i] = (char)(v[i] >= 'A' && v[i] <= 'Z' ? v[i] - 'A' + 'a' : v[i]);
		if (!strcmp(lower, "true") || !strcmp(lower, "false") || !strcmp(lower, "yes") ||
			!strcmp(lower, "no") || !strcmp(lower, "on") || !strcmp(lower, "off"))
			v = lower;
	}
	if (conf_set(l->c, o, v, CONF_FROM_FILE, why, sizeof(why)) != 0)
		return fail(l, line_of(ev), o->name, strlen(o->name), "%s", why);
	return 0;
}

/* After "key:" of a list option, at a sequence start: every item is one value. */
static int set_sequence(struct loader *l, const struct conf_option *o, const yaml_event_t *start)
{
	yaml_event_t ev;
	size_t n = 0;
	int rc = 0;

	for (;;) {
		if (next_event(l, &ev) != 0)
			return -1;
		if (ev.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		if (ev.type == YAML_SCALAR_EVENT)
			rc = set_scalar(l, o, &ev);
		else
			rc = fail(l, line_of(&ev), o->name, strlen(o->name),
				"a list item must be one value, not a %s", kind(ev.type));
		yaml_event_delete(&ev);
		if (rc != 0)
			return rc;
		n++;
	}
	if (n == 0)
		return fail(l, line_of(start), o->name, strlen(o->name), "empty list");
	return 0;
}

/* One "key: value" pair; key is a scalar event. */
static int load_pair(struct loader *l, const yaml_event_t *key)
{
	const char *name = (const char *)key->data.scalar.value;
	size_t len = key->data.scalar.length, line = line_of(key), idx;
	const struct conf_option *o = NULL;
	const char *what;
	yaml_event_t ev;
	int rc;

	if (strlen(name) == len)
		o = conf_find(name);
	if (!o)
		return fail(l, line, name, len, "unknown key%s",
			name[0] == '-' ? " (write option names without the leading --)" : "");
	if (!strcmp(o->name, "config-file"))
		return fail(l, line, name, len, "not allowed in a config file (no includes)");
	idx = (size_t)(o - conf_options);
	if (l->seen[idx])
		return fail(l, line, name, len, "duplicate key (first on line %zu)", l->seen[idx]);
	l->seen[idx] = line;

	if (next_event(l, &ev) != 0)
		return -1;
	switch (ev.type) {
	case YAML_SCALAR_EVENT:
		rc = set_scalar(l, o, &ev);
		break;
	case YAML_SEQUENCE_START_EVENT:
		if (o->type == CONF_LIST)
			rc = set_sequence(l, o, &ev);
		else
			rc = fail(l, line_of(&ev), name, len, "expected one value, not a list");
		break;
	case YAML_MAPPING_START_EVENT:
		what = o->type == CONF_LIST ? "a value or a list" : "one value";
		rc = fail(l, line_of(&ev), name, len, "expected %s, not a mapping", what);
		break;
	case YAML_ALIAS_EVENT:
		rc = fail(l, line_of(&ev), name, len, "references (aliases) are not supported");
		break;
	default:
		rc = fail(l, line_of(&ev), name, len, "unexpected YAML event %d", (int)ev.type);
		break;
	}
	yaml_event_delete(&ev);
	return rc;
}

/* The top-level mapping, after its start event. */
static int load_mapping(struct loader *l)
{
	yaml_event_t key;
	int rc;

	for (;;) {
		if (next_event(l, &key) != 0)
			return -1;
		if (key.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&key);
			return 0;
		}
		if (key.type == YAML_SCALAR_EVENT)
			rc = load_pair(l, &key);
		else
			rc = fail(l, line_of(&key), NULL, 0,
				"a key must be an option name, not a %s", kind(key.type));
		yaml_event_delete(&key);
		if (rc != 0)
			return rc;
	}
}

/* stream-start [document-start (mapping | null) document-end] stream-end */
static int load(struct loader *l)
{
	yaml_event_t ev;
	int rc = 0;

	if (next_event(l, &ev) != 0)
		return -1;
	yaml_event_delete(&ev); /* stream start */
	if (next_event(l, &ev) != 0)
		return -1;
	if (ev.type == YAML_STREAM_END_EVENT) { /* empty, or comments only */
		yaml_event_delete(&ev);
		return 0;
	}
	yaml_event_delete(&ev); /* document start */
	if (next_event(l, &ev) != 0)
		return -1;
	if (ev.type == YAML_MAPPING_START_EVENT)
		rc = load_mapping(l);
	else if (ev.type != YAML_SCALAR_EVENT || !is_null(&ev)) /* "---" alone is empty */
		rc = fail(l, line_of(&ev), NULL, 0,
			"the file must be a mapping of option names to values");
	yaml_event_delete(&ev);
	if (rc != 0)
		return rc;
	if (next_event(l, &ev) != 0)
		return -1;
	yaml_event_delete(&ev); /* document end */
	if (next_event(l, &ev) != 0)
		return -1;
	if (ev.type != YAML_STREAM_END_EVENT)
		rc = fail(l, line_of(&ev), NULL, 0, "more than one document");
	yaml_event_delete(&ev);
	return rc;
}

static void loader_init(
	struct loader *l, struct conf *c, const char *name, char *err, size_t errlen)
{
	memset(l, 0, sizeof(*l));
	l->c = c;
	l->name = name;
	l->err = err;
	l->errlen = errlen;
}

int conf_load_yaml_string(
	struct conf *c, const char *name, const char *text, size_t len, char *err, size_t errlen)
{
	struct loader l;
	int rc;

	loader_init(&l, c, name, err, errlen);
	if (!yaml_parser_initialize(&l.parser))
		return fail(&l, 0, NULL, 0, "out of memory");
	yaml_parser_set_input_string(&l.parser, (const unsigned char *)text, len);
	rc = load(&l);
	yaml_parser_delete(&l.parser);
	return rc;
}

/* Whoever can write the file decides what procship sends where. */
static void check_owner(const char *path, const struct stat *st, char *warn, size_t warnlen)
{
	char why[256];

	warn[0] = '\0';
	if (fsafe_unsafe(st, geteuid(), why, sizeof(why)))
		snprintf(warn, warnlen, "%s: %s", path, why);
}

int conf_load_yaml(
	struct conf *c, const char *path, char *err, size_t errlen, char *warn, size_t warnlen)
{
	struct loader l;
	struct stat st;
	FILE *f;
	int fd, rc;

	loader_init(&l, c, path, err, errlen);
	if (warn && warnlen)
		warn[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd == -1) {
		rc = -errno;
		fail(&l, 0, NULL, 0, "%s", strerror(errno));
		return rc;
	}
	if (fstat(fd, &st) == -1)
		rc = -errno;
	else if (S_ISDIR(st.st_mode))
		rc = -EISDIR; /* open(2) allows it; reading would fail less clearly */
	else
		rc = 0;
	if (rc != 0) {
		fail(&l, 0, NULL, 0, "%s", strerror(-rc));
		close(fd);
		return rc;
	}
	if (warn && warnlen && S_ISREG(st.st_mode))
		check_owner(path, &st, warn, warnlen);
	f = fdopen(fd, "r");
	if (!f) {
		rc = -errno;
		fail(&l, 0, NULL, 0, "%s", strerror(errno));
		close(fd);
		return rc;
	}
	if (!yaml_parser_initialize(&l.parser)) {
		fclose(f);
		return fail(&l, 0, NULL, 0, "out of memory");
	}
	yaml_parser_set_input_file(&l.parser, f);
	rc = load(&l);
	yaml_parser_delete(&l.parser);
	fclose(f);
	return rc;
}
