/* SPDX-License-Identifier: Apache-2.0 */
/* regex_cost: what one filter regex costs per event, by PCRE2 engine and match limit.
 *
 *   regex_cost [--mdwe] [--reps N] [--len BYTES] [--limit N] [--block B] PATTERN...
 *
 * For each PATTERN and three subjects of --len bytes (4096) -- "crafted" (a's then one "!",
 * the textbook worst case for nested quantifiers such as (a+)+$), "cmdline" (a realistic
 * command line, repeated) and "blocks" (a "!" every B bytes, a's between: each start position
 * of the search stays under a match limit of about 2^(B-1), so the whole search costs the
 * length times that) -- times --reps matches with the JIT, the interpreter and the DFA
 * matcher (pcre2_dfa_match), under the match limit given (PCRE2's default: ten million). One
 * line each: result code, median and max ns per match, and the smallest match limit (per
 * start position, PCRE2's unit) and depth limit that give the same answer. --mdwe first
 * forbids writable+executable memory, as systemd's MemoryDenyWriteExecute=yes does: the JIT
 * then fails to compile and shows as "jit=unavailable". */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#ifndef PR_SET_MDWE
#define PR_SET_MDWE 65
#endif
#define MDWE_REFUSE_EXEC_GAIN 1
#define MAX_REPS	      1000
#define DFA_WS		      1000
#define BLOCK_DEFAULT	      14

static size_t block = BLOCK_DEFAULT; /* --block: the period of the "blocks" subject */

enum engine { ENG_JIT, ENG_INTERP, ENG_DFA };

