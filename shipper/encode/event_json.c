/* SPDX-License-Identifier: Apache-2.0 */
/* Process records -> Tetragon JSON: a libfastjson tree for the reference and for events that
 * must be shortened, and a direct writer from cached process objects for all others. */
#include "shipper/encode/event_json.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "lib/fmt.h"
#include "lib/jsonstr.h"
#include "lib/utf8.h"
#include "shipper/encode/cred_json.h"
#include "shipper/encode/env_json.h"
#include "shipper/encode/event_json_int.h"
#include "shipper/encode/signals.h"

void ejson_set_host_ns(struct ejson *ej, const uint32_t host[PS_NS_COUNT])
{
	memcpy(ej->host_ns, host, sizeof(ej->host_ns));
}

void ejson_set_max_len(struct ejson *ej, size_t max_len)
{
	ej->max_len = max_len;
}

const struct ejson_stats *ejson_get_stats(const struct ejson *ej)
{
	return &ej->stats;
}

struct ejson *ejson_new(const char *node, int64_t boot_offset_ns)
{
	struct ejson *ej = calloc(1, sizeof(*ej));

	if (!ej)
		return NULL;
	snprintf(ej->node, sizeof(ej->node), "%s", node);
	ej->boot_offset_ns = boot_offset_ns;
	{
		struct fjson_object *s = fjson_object_new_string(ej->node);
		const char *text =
			s ? fjson_object_to_json_string_ext(s, FJSON_TO_STRING_PLAIN) : NULL;
		int n = text ? jsonstr_unescape_slashes(
				       ej->node_json, sizeof(ej->node_json), text, strlen(text))
			     : -1;

		fjson_object_put(s);
		if (n < 0) {
			free(ej);
			return NULL;
		}
		ej->node_json_len = (size_t)n;
	}
	ej->out_size = 4096;
	ej->out = malloc(ej->out_size);
	if (!ej->out) {
		free(ej);
		return NULL;
	}
	return ej;
}

void ejson_free(struct ejson *ej)
{
	if (!ej)
		return;
	free(ej->out);
	free(ej->scratch);
	free(ej);
}

void ejson_set_boot_offset(struct ejson *ej, int64_t boot_offset_ns)
{
	ej->boot_offset_ns = boot_offset_ns;
}

char *ejson_join_args(const char *argv, size_t len, bool trim)
{
	/* Worst case every byte is its own argument wrapped in quotes. */
	char *out = malloc(len * 3 + 1);
	size_t i = 0, o = 0;

	if (!out)
		return NULL;
	/* Skip argv[0]; the NUL that ends the last argument separates nothing. */
	while (i < len && argv[i] != '\0')
		i++;
	i++;
	if (len > 0 && argv[len - 1] == '\0')
		len--;
	/* With no cwd after them, Tetragon trims the NULs at the end: empty last ones go. */
	while (trim && len > i && argv[len - 1] == '\0')
		len--;
	/* Tetragon's rule, quirks kept: a quoted argument always gets a space before it (so a
	 * first one gives a leading space); a plain one only when something came before (so
	 * empty first arguments vanish and a later empty one gives a double space, or a trailing
	 * space when it is the last). */
	while (i <= len) {
		const char *arg = argv + i;
		size_t alen = strnlen(arg, len - i);

		if (memchr(arg, ' ', alen)) {
			out[o++] = ' ';
			out[o++] = '"';
			memcpy(out + o, arg, alen);
			o += alen;
			out[o++] = '"';
		} else {
			if (o > 0)
				out[o++] = ' ';
			memcpy(out + o, arg, alen);
			o += alen;
		}
		i += alen + 1;
	}
	out[o] = '\0';
	return out;
}

static void add_str(struct fjson_object *o, const char *key, const char *val)
{
	fjson_object_object_add(o, key, fjson_object_new_string(val ? val : ""));
}

static void add_i64(struct fjson_object *o, const char *key, int64_t val)
{
	fjson_object_object_add(o, key, fjson_object_new_int64(val));
}

