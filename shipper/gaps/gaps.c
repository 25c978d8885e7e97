/* SPDX-License-Identifier: Apache-2.0 */
/* The runs of sequence numbers, per sender, and the report; see gaps.h for the rules.
 *
 * Numbers are kept unwrapped (wraps * 2147483647 + sequenceId) so that a run that wrapped
 * sorts as it was sent; the report sorts each run once and walks it. */
#include "shipper/gaps/gaps.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define SEQ_MAX 2147483647U
/* A wrap is a drop from the top quarter of the range to the bottom one. */
#define WRAP_WINDOW (SEQ_MAX / 4)
/* sysUpTime going back by more than this (hundredths of a second): the sender restarted. */
#define RESTART_UPTIME 100

struct run {
	uint64_t *seqs; /* unwrapped */
	size_t n, cap;
	uint64_t wraps;
	uint64_t top;	     /* the highest unwrapped number so far */
	uint32_t top_uptime; /* its sysUpTime */
	bool from_one;	     /* began at a restart: numbers count from 1 */
};

struct sender {
	char *name;
	struct run *runs;
	size_t nruns;
};

struct gaps {
	struct sender *senders;
	size_t n, cap;
};

struct gaps *gaps_new(void)
{
	struct gaps *g = calloc(1, sizeof(*g));

	if (!g)
		errno = ENOMEM;
	return g;
}

void gaps_free(struct gaps *g)
{
	size_t i, r;

	if (!g)
		return;
	for (i = 0; i < g->n; i++) {
		for (r = 0; r < g->senders[i].nruns; r++)
			free(g->senders[i].runs[r].seqs);
		free(g->senders[i].runs);
		free(g->senders[i].name);
	}
	free(g->senders);
	free(g);
}

static struct sender *find_sender(struct gaps *g, const char *name)
{
	struct sender *s;
	size_t i;

	for (i = 0; i < g->n; i++)
		if (strcmp(g->senders[i].name, name) == 0)
			return &g->senders[i];
	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 8;
		struct sender *ns = realloc(g->senders, cap * sizeof(*ns));

		if (!ns)
			return NULL;
		g->senders = ns;
		g->cap = cap;
	}
	s = &g->senders[g->n];
	memset(s, 0, sizeof(*s));
	s->name = strdup(name);
	if (!s->name)
		return NULL;
	g->n++;
	return s;
}

static struct run *new_run(struct sender *s, bool from_one)
{
	struct run *nr = realloc(s->runs, (s->nruns + 1) * sizeof(*nr));

	if (!nr)
		return NULL;
	s->runs = nr;
	memset(&nr[s->nruns], 0, sizeof(nr[0]));
	nr[s->nruns].from_one = from_one;
	return &nr[s->nruns++];
}

static int push(struct run *r, uint64_t u)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 256;
		uint64_t *ns = realloc(r->seqs, cap * sizeof(*ns));

		if (!ns)
			return -ENOMEM;
		r->seqs = ns;
		r->cap = cap;
	}
	r->seqs[r->n++] = u;
	return 0;
}

/* Does this number begin a new run of the sender (see gaps.h)? */
static bool restarted(const struct run *r, uint32_t seq, uint32_t uptime)
{
	uint32_t last = (uint32_t)((r->top - 1) % SEQ_MAX) + 1;

	return seq < last && uptime + RESTART_UPTIME < r->top_uptime;
}

int gaps_add(struct gaps *g, const char *sender, uint32_t seq, uint32_t uptime, bool restart)
{
	struct sender *s;
	struct run *r;
	uint32_t last;
	uint64_t u;

	if (seq == 0 || seq > SEQ_MAX)
		return -EINVAL;
	s = find_sender(g, sender ? sender : "-");
	if (!s)
		return -ENOMEM;
	r = s->nruns ? &s->runs[s->nruns - 1] : NULL;
	if (!r || restart || restarted(r, seq, uptime)) {
		/* The first run of the input counts from 1 only when it is seen to start. */
		r = new_run(s, !r ? restart || seq == 1 : true);
		if (!r)
			return -ENOMEM;
	}
	last = r->n ? (uint32_t)((r->top - 1) % SEQ_MAX) + 1 : 0;
	if (r->n && last > SEQ_MAX - WRAP_WINDOW && seq < WRAP_WINDOW)
		r->wraps++;
	u = r->wraps * SEQ_MAX + seq;
	/* A straggler from before the wrap belongs below it. */
	if (r->wraps && seq > SEQ_MAX - WRAP_WINDOW && u > r->top)
		u -= SEQ_MAX;
	if (u > r->top) {
		r->top = u;
		r->top_uptime = uptime;
	}
	return push(r, u);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint32_t shown(uint64_t u)
{
	return (uint32_t)((u - 1) % SEQ_MAX) + 1;
}

static void put_range(FILE *out, uint64_t from, uint64_t to, size_t k)
{
	fprintf(out, "%s%" PRIu32, k ? ", " : ": ", shown(from));
	if (to > from)
		fprintf(out, "-%" PRIu32, shown(to));
}

/* One run: sorts its numbers, then lists the holes between the first expected and the top. */
static void report_run(
	const struct sender *s, size_t i, struct run *r, FILE *out, struct gaps_totals *t)
{
	uint64_t first, expect, missing = 0, dups = 0, uniq = 0;
	size_t k, ranges = 0;

	qsort(r->seqs, r->n, sizeof(r->seqs[0]), cmp_u64);
	first = r->from_one ? 1 : r->seqs[0];
	expect = first;
	for (k = 0; k < r->n; k++) {
		if (k && r->seqs[k] == r->seqs[k - 1]) {
			dups++;
			continue;
		}
		uniq++;
		if (r->seqs[k] > expect)
			missing += r->seqs[k] - expect;
		expect = r->seqs[k] + 1;
	}
	fprintf(out,
		"%s: run %zu%s: sequenceId %" PRIu32 "-%" PRIu32 ", %" PRIu64 " received, %" PRIu64
		" missing",
		s->name, i + 1, r->from_one ? " (from its start)" : "", shown(first), shown(r->top),
		uniq, missing);
	if (dups)
		fprintf(out, ", %" PRIu64 " duplicates", dups);
	expect = first;
	for (k = 0; k < r->n && missing; k++) {
		if (r->seqs[k] > expect) {
			if (ranges < GAPS_RANGES_SHOWN)
				put_range(out, expect, r->seqs[k] - 1, ranges);
			ranges++;
		}
		if (r->seqs[k] >= expect)
			expect = r->seqs[k] + 1;
	}
	if (ranges > GAPS_RANGES_SHOWN)
		fprintf(out, ", ... (%zu ranges)", ranges);
	fputc('\n', out);
	t->runs++;
	t->received += uniq;
	t->missing += missing;
	t->duplicates += dups;
}

void gaps_report(const struct gaps *g, FILE *out, struct gaps_totals *totals)
{
	size_t i, r;

	memset(totals, 0, sizeof(*totals));
	for (i = 0; i < g->n; i++) {
		totals->senders++;
		for (r = 0; r < g->senders[i].nruns; r++)
			report_run(&g->senders[i], r, &g->senders[i].runs[r], out, totals);
	}
}
