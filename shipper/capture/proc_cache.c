/* SPDX-License-Identifier: Apache-2.0 */
/* The process cache: a hash of pid -> refcounted process entries; see proc_cache.h. */
#include "shipper/capture/proc_cache.h"

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/fmt.h"
#include "lib/utf8.h"

/* Evictions come in batches: each costs one walk of the pid table to find the children. */
#define KEPT_EVICT_BATCH (PCACHE_KEPT_MAX / 16)

struct pcache {
	struct pcache_proc *table;
	struct pcache_link kept; /* FIFO of kept entries: oldest at kept.next */
	size_t nkept;
	uint64_t evictions;
	uint64_t evictions_told; /* by pcache_evictions_new */
	bool keep_ancestry;
	char node[256];
};

/* Entries alive in memory, linked or not: what the leak checks and the bench look at. */
static size_t allocated;
/* Bytes of their arguments strings, and the budget past which long ones are cut. */
static size_t args_bytes;
static size_t args_budget = PCACHE_ARGS_BUDGET;

struct pcache *pcache_new(const char *node)
{
	struct pcache *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->kept.prev = c->kept.next = &c->kept;
	snprintf(c->node, sizeof(c->node), "%s", node ? node : "");
	return c;
}

static struct pcache_proc *kept_entry(struct pcache_link *l)
{
	return (struct pcache_proc *)((char *)l - offsetof(struct pcache_proc, kept));
}

static void kept_remove(struct pcache_proc *p)
{
	p->kept.prev->next = p->kept.next;
	p->kept.next->prev = p->kept.prev;
	p->kept.prev = p->kept.next = NULL;
	p->kept_in->nkept--;
	p->kept_in = NULL;
}

static void kept_append(struct pcache *c, struct pcache_proc *p)
{
	p->kept.prev = c->kept.prev;
	p->kept.next = &c->kept;
	c->kept.prev->next = &p->kept;
	c->kept.prev = &p->kept;
	p->kept_in = c;
	c->nkept++;
}

static void proc_free(struct pcache_proc *p)
{
	if (p->kept_in)
		kept_remove(p);
	pcache_proc_set_json(p, NULL, 0);
	free(p->binary);
	args_bytes -= p->arguments_len;
	free(p->arguments);
	free(p->cwd);
	args_bytes -= p->envs_len;
	free(p->envs);
	free(p);
	allocated--;
}

void pcache_proc_unref(struct pcache_proc *p)
{
	/* Iterative: an exec chain can be long, and each step may free the next. */
	while (p && --p->refcnt == 0) {
		struct pcache_proc *parent = p->parent;

		proc_free(p);
		p = parent;
	}
}

struct pcache_proc *pcache_proc_new(uint32_t pid)
{
	struct pcache_proc *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	allocated++;
	p->pid = pid;
	p->tid = pid;
	p->refcnt = 1;
	return p;
}

void pcache_proc_set_parent(struct pcache_proc *child, struct pcache_proc *parent)
{
	struct pcache_proc *old = child->parent;

	if (old == parent || parent == child)
		return;
	if (parent)
		parent->refcnt++;
	child->parent = parent;
	pcache_proc_unref(old);
}

size_t pcache_allocated(void)
{
	return allocated;
}

void pcache_free(struct pcache *c)
{
	struct pcache_proc *p, *tmp;

	if (!c)
		return;
	HASH_ITER(hh, c->table, p, tmp)
	{
		HASH_DEL(c->table, p);
		p->linked = false;
		pcache_proc_unref(p);
	}
	/* Kept entries went with their last live child; one held elsewhere must not point here. */
	while (c->kept.next != &c->kept)
		kept_remove(kept_entry(c->kept.next));
	free(c);
}

/* With ancestry kept, children of evicted entries are kept entries too. They are pinned
 * (collected with a reference) before any is detached: a detach can free a chain of kept
 * entries, which would cut the FIFO under a walk. Under ENOMEM they keep their parent. */
static struct pcache_proc **pin_kept_children(struct pcache *c, size_t *n)
{
	struct pcache_link *l;
	struct pcache_proc **pins;

	*n = 0;
	if (!c->keep_ancestry || !c->nkept)
		return NULL;
	pins = malloc(c->nkept * sizeof(*pins));
	if (!pins)
		return NULL;
	for (l = c->kept.next; l != &c->kept; l = l->next) {
		struct pcache_proc *p = kept_entry(l);

		if (p->parent && p->parent->evicted) {
			p->refcnt++;
			pins[(*n)++] = p;
		}
	}
	return pins;
}

