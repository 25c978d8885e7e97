/* SPDX-License-Identifier: Apache-2.0 */
/* Tetragon export filters: JSON filter objects compiled once to PCRE2 code and pid arrays. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "lib/pathclean.h"
#include "shipper/admit/budget.h"
#include "shipper/admit/filters.h"

/* PCRE2's match limit applies to each start position of an unanchored search, so one call
 * costs up to the subject's length times MATCH_LIMIT steps: the limit keeps each position
 * cheap, and the time budget below bounds the whole. It also bounds the depth (one frame per
 * step). bench/FINDINGS.md, finding 23, has the figures. */
#define MATCH_LIMIT   1000
#define REPORT_NS     (60 * 1000000000ULL)
#define JIT_STACK_MIN (32 * 1024)
#define JIT_STACK_MAX (512 * 1024)
/* Regex time per window, for each uid and for all together (see filters.h). */
#define BUDGET_WINDOW_NS (100 * 1000000ULL)
#define BUDGET_UID_NS	 (FILTERS_BUDGET_UID_MS * 1000000ULL)
#define BUDGET_ALL_NS	 (FILTERS_BUDGET_ALL_MS * 1000000ULL)
#define TOP_UIDS	 8    /* uids whose skips are counted apart, for the report */
#define FILTERS_PATH_MAX 4096 /* PATH_MAX */

struct rx_list {
	pcre2_code **re;
	size_t n;
	size_t interpreted; /* of them, not JIT-compiled */
};

struct pid_list {
	uint32_t *pid;
	size_t n;
};

struct filter {
	bool has_events;     /* event_set given: the event must be in `events` */
	unsigned int events; /* enum filters_event bits */
	struct pid_list pid, pid_set;
	struct rx_list binary, parent_binary, arguments;
};

struct filter_list {
	struct filter *f;
	size_t n;
};

/* The regex time budget, and what was decided without running regexes. */
struct rx_budget {
	struct budget b;
	bool over; /* the event being matched is over budget: its regexes are not run */
	uint64_t skips;
	uint64_t told_ns; /* of the last filters_budget_skips_due report */
	uint32_t uid;	  /* of the event being matched */
	bool all;	  /* ... which is over the shared budget, not only its own */
	/* .skips: skips at the last report; .everyone: those over the shared budget since */
	struct filters_budget_report since;
	struct {
		uint32_t uid;
		uint64_t n;
	} top[TOP_UIDS];
};

struct filters {
	struct filter_list allow, deny;
	bool has_regex;
	pcre2_match_data *md;
	pcre2_match_context *mctx;
	pcre2_jit_stack *jit_stack;
	bool interpreted; /* some regex is not JIT-compiled */
	uint64_t match_errors;
	uint64_t errors_told; /* by filters_match_errors_due, at told_ns */
	uint64_t told_ns;
	struct rx_budget budget;
	char path_buf[FILTERS_PATH_MAX], parent_buf[FILTERS_PATH_MAX];
};

/* Where a parse error is reported: "allowlist line 3: ". */
struct where {
	const char *list;
	int line;
	char *err;
	size_t errlen;
};

static int perr(const struct where *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int perr(const struct where *w, const char *fmt, ...)
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

/* ---- matching (hot path) ------------------------------------------------------------------ */

static bool pid_in(const struct pid_list *l, uint32_t pid)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->pid[i] == pid)
			return true;
	return false;
}

/* Which uid is behind most skips: the space-saving count over a few slots, exact while
 * there are no more uids than slots, and never missing a uid that has most of the skips. */
static void note_skip(struct rx_budget *b)
{
	size_t i, min = 0;

	b->skips++;
	if (b->all)
		b->since.everyone++;
	for (i = 0; i < TOP_UIDS; i++) {
		if (b->top[i].n && b->top[i].uid == b->uid) {
			b->top[i].n++;
			return;
		}
		if (b->top[i].n < b->top[min].n)
			min = i;
	}
	b->top[min].uid = b->uid;
	b->top[min].n++;
}

/* A regex that fails (the match limit on a crafted argument) must not decide against the
 * event: err_match is the answer that exports it, true in the allowlist, false in the
 * denylist. */
static bool rx_any(struct filters *fs, const struct rx_list *l, const char *s, bool err_match)
{
	size_t i;
	int rc;

	for (i = 0; i < l->n; i++) {
		if (fs->budget.over) {
			note_skip(&fs->budget);
			if (err_match)
				return true;
			continue;
		}
		rc = pcre2_match(
			l->re[i], (PCRE2_SPTR)s, PCRE2_ZERO_TERMINATED, 0, 0, fs->md, fs->mctx);
		if (rc >= 0)
			return true;
		if (rc == PCRE2_ERROR_NOMATCH)
			continue;
		fs->match_errors++;
		if (err_match)
			return true;
	}
	return false;
}