static void add_time(struct ejson *ej, struct fjson_object *o, const char *key, uint64_t ktime)
{
	char buf[64];

	if (fmt_rfc3339_ns(buf, sizeof(buf), (int64_t)ktime + ej->boot_offset_ns, FMT_PROTOJSON))
		add_str(o, key, buf);
}

/* Tetragon's process object: zero-valued plain scalars are left out, but pid, uid, auid and
 * tid always stand (except in a bare process, which has only pid and start_time). */
static struct fjson_object *process_obj(
	struct ejson *ej, const struct pcache_proc *p, bool exec_props)
{
	struct fjson_object *o = fjson_object_new_object();
	char flags[256];

	if (!o)
		return NULL;
	if (p->bare) {
		add_i64(o, "pid", p->pid);
		add_time(ej, o, "start_time", p->ktime);
		return o;
	}
	add_str(o, "exec_id", p->exec_id);
	add_i64(o, "pid", p->pid);
	add_i64(o, "uid", p->uid);
	if (p->cwd && p->cwd[0])
		add_str(o, "cwd", p->cwd);
	add_str(o, "binary", p->binary);
	if (p->arguments && p->arguments[0])
		add_str(o, "arguments", p->arguments);
	if (ejson_flags(p->flags, flags, sizeof(flags)))
		add_str(o, "flags", flags);
	add_time(ej, o, "start_time", p->ktime);
	add_i64(o, "auid", p->auid);
	if (p->docker[0])
		add_str(o, "docker", p->docker);
	if (p->parent_exec_id[0])
		add_str(o, "parent_exec_id", p->parent_exec_id);
	/* Tetragon's exec event takes a copy of the process, with its refcount (1), to add
	 * binary_properties; the cached process it reuses as a parent has none. */
	if (p->cloned || (exec_props && cjson_exec_props(ej->piece, p)))
		add_i64(o, "refcnt", 1);
	cjson_tree_add(o, ej->piece, cjson_before_tid(ej->piece, p, ej->host_ns));
	add_i64(o, "tid", p->tid ? p->tid : p->pid);
	cjson_tree_add(o, ej->piece, cjson_after_tid(ej->piece, p));
	if (exec_props)
		cjson_tree_add(o, ej->piece, cjson_exec_props(ej->piece, p));
	/* Tetragon's field 19, after binary_properties (18) */
	if (p->user[0]) {
		struct fjson_object *u = fjson_object_new_object();

		if (u)
			add_str(u, "name", p->user);
		fjson_object_object_add(o, "user", u);
	}
	fjson_object_object_add(
		o, "in_init_tree", fjson_object_new_boolean(!!(p->flags & PS_F_IN_INIT_TREE)));
	/* field 21, after in_init_tree (20) */
	envjson_tree_add(o, p->envs, p->envs_len);
	return o;
}

static const char *finish(struct ejson *ej, struct fjson_object *root, size_t *len)
{
	const char *s = fjson_object_to_json_string_ext(root, FJSON_TO_STRING_PLAIN);
	size_t n;
	int w;

	if (!s) {
		fjson_object_put(root);
		errno = ENOMEM;
		return NULL;
	}
	n = strlen(s);
	if (n + 1 > ej->out_size) {
		size_t size = ej->out_size;
		char *p;

		while (size < n + 1)
			size *= 2;
		p = realloc(ej->out, size);
		if (!p) {
			fjson_object_put(root);
			errno = ENOMEM;
			return NULL;
		}
		ej->out = p;
		ej->out_size = size;
	}
	w = jsonstr_unescape_slashes(ej->out, ej->out_size, s, n);
	fjson_object_put(root);
	if (w < 0) {
		errno = ENOSPC;
		return NULL;
	}
	*len = (size_t)w;
	return ej->out;
}

static struct fjson_object *envelope(
	struct ejson *ej, const char *kind, struct fjson_object *body, uint64_t ktime)
{
	struct fjson_object *root = fjson_object_new_object();

	if (!root) {
		fjson_object_put(body);
		return NULL;
	}
	fjson_object_object_add(root, kind, body);
	add_str(root, "node_name", ej->node);
	add_time(ej, root, "time", ktime);
	return root;
}

