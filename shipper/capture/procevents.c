/* SPDX-License-Identifier: Apache-2.0 */
/* Sensor records -> cache entries and process events, with Tetragon's parent rules. */
#include "shipper/capture/procevents.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/utf8.h"
#include "shipper/encode/event_json.h"

struct pev {
	struct pcache *cache;
	pev_event_fn *cb;
	void *cb_arg;
	struct pev_stats stats;
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
	free(p);
}

const struct pev_stats *pev_get_stats(const struct pev *p)
{
	return &p->stats;
}

int pev_cwd_path(const char *components, size_t len, char *buf, size_t size)
{
	size_t end = len, o = 0;

	if (size < 2)
		return -ENOSPC;
	/* Walk the components from the last stored (nearest the root) to the first (the leaf). */
	while (end > 0) {
		size_t start = end;
		size_t clen;

		/* end points one past the NUL of the component we want. */
		if (components[end - 1] == '\0')
			start = end - 1;
		while (start > 0 && components[start - 1] != '\0')
			start--;
		clen = strnlen(components + start, end - start);
		if (clen > 0) {
			if (o + 1 + clen + 1 > size)
				return -ENOSPC;
			buf[o++] = '/';
			memcpy(buf + o, components + start, clen);
			o += clen;
		}
		end = start;
	}
	if (o == 0)
		buf[o++] = '/';
	buf[o] = '\0';
	return (int)o;
}

