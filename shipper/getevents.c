/* SPDX-License-Identifier: Apache-2.0 */
/* The "procship getevents" subcommand: tetra's flags, the filters, one line in, one line out. */
#include "shipper/getevents.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <json.h>
#include <pcre2.h>

#include "shipper/getevents/compact.h"
#include "shipper/getevents/doc.h"

#define MAX_TYPES   32
#define MAX_REGEXES 64

struct gev_opts {
	bool json;
	bool timestamps;
	int color; /* 0 never, 1 always, 2 auto */
	int types[MAX_TYPES];
	size_t ntypes;
	pcre2_code *re[MAX_REGEXES];
	size_t nre;
};

struct gev_run {
	struct gev_opts o;
	struct gev_style style;
	struct gev_line line;
	pcre2_match_data *md;
	FILE *out, *errs;
	unsigned long bad, printed;
	bool write_failed;
};

static void help(FILE *out)
{
	fputs("usage: procship getevents [OPTION]... [FILE]...\n"
	      "Print Tetragon JSON events (one per line, from FILEs or standard input) as\n"
	      "'tetra getevents' does (Tetragon v1.7.0): JSON, or -o compact one-liners.\n\n"
	      "  -o, --output FORMAT        output format: json or compact (default: json)\n"
	      "      --color WHEN           colorize compact output: auto, always or never\n"
	      "                             (default: auto)\n"
	      "  -e, --event-types TYPES    include only events of these types, comma-separated\n"
	      "                             (PROCESS_EXEC, PROCESS_EXIT, RATE_LIMIT_INFO, ...)\n"
	      "      --process REGEX,...    include only events whose process.binary matches\n"
	      "      --processes REGEX,...  the same (PCRE2 syntax, unanchored)\n"
	      "      --timestamps           include timestamps in compact output\n"
	      "  -h, --help                 show this help and exit\n\n"
	      "procship's agent_init greeting is skipped. A line that is no event, or has no\n"
	      "compact form, is reported on standard error with its file and line number, and\n"
	      "the exit status is then 1.\n\nSee procship-getevents(1).\n",
		out);
}

static int usage_error(FILE *errs, const char *what, const char *detail)
{
	fprintf(errs, "procship getevents: %s%s\n", what, detail);
	fputs("Try 'procship getevents --help'.\n", errs);
	return 2;
}

/* The next comma-separated item of *list into buf, as pflag's StringSlice splits a value;
 * empty items are skipped. 1 for an item, 0 at the end, -1 for an item too long for buf. */
static int next_item(const char **list, char *buf, size_t size)
{
	size_t n;

	while (**list == ',')
		(*list)++;
	if (!**list)
		return 0;
	n = strcspn(*list, ",");
	if (n >= size)
		return -1;
	memcpy(buf, *list, n);
	buf[n] = '\0';
	*list += n;
	return 1;
}

static int add_types(struct gev_opts *o, const char *list, FILE *errs)
{
	char name[64];
	int more;

	while ((more = next_item(&list, name, sizeof(name)))) {
		int t = more < 0 ? -1 : gev_event_type(name);

		if (t < 0) {
			fprintf(errs,
				"procship getevents: --event-types: unknown event type '%s' "
				"(supported: %s)\n",
				name, gev_event_type_names());
			return 2;
		}
		if (o->ntypes == MAX_TYPES)
			return usage_error(errs, "--event-types: too many types", "");
		o->types[o->ntypes++] = t;
	}
	return 0;
}

static int add_regexes(struct gev_opts *o, const char *list, FILE *errs)
{
	char pat[4096];
	int more;

	while ((more = next_item(&list, pat, sizeof(pat)))) {
		PCRE2_UCHAR msg[160];
		PCRE2_SIZE off;
		int code;

		if (more < 0)
			return usage_error(
				errs, "--processes: a pattern is longer than 4095 bytes", "");
		if (o->nre == MAX_REGEXES)
			return usage_error(errs, "--processes: too many patterns", "");
		/* tetra's --processes is a binary_regex filter: Go's $, the end of the text. */
		o->re[o->nre] = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED,
			PCRE2_UTF | PCRE2_DOLLAR_ENDONLY, &code, &off, NULL);
		if (!o->re[o->nre]) {
			pcre2_get_error_message(code, msg, sizeof(msg));
			fprintf(errs,
				"procship getevents: --processes: bad regular expression '%s' at "
				"offset %zu: %s\n",
				pat, (size_t)off, (char *)msg);
			return 2;
		}
		o->nre++;
	}
	return 0;
}

