/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* Kernel side of procship: process exec, fork and exit -> records in a ring buffer.
 *
 * Attached with tp_btf (raw BTF tracepoints): classic tracepoints need tracefs, which is not
 * mounted on our hosts, and fentry/LSM programs are refused there. While records keep coming,
 * user space polls the ring on its own timer and nothing here wakes it; an exec or exit wakes
 * it only once it has gone idle, and a backlog at most once a millisecond (see wakeup_flag).
 * Waking user space for every exec was measured to slow an exec loop by ~45%.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "bpf/procship_event.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* A macro in include/linux/sched/signal.h, so not in vmlinux.h. */
#define SIGNAL_GROUP_EXIT 0x00000004

/* Knobs set by user space between open and load. */
const volatile __u64 wakeup_bytes = 256 * 1024; /* pending bytes that force a wake-up */
const volatile __u32 ignore_tgid = 0;		/* procship itself */

/* 1 while user space polls the ring on its own timer (records keep coming), 0 when it sleeps
 * until woken: the next exec or exit wakes it, and sets this back to 1. User space sets it
 * (shared through the mmap'ed .bss). A wake-up from here costs the traced task a
 * self-interrupt and an IPI to the consumer's CPU: one per 5 ms was measured to add ~1.7 µs
 * to every exec in an exec storm, more than the rest of the programs' work. Racy across CPUs
 * on purpose: two wake-ups instead of one cost nothing. */
__u32 consumer_polling = 0;

/* When a backlog (wakeup_bytes pending) last woke user space. While user space lags, every
 * record would otherwise wake it again: an interrupt and an IPI per record, just when the
 * host is busiest (measured: +6% on an exec loop with user space stopped). Racy on purpose. */
__u64 last_backlog_wake_ns = 0;
#define BACKLOG_WAKE_INTERVAL_NS 1000000 /* 1 ms */

/* An atomic on this (per CPU: no cache line moves) orders the record's reservation before
 * the read of consumer_polling, as user space orders its write before reading the ring. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} fence SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 * 1024 * 1024);
} events SEC(".maps");

/* Exec records are assembled here, then copied into the ring buffer at their used size. One
 * entry per CPU (user space sizes the map), indexed by the CPU: a record with room for 320 KB
 * of arguments is above what a per-CPU map value may hold. Programs do not migrate while
 * they run. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ps_event);
} scratch SEC(".maps");

/* The time of each thread group's last exec whose record was lost (its ktime), for its exit:
 * Tetragon's exit reads the exec's time from its execve_map, so its exit of an image it never
 * announced still names that image. Written only when a record is lost, read and deleted at
 * the exit; a delivered exec costs nothing here (user space sees that its image is later). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PS_EXEC_TIMES_MAX);
	__type(key, __u32);
	__type(value, __u64);
} exec_times SEC(".maps");

/* The cwd is written here backwards, from the leaf up, as the kernel's d_path does. */
#define CWD_BUF (PS_CWD_MAX + 256)
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, char[CWD_BUF]);
} cwd_buf SEC(".maps");

/* Index in css_set->subsys of the cgroup v1 controller whose names hold container ids, plus
 * one; 0 on a host without one (cgroup v2 only). Set by user space, as Tetragon picks it. */
const volatile __u32 cgroup1_subsys = 0;

/* Per-CPU count of failed reserves, indexed by enum ps_event_type: nothing lost unseen. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PS_DROP_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

static __always_inline void count_drop(__u32 type)
{
	__u64 *n = bpf_map_lookup_elem(&drops, &type);

	if (n)
		*n += 1;
}

/* Call with the record reserved, before submitting it. Wake user space when a lot is pending
 * (a burst; at most once a millisecond), or for an exec or exit when it is not polling, so
 * that an idle host sees its events within microseconds; while it polls, never. Forks only
 * update the cache, so they never ask for a wake-up: the exec or exit that follows does. */
static __always_inline __u64 wakeup_flag(bool may_wake)
{
	__u64 pending = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
	__u32 zero = 0;
	__u64 *f;

	if (pending >= wakeup_bytes) {
		__u64 now = bpf_ktime_get_ns();

		if (now - last_backlog_wake_ns >= BACKLOG_WAKE_INTERVAL_NS) {
			last_backlog_wake_ns = now;
			return BPF_RB_FORCE_WAKEUP;
		}
	}
	if (!may_wake)
		return BPF_RB_NO_WAKEUP;
	f = bpf_map_lookup_elem(&fence, &zero);
	if (f)
		__sync_fetch_and_add(f, 1);
	if (!consumer_polling) {
		consumer_polling = 1;
		return BPF_RB_FORCE_WAKEUP;
	}
	return BPF_RB_NO_WAKEUP;
}

