/* SPDX-License-Identifier: Apache-2.0 */
/* Tetragon export filters: matching compiled filters (filters_parse.c builds them), under a
 * regex time budget. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json.h>

#include "lib/pathclean.h"
#include "shipper/admit/budget.h"
#include "shipper/admit/filters.h"
#include "shipper/admit/filters_int.h"

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
#define TOP_UIDS	 8 /* uids whose skips are counted apart, for the report */
/* A match that took longer than SLOW_NS of wall-clock time is charged no more than the CPU
 * time the thread used since its mark, refreshed before a match when older than MARK_NS. */
#define SLOW_NS		 (200 * 1000ULL)
#define MARK_NS		 (1000 * 1000ULL)
#define FILTERS_PATH_MAX 4096 /* PATH_MAX */
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
	uint64_t mark_mono, mark_cpu; /* CLOCK_MONOTONIC and the thread's CPU clock, together */
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
	bool uses_ancestors;
	char path_buf[FILTERS_PATH_MAX], parent_buf[FILTERS_PATH_MAX], anc_buf[FILTERS_PATH_MAX];
};

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

static const char *path_for_match(const char *path, char *buf, size_t size);

/* Tetragon's ancestor_binary_regex: any ancestor's binary (cleaned) matches any regex; an
 * event without ancestors does not match. */
static bool ancestors_match(
	struct filters *fs, const struct rx_list *l, const struct filters_subject *e, bool err)
{
	size_t i;

	for (i = 0; i < e->nancestors; i++)
		if (rx_any(fs, l,
			    path_for_match(e->ancestor_binaries[i] ? e->ancestor_binaries[i] : "",
				    fs->anc_buf, sizeof(fs->anc_buf)),
			    err))
			return true;
	return false;
}

/* Cheap checks first: the event type, pids and flags cost nothing next to a regex. */
static bool filter_match(
	struct filters *fs, const struct filter *f, bool err_match, const struct filters_subject *e)
{
	if (f->has_events && !(f->events & e->ev))
		return false;
	if (f->pid.n && !pid_in(&f->pid, e->pid))
		return false;
	if (f->pid_set.n && !pid_in(&f->pid_set, e->pid) &&
		!(e->ppid && pid_in(&f->pid_set, e->ppid)))
		return false;
	if (f->in_init_tree >= 0 && f->in_init_tree != (int)e->in_init_tree)
		return false;
	if (!filters_i_caps_match(&f->caps, e->caps))
		return false;
	if (f->binary.n && !rx_any(fs, &f->binary, e->binary, err_match))
		return false;
	if (f->parent_binary.n &&
		(!e->parent_binary || !rx_any(fs, &f->parent_binary, e->parent_binary, err_match)))
		return false;
	if (f->arguments.n && !rx_any(fs, &f->arguments, e->arguments, err_match))
		return false;
	/* Tetragon's GetParent: no parent, no match. */
	if (f->parent_arguments.n &&
		(!e->parent_arguments ||
			!rx_any(fs, &f->parent_arguments, e->parent_arguments, err_match)))
		return false;
	if (f->ancestor_binary.n && !ancestors_match(fs, &f->ancestor_binary, e, err_match))
		return false;
	return true;
}

static bool list_match(struct filters *fs, const struct filter_list *l, bool err_match,
	const struct filters_subject *e)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (filter_match(fs, &l->f[i], err_match, e))
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

static bool pass_subject(struct filters *f, const struct filters_subject *subj)
{
	struct filters_subject e = *subj;

	e.binary = path_for_match(e.binary ? e.binary : "", f->path_buf, sizeof(f->path_buf));
	e.parent_binary = path_for_match(e.parent_binary, f->parent_buf, sizeof(f->parent_buf));
	if (!e.arguments)
		e.arguments = "";
	if (f->allow.n && !list_match(f, &f->allow, true, &e))
		return false;
	return !list_match(f, &f->deny, false, &e);
}

bool filters_pass(struct filters *f, enum filters_event ev, const char *binary,
	const char *parent_binary, const char *arguments, uint32_t pid, uint32_t ppid)
{
	struct filters_subject e = {.ev = ev,
		.binary = binary,
		.parent_binary = parent_binary,
		.arguments = arguments,
		.pid = pid,
		.ppid = ppid};

	return pass_subject(f, &e);
}

bool filters_uses_ancestors(const struct filters *f)
{
	return f->uses_ancestors;
}

/* ---- the time budget ------------------------------------------------------------------------ */

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
		return UINT64_MAX;
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* What a match that began at now_ns and took `spent` of wall-clock time is charged. Wall-clock
 * time is free to read (vDSO) but counts the time the thread was preempted: on a loaded host
 * one preemption inside a cheap match would put its uid over budget, and every event of that
 * uid for the rest of the window would be decided without its regexes. So a slow match is
 * charged the CPU time the thread used since the mark, which was taken before the match began:
 * never less than the match's own CPU time, never more than its wall-clock time. The thread's
 * CPU clock is a real system call, read at most once per MARK_NS before a match and once per
 * slow match. */