/* Cheap checks first: the event type and pids cost nothing next to a regex. */
static bool filter_match(struct filters *fs, const struct filter *f, bool err_match,
	enum filters_event ev, const char *binary, const char *parent_binary, const char *arguments,
	uint32_t pid, uint32_t ppid)
{
	if (f->has_events && !(f->events & ev))
		return false;
	if (f->pid.n && !pid_in(&f->pid, pid))
		return false;
	if (f->pid_set.n && !pid_in(&f->pid_set, pid) && !(ppid && pid_in(&f->pid_set, ppid)))
		return false;
	if (f->binary.n && !rx_any(fs, &f->binary, binary, err_match))
		return false;
	if (f->parent_binary.n &&
		(!parent_binary || !rx_any(fs, &f->parent_binary, parent_binary, err_match)))
		return false;
	if (f->arguments.n && !rx_any(fs, &f->arguments, arguments, err_match))
		return false;
	return true;
}

static bool list_match(struct filters *fs, const struct filter_list *l, bool err_match,
	enum filters_event ev, const char *binary, const char *parent_binary, const char *arguments,
	uint32_t pid, uint32_t ppid)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (filter_match(fs, &l->f[i], err_match, ev, binary, parent_binary, arguments, pid,
			    ppid))
			return true;
	return false;
}

/* ---- paths as spelled ------------------------------------------------------------------------ */

/* The one place that decides which spelling of a path the regexes see: the cleaned one, so
 * that "/usr/bin//id", "/usr/./bin/id" and "/usr/lib/../bin/id" are all "/usr/bin/id". A
 * path too long for buf is matched as given. */
static const char *path_for_match(const char *path, char *buf, size_t size)
{
	/* "" stays "" (no binary), where filepath.Clean would say "." */
	if (!path || !path[0] || pathclean(path, strlen(path), buf, size) < 0)
		return path;
	return buf;
}

bool filters_pass(struct filters *f, enum filters_event ev, const char *binary,
	const char *parent_binary, const char *arguments, uint32_t pid, uint32_t ppid)
{
	if (!binary)
		binary = "";
	if (!arguments)
		arguments = "";
	binary = path_for_match(binary, f->path_buf, sizeof(f->path_buf));
	parent_binary = path_for_match(parent_binary, f->parent_buf, sizeof(f->parent_buf));
	if (f->allow.n &&
		!list_match(f, &f->allow, true, ev, binary, parent_binary, arguments, pid, ppid))
		return false;
	return !list_match(f, &f->deny, false, ev, binary, parent_binary, arguments, pid, ppid);
}

/* ---- the time budget ------------------------------------------------------------------------ */

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

bool filters_check(struct filters *f, const struct filters_subject *e, uint64_t now_ns)
{
	struct rx_budget *rb = &f->budget;
	enum budget_verdict v;
	uint64_t spent;
	bool pass;

	if (!f->has_regex || e->scan)
		return filters_pass(
			f, e->ev, e->binary, e->parent_binary, e->arguments, e->pid, e->ppid);
	v = budget_ask(&rb->b, e->uid, now_ns);
	rb->over = v != BUDGET_OK;
	if (rb->over) {
		rb->all = v == BUDGET_OVER_ALL;
		rb->uid = e->uid;
	}
	pass = filters_pass(f, e->ev, e->binary, e->parent_binary, e->arguments, e->pid, e->ppid);
	rb->over = false;
	spent = mono_ns() - now_ns;
	/* now_ns from another clock (a test): charge nothing rather than an absurd figure. */
	if (spent > BUDGET_WINDOW_NS * 10)
		spent = 0;
	budget_charge(&rb->b, spent);
	return pass;
}

uint64_t filters_budget_skips(const struct filters *f)
{
	return f->budget.skips;
}

bool filters_budget_skips_due(struct filters *f, uint64_t now_ns, struct filters_budget_report *r)
{
	struct rx_budget *b = &f->budget;
	size_t i, top = 0;

	if (b->skips == b->since.skips || (b->told_ns && now_ns - b->told_ns < REPORT_NS))
		return false;
	for (i = 1; i < TOP_UIDS; i++)
		if (b->top[i].n > b->top[top].n)
			top = i;
	r->skips = b->skips - b->since.skips;
	r->everyone = b->since.everyone;
	r->uid = b->top[top].uid;
	r->uid_skips = b->top[top].n;
	memset(b->top, 0, sizeof(b->top));
	b->since.skips = b->skips;
	b->since.everyone = 0;
	b->told_ns = now_ns;
	return true;
}

