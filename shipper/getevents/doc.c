/* SPDX-License-Identifier: Apache-2.0 */
/* A getevents input line -> struct gev_doc, with protojson's rules for what it refuses. */
#include "shipper/getevents/doc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "lib/json_scan.h"
#include "lib/strbuf.h"

/* GetEventsResponse's oneof, by proto name, with each key's EventType number (events.proto). */
static const struct {
	const char *key, *type;
	int num;
	enum gev_kind kind;
} events[] = {
	{"process_exec", "PROCESS_EXEC", 1, GEV_EXEC},
	{"process_exit", "PROCESS_EXIT", 5, GEV_EXIT},
	{"process_kprobe", "PROCESS_KPROBE", 9, GEV_OTHER},
	{"process_tracepoint", "PROCESS_TRACEPOINT", 10, GEV_OTHER},
	{"process_loader", "PROCESS_LOADER", 11, GEV_OTHER},
	{"process_uprobe", "PROCESS_UPROBE", 12, GEV_OTHER},
	{"process_throttle", "PROCESS_THROTTLE", 27, GEV_OTHER},
	{"process_lsm", "PROCESS_LSM", 28, GEV_OTHER},
	{"process_usdt", "PROCESS_USDT", 29, GEV_OTHER},
	{"test", "TEST", 40000, GEV_OTHER},
	{"rate_limit_info", "RATE_LIMIT_INFO", 40001, GEV_RATE_LIMIT_INFO},
};
#define NEVENTS (sizeof(events) / sizeof(events[0]))

int gev_event_type(const char *name)
{
	size_t i;

	if (strcmp(name, "UNDEF") == 0)
		return 0;
	for (i = 0; i < NEVENTS; i++)
		if (strcmp(name, events[i].type) == 0)
			return events[i].num;
	return -1;
}

const char *gev_event_type_names(void)
{
	return "UNDEF, PROCESS_EXEC, PROCESS_EXIT, PROCESS_KPROBE, PROCESS_TRACEPOINT, "
	       "PROCESS_LOADER, PROCESS_UPROBE, PROCESS_THROTTLE, PROCESS_LSM, PROCESS_USDT, TEST, "
	       "RATE_LIMIT_INFO";
}

/* n decimal digits at s, or -1. */
static int digits(const char *s, int n)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int gev_parse_time(const char *s, struct timespec *ts)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y = digits(s, 4), mo, d, h, mi, sec, off = 0, nd = 0;
	long nsec = 0;
	const char *p;
	struct tm tm = {0};

	/* The fixed part first, so that no check reads past a short string's end. */
	if (strnlen(s, 19) < 19 || y < 1 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
		s[13] != ':' || s[16] != ':')
		return -EINVAL;
	mo = digits(s + 5, 2);
	d = digits(s + 8, 2);
	h = digits(s + 11, 2);
	mi = digits(s + 14, 2);
	sec = digits(s + 17, 2);
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] + (mo == 2 && leap(y)) || h < 0 ||
		h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59)
		return -EINVAL;
	p = s + 19;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, nd++)
			if (nd < 9)
				nsec = nsec * 10 + (*p - '0');
		if (nd == 0 || nd > 9)
			return -EINVAL;
		for (; nd < 9; nd++)
			nsec *= 10;
	}
	if (p[0] == 'Z' && p[1] == '\0') {
		off = 0;
	} else if ((p[0] == '+' || p[0] == '-') && strnlen(p, 7) == 6 && p[3] == ':') {
		int oh = digits(p + 1, 2), om = digits(p + 4, 2);

		if (oh < 0 || oh > 23 || om < 0 || om > 59)
			return -EINVAL;
		off = (p[0] == '-' ? -1 : 1) * (oh * 3600 + om * 60);
	} else {
		return -EINVAL;
	}
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	ts->tv_sec = timegm(&tm) - off;
	ts->tv_nsec = nsec;
	return 0;
}

static struct fjson_object *member(struct fjson_object *o, const char *key)
{
	struct fjson_object *v;

