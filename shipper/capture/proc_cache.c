/* SPDX-License-Identifier: Apache-2.0 */
/* The process cache: a hash of pid -> refcounted process entries; see proc_cache.h. */
#include "shipper/capture/proc_cache.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/fmt.h"

struct pcache {
	struct pcache_proc *table;
	char node[256];
};

/* Entries alive in memory, linked or not: what the leak checks and the bench look at. */
static size_t allocated;

struct pcache *pcache_new(const char *node)
{
	struct pcache *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	snprintf(c->node, sizeof(c->node), "%s", node ? node : "");
	return c;
}

static void proc_free(struct pcache_proc *p)
{
	free(p->json);
	free(p->binary);
	free(p->arguments);
	free(p->cwd);
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
	free(c);
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
		pcache_proc_unref(p);
		n++;
	}
	return n;
}

size_t pcache_count(const struct pcache *c)
{
	return HASH_COUNT(c->table);
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

int pcache_proc_set(
	struct pcache_proc *p, const char *binary, const char *arguments, const char *cwd)
{
	if (replace_str(&p->binary, binary) || replace_str(&p->arguments, arguments) ||
		replace_str(&p->cwd, cwd))
		return -ENOMEM;
	return 0;
}

int pcache_proc_copy(struct pcache_proc *dst, const struct pcache_proc *src)
{
	UT_hash_handle hh = dst->hh;
	char *binary = dst->binary, *arguments = dst->arguments, *cwd = dst->cwd;
	struct pcache_proc *parent = dst->parent;
	uint32_t refcnt = dst->refcnt;
	bool linked = dst->linked;
	char *json = dst->json;

	memcpy(dst, src, sizeof(*dst));
	dst->hh = hh;
	dst->json = json;
	dst->json_len = json ? strlen(json) : 0;
	dst->parent = parent;
	dst->refcnt = refcnt;
	dst->linked = linked;
	dst->binary = binary;
	dst->arguments = arguments;
	dst->cwd = cwd;
	return pcache_proc_set(dst, src->binary, src->arguments, src->cwd);
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