static void detach_evicted(struct pcache_proc *p)
{
	p->parent_lost = true;
	pcache_proc_set_parent(p, NULL);
}

/* The oldest kept entries go; their children (in the pid table, and with ancestry kept also
 * kept entries) let go of them, which frees them. */
static void evict(struct pcache *c)
{
	struct pcache_proc *p, *tmp, **pins;
	size_t n = 0, npins, i;

	while (c->nkept > PCACHE_KEPT_MAX - KEPT_EVICT_BATCH) {
		p = kept_entry(c->kept.next);
		kept_remove(p);
		p->evicted = true;
		n++;
	}
	c->evictions += n;
	pins = pin_kept_children(c, &npins);
	HASH_ITER(hh, c->table, p, tmp)
	{
		if (p->parent && p->parent->evicted)
			detach_evicted(p);
	}
	for (i = 0; i < npins; i++)
		if (pins[i]->parent && pins[i]->parent->evicted)
			detach_evicted(pins[i]);
	for (i = 0; i < npins; i++)
		pcache_proc_unref(pins[i]);
	free(pins);
}

void pcache_set_keep_ancestry(struct pcache *c, bool keep)
{
	c->keep_ancestry = keep;
}

size_t pcache_ancestors(
	const struct pcache_proc *parent, struct pcache_proc **out, size_t max, bool *more)
{
	size_t n = 0;
	uint32_t pid = parent ? parent->pid : 0;
	struct pcache_proc *p = parent ? parent->parent : NULL;

	if (more)
		*more = false;
	/* Tetragon's walk: from the parent up while the one reached is above pid 2, so that pid 1
	 * (or kthreadd) ends the list and the kernel (pid 0) never appears. */
	while (p && pid > 2) {
		if (n == max) {
			if (more)
				*more = true;
			break;
		}
		out[n++] = p;
		pid = p->pid;
		p = p->parent;
	}
	return n;
}

void pcache_release(struct pcache *c, struct pcache_proc *p)
{
	if (!p)
		return;
	/* No event names p as the process again, so nothing needs p's parent but its
	 * descendants' ancestry: letting go of it is what keeps a process that re-execs itself
	 * from holding every earlier image. */
	if (!c->keep_ancestry)
		pcache_proc_set_parent(p, NULL);
	if (p->refcnt > 1 && !p->kept_in)
		kept_append(c, p);
	pcache_proc_unref(p);
	if (c->nkept > PCACHE_KEPT_MAX)
		evict(c);
}

uint64_t pcache_evictions(const struct pcache *c)
{
	return c->evictions;
}

uint64_t pcache_evictions_new(struct pcache *c)
{
	uint64_t n = c->evictions - c->evictions_told;

	c->evictions_told = c->evictions;
	return n;
}

const char *pcache_node(const struct pcache *c)
{
	return c->node;
}

struct pcache_proc *pcache_get(struct pcache *c, uint32_t pid)
{
	struct pcache_proc *p = NULL;

	HASH_FIND(hh, c->table, &pid, sizeof(pid), p);
	return p;
}

struct pcache_proc *pcache_take(struct pcache *c, uint32_t pid)
{
	struct pcache_proc *p = pcache_get(c, pid);

	if (p) {
		HASH_DEL(c->table, p);
		p->linked = false;
	}
	return p;
}

struct pcache_proc *pcache_put(struct pcache *c, uint32_t pid, struct pcache_proc **old)
{
	struct pcache_proc *p;

	*old = pcache_take(c, pid);
	p = pcache_proc_new(pid);
	if (!p)
		return NULL;
	p->linked = true;
	HASH_ADD(hh, c->table, pid, sizeof(p->pid), p);
	return p;
}

size_t pcache_sweep(struct pcache *c, bool (*is_alive)(uint32_t pid, uint64_t ktime))
{
	struct pcache_proc *p, *tmp;
	size_t n = 0;

	HASH_ITER(hh, c->table, p, tmp)
	{
		if (is_alive(p->pid, p->ktime))
			continue;
		HASH_DEL(c->table, p);
		p->linked = false;
		pcache_release(c, p);
		n++;
	}
	return n;
}

