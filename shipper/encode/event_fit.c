/* SPDX-License-Identifier: Apache-2.0 */
/* Events longer than the output can carry, shortened so that their JSON stays whole: the
 * ancestors first (the farthest go, flagged truncAncestors on the process), then the
 * environment variables (the last entries go, the parent's before the process's, flagged
 * truncEnvs), then the longest strings (arguments, then paths, each cut flagged). */
#include <stdlib.h>
#include <string.h>

#include "lib/utf8.h"
#include "shipper/encode/env_json.h"
#include "shipper/encode/event_json_int.h"

/* One string that may be shortened to fit, and the flag that says it was. */
struct cuttable {
	char **field;
	uint32_t *flags;
	uint32_t flag;
};

/* Take `excess` bytes off the longest strings of the group: every string longer than a level L
 * is cut to L, with L as high as still saves enough, so short strings (a binary's path) stay
 * whole while a long one is cut. JSON escaping only makes the saving larger. owned[i] holds
 * the copy made for c[i]. Returns false when the group has nothing left to cut. */
static bool cut_group(struct cuttable *c, size_t n, size_t excess, char **owned)
{
	size_t lens[4], maxlen = 0, lo = 0, hi, i;
	bool cut = false;

	for (i = 0; i < n; i++) {
		lens[i] = *c[i].field ? strlen(*c[i].field) : 0;
		if (lens[i] > maxlen)
			maxlen = lens[i];
	}
	if (maxlen == 0)
		return false;
	/* The highest level whose cuts add up to at least excess (0 when even that is short). */
	hi = maxlen;
	while (lo < hi) {
		size_t mid = lo + (hi - lo + 1) / 2, saved = 0;

		for (i = 0; i < n; i++)
			saved += lens[i] > mid ? lens[i] - mid : 0;
		if (saved >= excess)
			lo = mid;
		else
			hi = mid - 1;
	}
	for (i = 0; i < n; i++) {
		size_t keep;
		char *copy;

		if (lens[i] <= lo)
			continue;
		keep = utf8_cut(*c[i].field, lens[i], lo);
		copy = strndup(*c[i].field, keep);
		if (!copy)
			return cut;
		free(owned[i]);
		owned[i] = copy;
		*c[i].field = copy;
		*c[i].flags |= c[i].flag;
		cut = true;
	}
	return cut;
}

/* Bytes the ancestors add to an event: ,"ancestors":[ and ], a comma between two; 0 when a
 * process object cannot be built. */
static size_t ancestors_len(struct ejson *ej, const struct ejson_ev *ev, size_t n)
{
	size_t i, alen, total = 15;

	for (i = 0; i < n; i++) {
		if (!ejson_i_process_text(ej, ev->anc[i], &alen))
			return 0;
		total += alen + (i ? 1 : 0);
	}
	return n ? total : 0;
}

/* The event with the nearest ancestors that fit, its process a copy flagged truncAncestors
 * (whose object is built afresh into flagged->json, which the caller frees). */
static const char *fit_ancestors(
	struct ejson *ej, struct ejson_ev *ev, struct pcache_proc *flagged, size_t *len)
{
	size_t n = ev->nanc, base, alen, total, i;
	const char *json;

	memcpy(flagged, ev->proc, sizeof(*flagged));
	flagged->flags |= PS_F_TRUNC_ANCESTORS;
	flagged->json = NULL;
	flagged->json_len = 0;
	ev->proc = flagged;
	ev->nanc = 0;
	json = ejson_i_fast(ej, ev, len);
	if (!json)
		return NULL;
	base = *len;
	/* The nearest that fit stay, the farthest go. */
	if (ej->max_len) {
		for (i = 0, total = base + 15; i < n; i++) {
			if (!ejson_i_process_text(ej, ev->anc[i], &alen))
				return NULL;
			total += alen + (i ? 1 : 0);
			if (total > ej->max_len)
				break;
		}
		n = i;
	}
	ej->stats.ancestors_cut++;
	ej->stats.ancestors_dropped += ev->nanc_found - n;
	ev->nanc = n;
	return n ? ejson_i_fast(ej, ev, len) : json;
}

/* Whether the event, ancestors and all, fits: measured on the event without them (a copy of
 * the cached objects, cheap) before the whole is written, so that a deep ancestry is not
 * written out only to be cut. */
static bool ancestors_fit(struct ejson *ej, struct ejson_ev *ev)
{
	struct ejson_ev bare = *ev;
	size_t len = 0, alen;

	if (ev->anc_more)
		return false;
	if (!ej->max_len)
		return true;
	bare.nanc = 0;
	alen = ancestors_len(ej, ev, ev->nanc);
	return ejson_i_fast(ej, &bare, &len) && alen && len + alen <= ej->max_len;
}