static struct fjson_object *ancestors_arr(struct ejson *ej, const struct ejson_ev *ev)
{
	struct fjson_object *a = fjson_object_new_array();
	size_t i;

	for (i = 0; a && i < ev->nanc; i++)
		fjson_object_array_add(a, process_obj(ej, ev->anc[i], false));
	return a;
}

const char *ejson_i_tree(struct ejson *ej, const struct ejson_ev *ev, size_t *len)
{
	struct fjson_object *body = fjson_object_new_object();
	struct fjson_object *root;

	if (!body)
		return NULL;
	fjson_object_object_add(body, "process", process_obj(ej, ev->proc, !ev->is_exit));
	if (ev->parent)
		fjson_object_object_add(body, "parent", process_obj(ej, ev->parent, false));
	/* Tetragon's field order: ancestors are field 3 of ProcessExec, 6 of ProcessExit. */
	if (ev->nanc && !ev->is_exit)
		fjson_object_object_add(body, "ancestors", ancestors_arr(ej, ev));
	if (ev->is_exit) {
		int sig = ev->exit_code & 0x7f;
		int status = (int)(ev->exit_code >> 8);

		if (signals_name(sig))
			add_str(body, "signal", signals_name(sig));
		if (status)
			add_i64(body, "status", status);
		add_time(ej, body, "time", ev->ktime);
		if (ev->nanc)
			fjson_object_object_add(body, "ancestors", ancestors_arr(ej, ev));
	}
	root = envelope(ej, ev->kind, body, ev->ktime);
	if (!root)
		return NULL;
	return finish(ej, root, len);
}

/* "2023-10-06T22:03:57.70032758Z": Tetragon's time in UTC, 0, 3, 6 or 9 fraction digits as
 * protojson writes a Timestamp. */
static size_t event_time(struct ejson *ej, uint64_t ktime, char *buf, size_t size)
{
	return fmt_rfc3339_ns(buf, size, (int64_t)ktime + ej->boot_offset_ns, FMT_PROTOJSON);
}

static bool scratch_reserve(struct ejson *ej, size_t n)
{
	char *p;

	if (n <= ej->scratch_size)
		return true;
	p = realloc(ej->scratch, n);
	if (!p)
		return false;
	ej->scratch = p;
	ej->scratch_size = n;
	return true;
}

/* The end of a process object, from refcnt on: a fork-only process has Tetragon's refcnt 1.
 * Sets p->json_props_at: a process_exec's binary_properties go there, before user, and
 * p->json_refcnt_at, where its refcnt goes with them. */
static size_t put_tail(struct ejson *ej, char *d, struct pcache_proc *p, size_t at)
{
	static const char refcnt[] = ",\"refcnt\":1", tid[] = ",\"tid\":";
	static const char yes[] = ",\"in_init_tree\":true", no[] = ",\"in_init_tree\":false";
	bool init_tree = p->flags & PS_F_IN_INIT_TREE;
	size_t n = 0;

	p->json_refcnt_at = at;
	if (p->cloned) {
		memcpy(d, refcnt, sizeof(refcnt) - 1);
		n += sizeof(refcnt) - 1;
	}
	n += cjson_before_tid(d + n, p, ej->host_ns);
	memcpy(d + n, tid, sizeof(tid) - 1);
	n += sizeof(tid) - 1;
	n += fmt_u64(d + n, p->tid ? p->tid : p->pid);
	n += cjson_after_tid(d + n, p);
	p->json_props_at = at + n;
	if (p->user[0]) {
		static const char user[] = ",\"user\":{\"name\":";

		memcpy(d + n, user, sizeof(user) - 1);
		n += sizeof(user) - 1;
		n += jsonstr_put(d + n, p->user, strlen(p->user), 0);
		d[n++] = '}';
	}
	memcpy(d + n, init_tree ? yes : no, init_tree ? sizeof(yes) - 1 : sizeof(no) - 1);
	n += init_tree ? sizeof(yes) - 1 : sizeof(no) - 1;
	n += envjson_put(d + n, p->envs, p->envs_len);
	d[n++] = '}';
	return n;
}