/* Fork and exit records: the header alone, reserved and submitted in place. */
static __always_inline struct ps_event *reserve_small(__u32 type)
{
	struct ps_event *e = bpf_ringbuf_reserve(&events, PS_EVENT_HDR_SIZE, 0);

	if (!e) {
		count_drop(type);
		return NULL;
	}
	e->type = type;
	e->flags = 0;
	e->args_len = 0;
	e->cwd_len = 0;
	e->filename_len = 0;
	e->exit_code = 0;
	e->nspid = 0;
	e->exec_ktime = 0;
	e->ancestors[0] = e->ancestors[1] = e->ancestors[2] = 0;
	return e;
}

static __always_inline void submit_small(struct ps_event *e)
{
	bpf_ringbuf_submit(e, wakeup_flag(e->type != PS_EVENT_FORK));
}

/* tp_btf arguments are BTF-typed pointers: fields are read with plain (fault-checked) loads,
 * relocated by CO-RE, instead of a bpf_probe_read_kernel call each. That halved the handlers'
 * run time. The cwd walk and the cgroup names keep BPF_CORE_READ: the walk computes pointers
 * (container_of), and plain loads there doubled the verifier's time (see fill_cwd).
 *
 * comm is current's: the exec'd and the exiting task are current, and a fork's child has
 * its parent's comm, copied at fork. */
static __always_inline void fill_task(struct ps_event *e, struct task_struct *task)
{
	const struct cred *cred = task->cred;

	e->pid = task->tgid;
	e->tid = task->pid;
	e->ppid = task->real_parent->tgid;
	e->uid = cred->euid.val;
	e->gid = cred->egid.val;
	e->ruid = cred->uid.val;
	e->pad = 0;
	/* loginuid exists only with CONFIG_AUDITSYSCALL. */
	if (bpf_core_field_exists(task->loginuid)) {
		e->auid = task->loginuid.val;
	} else {
		e->auid = PS_AUID_UNSET;
		e->flags |= PS_F_NO_AUID;
	}
	e->start_ktime = task->group_leader->start_boottime;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
}

/* What Tetragon's BPF reads to find a parent (real_parent, then up to three of its
 * ancestors), and the pid in the task's own PID namespace (0 in the initial one), which
 * decides its init tree. */
static __always_inline void fill_lineage(struct ps_event *e, struct task_struct *task)
{
	struct task_struct *t = task->real_parent;
	struct pid *pid = task->thread_pid;
	unsigned long addr;
	unsigned int level;
	int i;

	for (i = 0; i < PS_ANCESTORS; i++) {
		t = t->real_parent;
		e->ancestors[i] = t->tgid;
	}
	e->nspid = 0;
	level = pid->level;
	if (level == 0 || level > 32)
		return;
	addr = (unsigned long)pid + bpf_core_field_offset(struct pid, numbers) +
	       level * bpf_core_type_size(struct upid) + bpf_core_field_offset(struct upid, nr);
	bpf_probe_read_kernel(&e->nspid, sizeof(e->nspid), (void *)addr);
}

/* The innermost cgroup names: v2's, and on a v1 or hybrid host the chosen controller's, where
 * container runtimes put the container id. */
static __always_inline void fill_cgroup(struct ps_event *e, struct task_struct *task)
{
	const char *name = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, name);
	struct cgroup_subsys_state *css = NULL;
	struct css_set *cset;
	__u32 idx;

	e->cgroup[0] = 0;
	e->cgroup1[0] = 0;
	if (name)
		bpf_probe_read_kernel_str(e->cgroup, sizeof(e->cgroup), name);
	if (!cgroup1_subsys)
		return;
	idx = (cgroup1_subsys - 1) & 63;
	cset = BPF_CORE_READ(task, cgroups);
	if (!cset)
		return;
	bpf_probe_read_kernel(&css, sizeof(css),
		(void *)((unsigned long)cset + bpf_core_field_offset(struct css_set, subsys) +
			 idx * sizeof(void *)));
	if (!css)
		return;
	name = BPF_CORE_READ(css, cgroup, kn, name);
	if (name)
		bpf_probe_read_kernel_str(e->cgroup1, sizeof(e->cgroup1), name);
}

/* One step of the cwd walk (a bpf_loop callback), in Tetragon's order: the root ends it, a
 * mount's root crosses to where it is mounted, anything else is prepended. A name that does
 * not fit in the PS_CWD_MAX bytes left keeps its tail and ends the walk unresolved. */