/* One round of shortening: the copies' text written directly, as ejson_i_fast does for the
 * cached entries (a libfastjson tree per round cost more than the rest of an event with
 * 8 KiB of arguments); the tree when that cannot be built. */
static const char *reencode(struct ejson *ej, struct ejson_ev *cut, size_t *len)
{
	const char *json = ejson_i_fast(ej, cut, len);

	pcache_proc_set_json(cut->proc, NULL, 0);
	if (cut->parent)
		pcache_proc_set_json(cut->parent, NULL, 0);
	return json ? json : ejson_i_tree(ej, cut, len);
}

/* The environment of the copies cut, the parent's first, to the entries that leave the event
 * within max_len: dropping R bytes of entries saves at least R bytes of JSON, so one cut of
 * each is enough. A cut is a shorter length of the same block: nothing is copied. */
static const char *fit_envs(struct ejson *ej, struct ejson_ev *cut, const char *json, size_t *len)
{
	struct pcache_proc *order[2] = {cut->parent, cut->proc};
	size_t i, keep, j;

	for (i = 0; i < 2 && json && *len > ej->max_len; i++) {
		struct pcache_proc *q = order[i];
		size_t excess = *len - ej->max_len;

		if (!q || !q->envs_len)
			continue;
		keep = envjson_prefix(
			q->envs, q->envs_len, q->envs_len > excess ? q->envs_len - excess : 0);
		q->envs_count = 0;
		for (j = 0; j < keep; j++)
			q->envs_count += q->envs[j] == '\0';
		q->envs_len = keep;
		q->flags |= PS_F_TRUNC_ENVS;
		ej->stats.envs_cut++;
		json = reencode(ej, cut, len);
	}
	return json;
}

const char *ejson_i_fit(struct ejson *ej, struct ejson_ev *ev, size_t *len)
{
	struct pcache_proc p, pp, flagged;
	char *owned[6] = {NULL};
	struct cuttable args[2], paths[4];
	struct ejson_ev cut = *ev;
	const char *json = NULL;
	size_t nargs = 0, npaths = 0, i;
	int rounds;

	flagged.json = NULL;
	if (ev->nanc && !ancestors_fit(ej, ev))
		json = fit_ancestors(ej, &cut, &flagged, len);
	if (!json)
		json = ejson_i_fast(ej, &cut, len);
	if (!json)
		json = ejson_i_tree(ej, &cut, len);
	if (!json || ej->max_len == 0 || *len <= ej->max_len)
		goto out;
	/* Shallow copies whose string pointers we may point at shortened copies; their text is
	 * written afresh (and freed) each round, never into the cached entries. */
	memcpy(&p, cut.proc, sizeof(p));
	p.json = NULL;
	p.json_len = 0;
	args[nargs++] = (struct cuttable){&p.arguments, &p.flags, PS_F_TRUNC_ARGS};
	paths[npaths++] = (struct cuttable){&p.cwd, &p.flags, PS_F_TRUNC_CWD};
	paths[npaths++] = (struct cuttable){&p.binary, &p.flags, PS_F_TRUNC_FILENAME};
	if (cut.parent) {
		memcpy(&pp, cut.parent, sizeof(pp));
		pp.json = NULL;
		pp.json_len = 0;
		args[nargs++] = (struct cuttable){&pp.arguments, &pp.flags, PS_F_TRUNC_ARGS};
		paths[npaths++] = (struct cuttable){&pp.cwd, &pp.flags, PS_F_TRUNC_CWD};
		paths[npaths++] = (struct cuttable){&pp.binary, &pp.flags, PS_F_TRUNC_FILENAME};
	}
	cut.proc = &p;
	cut.parent = cut.parent ? &pp : NULL;
	ej->stats.shortened++;
	json = fit_envs(ej, &cut, json, len);
	for (rounds = 0; rounds < 8 && json && *len > ej->max_len; rounds++) {
		size_t excess = *len - ej->max_len;
		bool done = cut_group(args, nargs, excess, owned) ||
			    cut_group(paths, npaths, excess, owned + 2);

		if (!done)
			break;
		json = reencode(ej, &cut, len);
	}
	for (i = 0; i < 6; i++)
		free(owned[i]);
	if (json && *len > ej->max_len)
		ej->stats.over_limit++;
out:
	if (flagged.json)
		pcache_proc_set_json(&flagged, NULL, 0);
	return json;
}