/* Go's strconv.ParseBool, which pflag uses for --timestamps=VALUE. */
static int parse_bool(const char *s, bool *v)
{
	static const char *const yes[] = {"1", "t", "T", "TRUE", "true", "True"};
	static const char *const no[] = {"0", "f", "F", "FALSE", "false", "False"};
	size_t i;

	for (i = 0; i < 6; i++) {
		if (strcmp(s, yes[i]) == 0)
			return *v = true, 0;
		if (strcmp(s, no[i]) == 0)
			return *v = false, 0;
	}
	return -1;
}

static int set_option(struct gev_opts *o, int c, char *arg, FILE *errs)
{
	switch (c) {
	case 'o':
		if (strcmp(arg, "json") && strcmp(arg, "compact"))
			return usage_error(errs, "invalid value for \"output\" flag: ", arg);
		o->json = strcmp(arg, "json") == 0;
		return 0;
	case 'C':
		if (!strcmp(arg, "never") || !strcmp(arg, "always") || !strcmp(arg, "auto")) {
			o->color = arg[0] == 'n' ? 0 : arg[1] == 'l' ? 1 : 2;
			return 0;
		}
		return usage_error(errs, "invalid value for \"color\" flag: ", arg);
	case 'e':
		return add_types(o, arg, errs);
	case 'p':
		return add_regexes(o, arg, errs);
	case 'T':
		if (!arg)
			return o->timestamps = true, 0;
		if (parse_bool(arg, &o->timestamps) < 0)
			return usage_error(errs, "invalid value for \"timestamps\" flag: ", arg);
		return 0;
	}
	return 2;
}

