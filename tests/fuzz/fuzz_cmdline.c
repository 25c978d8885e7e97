/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for conf_parse_args(): the input is an argv, one argument per NUL-separated
 * piece (argv[0] is "procship"). Checks what the header promises and what the option table
 * says, against a model of the parser written here:
 *   - CONF_ERROR: the message is one non-empty printable line and starts by naming what was
 *     wrong: "--OPTION: ", "unknown option '" or "unexpected argument '";
 *   - CONF_OK: every option the argv named holds the value of its last occurrence (a list holds
 *     all of them, in order), every other option still holds its default, every integer is in
 *     its table range and every name maps back (facility 0..23 and named, severity 0..7, ...);
 *   - CONF_HELP/CONF_VERSION only when the argv holds --help/-h/--version/-V.
 * conf_free() must release everything (LeakSanitizer).
 *
 *   clang -std=gnu11 -g -O1 -D_GNU_SOURCE -I. -fsanitize=fuzzer,address,undefined \
 *	tests/fuzz/fuzz_cmdline.c shipper/conf/conf.c shipper/out/hostport.c framing/framing.c \
 *	tests/unit/mock_log.c -o build/fuzz/fuzz_cmdline
 *   build/fuzz/fuzz_cmdline -max_total_time=60 tests/fuzz/corpus/cmdline
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "framing/framing.h"
#include "shipper/conf/conf.h"
#include "fuzz_util.h"

#define ARGS_MAX  64
#define INPUT_MAX 8192

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct conf_option *model_find(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < conf_noptions; i++)
		if (strlen(conf_options[i].name) == len && !memcmp(conf_options[i].name, name, len))
			return &conf_options[i];
	return NULL;
}

static bool model_bool(const char *v)
{
	return !strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "1") || !strcmp(v, "on");
}

/* The value each option got from argv, walking it the way procship(8) describes. Only used
 * after CONF_OK, so every argument is a known --option with a value. For a list, vals[idx]
 * gets every value. */
struct given {
	const char *last;
	const char *vals[CONF_LIST_MAX];
	size_t n;
};

static void model_walk(int argc, char **argv, struct given *g)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *arg = argv[i], *eq = strchr(arg + 2, '=');
		size_t len = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
		const struct conf_option *o = model_find(arg + 2, len);
		struct given *gi;
		const char *val;

		CHECK(!strncmp(arg, "--", 2) && o);
		gi = &g[o - conf_options];
		if (eq)
			val = eq + 1;
		else if (o->type == CONF_BOOL)
			val = "true";
		else
			val = argv[++i];
		CHECK(i < argc);
		gi->last = val;
		if (o->type == CONF_LIST) {
			CHECK(gi->n < CONF_LIST_MAX);
			gi->vals[gi->n++] = val;
		}
	}
}

/* The name a CONF_NAME value maps back to must exist; for the three framing tables that is
 * checked against framing/'s own range, not only the lookup. */
static void check_name(const struct conf_option *o, int v, const char *given)
{
	if (!strcmp(o->name, "syslog-facility"))
		CHECK(v >= 0 && v <= 23 && v != 15);
	else if (!strcmp(o->name, "syslog-severity"))
		CHECK(v >= 0 && v <= 7);
	else if (!strcmp(o->name, "syslog-format"))
		CHECK(v >= 0 && strcmp(framing_format_name((enum framing_format)v), "unknown"));
	else if (!strcmp(o->name, "log-level"))
		CHECK(v >= 0 && v <= 3);
	CHECK(v >= 0);
	if (given)
		CHECK(o->lookup(given) == v);
}