static uint64_t charge_for(struct rx_budget *rb, uint64_t now_ns, uint64_t spent)
{
	uint64_t cpu;

	if (spent <= SLOW_NS || rb->mark_cpu == UINT64_MAX)
		return spent;
	cpu = thread_cpu_ns();
	if (cpu == UINT64_MAX || cpu < rb->mark_cpu)
		return spent;
	if (cpu - rb->mark_cpu < spent)
		spent = cpu - rb->mark_cpu;
	/* what was used up to here is charged once */
	rb->mark_cpu = cpu;
	rb->mark_mono = now_ns;
	return spent;
}

bool filters_check(struct filters *f, const struct filters_subject *e, uint64_t now_ns)
{
	struct rx_budget *rb = &f->budget;
	enum budget_verdict v;
	uint64_t spent, end;
	bool pass;

	if (!f->has_regex || e->scan)
		return pass_subject(f, e);
	if (now_ns - rb->mark_mono > MARK_NS || now_ns < rb->mark_mono) {
		rb->mark_mono = now_ns;
		rb->mark_cpu = thread_cpu_ns();
	}
	v = budget_ask(&rb->b, e->uid, now_ns);
	rb->over = v != BUDGET_OK;
	if (rb->over) {
		rb->all = v == BUDGET_OVER_ALL;
		rb->uid = e->uid;
	}
	pass = pass_subject(f, e);
	rb->over = false;
	end = mono_ns();
	spent = end - now_ns;
	/* now_ns from another clock (a test): charge nothing rather than an absurd figure. */
	if (spent > BUDGET_WINDOW_NS * 10)
		spent = 0;
	budget_charge(&rb->b, charge_for(rb, end, spent));
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

static void count_list(const struct filter_list *l, size_t *n, size_t *jit)
{
	const struct filter *f;
	size_t i;

	for (i = 0; i < l->n; i++) {
		f = &l->f[i];
		const struct rx_list *rx[] = {&f->binary, &f->parent_binary, &f->arguments,
			&f->parent_arguments, &f->ancestor_binary};
		size_t j;

		for (j = 0; j < sizeof(rx) / sizeof(rx[0]); j++) {
			*n += rx[j]->n;
			*jit += rx[j]->n - rx[j]->interpreted;
		}
	}
}

static bool needs(const struct filter *f, enum filters_need need)
{
	return ((need & FILTERS_NEED_ANCESTORS) && f->ancestor_binary.n) ||
	       ((need & FILTERS_NEED_CAPS) && f->caps.given) ||
	       ((need & FILTERS_NEED_PID_SET) && f->pid_set.n);
}

static const struct filter *first_need(const struct filter_list *l, enum filters_need need)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (needs(&l->f[i], need))
			return &l->f[i];
	return NULL;
}

const char *filters_needs(const struct filters *f, enum filters_need need, char *buf, size_t buflen)
{
	const struct filter *x = first_need(&f->allow, need);
	const char *list = "allowlist";

	if (!x) {
		x = first_need(&f->deny, need);
		list = "denylist";
	}
	if (!x)
		return NULL;
	snprintf(buf, buflen, "%s line %d", list, x->line);
	return buf;
}

/* The first Tetragon type of x's that ok refuses, or NULL: its event_set's, or without one
 * every type Tetragon gives ancestors to, as its CheckAncestorsEnabled does. */
static const char *type_unmet(const struct filter *x, filters_type_ok ok, const void *arg)
{
	unsigned int types = x->types ? x->types : (1u << FILTERS_I_ANCESTOR_TYPES) - 1;
	int i;

	for (i = 0; i < FILTERS_I_NTYPES; i++)
		if ((types & (1u << i)) && !ok(filters_i_types[i], arg))
			return filters_i_types[i];
	return NULL;
}

static const char *list_unmet(
	const struct filter_list *l, filters_type_ok ok, const void *arg, const struct filter **at)
{
	const char *type = NULL;
	size_t i;

	for (i = 0; i < l->n && !type; i++)
		if (l->f[i].ancestor_binary.n && (type = type_unmet(&l->f[i], ok, arg)))
			*at = &l->f[i];
	return type;
}

const char *filters_ancestors_unmet(const struct filters *f, filters_type_ok ok, const void *arg,
	const char **type, char *buf, size_t buflen)
{
	const struct filter *x = NULL;
	const char *list = "allowlist";

	*type = list_unmet(&f->allow, ok, arg, &x);
	if (!*type) {
		*type = list_unmet(&f->deny, ok, arg, &x);
		list = "denylist";
	}
	if (!*type)
		return NULL;
	snprintf(buf, buflen, "%s line %d", list, x->line);
	return buf;
}

static void count_regexes(struct filters *f)
{
	size_t n = 0, jit = 0;

	f->uses_ancestors = first_need(&f->allow, FILTERS_NEED_ANCESTORS) ||
			    first_need(&f->deny, FILTERS_NEED_ANCESTORS);
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
	ret = filters_i_parse_list(&f->allow, "allowlist", allow, err, errlen);
	if (ret < 0)
		goto err_out;
	ret = filters_i_parse_list(&f->deny, "denylist", deny, err, errlen);
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
	filters_i_free_list(&f->allow);
	filters_i_free_list(&f->deny);
	pcre2_match_data_free(f->md);
	pcre2_match_context_free(f->mctx);
	pcre2_jit_stack_free(f->jit_stack);
	free(f);
}