struct cwd_walk {
	struct dentry *dentry;
	struct vfsmount *vfsmnt;
	struct mount *mnt;
	struct dentry *root_dentry;
	struct vfsmount *root_mnt;
	char *buf;
	__u32 pos;
	__u32 resolved;
};

static long cwd_step(__u64 index, void *ctx)
{
	struct cwd_walk *w = ctx;
	struct dentry *dentry = w->dentry, *parent, *mnt_root;
	struct vfsmount *vfsmnt = w->vfsmnt;
	struct mount *mnt = w->mnt;
	const unsigned char *name;
	__u32 len, pos = w->pos, off;
	char *buf = w->buf;

	(void)index;
	if (dentry == w->root_dentry && vfsmnt == w->root_mnt) {
		w->resolved = 1;
		return 1;
	}
	mnt_root = BPF_CORE_READ(vfsmnt, mnt_root);
	parent = BPF_CORE_READ(dentry, d_parent);
	if (dentry == mnt_root || dentry == parent) {
		struct mount *mnt_parent = BPF_CORE_READ(mnt, mnt_parent);

		if (mnt_parent == mnt) {
			w->resolved = 1;
			return 1;
		}
		w->dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
		w->mnt = mnt_parent;
		w->vfsmnt = &mnt_parent->mnt;
		return 0;
	}
	name = BPF_CORE_READ(dentry, d_name.name);
	len = BPF_CORE_READ(dentry, d_name.len);
	if (!buf || pos > PS_CWD_MAX)
		return 1;
	if (len >= pos) {
		name += len - pos;
		len = pos & 0xff;
		bpf_probe_read_kernel(buf, len, name);
		w->pos = 0;
		return 1;
	}
	off = (pos - len) & (PS_CWD_MAX - 1);
	len &= 0xff;
	bpf_probe_read_kernel(buf + off, len, name);
	buf[(off - 1) & (PS_CWD_MAX - 1)] = '/';
	w->pos = off - 1;
	w->dentry = parent;
	return 0;
}

/* A dentry the kernel's d_path would print with " (deleted)": unhashed, and not a root. */
static __always_inline bool unlinked(struct dentry *d)
{
	return !BPF_CORE_READ(d, d_hash.pprev) && BPF_CORE_READ(d, d_parent) != d;
}

/* The cwd as Tetragon's BPF resolves it (d_path up to 4096 bytes, up to the process's root,
 * across mounts), copied into data at off. Returns its length; sets PS_F_ROOTCWD for the root
 * itself, PS_F_ERR_PATH_CWD when the walk did not reach the root (the tail it has is kept),
 * PS_F_ERR_CWD when there is nothing to walk. */
static __always_inline __u32 fill_cwd(struct ps_event *e, struct task_struct *task, __u32 off)
{
	/* Probe reads, not plain loads: with BTF-typed dentries the verifier walks the steps
	 * in twice the time. */
	struct fs_struct *fs = BPF_CORE_READ(task, fs);
	struct cwd_walk w = {};
	__u32 zero = 0, len, pos;

	w.buf = bpf_map_lookup_elem(&cwd_buf, &zero);
	if (!fs || !w.buf) {
		e->flags |= PS_F_ERR_CWD;
		return 0;
	}
	w.dentry = BPF_CORE_READ(fs, pwd.dentry);
	w.vfsmnt = BPF_CORE_READ(fs, pwd.mnt);
	w.root_dentry = BPF_CORE_READ(fs, root.dentry);
	w.root_mnt = BPF_CORE_READ(fs, root.mnt);
	w.mnt = container_of(w.vfsmnt, struct mount, mnt);
	w.pos = PS_CWD_MAX;
	if (!w.dentry) {
		e->flags |= PS_F_ERR_CWD;
		return 0;
	}
	if (unlinked(w.dentry)) {
		__builtin_memcpy(w.buf + PS_CWD_MAX - 10, " (deleted)", 10);
		w.pos = PS_CWD_MAX - 10;
	}
	bpf_loop(2048, cwd_step, &w, 0);
	if (!w.resolved && w.pos < PS_CWD_MAX)
		e->flags |= PS_F_ERR_PATH_CWD;
	pos = w.pos;
	barrier_var(pos);
	pos &= 2 * PS_CWD_MAX - 1;
	if (pos >= PS_CWD_MAX) {
		e->flags |= PS_F_ROOTCWD;
		return 0;
	}
	len = PS_CWD_MAX - pos;
	barrier_var(len);
	len &= 2 * PS_CWD_MAX - 1;
	if (len > PS_CWD_MAX || len == 0)
		return 0;
	barrier_var(off);
	if (off >= PS_CWD_MAX)
		return 0;
	if (bpf_probe_read_kernel(e->data + off, len, w.buf + pos))
		return 0;
	return len;
}

