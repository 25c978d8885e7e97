/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* The one record layout, and every constant both halves use, shared by bpf/procship.bpf.c and
 * user space (shipper/capture/). No includes: the BPF side gets __u32/__u64 from vmlinux.h,
 * user space from <linux/types.h>, included before this file. */
#ifndef PROCSHIP_EVENT_H
#define PROCSHIP_EVENT_H

#define PS_COMM_MAX	16   /* bytes of comm, NUL included: the kernel's TASK_COMM_LEN */
#define PS_FILENAME_MAX 512  /* bytes of the exec'd path kept, NUL included */
#define PS_ARGS_MAX	4096 /* bytes of argv[0..] kept, NUL-separated (a power of two) */
#define PS_CWD_MAX	512  /* bytes of the cwd path kept, NUL included (a power of two) */
#define PS_CWD_DEPTH	32   /* path components walked for cwd */
#define PS_CGROUP_MAX	128  /* bytes of the innermost cgroup name (container id) */

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
#define PS_F_TRUNC_CWD	    (1u << 2)
#define PS_F_ERR_FILENAME   (1u << 3)
#define PS_F_ERR_ARGS	    (1u << 4)
#define PS_F_ERR_CWD	    (1u << 5)
#define PS_F_NO_AUID	    (1u << 6)
/* Set by user space on a process (shipper/capture/procevents.c), from the records it saw: */
#define PS_F_EXECVE   (1u << 16)
#define PS_F_CLONE    (1u << 17)
#define PS_F_MISS     (1u << 18)
#define PS_F_NOCWD    (1u << 19)
#define PS_F_ROOTCWD  (1u << 20)
#define PS_F_ERR_ENVS (1u << 21) /* Tetragon's errorEnvs: never set (no environment read) */
/* Set by the /proc scan (shipper/capture/procfs.c) on its records, and kept on their processes: */
#define PS_F_PROCFS (1u << 31)

/* One record per event. Fork and exit records stop before filename (PS_EVENT_HDR_SIZE bytes);
 * exec records stop after args_len bytes of args. Strings are NUL-terminated within their
 * field; args holds argv[0..] NUL-separated. Sending only what is used keeps the ring buffer
 * (and its wake-ups) small: a fork+exec+exit costs about 1.3 KB instead of 3x the full size. */
struct ps_event {
	__u32 type;
	__u32 flags;
	__u32 pid; /* thread-group id */
	__u32 tid;
	__u32 ppid; /* real parent's thread-group id */
	__u32 uid;  /* effective uid */
	__u32 gid;
	__u32 auid;	   /* loginuid; PS_AUID_UNSET when unset */
	__u64 ktime;	   /* exec/fork: boot-time ns now; exit: boot-time ns of the exit */
	__u64 start_ktime; /* boot-time ns when the thread group started (task->start_boottime) */
	__u32 exit_code;   /* wait status as the kernel keeps it (code << 8 | signal) */
	__u32 args_len;
	__u32 cwd_len;	    /* bytes in cwd, NUL excluded */
	__u32 filename_len; /* bytes in filename, NUL excluded */
	char comm[PS_COMM_MAX];
	char filename[PS_FILENAME_MAX];
	char cwd[PS_CWD_MAX];
	char cgroup[PS_CGROUP_MAX];
	char args[PS_ARGS_MAX];
};

#define PS_EVENT_HDR_SIZE __builtin_offsetof(struct ps_event, filename)
#define PS_EVENT_ARGS_OFF __builtin_offsetof(struct ps_event, args)

_Static_assert(PS_EVENT_HDR_SIZE == 8 * 4 + 2 * 8 + 4 * 4 + PS_COMM_MAX,
	"padding or a new field before filename: fork and exit records would change size");
_Static_assert(sizeof(struct ps_event) == PS_EVENT_HDR_SIZE + PS_FILENAME_MAX + PS_CWD_MAX +
						  PS_CGROUP_MAX + PS_ARGS_MAX,
	"struct ps_event has padding: BPF and user space would disagree");
/* The BPF side bounds its copies with masks, which only powers of two allow. */
_Static_assert((PS_ARGS_MAX & (PS_ARGS_MAX - 1)) == 0, "PS_ARGS_MAX is not a power of two");
_Static_assert((PS_CWD_MAX & (PS_CWD_MAX - 1)) == 0, "PS_CWD_MAX is not a power of two");

#endif