bool filters_interpreted(const struct filters *f)
{
	return f->interpreted;
}

bool filters_active(const struct filters *f)
{
	return f->allow.n || f->deny.n;
}

uint64_t filters_match_errors(const struct filters *f)
{
	return f->match_errors;
}

uint64_t filters_match_errors_due(struct filters *f, uint64_t now_ns)
{
	uint64_t n = f->match_errors - f->errors_told;

	if (!n || (f->told_ns && now_ns - f->told_ns < REPORT_NS))
		return 0;
	f->errors_told = f->match_errors;
	f->told_ns = now_ns;
	return n;
}

/* ---- parsing ------------------------------------------------------------------------------- */

/* Tetragon's event types other than the two procship produces: valid names, never matched. */
static const char *const other_events[] = {
	"PROCESS_KPROBE",
	"PROCESS_TRACEPOINT",
	"PROCESS_UPROBE",
	"PROCESS_LOADER",
	"PROCESS_LSM",
	"PROCESS_THROTTLE",
	"PROCESS_USDT",
	"RATE_LIMIT_INFO",
	"TEST",
};

/* Tetragon filter fields that need what procship does not have (Kubernetes, policies, ...). */
static const char *const unsupported[] = {
	"namespace",
	"health_check",
	"pod_regex",
	"labels",
	"policy_names",
	"capabilities",
	"cel_expression",
	"parent_arguments_regex",
	"container_id",
	"in_init_tree",
	"ancestor_binary_regex",
};

static bool in_table(const char *const *t, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(t[i], s))
			return true;
	return false;
}

static int get_array(const struct where *w, const char *key, struct fjson_object *v, int *n)
{
	if (!fjson_object_is_type(v, fjson_type_array))
		return perr(w, "%s: expected an array", key);
	*n = fjson_object_array_length(v);
	return 0;
}

static int parse_events(const struct where *w, struct filter *f, struct fjson_object *v)
{
	struct fjson_object *e;
	const char *s;
	int n = 0, i, ret;

	ret = get_array(w, "event_set", v, &n);
	if (ret < 0)
		return ret;
	f->has_events = n > 0;
	for (i = 0; i < n; i++) {
		e = fjson_object_array_get_idx(v, i);
		if (!fjson_object_is_type(e, fjson_type_string))
			return perr(w, "event_set: expected event type names");
		s = fjson_object_get_string(e);
		if (!strcmp(s, "PROCESS_EXEC"))
			f->events |= FILTERS_EXEC;
		else if (!strcmp(s, "PROCESS_EXIT"))
			f->events |= FILTERS_EXIT;
		else if (!in_table(other_events, sizeof(other_events) / sizeof(other_events[0]), s))
			return perr(w, "event_set: unknown event type \"%s\"", s);
	}
	return 0;
}

static int parse_pids(
	const struct where *w, const char *key, struct pid_list *l, struct fjson_object *v)
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
			return perr(w, "%s: expected pids (integers 0..4294967295)", key);
		l->pid[l->n++] = (uint32_t)x;
	}
	return 0;
}

static int parse_regexes(
	const struct where *w, const char *key, struct rx_list *l, struct fjson_object *v)
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
			return perr(w, "%s: expected regular expressions (strings)", key);
		s = fjson_object_get_string(e);
		l->re[i] = pcre2_compile((PCRE2_SPTR)s, (PCRE2_SIZE)fjson_object_get_string_len(e),
			PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_NEVER_BACKSLASH_C, &code, &off,
			NULL);
		if (!l->re[i]) {
			pcre2_get_error_message(code, msg, sizeof(msg));
			return perr(w, "%s \"%s\": %s at offset %zu", key, s, (const char *)msg,
				(size_t)off);
		}
		l->n++;
		/* JIT when the platform has it (not under MemoryDenyWriteExecute=yes); the
		 * interpreter otherwise. */
		if (pcre2_jit_compile(l->re[i], PCRE2_JIT_COMPLETE) != 0)
			l->interpreted++;
	}
	return 0;
}