int pev_binary_path(const char *filename, const char *cwd, char *buf, size_t size)
{
	size_t flen, clen = 0, n = 0;
	bool slash = false;

	if (filename[0] != '/' && cwd && cwd[0]) {
		while (filename[0] == '.' && filename[1] == '/')
			filename += 2;
		clen = strlen(cwd);
		slash = strcmp(cwd, "/") != 0;
	}
	flen = strlen(filename);
	if (clen + slash + flen >= size)
		return -ENOSPC;
	if (clen) {
		memcpy(buf, cwd, clen);
		n = clen;
	}
	if (slash)
		buf[n++] = '/';
	memcpy(buf + n, filename, flen + 1);
	return (int)(n + flen);
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

/* The id Tetragon gives the kernel, parent of pid 1 and kthreadd. */
static void set_kernel_parent(struct pev *p, struct pcache_proc *proc)
{
	if (pcache_exec_id(pcache_node(p->cache), 1, 0, proc->parent_exec_id,
		    sizeof(proc->parent_exec_id)) < 0)
		proc->parent_exec_id[0] = '\0';
}

/* The bits of a record that describe its strings, and so the process; the others describe
 * the record. */
#define RECORD_FLAGS                                                                               \
	(PS_F_TRUNC_FILENAME | PS_F_TRUNC_ARGS | PS_F_TRUNC_CWD | PS_F_ERR_FILENAME |              \
		PS_F_ERR_ARGS | PS_F_ERR_CWD)

/* Fill proc's identity and strings from an exec-like record (BPF exec or /proc scan). */
static int fill_from_record(struct pcache_proc *proc, const struct ps_event *e, bool procfs)
{
	char cwd[PS_CWD_MAX + 2];
	char binary[PS_FILENAME_MAX + PS_CWD_MAX + 2];
	char filename[PS_FILENAME_MAX];
	char *args, *fixed_binary, *fixed_args, *fixed_cwd;
	int ret;

	proc->tid = e->pid;
	proc->ppid = e->ppid;
	proc->uid = e->uid;
	proc->gid = e->gid;
	proc->auid = e->auid;
	proc->flags = e->flags & RECORD_FLAGS;
	if (procfs) {
		copy_field(cwd, sizeof(cwd), e->cwd, e->cwd_len);
	} else if (e->flags & PS_F_ERR_CWD) {
		cwd[0] = '\0';
	} else if (pev_cwd_path(e->cwd, e->cwd_len, cwd, sizeof(cwd)) < 0) {
		cwd[0] = '\0';
		proc->flags |= PS_F_ERR_CWD;
	}
	if (cwd[0] == '\0' && !(proc->flags & PS_F_ERR_CWD))
		proc->flags |= PS_F_NOCWD;
	if (strcmp(cwd, "/") == 0)
		proc->flags |= PS_F_ROOTCWD;
	copy_field(filename, sizeof(filename), e->filename, e->filename_len);
	if (pev_binary_path(filename, cwd, binary, sizeof(binary)) < 0)
		copy_field(binary, sizeof(binary), filename, sizeof(filename));
	args = ejson_join_args(e->args, e->args_len);
	if (!args)
		return -ENOMEM;
	ejson_docker_id(e->cgroup, proc->docker, sizeof(proc->docker));
	/* Fixed once here, not on every event that names this process. */
	fixed_binary = utf8_repair_dup(binary);
	fixed_args = utf8_repair_dup(args);
	fixed_cwd = utf8_repair_dup(cwd);
	ret = pcache_proc_set(proc, fixed_binary ? fixed_binary : binary,
		fixed_args ? fixed_args : args, fixed_cwd ? fixed_cwd : cwd);
	free(fixed_binary);
	free(fixed_args);
	free(fixed_cwd);
	free(args);
	return ret;
}

/* A process known only by its record: comm stands in for the binary. comm is whatever bytes a
 * process chose (prctl, or the name of what it ran), so it goes through the UTF-8 fix too. */
static int set_from_comm(struct pcache_proc *proc, const struct ps_event *e)
{
	char comm[sizeof(e->comm) + 1];
	char *fixed;
	int ret;

	snprintf(comm, sizeof(comm), "%.*s", (int)sizeof(e->comm), e->comm);
	fixed = utf8_repair_dup(comm);
	ret = pcache_proc_set(proc, fixed ? fixed : comm, "", "");
	free(fixed);
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

static void on_procfs_record(struct pev *p, const struct ps_event *e)
{
	struct pcache_proc *old = NULL, *parent;
	struct pcache_proc *proc = pcache_put(p->cache, e->pid, &old);

	pcache_release(p->cache, old);
	if (!proc) {
		p->stats.encode_errors++;
		return;
	}
	p->stats.procfs++;
	proc->ktime = e->ktime;
	if (fill_from_record(proc, e, true) != 0)
		p->stats.encode_errors++;
	proc->flags |= PS_F_PROCFS;
	set_exec_id(p, proc);
	parent = e->ppid ? pcache_get(p->cache, e->ppid) : NULL;
	if (parent) {
		memcpy(proc->parent_exec_id, parent->exec_id, sizeof(proc->parent_exec_id));
		pcache_proc_set_parent(proc, parent);
	} else {
		set_kernel_parent(p, proc);
	}
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
	if (fill_from_record(proc, e, false) != 0)
		p->stats.encode_errors++;
	proc->flags |= PS_F_EXECVE;
	set_exec_id(p, proc);
	/* After a fork the forker is the parent (even if it has exited since); after an exec
	 * without a fork, the image this pid ran before. */
	if (old && !old->cloned) {
		parent = old;
	} else {
		proc->flags |= PS_F_CLONE;
		parent = old ? known_parent(p, old, e->ppid) : pcache_get(p->cache, e->ppid);
	}
	if (parent) {
		memcpy(proc->parent_exec_id, parent->exec_id, sizeof(proc->parent_exec_id));
		pcache_proc_set_parent(proc, parent);
	} else if (e->ppid == 0) {
		set_kernel_parent(p, proc);
	} else {
		p->stats.parent_misses++;
	}
	emit(p, PS_EVENT_EXEC, proc, parent, e);
	pcache_release(p->cache, old);
}

static void on_fork_record(struct pev *p, const struct ps_event *e)
{
	struct pcache_proc *old = NULL, *proc, *parent;

	p->stats.forks++;
	/* A process cannot be its own parent; such a record would also make the parent entry
	 * the one pcache_put replaces below. */
	parent = e->ppid != e->pid ? pcache_get(p->cache, e->ppid) : NULL;
	proc = pcache_put(p->cache, e->pid, &old);
	pcache_release(p->cache, old);
	if (!proc) {
		p->stats.encode_errors++;
		return;
	}
	if (parent) {
		if (pcache_proc_copy(proc, parent) != 0)
			p->stats.encode_errors++;
		memcpy(proc->parent_exec_id, parent->exec_id, sizeof(proc->parent_exec_id));
		pcache_proc_set_parent(proc, parent);
	} else {
		p->stats.parent_misses++;
		if (set_from_comm(proc, e) != 0)
			p->stats.encode_errors++;
		proc->flags = PS_F_MISS;
	}
	proc->pid = e->pid;
	proc->tid = e->pid;
	proc->ppid = e->ppid;
	proc->uid = e->uid;
	proc->gid = e->gid;
	proc->auid = e->auid;
	proc->ktime = e->start_ktime;
	proc->flags |= PS_F_CLONE;
	proc->flags &= ~(uint32_t)(PS_F_PROCFS | PS_F_EXECVE);
	proc->cloned = true;
	set_exec_id(p, proc);
}

static void on_exit_record(struct pev *p, const struct ps_event *e)
{
	struct pcache_proc *proc = pcache_take(p->cache, e->pid);
	struct pcache_proc *parent;

	p->stats.exits++;
	if (!proc) {
		/* Not seen before: still report the exit, with what the record itself says. */
		p->stats.exit_misses++;
		proc = pcache_proc_new(e->pid);
		if (!proc) {
			p->stats.encode_errors++;
			return;
		}
		if (set_from_comm(proc, e) != 0)
			p->stats.encode_errors++;
		proc->ppid = e->ppid;
		proc->uid = e->uid;
		proc->auid = e->auid;
		proc->ktime = e->start_ktime;
		proc->flags = PS_F_MISS;
		set_exec_id(p, proc);
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
		if (e->flags & PS_F_PROCFS)
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
