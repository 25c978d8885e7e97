/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* The optional parts of an exec record, included by procship.bpf.c only: credentials, the
 * file and namespaces (a struct ps_ext: --enable-process-cred, --enable-process-ns) and the
 * environment (--enable-process-environment-variables), each read only when user space set
 * its bit in the enrich knob. */
#ifndef PROCSHIP_ENRICH_BPF_H
#define PROCSHIP_ENRICH_BPF_H

/* PS_F_EXT_CRED and/or PS_F_EXT_NS: the struct ps_ext parts exec records carry; PS_F_EXT_ENV:
 * they carry the environment. Set by user space; 0 (the default) leaves records and the
 * programs' work as they are without it. */
const volatile __u32 enrich = 0;

/* How an exec raised privileges, decided at sched_prepare_exec, where the new credentials are
 * computed (bprm->cred) and the task still has its old ones, and read back at
 * sched_process_exec. Keyed by tgid: the thread that execs takes it, and cred_guard_mutex lets
 * one exec of a thread group at a time get that far. An exec that fails past that point kills
 * the process; its entry is overwritten by the pid's next exec, or evicted. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u32);
} secureexec SEC(".maps");

/* An exec record's struct ps_ext is assembled here (enrich only). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ps_ext);
} ext_buf SEC(".maps");

/* An exec record's environment is read here (PS_F_EXT_ENV only), and written into the ring
 * buffer after the record's other data. One entry per CPU, as scratch. With the option off
 * user space shrinks it to one byte: the verifier never walks the code that uses it then
 * (enrich is a constant of the frozen rodata), so it costs no memory. Sized, not typed: a
 * BTF value type would pin the size. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__uint(value_size, PS_ENV_BOUND);
} env_buf SEC(".maps");

/* The new image's environment block (env_start to env_end: every string NUL-terminated), at
 * most PS_ENV_MAX bytes, into buf, as Tetragon reads it: nothing when the mm has no block;
 * errorEnvs when the read fails; cut at the bound flagged procship's truncEnvs (Tetragon loses
 * the exec's arguments and environment past the same bound, procship.8 says how). Returns
 * the bytes read. */
static __always_inline __u32 fill_envs(struct ps_event *e, struct task_struct *task, char *buf)
{
	struct mm_struct *mm = task->mm;
	unsigned long env_start = mm->env_start, env_end = mm->env_end;
	__u64 len = env_end > env_start ? env_end - env_start : 0;

	if (!env_start || !len)
		return 0;
	if (len > PS_ENV_MAX) {
		len = PS_ENV_MAX;
		e->flags |= PS_F_TRUNC_ENVS;
	}
	barrier_var(len);
	len &= PS_ENV_BOUND - 1;
	if (len > PS_ENV_MAX || len == 0)
		return 0;
	if (bpf_probe_read_user(buf, len, (void *)env_start)) {
		e->flags |= PS_F_ERR_ENVS;
		return 0;
	}
	return (__u32)len;
}

/* Tetragon's reading of a privileged exec (security_bprm_committing_creds there): nothing
 * unless the kernel clears personality flags for it (bprm->per_clear); then set-user-ID and
 * set-group-ID by the new effective ids against the real ones (an exec never changes those),
 * "to root" from a non-root real id, and file capabilities when the permitted set grew without
 * a set-user-ID and with no ambient set. old_permitted is the set before the exec. */
static __always_inline __u32 privileged_exec(
	struct linux_binprm *bprm, const struct cred *new, __u64 old_permitted)
{
	__u64 permitted = 0, ambient = 0;
	__u32 uid = new->uid.val, euid = new->euid.val;
	__u32 gid = new->gid.val, egid = new->egid.val;
	__u32 sx = 0;

	if (!bprm->per_clear)
		return 0;
	if (euid != uid) {
		sx |= PS_SX_SETUID;
		if (uid != 0 && euid == 0)
			sx |= PS_SX_SETUID_ROOT;
	}
	if (egid != gid) {
		sx |= PS_SX_SETGID;
		if (gid != 0 && egid == 0)
			sx |= PS_SX_SETGID_ROOT;
	}
	bpf_core_read(&ambient, sizeof(ambient), &new->cap_ambient);
	if (ambient)
		return sx;
	bpf_core_read(&permitted, sizeof(permitted), &new->cap_permitted);
	if ((permitted & ~old_permitted) && euid == uid)
		sx |= PS_SX_FILE_CAPS;
	return sx;
}

/* Only loaded with PS_F_EXT_CRED, on kernels that have the tracepoint (6.10 and later). */
SEC("tp_btf/sched_prepare_exec")
int BPF_PROG(handle_prepare_exec, struct task_struct *task, struct linux_binprm *bprm)
{
	const struct cred *old = task->cred, *new = bprm->cred;
	__u32 tgid = task->tgid, sx;
	__u64 old_permitted = 0;

	if (!new)
		return 0;
	bpf_core_read(&old_permitted, sizeof(old_permitted), &old->cap_permitted);
	sx = privileged_exec(bprm, new, old_permitted);
	if (sx)
		bpf_map_update_elem(&secureexec, &tgid, &sx, BPF_ANY);
	else
		bpf_map_delete_elem(&secureexec, &tgid);
	return 0;
}

