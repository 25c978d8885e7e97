/* SPDX-License-Identifier: Apache-2.0 */
/* "procship gaps": the files, their lines and the [meta] element in them; gaps.c counts. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json.h>

#include "framing/framing_parse.h"
#include "shipper/gaps/gaps.h"

/* A decimal PARAM-VALUE of at most 10 digits into *v. */
static int sd_number(const char *s, size_t len, uint32_t *v)
{
	uint64_t n = 0;
	size_t i;

	if (len == 0 || len > 10)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		n = n * 10 + (uint64_t)(s[i] - '0');
	}
	if (n > UINT32_MAX)
		return -EINVAL;
	*v = (uint32_t)n;
	return 0;
}

/* Walks SD-ELEMENTs (RFC 5424 section 6.3): "[" SD-ID *(SP NAME "=" QUOTED) "]". Values may
 * hold \" \\ \], so each is scanned for its closing quote. */
int gaps_sd_meta(const char *s, size_t len, uint32_t *seq, uint32_t *uptime)
{
	size_t i = 0, id, idlen, name, namelen, val;
	bool found = false;

	*seq = 0;
	*uptime = 0;
	while (i < len) {
		if (s[i++] != '[')
			return -EINVAL;
		for (id = i; i < len && s[i] != ' ' && s[i] != ']'; i++)
			;
		idlen = i - id;
		while (i < len && s[i] == ' ') {
			for (name = ++i; i < len && s[i] != '='; i++)
				;
			namelen = i - name;
			if (i + 1 >= len || s[i + 1] != '"')
				return -EINVAL;
			for (val = i += 2; i < len && s[i] != '"'; i++)
				if (s[i] == '\\')
					i++;
			if (i >= len)
				return -EINVAL;
			if (idlen == 4 && memcmp(s + id, "meta", 4) == 0) {
				if (namelen == 10 && memcmp(s + name, "sequenceId", 10) == 0) {
					if (sd_number(s + val, i - val, seq) != 0)
						return -EINVAL;
					found = true;
				} else if (namelen == 9 && memcmp(s + name, "sysUpTime", 9) == 0 &&
					   sd_number(s + val, i - val, uptime) != 0) {
					return -EINVAL;
				}
			}
			i++; /* the closing quote */
		}
		if (i >= len || s[i] != ']')
			return -EINVAL;
		i++;
	}
	return found && *seq != 0 ? 0 : -ENOENT;
}

static struct fjson_object *member(struct fjson_object *o, const char *key)
{
	struct fjson_object *v;

	return o && fjson_object_object_get_ex(o, key, &v) ? v : NULL;
}

/* procship's agent_init that says its series starts here. */
static bool says_restart(struct fjson_object *doc)
{
	const char *event = fjson_object_get_string(member(doc, "event"));

	return event && strcmp(event, "agent_init") == 0 &&
	       fjson_object_get_boolean(member(doc, "sequence_restart"));
}

static int add(struct gaps *g, const char *host, const char *sd, size_t sdlen, bool restart)
{
	uint32_t seq, up;
	int rc;

	if (!sd || gaps_sd_meta(sd, sdlen, &seq, &up) != 0)
		return 0;
	rc = gaps_add(g, host && host[0] ? host : "-", seq, up, restart);
	return rc == -ENOMEM ? rc : rc == 0;
}

/* The document in s[0..len), which need not be NUL-terminated; NULL when it is not JSON. */
static struct fjson_object *parse_doc(const char *s, size_t len)
{
	struct fjson_tokener *tok;
	struct fjson_object *doc;

	if (len == 0 || len > INT32_MAX)
		return NULL;
	tok = fjson_tokener_new();
	if (!tok)
		return NULL;
	doc = fjson_tokener_parse_ex(tok, s, (int)len);
	fjson_tokener_free(tok);
	return doc;
}

/* A line of the receiving configs: the event plus "received", the header as the receiver
 * read it. The SD is taken from there only, never from the event, which a local user writes. */
static int json_line(struct gaps *g, const char *line, size_t len)
{
	struct fjson_object *doc = parse_doc(line, len), *rcv;
	const char *sd;
	int rc = 0;

	rcv = member(doc, "received");
	sd = fjson_object_get_string(member(rcv, "structured_data"));
	if (sd)
		rc = add(g, fjson_object_get_string(member(rcv, "hostname")), sd, strlen(sd),
			says_restart(doc));
	fjson_object_put(doc);
	return rc;
}

/* A raw RFC 5424 message, as a receiver writes it with its own template for the wire format. */
static int raw_line(struct gaps *g, const char *line, size_t len)
{
	static struct framing_parser parser;
	static bool init;
	struct framing_parsed m;
	struct fjson_object *doc;
	struct timespec now;
	char host[sizeof(parser.hostname)];
	int rc;

	if (!init) {
		framing_parser_init(&parser);
		init = true;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	framing_parse(&parser, line, len, &now, &m);
	if (m.form != FRAMING_FORM_RFC5424 || !m.sd)
		return 0;
	snprintf(host, sizeof(host), "%s", m.hdr.hostname ? m.hdr.hostname : "");
	doc = parse_doc(m.msg, m.msg_len);
	rc = add(g, host, m.sd, m.sd_len, says_restart(doc));
	fjson_object_put(doc);
	return rc;
}

int gaps_line(struct gaps *g, const char *line, size_t len)
{
	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	if (len && line[0] == '{')
		return json_line(g, line, len);
	if (len && line[0] == '<')
		return raw_line(g, line, len);
	return 0;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: procship gaps FILE...\n"
		"  reads a receiver's files (JSON lines of contrib/'s receiving configs, or "
		"raw RFC 5424 lines)\n"
		"  and lists, per sender, the meta sequenceIds that never arrived;\n"
		"  exit status 0: none missing, 1: some missing, 2: error\n");
	return 2;
}

/* Returns 0 or 2 (the file cannot be read, named on stderr). */
static int read_file(struct gaps *g, const char *path, uint64_t *counted, uint64_t *other)
{
	FILE *in = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 0, r;

	if (!in) {
		fprintf(stderr, "procship gaps: %s: %s\n", path, strerror(errno));
		return 2;
	}
	while ((n = getline(&line, &cap, in)) > 0) {
		r = gaps_line(g, line, (size_t)n);
		if (r < 0) {
			fprintf(stderr, "procship gaps: %s: %s\n", path, strerror(-r));
			rc = 2;
			break;
		}
		*(r ? counted : other) += 1;
	}
	if (ferror(in)) {
		fprintf(stderr, "procship gaps: %s: read error\n", path);
		rc = 2;
	}
	free(line);
	if (in != stdin)
		fclose(in);
	return rc;
}

int gaps_main(int argc, char **argv)
{
	struct gaps *g;
	struct gaps_totals t;
	uint64_t counted = 0, other = 0;
	int i, rc = 0;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return usage();
	g = gaps_new();
	if (!g) {
		fprintf(stderr, "procship gaps: %s\n", strerror(ENOMEM));
		return 2;
	}
	for (i = 1; i < argc && rc == 0; i++)
		rc = read_file(g, argv[i], &counted, &other);
	if (rc == 0) {
		gaps_report(g, stdout, &t);
		printf("total: %" PRIu64 " senders, %" PRIu64 " runs, %" PRIu64
		       " received, %" PRIu64 " missing, %" PRIu64 " duplicates; %" PRIu64
		       " lines without a sequenceId\n",
			t.senders, t.runs, t.received, t.missing, t.duplicates, other);
		rc = t.missing ? 1 : 0;
	}
	gaps_free(g);
	return rc;
}