/* Returns -1 to go on, else an exit status (0 after --help). *first is the first FILE. */
static int parse_args(struct gev_opts *o, int argc, char **argv, FILE *out, FILE *errs, int *first)
{
	static const struct option longs[] = {
		{"output", required_argument, NULL, 'o'},
		{"color", required_argument, NULL, 'C'},
		{"event-types", required_argument, NULL, 'e'},
		{"process", required_argument, NULL, 'p'},
		{"processes", required_argument, NULL, 'p'},
		{"timestamps", optional_argument, NULL, 'T'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c, rc;

	o->json = true;
	o->color = 2;
	optind = 0; /* glibc: a full re-initialization, so that a second run parses afresh */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:e:h", longs, NULL)) != -1) {
		if (c == 'h') {
			help(out);
			return 0;
		}
		if (c == '?' || c == ':') {
			if (c == ':')
				return usage_error(
					errs, "option needs a value: ", argv[optind - 1]);
			return usage_error(errs, "unknown option: ", argv[optind - 1]);
		}
		rc = set_option(o, c, optarg, errs);
		if (rc)
			return rc;
	}
	*first = optind;
	return -1;
}

static void opts_free(struct gev_opts *o)
{
	size_t i;

	for (i = 0; i < o->nre; i++)
		pcre2_code_free(o->re[i]);
	o->nre = 0;
}

/* tetra's allowlist: one filter, its fields ANDed, the values of each ORed. */
static bool wanted(struct gev_run *r, const struct gev_doc *d)
{
	size_t i;
	bool ok = r->o.ntypes == 0;

	for (i = 0; i < r->o.ntypes && !ok; i++)
		ok = r->o.types[i] == d->type;
	if (!ok)
		return false;
	if (r->o.nre == 0)
		return true;
	if (!d->process.present)
		return false;
	for (i = 0; i < r->o.nre; i++)
		if (pcre2_match(r->o.re[i], (PCRE2_SPTR)d->process.binary, PCRE2_ZERO_TERMINATED, 0,
			    0, r->md, NULL) >= 0)
			return true;
	return false;
}

static void emit(struct gev_run *r, const char *s, size_t n)
{
	if (fwrite(s, 1, n, r->out) != n || fputc('\n', r->out) == EOF)
		r->write_failed = true;
	r->printed++;
}

static void report(struct gev_run *r, const char *name, unsigned long lineno, const char *why)
{
	fprintf(r->errs, "procship getevents: %s:%lu: %s\n", name, lineno, why);
	r->bad++;
}

/* One input line, without its newline, NUL-terminated at len. */
static void one_line(
	struct gev_run *r, const char *name, unsigned long lineno, char *text, size_t len)
{
	struct gev_doc d;
	char err[256];
	int rc;

	if (gev_doc_parse(&d, text, len, err, sizeof(err)) < 0) {
		report(r, name, lineno, err);
		return;
	}
	if (d.kind == GEV_AGENT_INIT || !wanted(r, &d))
		goto out;
	if (d.kind == GEV_EMPTY) {
		report(r, name, lineno, "no event in the document (no GetEventsResponse key)");
	} else if (r->o.json) {
		emit(r, text, len);
	} else if ((rc = gev_compact(&d, &r->style, &r->line, err, sizeof(err))) == 0) {
		emit(r, r->line.buf, r->line.len);
	} else if (d.kind == GEV_RATE_LIMIT_INFO) {
		/* tetra stops at it (unknown event type); its count matters, so say it. */
		fprintf(r->errs,
			"procship getevents: %s:%lu: rate_limit_info: %llu events dropped by the "
			"sender's rate limit\n",
			name, lineno, (unsigned long long)d.dropped);
	} else {
		report(r, name, lineno, rc == -ENOMEM ? "out of memory" : err);
	}
out:
	gev_doc_clear(&d);
}

static int one_file(struct gev_run *r, const char *path)
{
	const char *name = path && strcmp(path, "-") ? path : "<stdin>";
	FILE *in = path && strcmp(path, "-") ? fopen(path, "r") : stdin;
	unsigned long lineno = 0;
	char *buf = NULL;
	size_t cap = 0;
	ssize_t len;
	int rc = 0;

	if (!in) {
		fprintf(r->errs, "procship getevents: %s: %s\n", path, strerror(errno));
		return 1;
	}
	while (!r->write_failed && (len = getline(&buf, &cap, in)) != -1) {
		lineno++;
		while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
			buf[--len] = '\0';
		if (strspn(buf, " \t") == (size_t)len)
			continue;
		one_line(r, name, lineno, buf, (size_t)len);
	}
	if (ferror(in)) {
		fprintf(r->errs, "procship getevents: %s: read error: %s\n", name, strerror(errno));
		rc = 1;
	}
	free(buf);
	if (in != stdin)
		fclose(in);
	return rc;
}

/* fatih/color's rule for "auto": no colour for NO_COLOR, TERM=dumb or a non-terminal. */
static bool color_wanted(int mode, FILE *out)
{
	const char *no = getenv("NO_COLOR"), *term = getenv("TERM");

	if (mode != 2)
		return mode == 1;
	if ((no && no[0]) || (term && strcmp(term, "dumb") == 0))
		return false;
	return isatty(fileno(out));
}

int getevents_run(int argc, char **argv, FILE *out, FILE *errs)
{
	struct gev_run r = {.out = out, .errs = errs};
	int first = argc, rc, i;

	rc = parse_args(&r.o, argc, argv, out, errs, &first);
	if (rc >= 0) {
		opts_free(&r.o);
		return rc;
	}
	r.style.color = !r.o.json && color_wanted(r.o.color, out);
	r.style.timestamps = r.o.timestamps;
	r.md = pcre2_match_data_create(1, NULL);
	if (!r.md) {
		opts_free(&r.o);
		fputs("procship getevents: out of memory\n", errs);
		return 1;
	}
	rc = 0;
	if (first >= argc)
		rc = one_file(&r, NULL);
	for (i = first; i < argc && !r.write_failed; i++)
		rc |= one_file(&r, argv[i]);
	if (fflush(out) == EOF || ferror(out))
		r.write_failed = true;
	if (r.write_failed) {
		fprintf(errs, "procship getevents: cannot write the output: %s\n", strerror(errno));
		rc = 1;
	}
	if (r.bad) {
		fprintf(errs, "procship getevents: %lu line%s not printed (see above)\n", r.bad,
			r.bad == 1 ? "" : "s");
		rc = 1;
	}
	gev_line_free(&r.line);
	pcre2_match_data_free(r.md);
	opts_free(&r.o);
	return rc;
}

int getevents_main(int argc, char **argv)
{
	/* Line by line, as tetra writes each event with one unbuffered write. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	return getevents_run(argc, argv, stdout, stderr);
}