static const char *keep_text(struct pcache_proc *p, const char *d, size_t n, size_t *len)
{
	char *json = malloc(n + 1);

	if (!json)
		return NULL;
	memcpy(json, d, n);
	json[n] = '\0';
	pcache_proc_set_json(p, json, n);
	*len = n;
	return p->json;
}

/* A process known only by its exit: {"pid":N,"start_time":T}, as process_obj() writes it. */
static const char *bare_text(struct ejson *ej, struct pcache_proc *p, size_t *len)
{
	char d[128], tm[64];
	size_t tmlen = event_time(ej, p->ktime, tm, sizeof(tm));
	int n = snprintf(d, sizeof(d),
		tmlen ? "{\"pid\":%u,\"start_time\":\"%.*s\"}" : "{\"pid\":%u}", p->pid, (int)tmlen,
		tm);

	if (n < 0 || (size_t)n >= sizeof(d))
		return NULL;
	p->json_props_at = p->json_refcnt_at = (size_t)n - 1;
	return keep_text(p, d, (size_t)n, len);
}

/* The process object's text, written the first time it is needed and kept in the entry:
 * the same bytes process_obj() gives through libfastjson (the unit tests hold the two
 * together), without a tree of allocations per new process, which was a sixth of procship's
 * CPU in an exec storm. */
const char *ejson_i_process_text(struct ejson *ej, struct pcache_proc *p, size_t *len)
{
	const char *binary = p->binary ? p->binary : "";
	char flags[256], tm[64];
	size_t n = 0, flen, tmlen, exec_id_len, binary_len, cwd_len, args_len, docker_len,
	       parent_len;
	char *d;

	if (p->json) {
		*len = p->json_len;
		return p->json;
	}
	if (p->bare)
		return bare_text(ej, p, len);
	flen = ejson_flags(p->flags, flags, sizeof(flags));
	tmlen = event_time(ej, p->ktime, tm, sizeof(tm));
	exec_id_len = strlen(p->exec_id);
	binary_len = strlen(binary);
	cwd_len = p->cwd ? strlen(p->cwd) : 0;
	args_len = p->arguments ? strlen(p->arguments) : 0;
	docker_len = strlen(p->docker);
	parent_len = strlen(p->parent_exec_id);
	/* Written in the scratch buffer, sized for every string at its worst (6 bytes a byte),
	 * then kept at its exact size. */
	if (!scratch_reserve(
		    ej, 256 + 3 * CJSON_MAX +
				6 * (exec_id_len + binary_len + cwd_len + args_len + flen + tmlen +
					    docker_len + parent_len + sizeof(p->user)) +
				ENVJSON_MAX(p->envs_len, p->envs_count)))
		return NULL;
	d = ej->scratch;
#define PUTS(lit)                                                                                  \
	do {                                                                                       \
		memcpy(d + n, lit, sizeof(lit) - 1);                                               \
		n += sizeof(lit) - 1;                                                              \
	} while (0)
#define PUTJ(s, len) (n += jsonstr_put(d + n, s, len, 0))
	PUTS("{\"exec_id\":");
	PUTJ(p->exec_id, exec_id_len);
	PUTS(",\"pid\":");
	n += fmt_u64(d + n, p->pid);
	PUTS(",\"uid\":");
	n += fmt_u64(d + n, p->uid);
	if (cwd_len) {
		PUTS(",\"cwd\":");
		PUTJ(p->cwd, cwd_len);
	}
	PUTS(",\"binary\":");
	PUTJ(binary, binary_len);
	if (args_len) {
		PUTS(",\"arguments\":");
		PUTJ(p->arguments, args_len);
	}
	if (flen) {
		PUTS(",\"flags\":");
		PUTJ(flags, flen);
	}
	if (tmlen) {
		PUTS(",\"start_time\":");
		d[n++] = '"';
		memcpy(d + n, tm, tmlen);
		n += tmlen;
		d[n++] = '"';
	}
	PUTS(",\"auid\":");
	n += fmt_u64(d + n, p->auid);
	if (docker_len) {
		PUTS(",\"docker\":");
		PUTJ(p->docker, docker_len);
	}
	if (parent_len) {
		PUTS(",\"parent_exec_id\":");
		PUTJ(p->parent_exec_id, parent_len);
	}
	n += put_tail(ej, d + n, p, n);
#undef PUTJ
#undef PUTS
	return keep_text(p, d, n, len);
}

