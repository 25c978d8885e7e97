/* SPDX-License-Identifier: Apache-2.0 */
/* The "procship getevents" subcommand: JSON events in, tetra-style lines out. */
#include "shipper/getevents.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

static const char *get_str(struct fjson_object *o, const char *key)
{
	struct fjson_object *v;

	if (!o || !fjson_object_object_get_ex(o, key, &v))
		return NULL;
	return fjson_object_get_string(v);
}

static struct fjson_object *get_obj(struct fjson_object *o, const char *key)
{
	struct fjson_object *v;

	if (!o || !fjson_object_object_get_ex(o, key, &v) ||
		!fjson_object_is_type(v, fjson_type_object))
		return NULL;
	return v;
}

static bool wanted(const char *binary, const char *const *processes)
{
	const char *base;

	if (!processes || !processes[0])
		return true;
	base = strrchr(binary, '/');
	base = base ? base + 1 : binary;
	for (; *processes; processes++)
		if (strcmp(base, *processes) == 0)
			return true;
	return false;
}

int getevents_compact(const char *json, const char *const *processes, char *buf, size_t size)
{
	struct fjson_object *root = fjson_tokener_parse(json);
	struct fjson_object *body, *proc, *v;
	const char *host, *binary, *args;
	char status[32] = "0";
	bool is_exit = false;
	int n = 0;

	if (!root || !fjson_object_is_type(root, fjson_type_object)) {
		fjson_object_put(root);
		return -1;
	}
	body = get_obj(root, "process_exec");
	if (!body) {
		body = get_obj(root, "process_exit");
		is_exit = body != NULL;
	}
	proc = get_obj(body, "process");
	if (!proc)
		goto out;
	host = get_str(root, "node_name");
	binary = get_str(proc, "binary");
	args = get_str(proc, "arguments");
	if (!binary)
		binary = "";
	if (!wanted(binary, processes))
		goto out;
	if (is_exit) {
		const char *sig = get_str(body, "signal");

		if (sig && sig[0])
			snprintf(status, sizeof(status), "%s", sig);
		else if (fjson_object_object_get_ex(body, "status", &v))
			snprintf(status, sizeof(status), "%lld",
				(long long)fjson_object_get_int64(v));
		n = snprintf(buf, size, "\xf0\x9f\x92\xa5 exit    %s %s %s %s", host ? host : "",
			binary, args ? args : "", status);
	} else {
		n = snprintf(buf, size, "\xf0\x9f\x9a\x80 process %s %s %s", host ? host : "",
			binary, args ? args : "");
	}
	if (n < 0)
		n = 0;
	if ((size_t)n >= size)
		n = size ? (int)size - 1 : 0;
out:
	fjson_object_put(root);
	return n;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: procship getevents [-o compact|json] [--processes NAME...] [FILE]\n");
	return 2;
}

int getevents_main(int argc, char **argv)
{
	const char **processes = calloc((size_t)argc + 1, sizeof(*processes));
	const char *file = NULL;
	bool compact = true;
	size_t nproc = 0, cap = 0;
	char *line = NULL, out[65536];
	ssize_t len;
	FILE *in = stdin;
	int i, bad = 0;

	if (!processes)
		return 1;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output")) {
			if (++i >= argc)
				return free(processes), usage();
			if (!strcmp(argv[i], "compact"))
				compact = true;
			else if (!strcmp(argv[i], "json"))
				compact = false;
			else {
				fprintf(stderr,
					"procship getevents: -o: unknown format '%s' (compact "
					"or json)\n",
					argv[i]);
				free(processes);
				return 2;
			}
		} else if (!strcmp(argv[i], "--processes")) {
			while (i + 1 < argc && argv[i + 1][0] != '-')
				processes[nproc++] = argv[++i];
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			fprintf(stderr, "procship getevents: unknown option '%s'\n", argv[i]);
			free(processes);
			return usage();
		} else if (!file) {
			file = argv[i];
		} else {
			free(processes);
			return usage();
		}
	}
	if (file && strcmp(file, "-") != 0) {
		in = fopen(file, "r");
		if (!in) {
			fprintf(stderr, "procship getevents: %s: %m\n", file);
			free(processes);
			return 1;
		}
	}
	while ((len = getline(&line, &cap, in)) != -1) {
		int n;

		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0)
			continue;
		n = getevents_compact(line, nproc ? processes : NULL, out, sizeof(out));
		if (n < 0) {
			bad++;
			continue;
		}
		if (n == 0)
			continue;
		if (compact)
			puts(out);
		else
			puts(line);
	}
	if (bad)
		fprintf(stderr, "procship getevents: %d lines were not JSON events\n", bad);
	free(line);
	free(processes);
	if (in != stdin)
		fclose(in);
	return 0;
}