	if (!o || !fjson_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

/* The string at key (NULL or "" when absent or null), or -EINVAL when it is another type. */
static int get_str(struct fjson_object *o, const char *key, const char **out, char *err,
	size_t errlen, const char *where)
{
	struct fjson_object *v = member(o, key);

	*out = "";
	if (!v)
		return 0;
	if (!fjson_object_is_type(v, fjson_type_string)) {
		strbuf_printf(err, errlen, "%s%s is not a string", where, key);
		return -EINVAL;
	}
	*out = fjson_object_get_string(v);
	return 0;
}

/* An unsigned integer as protojson takes it: a JSON number or a decimal string. */
static int get_uint(struct fjson_object *o, const char *key, uint64_t *out, char *err,
	size_t errlen, const char *where)
{
	struct fjson_object *v = member(o, key);
	const char *s;
	char *end;

	*out = 0;
	if (!v)
		return 0;
	if (fjson_object_is_type(v, fjson_type_int) && fjson_object_get_int64(v) >= 0) {
		*out = (uint64_t)fjson_object_get_int64(v);
		return 0;
	}
	if (fjson_object_is_type(v, fjson_type_string)) {
		s = fjson_object_get_string(v);
		errno = 0;
		*out = strtoull(s, &end, 10);
		if (s[0] >= '0' && s[0] <= '9' && !*end && errno == 0)
			return 0;
	}
	strbuf_printf(err, errlen, "%s%s is not an unsigned integer", where, key);
	return -EINVAL;
}

static int get_obj(struct fjson_object *o, const char *key, struct fjson_object **out, char *err,
	size_t errlen, const char *where)
{
	struct fjson_object *v = member(o, key);

	*out = NULL;
	if (!v)
		return 0;
	if (!fjson_object_is_type(v, fjson_type_object)) {
		strbuf_printf(err, errlen, "%s%s is not an object", where, key);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int read_process(struct gev_doc *d, struct fjson_object *body, char *err, size_t errlen)
{
	struct gev_proc *p = &d->process;
	struct fjson_object *proc, *pod, *cap, *eff;
	char where[64], outer[64];

	snprintf(outer, sizeof(outer), "%s.", d->key);
	snprintf(where, sizeof(where), "%s.process.", d->key);
	if (get_obj(body, "process", &proc, err, errlen, outer) < 0)
		return -EINVAL;
	if (!proc)
		return 0;
	p->present = true;
	if (get_str(proc, "binary", &p->binary, err, errlen, where) < 0 ||
		get_str(proc, "arguments", &p->arguments, err, errlen, where) < 0 ||
		get_obj(proc, "pod", &pod, err, errlen, where) < 0 ||
		get_obj(proc, "cap", &cap, err, errlen, where) < 0)
		return -EINVAL;
	if (pod) {
		p->has_pod = true;
		if (get_str(pod, "namespace", &p->pod_namespace, err, errlen, where) < 0 ||
			get_str(pod, "name", &p->pod_name, err, errlen, where) < 0)
			return -EINVAL;
	}
	eff = member(cap, "effective");
	if (eff && fjson_object_is_type(eff, fjson_type_array))
		p->cap_effective = (size_t)fjson_object_array_length(eff);
	else if (eff) {
		strbuf_printf(err, errlen, "%scap.effective is not an array", where);
		return -EINVAL;
	}
	return 0;
}

/* The one event key, or none; two are a oneof set twice, which protojson refuses. */
static int find_event(struct gev_doc *d, char *err, size_t errlen)
{
	size_t i, found = NEVENTS;

	for (i = 0; i < NEVENTS; i++) {
		if (!member(d->root, events[i].key))
			continue;
		if (found < NEVENTS) {
			strbuf_printf(err, errlen, "two events in one document (%s and %s)",
				events[found].key, events[i].key);
			return -EINVAL;
		}
		found = i;
	}
	if (found == NEVENTS) {
		const char *ev = "";

		d->kind = get_str(d->root, "event", &ev, err, errlen, "") == 0 &&
					  strcmp(ev, "agent_init") == 0
				  ? GEV_AGENT_INIT
				  : GEV_EMPTY;
		err[0] = '\0';
		return 0;
	}
	d->key = events[found].key;
	d->type = events[found].num;
	d->kind = events[found].kind;
	return 0;
}

static int read_fields(struct gev_doc *d, char *err, size_t errlen)
{
	struct fjson_object *body = NULL;
	const char *t;

	if (find_event(d, err, errlen) < 0)
		return -EINVAL;
	if (d->kind == GEV_AGENT_INIT)
		return 0;
	if (get_str(d->root, "node_name", &d->node_name, err, errlen, "") < 0 ||
		get_str(d->root, "time", &t, err, errlen, "") < 0)
		return -EINVAL;
	if (t[0] && gev_parse_time(t, &d->time) < 0) {
		char shown[41];
		size_t i;

		/* The value goes to a terminal: its control bytes are shown as '?'. */
		strbuf_copy(shown, t, sizeof(shown));
		for (i = 0; shown[i]; i++)
			if ((unsigned char)shown[i] < 0x20 || shown[i] == 0x7f)
				shown[i] = '?';
		strbuf_printf(err, errlen, "time \"%s\" is no RFC 3339 timestamp", shown);
		return -EINVAL;
	}
	if (d->key && get_obj(d->root, d->key, &body, err, errlen, "") < 0)
		return -EINVAL;
	/* Every event but rate_limit_info may have a process, which --processes matches. */
	if (body && d->kind != GEV_RATE_LIMIT_INFO && read_process(d, body, err, errlen) < 0)
		return -EINVAL;
	if (d->kind == GEV_EXIT &&
		(get_str(body, "signal", &d->signal, err, errlen, "process_exit.") < 0 ||
			get_uint(body, "status", &d->status, err, errlen, "process_exit.") < 0))
		return -EINVAL;
	if (d->kind == GEV_RATE_LIMIT_INFO &&
		get_uint(body, "number_of_dropped_process_events", &d->dropped, err, errlen,
			"rate_limit_info.") < 0)
		return -EINVAL;
	return 0;
}

int gev_doc_parse(struct gev_doc *d, const char *text, size_t len, char *err, size_t errlen)
{
	memset(d, 0, sizeof(*d));
	d->node_name = "";
	d->signal = "";
	d->process.binary = d->process.arguments = "";
	d->process.pod_namespace = d->process.pod_name = "";
	strbuf_printf(err, errlen, "%s", "");
	if (!json_scan_object(text, len)) {
		strbuf_printf(err, errlen, "not a JSON object");
		return -EINVAL;
	}
	d->root = fjson_tokener_parse(text);
	if (!d->root) {
		strbuf_printf(err, errlen, "cannot parse (out of memory?)");
		return -ENOMEM;
	}
	if (read_fields(d, err, errlen) < 0) {
		gev_doc_clear(d);
		return -EINVAL;
	}
	return 0;
}

void gev_doc_clear(struct gev_doc *d)
{
	if (!d)
		return;
	fjson_object_put(d->root);
	d->root = NULL;
}