size_t pcache_count(const struct pcache *c)
{
	return HASH_COUNT(c->table) + c->nkept;
}

static int replace_str(char **dst, const char *src)
{
	char *s = strdup(src ? src : "");

	if (!s)
		return -ENOMEM;
	free(*dst);
	*dst = s;
	return 0;
}

size_t pcache_args_bytes(void)
{
	return args_bytes;
}

void pcache_set_args_budget(size_t bytes)
{
	args_budget = bytes;
}

void pcache_proc_set_json(struct pcache_proc *p, char *json, size_t len)
{
	args_bytes -= p->json_len;
	free(p->json);
	p->json = json;
	p->json_len = json ? len : 0;
	args_bytes += p->json_len;
}

static int replace_args(struct pcache_proc *p, const char *arguments)
{
	size_t old = p->arguments_len;

	if (replace_str(&p->arguments, arguments))
		return -ENOMEM;
	p->arguments_len = strlen(p->arguments);
	args_bytes += p->arguments_len - old;
	return 0;
}

int pcache_proc_set(
	struct pcache_proc *p, const char *binary, const char *arguments, const char *cwd)
{
	if (replace_str(&p->binary, binary) || replace_args(p, arguments) ||
		replace_str(&p->cwd, cwd))
		return -ENOMEM;
	return 0;
}

void pcache_proc_adopt(
	struct pcache_proc *p, char *binary, char *arguments, size_t arguments_len, char *cwd)
{
	free(p->binary);
	p->binary = binary;
	args_bytes += arguments_len - p->arguments_len;
	free(p->arguments);
	p->arguments = arguments;
	p->arguments_len = arguments_len;
	free(p->cwd);
	p->cwd = cwd;
}

void pcache_proc_set_envs(struct pcache_proc *p, char *envs, size_t len, size_t count)
{
	args_bytes -= p->envs_len;
	free(p->envs);
	p->envs = envs;
	p->envs_len = envs ? len : 0;
	p->envs_count = envs ? count : 0;
	args_bytes += p->envs_len;
}

/* The bytes of envs's first entries that fit in max, and their count. */
static size_t envs_prefix(const char *envs, size_t len, size_t max, size_t *count)
{
	size_t keep = 0, i;

	*count = 0;
	for (i = 0; i < max && i < len; i++)
		if (envs[i] == '\0') {
			keep = i + 1;
			(*count)++;
		}
	return keep;
}

/* The entries that fit in max bytes stay, the others go, shrunk in place. */
static bool cut_envs(struct pcache_proc *p, size_t max)
{
	size_t keep, n;
	char *smaller;

	if (p->envs_len <= max)
		return false;
	keep = envs_prefix(p->envs, p->envs_len, max, &n);
	if (!keep) {
		pcache_proc_set_envs(p, NULL, 0, 0);
		p->flags |= PS_F_TRUNC_ENVS;
		return true;
	}
	smaller = realloc(p->envs, keep);
	if (smaller)
		p->envs = smaller;
	args_bytes -= p->envs_len - keep;
	p->envs_len = keep;
	p->envs_count = n;
	p->flags |= PS_F_TRUNC_ENVS;
	return true;
}

bool pcache_proc_cut_args(struct pcache_proc *p, size_t max)
{
	size_t len = p->arguments_len;
	bool cut = false;

	if (args_bytes <= args_budget)
		return false;
	cut = cut_envs(p, max);
	if (len > max) {
		len = utf8_cut(p->arguments, len, max);
		args_bytes -= p->arguments_len - len;
		p->arguments_len = len;
		p->arguments[len] = '\0';
		p->flags |= PS_F_TRUNC_ARGS;
		cut = true;
	}
	if (cut || p->json_len > max)
		pcache_proc_set_json(p, NULL, 0);
	return cut;
}

/* src's identity into dst, and copies of its strings: alen bytes of arguments, elen bytes
 * (ecount entries) of environment. */
