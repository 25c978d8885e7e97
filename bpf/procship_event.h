/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* The one record layout, and every constant both halves use, shared by bpf/procship.bpf.c and
 * user space (shipper/capture/). No includes: the BPF side gets __u32/__u64 from vmlinux.h,
 * user space from <linux/types.h>, included before this file. */
#ifndef PROCSHIP_EVENT_H
#define PROCSHIP_EVENT_H

#define PS_COMM_MAX	16   /* bytes of comm, NUL included: the kernel's TASK_COMM_LEN */
#define PS_FILENAME_MAX 4096 /* bytes of the exec'd path kept, NUL included: PATH_MAX */
#define PS_CWD_MAX	4096 /* bytes of the cwd path, as Tetragon's d_path walk keeps them */
#define PS_CGROUP_MAX	128  /* bytes of a cgroup's name (container id), NUL included */
/* bytes of argv[0..] kept: Tetragon's data events carry 10 x 32736 bytes of arguments */
#define PS_ARGS_MAX   327360
#define PS_ARGS_BOUND 524288 /* the power of two above PS_ARGS_MAX the BPF side masks with */
/* bytes of argv a record keeps when the ring buffer has no room for all of them */
#define PS_ARGS_FALLBACK 4096
/* bytes of the environment block kept (--enable-process-environment-variables): Tetragon's
 * bound, the 10 data events of 32736 bytes its BPF sends an environment in, as for argv */
#define PS_ENV_MAX	327360
#define PS_ENV_BOUND	524288 /* the power of two above PS_ENV_MAX the BPF side masks with */
#define PS_ENV_FALLBACK 4096   /* kept when the ring buffer has no room for all of it */
/* real_parent's ancestors in a record (ancestors[0] is real_parent's real_parent): with ppid,
 * the four tasks Tetragon's BPF walks to find a known parent */
#define PS_ANCESTORS 3
/* Thread groups whose lost exec's time the BPF side keeps for their exit (Tetragon's
 * execve_map holds as many); past it, such an exit has only its fork time. */
#define PS_EXEC_TIMES_MAX 32768

/* auid of a process no login set, as the kernel keeps it (AUDIT_UID_UNSET), and ours when the
 * kernel keeps none (PS_F_NO_AUID; no /proc/PID/loginuid). */
#define PS_AUID_UNSET 0xffffffffu

enum ps_event_type {
	PS_EVENT_EXEC = 1,
	PS_EVENT_EXIT = 2,
	PS_EVENT_FORK = 3,
};

/* Slots of the per-CPU drops map. The BPF side counts a failed reserve in the slot of its
 * enum ps_event_type; slot PS_DROP_SHORT is user space's, for records too short to be read
 * (a kernel/user layout mismatch). */
#define PS_DROP_SHORT 0
#define PS_DROP_SLOTS 4

/* Bits of ps_event.flags and of a cached process's flags (struct pcache_proc): one set, so
 * that a record's bits reach its process untranslated. event_json names them in Tetragon's
 * order. Set by the BPF side on a record: */
#define PS_F_TRUNC_FILENAME (1u << 0)
#define PS_F_TRUNC_ARGS	    (1u << 1)
#define PS_F_TRUNC_CWD	    (1u << 2) /* only where an event is shortened to fit (event_json) */
#define PS_F_ERR_FILENAME   (1u << 3)
#define PS_F_ERR_ARGS	    (1u << 4)
#define PS_F_ERR_CWD	    (1u << 5)
#define PS_F_NO_AUID	    (1u << 6)
#define PS_F_ERR_PATH_CWD   (1u << 7) /* Tetragon's errorPathResolutionCwd: a cwd past 4096 */
#define PS_F_ROOTCWD	    (1u << 8) /* the cwd is the process's root: nothing in the record */
/* The record carries a struct ps_ext after its data (--enable-process-cred, --enable-process-ns:
 * the loader's enrich knob); a process keeps the bits, so its events carry the blocks too. */
#define PS_F_EXT_CRED (1u << 9)
#define PS_F_EXT_NS   (1u << 10)
#define PS_F_EXT      (PS_F_EXT_CRED | PS_F_EXT_NS)
/* The record carries env_len bytes of the exec'd image's environment block (env_start to
 * env_end, NUL-separated) after argv (--enable-process-environment-variables). */
