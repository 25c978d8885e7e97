/* SPDX-License-Identifier: Apache-2.0 */
/* Process cache: pid -> the identity of the image that pid runs now (exec_id, binary,
 * arguments, cwd, start time), so that exec events name their parent and exit events name
 * what exited. Fed by sensor records and by the /proc scan at start-up.
 *
 * Bounded by construction: an entry leaves the pid table when its pid execs again, exits or
 * is swept, and then no event names it as the process any more, only as a parent; so it
 * drops its own parent link (pcache_release) and is kept only while a live child names it.
 * A re-exec chain therefore holds two images, not every earlier one. Kept entries are capped
 * at PCACHE_KEPT_MAX, oldest evicted first.
 *
 * With ancestry kept (pcache_set_keep_ancestry, for --enable-ancestors) an entry that leaves
 * the pid table keeps its parent link instead, so that every ancestor of a live process stays
 * known, and a re-exec chain holds each image while a later one lives: then only the cap
 * bounds the kept entries. */
#ifndef PROCSHIP_PROC_CACHE_H
#define PROCSHIP_PROC_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include <uthash.h>

#include "bpf/procship_event.h"

#define PCACHE_EXEC_ID_MAX 384 /* base64 of a 255-byte node name, ktime and pid */
/* Entries kept only as the parent of live children. Each has a live child, so only a host
 * with as many live processes whose parents exited can reach it. */
#define PCACHE_KEPT_MAX 65536
/* Bytes of arguments all entries may hold whole (a process's may be 320 KB, and a fork-only
 * child copies its parent's), their environments and their cached JSON text included (which
 * escaping makes up to 6 times the arguments, 18 times an environment); past it procevents
 * keeps PCACHE_ARGS_CUT of a long one. */
#define PCACHE_ARGS_BUDGET (64u << 20)
#define PCACHE_ARGS_CUT	   4096
/* Ancestors one walk returns at most: an event's cost stays bounded on a chain of re-execs. */
#define PCACHE_ANCESTORS_MAX 1024
/* Bytes of a user name kept, NUL included; a longer name is left out (useradd allows 32). */
#define PCACHE_USER_MAX 64

struct pcache;

/* The FIFO of kept entries (owned by proc_cache.c). */
struct pcache_link {
	struct pcache_link *prev, *next;
};

struct pcache_proc {
	uint32_t pid;
	uint32_t tid;
	uint32_t ppid;
	uint32_t uid; /* effective: the event's uid, as Tetragon's */
	uint32_t gid;
	uint32_t auid;
	uint32_t ruid;	/* real: what the rate limit and the regex budget charge */
	uint64_t ktime; /* boot-time ns that names this image in exec_id */
	/* boot-time ns its thread group started (a procFS entry's: /proc's, in 10 ms ticks), to
	 * tell its exit from that of a later process given the same pid; 0 when unknown (an
	 * exit record's 0 is unknown too) */
	uint64_t start_ktime;
	uint32_t flags;	  /* PS_F_* */
	bool cloned;	  /* forked and not exec'd since: the next exec carries "clone" */
	bool linked;	  /* in the pid table (alive, as far as we know) */
	bool evicted;	  /* dropped at the cap; its children are being detached */
	bool parent_lost; /* the parent was evicted: do not guess it from ppid */
	bool bare;	  /* known only by its exit: written as Tetragon's {pid, start_time} */
	uint32_t refcnt;  /* the pid table's reference + one per child naming it as parent */
	struct pcache_proc *parent; /* referenced; may have exited */
	char exec_id[PCACHE_EXEC_ID_MAX];
	char parent_exec_id[PCACHE_EXEC_ID_MAX];
	char *binary;	      /* absolute path */
	char *arguments;      /* Tetragon's joining of argv[1..]; "" when none */
	size_t arguments_len; /* strlen(arguments), kept by this module */
	char *cwd;
	/* The environment kept (--enable-process-environment-variables): envs_count entries,
	 * each NUL-terminated, envs_len bytes in all (envs.h); NULL when none. Counted in the
	 * arguments' budget. */
	char *envs;
	size_t envs_len, envs_count;
	char docker[32];	    /* first 31 characters of a container id, or "" */
	char user[PCACHE_USER_MAX]; /* user name of uid (--username-metadata), or "" */
	/* With a PS_F_EXT bit in flags: the exec's credentials, file and namespaces (a fork-only
	 * child has its parent's, as in Tetragon). */
	struct ps_ext ext;
	/* Its "process" JSON object, built on first use by event_json and kept: a process is
	 * encoded again for its exit and as the parent of each child. Fields must not change
	 * once it is set. Counted in the arguments' budget: set it with pcache_proc_set_json. */
	char *json;
	size_t json_len;
	size_t json_props_at;	 /* where a process_exec puts binary_properties into json */
	size_t json_refcnt_at;	 /* ... and, with them, Tetragon's refcnt */
	UT_hash_handle hh;	 /* owned by proc_cache.c */
	struct pcache_link kept; /* owned by proc_cache.c */
	struct pcache *kept_in;	 /* the cache whose FIFO holds it, or NULL */
};

/* node names the host in exec_ids (copied). NULL with errno on failure. */
struct pcache *pcache_new(const char *node);
void pcache_free(struct pcache *c); /* accepts NULL */

/* Entries are reference counted so that a process that exited stays known while a child
 * still names it as parent (Tetragon keeps them the same way). An entry that left the pid
 * table goes back through pcache_release, not pcache_proc_unref. */