/* Room for n more bytes in the output buffer. */
static bool out_reserve(struct ejson *ej, size_t n)
{
	size_t size = ej->out_size;
	char *p;

	if (n <= size)
		return true;
	while (size < n)
		size *= 2;
	p = realloc(ej->out, size);
	if (!p)
		return false;
	ej->out = p;
	ej->out_size = size;
	return true;
}

/* ,"signal":"SIGKILL","status":N of an exit, into tail (96 bytes); its length, or -1. */
static int exit_tail(const struct ejson_ev *ev, char *tail, size_t size)
{
	int sig = ev->exit_code & 0x7f;
	int status = (int)(ev->exit_code >> 8);
	int n = 0, w;

	if (!ev->is_exit)
		return 0;
	if (signals_name(sig)) {
		n = snprintf(tail, size, ",\"signal\":\"%s\"", signals_name(sig));
		if (n < 0 || (size_t)n >= size)
			return -1;
	}
	if (status) {
		w = snprintf(tail + n, size - (size_t)n, ",\"status\":%d", status);
		if (w < 0 || (size_t)w >= size - (size_t)n)
			return -1;
		n += w;
	}
	return n;
}

/* ,"ancestors":[A,B] from the cached objects, written at d when d is not NULL; its length,
 * or 0 when there are none or one cannot be built (*ok false). */
static size_t put_ancestors(struct ejson *ej, const struct ejson_ev *ev, char *d, bool *ok)
{
	static const char head[] = ",\"ancestors\":[";
	size_t i, n = 0, alen;
	const char *a;

	if (!ev->nanc)
		return 0;
	if (d)
		memcpy(d, head, sizeof(head) - 1);
	n = sizeof(head) - 1;
	for (i = 0; i < ev->nanc; i++) {
		a = ejson_i_process_text(ej, ev->anc[i], &alen);
		if (!a) {
			*ok = false;
			return 0;
		}
		if (d && i)
			d[n] = ',';
		n += i ? 1 : 0;
		if (d)
			memcpy(d + n, a, alen);
		n += alen;
	}
	if (d)
		d[n] = ']';
	return n + 1;
}

/* The event put together from the cached process objects: the same text ejson_i_tree
 * builds, in the same key order, at a fraction of the cost. */