/* argv[0..] of the new image, at most PS_ARGS_MAX bytes, into data at off. The new image's
 * argv is in user memory the kernel has just written: it is present. */
static __always_inline __u32 fill_args(struct ps_event *e, struct task_struct *task, __u32 off)
{
	struct mm_struct *mm = task->mm;
	unsigned long arg_start = mm->arg_start, arg_end = mm->arg_end;
	__u64 len = arg_end > arg_start ? arg_end - arg_start : 0;

	if (len > PS_ARGS_MAX) {
		len = PS_ARGS_MAX;
		e->flags |= PS_F_TRUNC_ARGS;
	}
	if (!len)
		return 0;
	/* Explicit bounds the verifier can see after clang's rewrites. */
	barrier_var(len);
	len &= PS_ARGS_BOUND - 1;
	if (len > PS_ARGS_MAX)
		return 0;
	barrier_var(off);
	if (off >= 2 * PS_CWD_MAX)
		return 0;
	if (bpf_probe_read_user(e->data + off, len, (void *)arg_start)) {
		e->flags |= PS_F_ERR_ARGS;
		return 0;
	}
	return (__u32)len;
}

#include "bpf/procship_enrich.bpf.h"

static __always_inline __u64 record_size(const struct ps_event *e)
{
	__u64 size = PS_EVENT_DATA_OFF + (__u64)e->filename_len + e->cwd_len + e->args_len;

	barrier_var(size);
	if (size > sizeof(*e))
		size = sizeof(*e);
	return size;
}

/* A record with long arguments or a long environment that finds no room in the ring is sent
 * with PS_ARGS_FALLBACK bytes of the one and PS_ENV_FALLBACK of the other rather than lost: a
 * burst of such execs would otherwise fill the ring with a few records. false when it was
 * short already. */
static __always_inline bool shrink(struct ps_event *e)
{
	bool cut = false;

	if (e->args_len > PS_ARGS_FALLBACK) {
		e->args_len = PS_ARGS_FALLBACK;
		e->flags |= PS_F_TRUNC_ARGS;
		cut = true;
	}
	if (e->env_len > PS_ENV_FALLBACK) {
		e->env_len = PS_ENV_FALLBACK;
		e->flags |= PS_F_TRUNC_ENVS;
		cut = true;
	}
	return cut;
}

/* Writes the record, its environment and its struct ps_ext one after the other. */
static __always_inline long write_record(
	struct bpf_dynptr *ptr, struct ps_event *e, __u64 size, const char *env, struct ps_ext *x)
{
	__u64 env_len = e->env_len;

	if (bpf_dynptr_write(ptr, 0, e, size, 0))
		return -1;
	/* Masked where the verifier sees it: clang would otherwise pass an unmasked copy. */
	env_len &= PS_ENV_BOUND - 1;
	barrier_var(env_len);
	if (env_len > PS_ENV_MAX)
		return -1;
	if (env && env_len && bpf_dynptr_write(ptr, size, (void *)env, env_len, 0))
		return -1;
	if (x && bpf_dynptr_write(ptr, size + env_len, x, sizeof(*x), 0))
		return -1;
	return 0;
}

/* A read that filled all PS_FILENAME_MAX bytes returns the same for a path of exactly
 * PS_FILENAME_MAX - 1 bytes (whole: execve allows up to PATH_MAX with its NUL) as for a longer
 * one (execveat's "/dev/fd/N/" joined to a long name): the byte the NUL went over tells. */
static __always_inline bool filename_goes_on(const char *filename)
{
	char c = 1; /* a byte that cannot be read: cut, as before */

	bpf_probe_read_kernel(&c, 1, filename + PS_FILENAME_MAX - 1);
	return c != 0;
}

/* How many entries exec_times holds, so that exits need not look while it holds none (a
 * lookup in the map's cold buckets costs an exit more than the rest of its work). */
__u64 exec_times_used = 0;

/* The exec record of e is lost: counted, and its time kept for the exit (a full map only
 * costs that exit its precision). */