/* The live entry for pid, or NULL. */
struct pcache_proc *pcache_get(struct pcache *c, uint32_t pid);
/* A new live entry for pid (refcnt 1), unlinking the previous one and handing the table's
 * reference to it to the caller in *old (release it with pcache_proc_unref when done, e.g.
 * after using it as the parent). NULL on ENOMEM, with *old still set. */
struct pcache_proc *pcache_put(struct pcache *c, uint32_t pid, struct pcache_proc **old);
/* Unlink the live entry for pid and hand the table's reference to the caller, or NULL. */
struct pcache_proc *pcache_take(struct pcache *c, uint32_t pid);
/* Give back the reference pcache_put (in *old) or pcache_take handed over, after p's last
 * event: p's parent link is dropped, and p is freed or, while children name it as parent,
 * kept. Past PCACHE_KEPT_MAX kept entries the oldest are evicted: their children lose the
 * parent link and are marked parent_lost. Accepts NULL. */
void pcache_release(struct pcache *c, struct pcache_proc *p);
/* A detached entry (refcnt 1), for a process seen only at its exit. NULL on ENOMEM. */
struct pcache_proc *pcache_proc_new(uint32_t pid);
/* Make parent the parent of child, moving child's reference from any previous parent. */
void pcache_proc_set_parent(struct pcache_proc *child, struct pcache_proc *parent);
/* Drop one reference; the last one frees the entry and releases its parent. Accepts NULL. */
void pcache_proc_unref(struct pcache_proc *p);
/* Keep the parent link of entries that left the pid table (default false); set it before
 * the first entry is released. */
void pcache_set_keep_ancestry(struct pcache *c, bool keep);
/* Tetragon's ancestors of a process whose parent is parent: parent's parent, its parent and
 * so on, nearest first, up to and including the first with pid 1 or 2 (none when parent is
 * NULL or is pid 1 or 2 itself), stopping earlier where the cache knows no parent. At most
 * max go to out; *more (may be NULL) says whether the walk stopped at max. */
size_t pcache_ancestors(
	const struct pcache_proc *parent, struct pcache_proc **out, size_t max, bool *more);
/* Entries held by c: live (in the pid table) and kept only as parents. */
size_t pcache_count(const struct pcache *c);
/* Entries in memory in every cache, and detached ones. */
size_t pcache_allocated(void);
/* Kept entries evicted at the cap: in all, and since the previous call of _new (for a log
 * line at the caller's pace). */
uint64_t pcache_evictions(const struct pcache *c);
uint64_t pcache_evictions_new(struct pcache *c);
/* Unlink (and release) every live entry whose pid is_alive() says is gone (an exit that was
 * never seen); returns how many. Bounds the cache when exit records are lost. */
size_t pcache_sweep(struct pcache *c, bool (*is_alive)(uint32_t pid, uint64_t ktime));

/* Bytes of arguments, environments and JSON text held by every entry in memory (and by the
 * copies event_json shortens), and the budget (for tests; the default is
 * PCACHE_ARGS_BUDGET). */
size_t pcache_args_bytes(void);
void pcache_set_args_budget(size_t bytes);
/* Give p the JSON text json of len bytes (malloc'd, taken over; NULL drops it), replacing and
 * freeing any it had, counted in the budget. */
void pcache_proc_set_json(struct pcache_proc *p, char *json, size_t len);
/* Over PCACHE_ARGS_BUDGET, cut p's arguments to at most max bytes (on a UTF-8 boundary),
 * flag them truncArgs, and its environment to the entries that fit in max bytes, flagged
 * truncEnvs, and drop p's cached JSON (also when nothing is cut but the JSON is longer than
 * max, since escaping can make a short one many times longer); returns whether it cut. */
bool pcache_proc_cut_args(struct pcache_proc *p, size_t max);
/* Set p->strings (copies; NULL keeps ""). Returns 0 or -ENOMEM. */
int pcache_proc_set(
	struct pcache_proc *p, const char *binary, const char *arguments, const char *cwd);
/* pcache_proc_set without the copies: p takes the three malloc'd strings (none NULL) and frees
 * what it held. arguments_len is strlen(arguments). */
void pcache_proc_adopt(
	struct pcache_proc *p, char *binary, char *arguments, size_t arguments_len, char *cwd);
/* Give p the environment envs (malloc'd, taken over; NULL for none), replacing any it had. */
void pcache_proc_set_envs(struct pcache_proc *p, char *envs, size_t len, size_t count);
/* Copy identity fields and strings of src into dst (dst's links and references untouched). */
int pcache_proc_copy(struct pcache_proc *dst, const struct pcache_proc *src);
/* pcache_proc_copy, but when the copy would pass the budget, only what pcache_proc_cut_args
 * would keep of a long arguments or environment is copied (a fork of a process with 320 KB
 * of each must not cost a copy of them all only to cut it). Returns the PS_F_TRUNC_ARGS and
 * PS_F_TRUNC_ENVS bits of what it left out (for the caller to flag), or -ENOMEM. */
int pcache_proc_copy_cut(struct pcache_proc *dst, const struct pcache_proc *src, size_t max);

/* exec_id = base64("NODE:KTIME:PID"). Writes a NUL-terminated string; returns its length or
 * -ENOSPC. */
int pcache_exec_id(const char *node, uint64_t ktime, uint32_t pid, char *buf, size_t size);
const char *pcache_node(const struct pcache *c);

/* Standard base64 with '=' padding. Returns the encoded length (NUL written) or -ENOSPC. */
int pcache_base64(const void *src, size_t len, char *dst, size_t size);

#endif