static int parse_filter(const struct where *w, struct filter *f, struct fjson_object *obj)
{
	struct fjson_object_iterator it = fjson_object_iter_begin(obj);
	struct fjson_object_iterator end = fjson_object_iter_end(obj);
	struct fjson_object *v;
	const char *key;
	int ret;

	for (; !fjson_object_iter_equal(&it, &end); fjson_object_iter_next(&it)) {
		key = fjson_object_iter_peek_name(&it);
		v = fjson_object_iter_peek_value(&it);
		if (!strcmp(key, "event_set"))
			ret = parse_events(w, f, v);
		else if (!strcmp(key, "binary_regex"))
			ret = parse_regexes(w, key, &f->binary, v);
		else if (!strcmp(key, "parent_binary_regex"))
			ret = parse_regexes(w, key, &f->parent_binary, v);
		else if (!strcmp(key, "arguments_regex"))
			ret = parse_regexes(w, key, &f->arguments, v);
		else if (!strcmp(key, "pid"))
			ret = parse_pids(w, key, &f->pid, v);
		else if (!strcmp(key, "pid_set"))
			ret = parse_pids(w, key, &f->pid_set, v);
		else if (in_table(unsupported, sizeof(unsupported) / sizeof(unsupported[0]), key))
			ret = perr(w, "%s: Tetragon filter field not supported by procship", key);
		else
			ret = perr(w, "unknown field \"%s\"", key);
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
	free(f->binary.re);
	free(f->parent_binary.re);
	free(f->arguments.re);
	free(f->pid.pid);
	free(f->pid_set.pid);
}

static void free_list(struct filter_list *l)
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
static int parse_list(
	struct filter_list *l, const char *name, const char *text, char *err, size_t errlen)
{
	struct where w = {.list = name, .line = 1, .err = err, .errlen = errlen};
	struct fjson_tokener *tok;
	struct fjson_object *obj;
	enum fjson_tokener_error jerr;
	size_t len = text ? strlen(text) : 0, off = 0, end, cap = 0;
	struct filter *tmp;
	int ret = 0;

	if (len > INT32_MAX)
		return perr(&w, "filter text too long");
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
			ret = perr(&w, "invalid JSON: %s",
				jerr == fjson_tokener_continue ? "unexpected end of text"
							       : fjson_tokener_error_desc(jerr));
			break;
		}
		if (!fjson_object_is_type(obj, fjson_type_object)) {
			fjson_object_put(obj);
			ret = perr(&w, "expected a JSON object");
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

static void count_list(const struct filter_list *l, size_t *n, size_t *jit)
{
	const struct filter *f;
	size_t i;

	for (i = 0; i < l->n; i++) {
		f = &l->f[i];
		*n += f->binary.n + f->parent_binary.n + f->arguments.n;
		*jit += f->binary.n + f->parent_binary.n + f->arguments.n - f->binary.interpreted -
			f->parent_binary.interpreted - f->arguments.interpreted;
	}
}

static void count_regexes(struct filters *f)
{
	size_t n = 0, jit = 0;

	count_list(&f->allow, &n, &jit);
	count_list(&f->deny, &n, &jit);
	f->has_regex = n > 0;
	f->interpreted = jit < n;
}

struct filters *filters_new(const char *allow, const char *deny, char *err, size_t errlen)
{
	struct filters *f = calloc(1, sizeof(*f));
	int ret = -ENOMEM;

	if (!f)
		goto err_out;
	ret = parse_list(&f->allow, "allowlist", allow, err, errlen);
	if (ret < 0)
		goto err_out;
	ret = parse_list(&f->deny, "denylist", deny, err, errlen);
	if (ret < 0)
		goto err_out;
	ret = -ENOMEM;
	budget_init(&f->budget.b, BUDGET_WINDOW_NS, BUDGET_UID_NS, BUDGET_ALL_NS);
	/* One match block for every regex: one capture pair is all a yes/no needs. */
	f->md = pcre2_match_data_create(1, NULL);
	f->mctx = pcre2_match_context_create(NULL);
	f->jit_stack = pcre2_jit_stack_create(JIT_STACK_MIN, JIT_STACK_MAX, NULL);
	if (!f->md || !f->mctx || !f->jit_stack)
		goto err_out;
	pcre2_set_match_limit(f->mctx, MATCH_LIMIT);
	count_regexes(f);
	pcre2_jit_stack_assign(f->mctx, NULL, f->jit_stack);
	return f;
err_out:
	if (ret == -ENOMEM)
		snprintf(err, errlen, "filters: %s", strerror(ENOMEM));
	filters_free(f);
	errno = -ret;
	return NULL;
}

void filters_free(struct filters *f)
{
	if (!f)
		return;
	free_list(&f->allow);
	free_list(&f->deny);
	pcre2_match_data_free(f->md);
	pcre2_match_context_free(f->mctx);
	pcre2_jit_stack_free(f->jit_stack);
	free(f);
}