const char *ejson_i_fast(struct ejson *ej, const struct ejson_ev *ev, size_t *len)
{
	const char *ptext = NULL, *text;
	size_t plen = 0, tlen, o = 0, need, tmlen, alen, props_len = 0, refcnt_len = 0;
	char tm[64], tail[96];
	int tail_len;
	bool ok = true;

	text = ejson_i_process_text(ej, ev->proc, &tlen);
	if (!text || (ev->parent && !(ptext = ejson_i_process_text(ej, ev->parent, &plen))))
		return NULL;
	if (!ev->is_exit)
		props_len = cjson_exec_props(ej->piece, ev->proc);
	if (props_len && !ev->proc->cloned)
		refcnt_len = sizeof(",\"refcnt\":1") - 1;
	tmlen = event_time(ej, ev->ktime, tm, sizeof(tm));
	tail_len = exit_tail(ev, tail, sizeof(tail));
	alen = put_ancestors(ej, ev, NULL, &ok);
	if (!tmlen || tail_len < 0 || !ok)
		return NULL;
	/* {"KIND":{"process":P[,"parent":PP][,ancestors][,signal,status,"time":T][,ancestors]},
	 * "node_name":N,"time":T} */
	need = 2 + strlen(ev->kind) + 14 + tlen + refcnt_len + props_len +
	       (ev->parent ? 10 + plen : 0) + alen + (size_t)tail_len +
	       (ev->is_exit ? 10 + tmlen : 0) + 14 + ej->node_json_len + 10 + tmlen + 3;
	if (!out_reserve(ej, need + 1))
		return NULL;
#define PUT(s, n)                                                                                  \
	do {                                                                                       \
		memcpy(ej->out + o, (s), (n));                                                     \
		o += (n);                                                                          \
	} while (0)
#define PUTS(lit) PUT(lit, sizeof(lit) - 1)
	PUTS("{\"");
	PUT(ev->kind, strlen(ev->kind));
	PUTS("\":{\"process\":");
	if (props_len) {
		/* As in the tree: the exec event's copy has refcnt 1, the cached text none. */
		size_t r = refcnt_len ? ev->proc->json_refcnt_at : ev->proc->json_props_at;

		PUT(text, r);
		if (refcnt_len)
			PUTS(",\"refcnt\":1");
		PUT(text + r, ev->proc->json_props_at - r);
		PUT(ej->piece, props_len);
		PUT(text + ev->proc->json_props_at, tlen - ev->proc->json_props_at);
	} else {
		PUT(text, tlen);
	}
	if (ev->parent) {
		PUTS(",\"parent\":");
		PUT(ptext, plen);
	}
	if (!ev->is_exit)
		o += put_ancestors(ej, ev, ej->out + o, &ok);
	PUT(tail, (size_t)tail_len);
	if (ev->is_exit) {
		PUTS(",\"time\":\"");
		PUT(tm, tmlen);
		PUTS("\"");
		o += put_ancestors(ej, ev, ej->out + o, &ok);
	}
	PUTS("},\"node_name\":");
	PUT(ej->node_json, ej->node_json_len);
	PUTS(",\"time\":\"");
	PUT(tm, tmlen);
	PUTS("\"}");
#undef PUTS
#undef PUT
	ej->out[o] = '\0';
	*len = o;
	return ej->out;
}

void ejson_set_ancestors(struct ejson *ej, bool on)
{
	ej->ancestors = on;
}

/* The event's ancestors, when they are on and Tetragon would look for them (a process above
 * pid 2); a walk that stops at its bound is shortened like one cut to fit. */
static void find_ancestors(struct ejson *ej, struct ejson_ev *ev)
{
	bool more = false;

	ev->anc = ej->anc;
	ev->nanc = 0;
	if (!ej->ancestors || ev->proc->pid <= 2 || !ev->parent)
		return;
	ev->nanc = pcache_ancestors(ev->parent, ej->anc, PCACHE_ANCESTORS_MAX, &more);
	ev->nanc_found = ev->nanc;
	ev->anc_more = more;
}

/* The tree never writes to the processes: the casts only let one event struct serve both. */
const char *ejson_event_tree(struct ejson *ej, bool is_exit, const struct pcache_proc *proc,
	const struct pcache_proc *parent, uint32_t exit_code, uint64_t ktime, size_t *len)
{
	struct ejson_ev ev = {
		.kind = is_exit ? "process_exit" : "process_exec",
		.proc = (struct pcache_proc *)proc,
		.parent = (struct pcache_proc *)parent,
		.is_exit = is_exit,
		.exit_code = exit_code,
		.ktime = ktime,
	};

	find_ancestors(ej, &ev);
	return ejson_i_tree(ej, &ev, len);
}

const char *ejson_exec(struct ejson *ej, struct pcache_proc *proc, struct pcache_proc *parent,
	uint64_t ktime, size_t *len)
{
	struct ejson_ev ev = {
		.kind = "process_exec", .proc = proc, .parent = parent, .ktime = ktime};

	find_ancestors(ej, &ev);
	return ejson_i_fit(ej, &ev, len);
}

const char *ejson_exit(struct ejson *ej, struct pcache_proc *proc, struct pcache_proc *parent,
	uint32_t exit_code, uint64_t ktime, size_t *len)
{
	struct ejson_ev ev = {.kind = "process_exit",
		.proc = proc,
		.parent = parent,
		.is_exit = true,
		.exit_code = exit_code,
		.ktime = ktime};

	find_ancestors(ej, &ev);
	return ejson_i_fit(ej, &ev, len);
}