#define PS_F_EXT_ENV	(1u << 11)
#define PS_F_ERR_ENVS	(1u << 21) /* Tetragon's errorEnvs: the environment could not be read */
#define PS_F_TRUNC_ENVS (1u << 25) /* procship's truncEnvs: cut at PS_ENV_MAX, or to fit */
/* Set by user space on a process (shipper/capture/procevents.c), from the records it saw: */
#define PS_F_EXECVE	   (1u << 16)
#define PS_F_CLONE	   (1u << 17)
#define PS_F_MISS	   (1u << 18)
#define PS_F_NOCWD	   (1u << 19)
#define PS_F_DATA_FILENAME (1u << 22) /* where Tetragon would send the filename as data */
#define PS_F_DATA_ARGS	   (1u << 23) /* where Tetragon would send the arguments as data */
#define PS_F_IN_INIT_TREE  (1u << 24) /* in a PID namespace's init tree */
/* procship's truncAncestors: the event's ancestors were shortened to fit (event_json) */
#define PS_F_TRUNC_ANCESTORS (1u << 29)
/* Set by the /proc scan (shipper/capture/procfs.c) on its records, and kept on their processes: */
#define PS_F_KTHREAD (1u << 30) /* a kernel thread: cached, never reported as an exec */
#define PS_F_PROCFS  (1u << 31)

/* One record per event. Fork and exit records stop before cgroup (PS_EVENT_HDR_SIZE bytes);
 * exec records carry the cgroup names and then, back to back in data, filename_len bytes of
 * the exec'd path, cwd_len bytes of cwd, args_len bytes of argv[0..] (NUL-separated) and
 * env_len bytes of environment (0 without PS_F_EXT_ENV), and stop there (PS_EVENT_DATA_OFF +
 * the four lengths), or, with a PS_F_EXT bit, after a struct ps_ext (unaligned: copy it out
 * with PS_EVENT_EXT_OFF). The environment is not in the BPF side's scratch copy of the record
 * (data has no room for it: a record with one can be longer than struct ps_event, up to
 * PS_EVENT_MAX_SIZE), so that the option costs no memory when it is off. Sending only what is used
 * keeps the ring buffer (and its wake-ups) small: most execs cost about 500 bytes. */
/* Namespaces in a struct ps_ext, in the order of Tetragon's Namespaces message. */
enum ps_ns {
	PS_NS_UTS,
	PS_NS_IPC,
	PS_NS_MNT,
	PS_NS_PID,
	PS_NS_PID_FOR_CHILDREN,
	PS_NS_NET,
	PS_NS_TIME,
	PS_NS_TIME_FOR_CHILDREN,
	PS_NS_CGROUP,
	PS_NS_USER,
	PS_NS_COUNT,
};

/* Bits of ps_ext.secureexec: how an exec raised privileges, Tetragon's values (its
 * processapi ExecveSetuid ... ExecveSetgidRoot). */
#define PS_SX_SETUID	  0x01u /* euid differs from the real uid after the exec */
#define PS_SX_SETGID	  0x02u
#define PS_SX_FILE_CAPS	  0x04u /* capabilities gained from the file's capability sets */
#define PS_SX_SETUID_ROOT 0x08u /* from a non-root uid to euid 0 */
#define PS_SX_SETGID_ROOT 0x10u

/* The optional block of an exec record (PS_F_EXT_*): the credentials the exec left (the
 * effective ids are the header's uid and gid), how it raised them, the identity of the file the
 * kernel executed, and the namespace inode numbers. A part whose flag is off is zero. */
struct ps_ext {
	__u32 uid; /* real */
	__u32 gid;
	__u32 suid;
	__u32 sgid;
	__u32 fsuid;
	__u32 fsgid;
	__u32 securebits;
	__u32 secureexec; /* PS_SX_* */
	__u64 cap_permitted;
	__u64 cap_effective;
	__u64 cap_inheritable;
	__u64 ino;   /* of bprm->file: for a script, its interpreter's, as Tetragon reads it */
	__u32 nlink; /* its link count: 0 for a memfd or a deleted file */
	__u32 ns[PS_NS_COUNT];
	__u32 pad;
};