static int copy_proc(struct pcache_proc *dst, const struct pcache_proc *src, size_t alen,
	size_t elen, size_t ecount)
{
	UT_hash_handle hh = dst->hh;
	char *binary = dst->binary, *arguments = dst->arguments, *cwd = dst->cwd, *envs = NULL;
	size_t arguments_len = dst->arguments_len;
	char *old_envs = dst->envs;
	size_t old_envs_len = dst->envs_len;
	struct pcache_proc *parent = dst->parent;
	uint32_t refcnt = dst->refcnt;
	bool linked = dst->linked, evicted = dst->evicted, parent_lost = dst->parent_lost;
	struct pcache_link kept = dst->kept;
	struct pcache *kept_in = dst->kept_in;
	char *json = dst->json;
	size_t json_len = dst->json_len, props_at = dst->json_props_at,
	       refcnt_at = dst->json_refcnt_at;
	char *args;

	memcpy(dst, src, sizeof(*dst));
	dst->json_props_at = props_at;
	dst->json_refcnt_at = refcnt_at;
	dst->hh = hh;
	dst->kept = kept;
	dst->kept_in = kept_in;
	dst->evicted = evicted;
	dst->parent_lost = parent_lost;
	dst->json = json;
	dst->json_len = json_len;
	dst->parent = parent;
	dst->refcnt = refcnt;
	dst->linked = linked;
	dst->binary = binary;
	dst->arguments = arguments;
	dst->arguments_len = arguments_len;
	dst->cwd = cwd;
	dst->envs = old_envs;
	dst->envs_len = old_envs_len;
	if (elen) {
		envs = malloc(elen);
		if (!envs)
			return -ENOMEM;
		memcpy(envs, src->envs, elen);
	}
	pcache_proc_set_envs(dst, envs, elen, ecount);
	args = strndup(src->arguments ? src->arguments : "", alen);
	binary = strdup(src->binary ? src->binary : "");
	cwd = strdup(src->cwd ? src->cwd : "");
	if (!args || !binary || !cwd) {
		free(args);
		free(binary);
		free(cwd);
		return -ENOMEM;
	}
	pcache_proc_adopt(dst, binary, args, strlen(args), cwd);
	return 0;
}

int pcache_proc_copy(struct pcache_proc *dst, const struct pcache_proc *src)
{
	return copy_proc(dst, src, src->arguments_len, src->envs_len, src->envs_count);
}

int pcache_proc_copy_cut(struct pcache_proc *dst, const struct pcache_proc *src, size_t max)
{
	size_t alen = src->arguments_len, elen = src->envs_len, ecount = src->envs_count;
	int cut = 0, ret;

	if (args_bytes + alen + elen > args_budget) {
		if (alen > max) {
			alen = utf8_cut(src->arguments, alen, max);
			cut |= (int)PS_F_TRUNC_ARGS;
		}
		if (elen > max) {
			elen = envs_prefix(src->envs, elen, max, &ecount);
			cut |= (int)PS_F_TRUNC_ENVS;
		}
	}
	ret = copy_proc(dst, src, alen, elen, ecount);
	return ret < 0 ? ret : cut;
}

int pcache_base64(const void *src, size_t len, char *dst, size_t size)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *in = src;
	size_t need = (len + 2) / 3 * 4;
	size_t i, o = 0;

	if (need + 1 > size)
		return -ENOSPC;
	for (i = 0; i + 2 < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];

		dst[o++] = alphabet[v >> 18 & 63];
		dst[o++] = alphabet[v >> 12 & 63];
		dst[o++] = alphabet[v >> 6 & 63];
		dst[o++] = alphabet[v & 63];
	}
	if (i < len) {
		uint32_t v = (uint32_t)in[i] << 16;

		if (i + 1 < len)
			v |= (uint32_t)in[i + 1] << 8;
		dst[o++] = alphabet[v >> 18 & 63];
		dst[o++] = alphabet[v >> 12 & 63];
		dst[o++] = i + 1 < len ? alphabet[v >> 6 & 63] : '=';
		dst[o++] = '=';
	}
	dst[o] = '\0';
	return (int)o;
}

/* Twice per process: written out by hand, snprintf was a visible share of an exec storm. */
int pcache_exec_id(const char *node, uint64_t ktime, uint32_t pid, char *buf, size_t size)
{
	char raw[288];
	size_t nlen = strlen(node), n;

	if (nlen + 2 + 20 + 10 >= sizeof(raw))
		return -ENOSPC;
	memcpy(raw, node, nlen);
	n = nlen;
	raw[n++] = ':';
	n += fmt_u64(raw + n, ktime);
	raw[n++] = ':';
	n += fmt_u64(raw + n, pid);
	return pcache_base64(raw, n, buf, size);
}