/* The namespaces as Tetragon's BPF reads them: the nsproxy's, the task's active PID
 * namespace, and the user namespace of its credentials. */
static __always_inline void fill_ns(struct ps_ext *x, struct task_struct *task)
{
	struct nsproxy *nsp = task->nsproxy;
	struct pid *pid = task->thread_pid;
	struct pid_namespace *pidns = NULL;
	unsigned int level;

	if (!nsp)
		return;
	x->ns[PS_NS_UTS] = nsp->uts_ns->ns.inum;
	x->ns[PS_NS_IPC] = nsp->ipc_ns->ns.inum;
	x->ns[PS_NS_MNT] = nsp->mnt_ns->ns.inum;
	x->ns[PS_NS_PID_FOR_CHILDREN] = nsp->pid_ns_for_children->ns.inum;
	x->ns[PS_NS_NET] = nsp->net_ns->ns.inum;
	if (bpf_core_field_exists(nsp->time_ns)) {
		x->ns[PS_NS_TIME] = nsp->time_ns->ns.inum;
		x->ns[PS_NS_TIME_FOR_CHILDREN] = nsp->time_ns_for_children->ns.inum;
	}
	x->ns[PS_NS_CGROUP] = nsp->cgroup_ns->ns.inum;
	x->ns[PS_NS_USER] = task->cred->user_ns->ns.inum;
	level = pid->level;
	if (level > 32)
		return;
	bpf_probe_read_kernel(&pidns, sizeof(pidns),
		(void *)((unsigned long)pid + bpf_core_field_offset(struct pid, numbers) +
			 level * bpf_core_type_size(struct upid) +
			 bpf_core_field_offset(struct upid, ns)));
	if (pidns)
		x->ns[PS_NS_PID] = BPF_CORE_READ(pidns, ns.inum);
}

/* The credentials the exec left, how it raised them, and the file it ran (bprm->file: a memfd
 * or a deleted file has no link). Without sched_prepare_exec the set before the exec is gone:
 * file capabilities are then not told apart, the rest is exact. */
static __always_inline void fill_cred(
	struct ps_ext *x, struct task_struct *task, struct linux_binprm *bprm)
{
	const struct cred *c = task->cred;
	__u32 tgid = task->tgid, *sx;
	struct inode *inode;

	x->uid = c->uid.val;
	x->gid = c->gid.val;
	x->suid = c->suid.val;
	x->sgid = c->sgid.val;
	x->fsuid = c->fsuid.val;
	x->fsgid = c->fsgid.val;
	x->securebits = c->securebits;
	bpf_core_read(&x->cap_permitted, sizeof(x->cap_permitted), &c->cap_permitted);
	bpf_core_read(&x->cap_effective, sizeof(x->cap_effective), &c->cap_effective);
	bpf_core_read(&x->cap_inheritable, sizeof(x->cap_inheritable), &c->cap_inheritable);
	sx = bpf_map_lookup_elem(&secureexec, &tgid);
	if (sx) {
		x->secureexec = *sx;
		bpf_map_delete_elem(&secureexec, &tgid);
	} else {
		x->secureexec = privileged_exec(bprm, c, ~0ull);
	}
	inode = bprm->file->f_inode;
	if (inode) {
		x->ino = inode->i_ino;
		x->nlink = inode->__i_nlink;
	}
}

/* The record's enrichments: the struct ps_ext it carries (NULL: none) and the environment
 * read into *env (env_len bytes). */
static __always_inline struct ps_ext *fill_enrich(
	struct ps_event *e, struct task_struct *task, struct linux_binprm *bprm, char **env)
{
	__u32 zero = 0;
	struct ps_ext *x = NULL;

	if (enrich & PS_F_EXT_ENV) {
		__u32 cpu = bpf_get_smp_processor_id();

		*env = bpf_map_lookup_elem(&env_buf, &cpu);
		if (*env) {
			e->env_len = fill_envs(e, task, *env);
			e->flags |= PS_F_EXT_ENV;
		}
	}
	if (!(enrich & PS_F_EXT))
		return NULL;
	x = bpf_map_lookup_elem(&ext_buf, &zero);
	if (!x)
		return NULL;
	__builtin_memset(x, 0, sizeof(*x));
	if (enrich & PS_F_EXT_CRED)
		fill_cred(x, task, bprm);
	if (enrich & PS_F_EXT_NS)
		fill_ns(x, task);
	e->flags |= enrich & PS_F_EXT;
	return x;
}

#endif