struct run {
	pcre2_code *re;
	pcre2_code *dfa_re; /* compiled without PCRE2_MATCH_INVALID_UTF, which DFA refuses */
	const char *subject;
	pcre2_match_data *md;
	pcre2_match_context *mctx;
	int rc;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int match_once(struct run *r, enum engine e)
{
	int ws[DFA_WS];

	if (e == ENG_DFA)
		return pcre2_dfa_match(r->dfa_re, (PCRE2_SPTR)r->subject, PCRE2_ZERO_TERMINATED, 0,
			0, r->md, r->mctx, ws, DFA_WS);
	return pcre2_match(r->re, (PCRE2_SPTR)r->subject, PCRE2_ZERO_TERMINATED, 0,
		e == ENG_INTERP ? PCRE2_NO_JIT : 0, r->md, r->mctx);
}

/* The smallest match limit (per start position, PCRE2's unit) with which e gives its answer
 * rather than PCRE2_ERROR_MATCHLIMIT; 0 when even ten million is not enough. */
static uint32_t need_limit(struct run *r, enum engine e, uint32_t *depth)
{
	pcre2_match_context *saved = r->mctx;
	uint32_t lo = 1, hi = 10000000, mid;
	int rc;

	r->mctx = pcre2_match_context_create(NULL);
	pcre2_set_match_limit(r->mctx, hi);
	if (match_once(r, e) == PCRE2_ERROR_MATCHLIMIT)
		hi = 0;
	while (hi && lo < hi) {
		mid = lo + (hi - lo) / 2;
		pcre2_set_match_limit(r->mctx, mid);
		rc = match_once(r, e);
		if (rc == PCRE2_ERROR_MATCHLIMIT)
			lo = mid + 1;
		else
			hi = mid;
	}
	*depth = 0;
	if (hi && e == ENG_INTERP) {
		uint32_t dlo = 1, dhi = 10000000;

		pcre2_set_match_limit(r->mctx, 10000000);
		while (dlo < dhi) {
			mid = dlo + (dhi - dlo) / 2;
			pcre2_set_depth_limit(r->mctx, mid);
			rc = match_once(r, e);
			if (rc == PCRE2_ERROR_DEPTHLIMIT)
				dlo = mid + 1;
			else
				dhi = mid;
		}
		*depth = dhi;
	}
	pcre2_match_context_free(r->mctx);
	r->mctx = saved;
	return hi;
}

static void time_engine(struct run *r, enum engine e, int reps, const char *label)
{
	static const char *const names[] = {"jit", "interp", "dfa"};
	uint64_t t[MAX_REPS], t0;
	uint32_t need, depth = 0;
	int i;

	for (i = 0; i < reps; i++) {
		t0 = now_ns();
		r->rc = match_once(r, e);
		t[i] = now_ns() - t0;
	}
	qsort(t, (size_t)reps, sizeof(t[0]), cmp_u64);
	need = e == ENG_DFA ? 0 : need_limit(r, e, &depth);
	printf("%-28s %-7s rc=%-4d median_ns=%-10llu max_ns=%-10llu need_limit=%u need_depth=%u\n",
		label, names[e], r->rc, (unsigned long long)t[reps / 2],
		(unsigned long long)t[reps - 1], need, depth);
}

/* A command line as a shell script would run it, repeated to len bytes. */
static char *make_subject(size_t len, int kind)
{
	static const char words[] = "/usr/bin/python3 -m pip install --user --no-cache-dir "
				    "requests==2.31.0 -i https://pypi.example.org/simple ";
	char *s = malloc(len + 1);
	size_t i;

	if (!s)
		exit(1);
	for (i = 0; i < len; i++)
		s[i] = kind == 1		     ? words[i % (sizeof(words) - 1)]
		       : kind == 2 && i % block == 0 ? '!'
						     : 'a';
	if (kind == 0 && len)
		s[len - 1] = '!';
	s[len] = '\0';
	return s;
}

static void one_pattern(const char *pat, size_t len, int reps, uint32_t limit)
{
	static const char *const kinds[] = {"crafted", "cmdline", "blocks"};
	struct run r = {0};
	char label[64];
	PCRE2_SIZE off;
	int code, k;
	bool jit;

	r.re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED,
		PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_DOLLAR_ENDONLY, &code, &off, NULL);
	if (!r.re) {
		printf("%s: does not compile\n", pat);
		return;
	}
	r.dfa_re =
		pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &code, &off, NULL);
	jit = pcre2_jit_compile(r.re, PCRE2_JIT_COMPLETE) == 0;
	r.md = pcre2_match_data_create(1, NULL);
	r.mctx = pcre2_match_context_create(NULL);
	pcre2_set_match_limit(r.mctx, limit);
	for (k = 0; k < 3; k++) {
		r.subject = make_subject(len, k);
		snprintf(label, sizeof(label), "%.14s %s", pat, kinds[k]);
		if (jit)
			time_engine(&r, ENG_JIT, reps, label);
		else
			printf("%-28s jit=unavailable\n", label);
		time_engine(&r, ENG_INTERP, reps, label);
		time_engine(&r, ENG_DFA, reps, label);
		free((void *)r.subject);
	}
	pcre2_match_data_free(r.md);
	pcre2_match_context_free(r.mctx);
	pcre2_code_free(r.re);
	pcre2_code_free(r.dfa_re);
}

int main(int argc, char **argv)
{
	uint32_t limit = 10000000;
	size_t len = 4096;
	int i = 1, reps = 21;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--mdwe")) {
			if (prctl(PR_SET_MDWE, MDWE_REFUSE_EXEC_GAIN, 0, 0, 0) != 0)
				perror("prctl(PR_SET_MDWE)");
		} else if (!strcmp(argv[i], "--reps") && i + 1 < argc) {
			reps = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--len") && i + 1 < argc) {
			len = (size_t)strtoul(argv[++i], NULL, 10);
		} else if (!strcmp(argv[i], "--block") && i + 1 < argc) {
			block = (size_t)strtoul(argv[++i], NULL, 10);
		} else if (!strcmp(argv[i], "--limit") && i + 1 < argc) {
			limit = (uint32_t)strtoul(argv[++i], NULL, 10);
		} else {
			break;
		}
	}
	if (reps < 1 || reps > MAX_REPS || i == argc) {
		fprintf(stderr,
			"usage: regex_cost [--mdwe] [--reps N<=%d] [--len B] [--limit N] "
			"PATTERN...\n",
			MAX_REPS);
		return 2;
	}
	for (; i < argc; i++)
		one_pattern(argv[i], len, reps, limit);
	return 0;
}
