/* SPDX-License-Identifier: Apache-2.0 */
/* Sensor records -> cache entries and process events, with Tetragon's parent rules. */
#include "shipper/capture/procevents.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/pathclean.h"
#include "lib/utf8.h"
#include "shipper/capture/envs.h"
#include "shipper/capture/procfs.h"
#include "shipper/capture/userdb.h"
#include "shipper/encode/event_json.h"

struct held {
	uint32_t pid, ppid;
	uint64_t ktime;
};

struct pev {
	struct pcache *cache;
	pev_event_fn *cb;
	void *cb_arg;
	struct pev_stats stats;
	struct udb *users;		       /* --username-metadata unix, or NULL */
	const struct envs_filter *envs_filter; /* --filter-environment-variables, or NULL */
	bool host_known; /* host_ns holds the host's namespaces (--enable-process-ns) */
	uint32_t host_ns[PS_NS_COUNT];
	bool holding;
	struct held *held;
	size_t nheld, held_cap;
};

struct pev *pev_new(struct pcache *cache, pev_event_fn *cb, void *arg)
{
	struct pev *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->cache = cache;
	p->cb = cb;
	p->cb_arg = arg;
	return p;
}

void pev_free(struct pev *p)
{
	if (p)
		free(p->held);
	free(p);
}

void pev_set_users(struct pev *p, struct udb *users)
{
	p->users = users;
}

void pev_set_envs_filter(struct pev *p, const struct envs_filter *f)
{
	p->envs_filter = f;
}

void pev_set_host_ns(struct pev *p, const uint32_t host[PS_NS_COUNT])
{
	memcpy(p->host_ns, host, sizeof(p->host_ns));
	p->host_known = true;
}

/* Tetragon names only processes in the host's mount and user namespaces, whose ids mean what
 * the host's passwd says: compared as it does where the record carries the namespaces
 * (--enable-process-ns). Otherwise a process in the initial PID namespace is taken as the
 * host's (nspid 0 from BPF; the scan's nspid is the last of NSpid, the pid itself there). */
static bool in_host(const struct pev *p, const struct pcache_proc *proc, const struct ps_event *e)
{
	if (p->host_known && (proc->flags & PS_F_EXT_NS))
		return proc->ext.ns[PS_NS_MNT] == p->host_ns[PS_NS_MNT] &&
		       proc->ext.ns[PS_NS_USER] == p->host_ns[PS_NS_USER];
	return e->nspid == 0 || e->nspid == e->pid;
}