static __always_inline void exec_lost(struct ps_event *e)
{
	count_drop(PS_EVENT_EXEC);
	if (!bpf_map_update_elem(&exec_times, &e->pid, &e->ktime, BPF_NOEXIST))
		__sync_fetch_and_add(&exec_times_used, 1);
	else
		bpf_map_update_elem(&exec_times, &e->pid, &e->ktime, BPF_EXIST);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(handle_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 cpu = bpf_get_smp_processor_id();
	struct bpf_dynptr ptr;
	struct ps_event *e;
	struct ps_ext *x;
	char *env = NULL;
	__u64 size, xsize;
	long n;

	if (ignore_tgid && task->tgid == ignore_tgid)
		return 0;
	e = bpf_map_lookup_elem(&scratch, &cpu);
	if (!e)
		return 0;
	e->type = PS_EVENT_EXEC;
	e->flags = 0;
	e->args_len = 0;
	e->cwd_len = 0;
	e->filename_len = 0;
	e->env_len = 0;
	fill_task(e, task);
	fill_lineage(e, task);
	e->ktime = bpf_ktime_get_boot_ns();
	e->exec_ktime = 0;

	n = bpf_probe_read_kernel_str(e->data, PS_FILENAME_MAX, bprm->filename);
	if (n <= 0) {
		e->flags |= PS_F_ERR_FILENAME;
	} else {
		e->filename_len = (n - 1) & (PS_FILENAME_MAX - 1);
		if (n == PS_FILENAME_MAX && filename_goes_on(bprm->filename))
			e->flags |= PS_F_TRUNC_FILENAME;
	}
	e->cwd_len = fill_cwd(e, task, e->filename_len);
	e->args_len = fill_args(e, task, e->filename_len + e->cwd_len);
	fill_cgroup(e, task);
	x = fill_enrich(e, task, bprm, &env);
	xsize = x ? sizeof(*x) : 0;

	size = record_size(e);
	/* Reserved at its used size, then filled: the wake-up is decided once the record is in
	 * the ring (see wakeup_flag), which bpf_ringbuf_output would not allow. */
	if (bpf_ringbuf_reserve_dynptr(&events, size + e->env_len + xsize, 0, &ptr)) {
		bpf_ringbuf_discard_dynptr(&ptr, 0);
		if (!shrink(e)) {
			exec_lost(e);
			return 0;
		}
		size = record_size(e);
		if (bpf_ringbuf_reserve_dynptr(&events, size + e->env_len + xsize, 0, &ptr)) {
			bpf_ringbuf_discard_dynptr(&ptr, 0);
			exec_lost(e);
			return 0;
		}
	}
	if (write_record(&ptr, e, size, env, x)) {
		bpf_ringbuf_discard_dynptr(&ptr, 0);
		exec_lost(e);
		return 0;
	}
	bpf_ringbuf_submit_dynptr(&ptr, wakeup_flag(true));
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(handle_fork, struct task_struct *parent, struct task_struct *child)
{
	struct ps_event *e;

	/* Threads share their process's identity: only new thread groups matter. */
	if (child->pid != child->tgid)
		return 0;
	if (ignore_tgid && parent->tgid == ignore_tgid)
		return 0;
	e = reserve_small(PS_EVENT_FORK);
	if (!e)
		return 0;
	fill_task(e, child);
	fill_lineage(e, child);
	e->ktime = bpf_ktime_get_boot_ns();
	submit_small(e);
	return 0;
}

/* The group_dead argument exists only on recent kernels; signal->live works everywhere:
 * do_exit decrements it before this tracepoint fires. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(handle_exit, struct task_struct *task)
{
	struct signal_struct *signal = task->signal;
	__u32 tgid = task->tgid;
	__u64 exec_ktime = 0, *t;
	struct ps_event *e;

	if (signal->live.counter != 0)
		return 0;
	if (ignore_tgid && tgid == ignore_tgid)
		return 0;
	/* Read and deleted even when this record is lost: the pid's next process starts clean. */
	t = exec_times_used ? bpf_map_lookup_elem(&exec_times, &tgid) : NULL;
	if (t) {
		exec_ktime = *t;
		if (!bpf_map_delete_elem(&exec_times, &tgid))
			__sync_fetch_and_add(&exec_times_used, -1);
	}
	e = reserve_small(PS_EVENT_EXIT);
	if (!e)
		return 0;
	fill_task(e, task);
	e->exec_ktime = exec_ktime;
	e->ktime = bpf_ktime_get_boot_ns();
	/* The last thread out may not be the leader; a group exit keeps the status in signal. */
	if (signal->flags & SIGNAL_GROUP_EXIT)
		e->exit_code = signal->group_exit_code;
	else
		e->exit_code = task->exit_code;
	submit_small(e);
	return 0;
}