static void check_ok(const struct conf *c, const struct conf *def, int argc, char **argv)
{
	static struct given g[64];
	size_t i, j;

	CHECK(conf_noptions <= sizeof(g) / sizeof(g[0]));
	memset(g, 0, sizeof(g));
	model_walk(argc, argv, g);
	for (i = 0; i < conf_noptions; i++) {
		const struct conf_option *o = &conf_options[i];
		const char *field = (const char *)c + o->offset;
		const char *dfield = (const char *)def + o->offset;
		const struct conf_list *list, *dlist;
		long n;

		CHECK(c->origin[i] == (g[i].last ? CONF_FROM_ARGS : CONF_FROM_DEFAULT));
		switch (o->type) {
		case CONF_INT:
			n = *(const long *)field;
			CHECK(n >= o->min && n <= o->max);
			if (g[i].last)
				CHECK(n == strtol(g[i].last, NULL, 10));
			else
				CHECK(n == *(const long *)dfield);
			break;
		case CONF_NAME:
			check_name(o, *(const int *)field, g[i].last);
			if (!g[i].last)
				CHECK(*(const int *)field == *(const int *)dfield);
			break;
		case CONF_STRING:
			CHECK(*(const char *const *)field != NULL);
			CHECK(!strcmp(*(const char *const *)field,
				g[i].last ? g[i].last : *(const char *const *)dfield));
			break;
		case CONF_LIST:
			list = (const struct conf_list *)field;
			dlist = (const struct conf_list *)dfield;
			CHECK(list->n >= 1 && list->n <= CONF_LIST_MAX);
			CHECK(list->n == (g[i].last ? g[i].n : dlist->n));
			for (j = 0; j < list->n; j++)
				CHECK(list->v[j] && !strcmp(list->v[j], g[i].last ? g[i].vals[j]
										  : dlist->v[j]));
			break;
		case CONF_BOOL:
			CHECK(*(const bool *)field ==
				(g[i].last ? model_bool(g[i].last) : *(const bool *)dfield));
			break;
		}
	}
}

static void check_error(const char *err)
{
	size_t i, n;

	CHECK(err[0] != '\0');
	for (i = 0; err[i]; i++)
		CHECK((unsigned char)err[i] >= 0x20 && err[i] != 0x7f);
	if (!strncmp(err, "unknown option '", 16) || !strncmp(err, "unexpected argument '", 21))
		return;
	/* "--OPTION: reason", the option being one of the table's. */
	CHECK(!strncmp(err, "--", 2));
	n = strcspn(err + 2, ":");
	CHECK(err[2 + n] == ':' && err[3 + n] == ' ' && err[4 + n] != '\0');
	CHECK(model_find(err + 2, n));
}

static bool has_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h") ||
			!strcmp(argv[i], "--version") || !strcmp(argv[i], "-V"))
			return true;
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char text[INPUT_MAX + 1];
	static struct conf def;
	static bool have_def;
	char *argv[ARGS_MAX + 1];
	const char *cf;
	char err[512];
	struct conf c;
	size_t i;
	int argc = 0;
	enum conf_parse_result rc;

	if (size > INPUT_MAX)
		return 0;
	if (!have_def) {
		conf_defaults(&def);
		have_def = true;
	}
	memcpy(text, data, size);
	text[size] = '\0';
	argv[argc++] = "procship";
	/* Pieces between NULs; a trailing NUL does not add an empty argument. */
	for (i = 0; i < size && argc < ARGS_MAX; i += strlen(text + i) + 1)
		argv[argc++] = text + i;
	argv[argc] = NULL;

	cf = conf_config_file_arg(argc, argv);
	if (cf) {
		for (i = 1; i < (size_t)argc; i++)
			if (cf >= argv[i] && cf <= argv[i] + strlen(argv[i]))
				break;
		CHECK(i < (size_t)argc);
	}

	conf_defaults(&c);
	err[0] = '\0';
	rc = conf_parse_args(&c, argc, argv, err, sizeof(err));
	switch (rc) {
	case CONF_OK:
		check_ok(&c, &def, argc, argv);
		break;
	case CONF_ERROR:
		check_error(err);
		break;
	case CONF_HELP:
	case CONF_VERSION:
		CHECK(has_help(argc, argv));
		break;
	default:
		CHECK(!"conf_parse_args returned no enum conf_parse_result");
	}
	conf_free(&c);
	return 0;
}