static void set_user(struct pev *p, struct pcache_proc *proc, const struct ps_event *e)
{
	struct timespec ts;
	const char *name;

	proc->user[0] = '\0';
	if (!p->users || !in_host(p, proc, e))
		return;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	name = udb_lookup(p->users, proc->uid, (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec);
	if (name)
		snprintf(proc->user, sizeof(proc->user), "%s", name);
}

void pev_hold(struct pev *p)
{
	p->holding = true;
}

/* false: no room to hold it, so the caller emits it now. */
static bool hold(struct pev *p, const struct ps_event *e)
{
	struct held *h;
	size_t cap;

	if (!p->holding)
		return false;
	if (p->nheld == p->held_cap) {
		cap = p->held_cap ? 2 * p->held_cap : 256;
		h = realloc(p->held, cap * sizeof(*h));
		if (!h)
			return false;
		p->held = h;
		p->held_cap = cap;
	}
	p->held[p->nheld++] = (struct held){.pid = e->pid, .ppid = e->ppid, .ktime = e->ktime};
	return true;
}

const struct pev_stats *pev_get_stats(const struct pev *p)
{
	return &p->stats;
}

int pev_binary_path(const char *filename, const char *cwd, char *buf, size_t size)
{
	size_t len = strlen(filename);

	if (filename[0] == '/') {
		if (len + 1 > size)
			return -ENOSPC;
		memcpy(buf, filename, len + 1);
		return (int)len;
	}
	return pathclean_join(cwd ? cwd : "", filename, buf, size);
}

/* At most len bytes of src, up to its first NUL, as a C string in dst (size > 0). */
static void copy_field(char *dst, size_t size, const char *src, size_t len)
{
	size_t n = strnlen(src, len < size ? len : size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void set_exec_id(struct pev *p, struct pcache_proc *proc)
{
	if (pcache_exec_id(pcache_node(p->cache), proc->ktime, proc->pid, proc->exec_id,
		    sizeof(proc->exec_id)) < 0)
		proc->exec_id[0] = '\0';
}

/* Tetragon's parent_exec_id when it knows no parent: the kernel's id (pid 0, ktime 1) for
 * ppid 0, else ppid with ktime 0, as its BPF keys a parent it could not find. */
static void set_unknown_parent(struct pev *p, struct pcache_proc *proc, uint32_t ppid)
{
	if (pcache_exec_id(pcache_node(p->cache), ppid ? 0 : 1, ppid, proc->parent_exec_id,
		    sizeof(proc->parent_exec_id)) < 0)
		proc->parent_exec_id[0] = '\0';
}

static void link_parent(struct pcache_proc *proc, struct pcache_proc *parent)
{
	memcpy(proc->parent_exec_id, parent->exec_id, sizeof(proc->parent_exec_id));
	pcache_proc_set_parent(proc, parent);
}

/* The parent Tetragon's BPF finds for a new task: the first of real_parent and three of its
 * ancestors that it knows (its execve_map is our pid table). */
static struct pcache_proc *walk_parents(struct pev *p, const struct ps_event *e)
{
	struct pcache_proc *found = e->ppid != e->pid ? pcache_get(p->cache, e->ppid) : NULL;
	int i;

	for (i = 0; !found && i < PS_ANCESTORS && e->ancestors[i]; i++)
		if (e->ancestors[i] != e->pid)
			found = pcache_get(p->cache, e->ancestors[i]);
	return found;
}

/* An init tree: a PID namespace's pid 1 and what descends from it. */
static bool in_init_tree(const struct ps_event *e, const struct pcache_proc *from)
{
	return e->nspid == 1 || (from && (from->flags & PS_F_IN_INIT_TREE));
}

/* The bits of a record that describe its strings, and so the process; the others describe
 * the record. */
#define RECORD_FLAGS                                                                               \
	(PS_F_TRUNC_FILENAME | PS_F_TRUNC_ARGS | PS_F_ERR_FILENAME | PS_F_ERR_ARGS |               \
		PS_F_ERR_CWD | PS_F_ERR_PATH_CWD | PS_F_ROOTCWD | PS_F_NOCWD | PS_F_PROCFS |       \
		PS_F_KTHREAD | PS_F_EXT | PS_F_ERR_ENVS | PS_F_TRUNC_ENVS)

/* The resolution of a procFS start time: /proc/PID/stat's clock ticks, USER_HZ 100. */
#define PEV_PROCFS_TICK_NS 10000000ULL

/* Tetragon's BPF sends a filename of 254 bytes or more, and arguments that do not fit in its
 * 1024-byte record after the filename, as data events, and flags them. */
#define TG_INLINE_PATH_MAX 254
#define TG_BUFFER	   1024
#define TG_PROCESS_HDR	   64 /* offsetof(struct msg_process, args) */
#define TG_DATA_DESC	   32 /* sizeof(struct data_event_desc) */

static uint32_t data_flags(const struct ps_event *e, const char *args)
{
	size_t path = e->filename_len >= TG_INLINE_PATH_MAX ? TG_DATA_DESC : e->filename_len;
	size_t argv0 = strnlen(args, e->args_len), rest;
	uint32_t flags = 0;

	if (e->filename_len >= TG_INLINE_PATH_MAX)
		flags |= PS_F_DATA_FILENAME;
	rest = e->args_len > argv0 ? e->args_len - argv0 - 1 : 0;
	if (e->flags & PS_F_TRUNC_ARGS || rest >= TG_BUFFER ||
		rest >= TG_BUFFER - TG_PROCESS_HDR - path)
		flags |= PS_F_DATA_ARGS;
	return flags;
}

/* The container id: a v1 hierarchy's name where user space chose one (as Tetragon, which
 * reads only that on such hosts), else cgroup v2's; the /proc scan cut it already. */
static void set_docker(struct pcache_proc *proc, const struct ps_event *e)
{
	char name[PS_CGROUP_MAX], *fixed;
	size_t len;

	if (e->flags & PS_F_PROCFS) {
		copy_field(proc->docker, sizeof(proc->docker), e->cgroup, sizeof(e->cgroup));
	} else {
		copy_field(name, sizeof(name), e->cgroup1[0] ? e->cgroup1 : e->cgroup,
			sizeof(e->cgroup));
		procfs_container_id(name, true, proc->docker, sizeof(proc->docker));
	}
	if (!proc->docker[0])
		return;
	/* Tetragon's rule takes any 31 bytes of a long enough name: valid UTF-8 they must be. */
	if (utf8_invalid(proc->docker, strlen(proc->docker), 0) == 0)
		return;
	fixed = utf8_repair_dup(proc->docker);
	if (!fixed) {
		proc->docker[0] = '\0';
		return;
	}
	len = utf8_cut(fixed, strlen(fixed), sizeof(proc->docker) - 1);
	memcpy(proc->docker, fixed, len);
	proc->docker[len] = '\0';
	free(fixed);
}

/* s, or in its place (s freed) its repair by utf8_repair_dup; s itself when it is valid, or
 * when there is no memory for the repair (as before: the event is not lost for it). */
static char *repaired(char *s)
{
	char *fixed = utf8_repair_dup(s);

	if (!fixed)
		return s;
	free(s);
	return fixed;
}

/* Give proc the three strings, each valid UTF-8 (repaired where it was not); proc owns them. */
static void adopt_repaired(struct pcache_proc *proc, char *binary, char *args, char *cwd)
{
	char *a = repaired(args);

	pcache_proc_adopt(proc, repaired(binary), a, strlen(a), repaired(cwd));
}

/* The record's environment, decoded and filtered, into proc. */
static int set_envs(struct pev *p, struct pcache_proc *proc, const struct ps_event *e)
{
	size_t len = 0, count = 0, raw = e->env_len;
	char *envs = NULL;

	/* A block cut at a bound ends in a piece of its last entry: a wrong value, left out. */
	if ((e->flags & PS_F_EXT_ENV) && (e->flags & PS_F_TRUNC_ENVS))
		raw = envs_whole(PS_EVENT_ENV(e), raw);
	if ((e->flags & PS_F_EXT_ENV) &&
		envs_decode(PS_EVENT_ENV(e), raw, p->envs_filter, &envs, &len, &count) < 0) {
		pcache_proc_set_envs(proc, NULL, 0, 0);
		return -ENOMEM;
	}
	pcache_proc_set_envs(proc, envs, len, count);
	return 0;
}

/* Fill proc's identity and strings from an exec-like record (BPF exec or /proc scan). */
static int fill_from_record(struct pcache_proc *proc, const struct ps_event *e)
{
	char *cwd = strndup(PS_EVENT_CWD(e), e->cwd_len);
	char *filename = strndup(PS_EVENT_FILENAME(e), e->filename_len);
	size_t blen = (size_t)e->filename_len + e->cwd_len + 3;
	char *binary = malloc(blen), *args = NULL;
	int ret = -ENOMEM;

	proc->tid = e->pid;
	proc->ppid = e->ppid;
	proc->uid = e->uid;
	proc->gid = e->gid;
	proc->auid = e->auid;
	proc->ruid = e->ruid;
	proc->start_ktime = e->start_ktime;
	proc->flags = e->flags & RECORD_FLAGS;
	/* Unaligned in the record. */
	if (e->flags & PS_F_EXT)
		memcpy(&proc->ext, e->data + PS_EVENT_EXT_OFF(e), sizeof(proc->ext));
	else
		memset(&proc->ext, 0, sizeof(proc->ext));
	if (!cwd || !filename || !binary)
		goto out;
	/* Tetragon reports the root as "/" with its flag; the record carries nothing for it.
	 * nocwd (a /proc process with long arguments) wins over it: no cwd at all. */
	if (e->flags & PS_F_ROOTCWD && !(e->flags & (PS_F_ERR_CWD | PS_F_NOCWD))) {
		free(cwd);
		cwd = strdup("/");
		if (!cwd)
			goto out;
	}
	/* procship's rule: a cwd cut to its tail would make a path that does not exist, so the
	 * filename stays relative (Tetragon would join it to the tail). */
	if (pev_binary_path(filename, e->flags & PS_F_ERR_PATH_CWD ? "" : cwd, binary, blen) < 0)
		snprintf(binary, blen, "%s", filename);
	free(filename);
	filename = NULL;
	/* Tetragon's decoder drops trailing empty arguments when no cwd follows them. */
	args = ejson_join_args(
		PS_EVENT_ARGS(e), e->args_len, (e->flags & (PS_F_ROOTCWD | PS_F_ERR_CWD)) != 0);
	if (!args)
		goto out;
	if (!(e->flags & PS_F_PROCFS))
		proc->flags |= data_flags(e, PS_EVENT_ARGS(e));
	set_docker(proc, e);
	/* Fixed once here, not on every event that names this process; the strings built here
	 * go to the cache as they are, not copied once more. */
	adopt_repaired(proc, binary, args, cwd);
	return 0;
out:
	free(args);
	free(binary);
	free(filename);
	free(cwd);
	return ret;
}

static void emit(struct pev *p, enum ps_event_type type, struct pcache_proc *proc,
	struct pcache_proc *parent, const struct ps_event *e)
{
	struct pev_event ev = {
		.type = type,
		.proc = proc,
		.parent = parent,
		.ktime = e->ktime,
		.exit_code = type == PS_EVENT_EXIT ? e->exit_code : 0,
		.procfs = type == PS_EVENT_EXEC && (e->flags & PS_F_PROCFS),
	};

	p->cb(p->cb_arg, &ev);
}

/* proc's parent: the one it names, else the live process ppid, unless the cache evicted the
 * one it named (ppid may run something else by now). */
static struct pcache_proc *known_parent(
	struct pev *p, const struct pcache_proc *proc, uint32_t ppid)
{
	if (proc->parent)
		return proc->parent;
	return proc->parent_lost ? NULL : pcache_get(p->cache, ppid);
}

/* Once its exec is reported, a process's long arguments are cut in the cache when the
 * cache's arguments pass their budget: a local user with many processes (or forks) of 320 KB
 * of arguments each must not be able to grow procship without bound. Its exit and its
 * children's events then carry the cut arguments, flagged truncArgs. */
static void keep_small(struct pev *p, struct pcache_proc *proc)
{
	if (pcache_proc_cut_args(proc, PCACHE_ARGS_CUT))
		p->stats.args_cut++;
}

/* keep_small for a fork, whose copy of its parent's strings was already cut (cut: the bits of
 * what the copy left out) when the budget was passed. */
static void keep_forked_small(struct pev *p, struct pcache_proc *proc, int cut)
{
	if (cut > 0) {
		proc->flags |= (uint32_t)cut;
		p->stats.args_cut++;
	} else {
		keep_small(p, proc);
	}
}

/* A process found by the /proc scan: reported as Tetragon's procFS exec (kernel threads only
 * cached), its parent the cached entry of ppid, which the scan sent first. */
static void on_procfs_record(struct pev *p, const struct ps_event *e)
{
	struct pcache_proc *old = NULL, *parent;
	struct pcache_proc *proc = pcache_put(p->cache, e->pid, &old);

	pcache_release(p->cache, old);
	if (!proc) {
		p->stats.encode_errors++;
		return;
	}
	if (e->flags & PS_F_KTHREAD)
		p->stats.kthreads++;
	else
		p->stats.procfs++;
	proc->ktime = e->ktime;
	if (fill_from_record(proc, e) != 0)
		p->stats.encode_errors++;
	set_user(p, proc, e);
	set_exec_id(p, proc);
	parent = pcache_get(p->cache, e->ppid);
	if (in_init_tree(e, e->pid ? parent : NULL))
		proc->flags |= PS_F_IN_INIT_TREE;
	if (parent && parent != proc)
		link_parent(proc, parent);
	else
		set_unknown_parent(p, proc, e->ppid);
	if (e->flags & PS_F_KTHREAD || hold(p, e))
		return;
	emit(p, PS_EVENT_EXEC, proc, parent, e);
	keep_small(p, proc);
}

void pev_release(struct pev *p)
{
	struct pev_event ev = {.type = PS_EVENT_EXEC, .procfs = true};
	size_t i;

	p->holding = false;
	for (i = 0; i < p->nheld; i++) {
		ev.proc = pcache_get(p->cache, p->held[i].pid);
		if (!ev.proc || ev.proc->ktime != p->held[i].ktime)
			continue;
		ev.parent = known_parent(p, ev.proc, p->held[i].ppid);
		ev.ktime = p->held[i].ktime;
		p->cb(p->cb_arg, &ev);
		keep_small(p, ev.proc);
	}
	free(p->held);
	p->held = NULL;
	p->nheld = p->held_cap = 0;
}

static void on_exec_record(struct pev *p, const struct ps_event *e)
{
	struct pcache_proc *old = NULL, *proc, *parent;

	p->stats.execs++;
	proc = pcache_put(p->cache, e->pid, &old);
	if (!proc) {
		p->stats.encode_errors++;
		pcache_release(p->cache, old);
		return;
	}
	proc->ktime = e->ktime;
	if (fill_from_record(proc, e) != 0 || set_envs(p, proc, e) != 0)
		p->stats.encode_errors++;
	set_user(p, proc, e);
	proc->flags |= PS_F_EXECVE;
	if (in_init_tree(e, old))
		proc->flags |= PS_F_IN_INIT_TREE;
	set_exec_id(p, proc);
	/* An exec without a fork names the image this pid ran before; after a fork, Tetragon's
	 * BPF looks at real_parent as it is now (a forker that died has left the child to init
	 * or a subreaper), then up the ancestors. "clone" only when it saw the fork. */
	if (old && !old->cloned) {
		parent = old;
	} else {
		if (old)
			proc->flags |= PS_F_CLONE;
		parent = walk_parents(p, e);
	}
	if (parent) {
		link_parent(proc, parent);
	} else {
		set_unknown_parent(p, proc, e->ppid);
		if (e->ppid)
			p->stats.parent_misses++;
	}
	emit(p, PS_EVENT_EXEC, proc, parent, e);
	keep_small(p, proc);
	pcache_release(p->cache, old);
}

/* A fork makes a copy of the parent Tetragon's BPF finds (binary, arguments, ids, all of its
 * process object but pid, exec_id, parent_exec_id and start time), flagged with the bit its
 * BPF stores, which its user space names "execve", and refcnt 1. Tetragon sends nothing for a
 * fork whose parent it does not know and keeps no entry: the exec that follows has no
 * "clone". */
static void on_fork_record(struct pev *p, const struct ps_event *e)
{
	struct pcache_proc *old = NULL, *proc, *parent;
	int cut;

	p->stats.forks++;
	parent = walk_parents(p, e);
	if (!parent) {
		p->stats.parent_misses++;
		pcache_release(p->cache, pcache_take(p->cache, e->pid));
		return;
	}
	proc = pcache_put(p->cache, e->pid, &old);
	pcache_release(p->cache, old);
	if (!proc) {
		p->stats.encode_errors++;
		return;
	}
	cut = pcache_proc_copy_cut(proc, parent, PCACHE_ARGS_CUT);
	if (cut < 0)
		p->stats.encode_errors++;
	link_parent(proc, parent);
	proc->pid = e->pid;
	proc->tid = e->pid;
	proc->ppid = parent->pid;
	proc->ktime = proc->start_ktime = e->start_ktime;
	/* The parent's credentials, namespaces and environment stand for the child's, as
	 * Tetragon's clone copies them; its flags are the clone record's alone, as Tetragon
	 * replaces the copy's, so an errorEnvs or truncEnvs stays on the exec it describes. */
	proc->flags = PS_F_EXECVE | (in_init_tree(e, parent) ? PS_F_IN_INIT_TREE : 0) |
		      (parent->flags & PS_F_EXT);
	proc->cloned = true;
	set_exec_id(p, proc);
	keep_forked_small(p, proc, cut);
}

/* Not seen before (its exec was lost): Tetragon, once its event cache gives up, sends the
 * exit with a process of pid and start time only, and no parent. Its start time is the key
 * of Tetragon's BPF process map: the last exec's time (kept by the BPF side when that exec's
 * record is lost), else the fork's. */
static void on_bare_exit(struct pev *p, const struct ps_event *e)
{
	struct pcache_proc *proc = pcache_proc_new(e->pid);

	p->stats.exit_misses++;
	if (!proc || pcache_proc_set(proc, "", "", "") != 0) {
		p->stats.encode_errors++;
		pcache_release(p->cache, proc);
		return;
	}
	proc->ppid = e->ppid;
	proc->uid = e->uid;
	proc->auid = e->auid;
	proc->ruid = e->ruid;
	proc->ktime = e->exec_ktime ? e->exec_ktime : e->start_ktime;
	proc->flags = PS_F_MISS;
	proc->bare = true;
	set_exec_id(p, proc);
	emit(p, PS_EVENT_EXIT, proc, NULL, e);
	pcache_release(p->cache, proc);
}

/* Whether the exiting image is the one proc was cached for: after lost records, the pid may
 * have been reused by a process whose fork and exec were never seen, or the group may have
 * exec'd since the cached image with a record that was lost (the exit carries the last lost
 * exec's time: later than the cached image's), and its exit must not be reported as the old
 * image's. /proc gives a start time in 10 ms ticks. */
static bool same_group(const struct pcache_proc *proc, const struct ps_event *e)
{
	if (e->exec_ktime > proc->ktime)
		return false;
	if (!proc->start_ktime || !e->start_ktime)
		return true;
	if (proc->flags & PS_F_PROCFS)
		return e->start_ktime >= proc->start_ktime &&
		       e->start_ktime - proc->start_ktime < PEV_PROCFS_TICK_NS;
	return e->start_ktime == proc->start_ktime;
}

static void on_exit_record(struct pev *p, const struct ps_event *e)
{
	struct pcache_proc *proc = pcache_take(p->cache, e->pid);
	struct pcache_proc *parent;

	p->stats.exits++;
	if (proc && !same_group(proc, e)) {
		p->stats.exit_stale++;
		pcache_release(p->cache, proc);
		proc = NULL;
	}
	if (!proc) {
		on_bare_exit(p, e);
		return;
	}
	parent = known_parent(p, proc, proc->ppid);
	emit(p, PS_EVENT_EXIT, proc, parent, e);
	pcache_release(p->cache, proc);
}

void pev_record(void *arg, const struct ps_event *e)
{
	struct pev *p = arg;

	switch (e->type) {
	case PS_EVENT_EXEC:
		if (e->flags & (PS_F_PROCFS | PS_F_KTHREAD))
			on_procfs_record(p, e);
		else
			on_exec_record(p, e);
		break;
	case PS_EVENT_FORK:
		on_fork_record(p, e);
		break;
	case PS_EVENT_EXIT:
		on_exit_record(p, e);
		break;
	default:
		break;
	}
}