struct ps_event {
	__u32 type;
	__u32 flags;
	__u32 pid; /* thread-group id */
	__u32 tid;
	__u32 ppid; /* real parent's thread-group id */
	__u32 uid;  /* effective uid */
	__u32 gid;
	__u32 auid;	   /* loginuid; PS_AUID_UNSET when unset */
	__u32 ruid;	   /* real uid: what the per-uid budgets charge (a setuid exec keeps it) */
	__u32 pad;	   /* zero; keeps ktime 8-byte aligned */
	__u64 ktime;	   /* exec/fork: boot-time ns now; exit: boot-time ns of the exit */
	__u64 start_ktime; /* boot-time ns when the thread group started (task->start_boottime) */
	__u64 exec_ktime;  /* exit: ktime of the group's last exec whose record was lost, or 0 */
	union {
		__u32 exit_code; /* exit: wait status as the kernel keeps it (code << 8 | signal) */
		__u32 env_len;	 /* exec: bytes of environment after argv (PS_F_EXT_ENV) */
	};
	__u32 nspid;		       /* pid in its own PID namespace; 0 in the initial one */
	__u32 ancestors[PS_ANCESTORS]; /* tgids above ppid, nearest first; 0 past the top */
	__u32 args_len;
	__u32 cwd_len;	    /* bytes of cwd in data; 0 with PS_F_ROOTCWD or PS_F_ERR_CWD */
	__u32 filename_len; /* bytes of filename in data */
	char comm[PS_COMM_MAX];
	char cgroup[PS_CGROUP_MAX];  /* innermost cgroup v2 name */
	char cgroup1[PS_CGROUP_MAX]; /* innermost name in the v1 hierarchy user space chose */
	char data[PS_CWD_MAX * 2 + PS_ARGS_BOUND];
};

#define PS_EVENT_HDR_SIZE    __builtin_offsetof(struct ps_event, cgroup)
#define PS_EVENT_DATA_OFF    __builtin_offsetof(struct ps_event, data)
#define PS_EVENT_FILENAME(e) ((e)->data)
#define PS_EVENT_CWD(e)	     ((e)->data + (e)->filename_len)
#define PS_EVENT_ARGS(e)     ((e)->data + (e)->filename_len + (e)->cwd_len)
#define PS_EVENT_ENV(e)	     ((e)->data + (e)->filename_len + (e)->cwd_len + (e)->args_len)
#define PS_EVENT_EXT_OFF(e)  ((e)->filename_len + (e)->cwd_len + (e)->args_len + (e)->env_len)
/* The longest exec record, environment and struct ps_ext included. */
#define PS_EVENT_MAX_SIZE                                                                          \
	(PS_EVENT_DATA_OFF + PS_FILENAME_MAX + PS_CWD_MAX + PS_ARGS_MAX + PS_ENV_MAX +             \
		sizeof(struct ps_ext))

_Static_assert(PS_EVENT_HDR_SIZE == 10 * 4 + 3 * 8 + (5 + PS_ANCESTORS) * 4 + PS_COMM_MAX,
	"padding or a new field before cgroup: fork and exit records would change size");
_Static_assert(sizeof(struct ps_event) ==
		       PS_EVENT_HDR_SIZE + 2 * PS_CGROUP_MAX + 2 * PS_CWD_MAX + PS_ARGS_BOUND,
	"struct ps_event has padding: BPF and user space would disagree");
/* The BPF side bounds its copies with masks, which only powers of two allow. */
_Static_assert((PS_ARGS_BOUND & (PS_ARGS_BOUND - 1)) == 0, "PS_ARGS_BOUND: not a power of two");
_Static_assert((PS_CWD_MAX & (PS_CWD_MAX - 1)) == 0, "PS_CWD_MAX is not a power of two");
_Static_assert(PS_ARGS_MAX <= PS_ARGS_BOUND, "PS_ARGS_MAX above its bound");
_Static_assert((PS_ENV_BOUND & (PS_ENV_BOUND - 1)) == 0, "PS_ENV_BOUND: not a power of two");
_Static_assert(PS_ENV_MAX <= PS_ENV_BOUND, "PS_ENV_MAX above its bound");
_Static_assert(sizeof(struct ps_ext) == 20 * 4 + 4 * 8, "struct ps_ext has padding");
_Static_assert(PS_FILENAME_MAX + PS_CWD_MAX + PS_ARGS_MAX + sizeof(struct ps_ext) <=
		       sizeof(((struct ps_event *)0)->data),
	"no room for struct ps_ext after the longest data");

#endif
