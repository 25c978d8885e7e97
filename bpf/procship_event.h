/* The one record layout shared by bpf/procship.bpf.c and shipper/sensor.c.
 * No includes: the BPF side gets the fixed-width types from vmlinux.h, user space from
 * <stdint.h> before including this file. */
#ifndef PROCSHIP_EVENT_H
#define PROCSHIP_EVENT_H

#define PS_FILENAME_MAX 512  /* bytes of the exec'd path kept, NUL included */
#define PS_ARGS_MAX	4096 /* bytes of argv[0..] kept, NUL-separated (a power of two) */
#define PS_CWD_MAX	512  /* bytes of the cwd path kept, NUL included */
#define PS_CWD_DEPTH	32   /* path components walked for cwd */
#define PS_CGROUP_MAX	128  /* bytes of the innermost cgroup name (container id) */

enum ps_event_type {
	PS_EVENT_EXEC = 1,
	PS_EVENT_EXIT = 2,
	PS_EVENT_FORK = 3,
};

/* Bits in ps_event.flags, set by the BPF side. */
enum ps_event_flag {
	PS_F_TRUNC_FILENAME = 1 << 0,
	PS_F_TRUNC_ARGS = 1 << 1,
	PS_F_TRUNC_CWD = 1 << 2,
	PS_F_ERR_FILENAME = 1 << 3,
	PS_F_ERR_ARGS = 1 << 4,
	PS_F_ERR_CWD = 1 << 5,
	PS_F_NO_AUID = 1 << 6,
};

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
	__u32 auid;	   /* loginuid; 4294967295 when unset */
	__u64 ktime;	   /* exec/fork: boot-time ns now; exit: boot-time ns of the exit */
	__u64 start_ktime; /* boot-time ns when the thread group started (task->start_boottime) */
	__u32 exit_code;   /* wait status as the kernel keeps it (code << 8 | signal) */
	__u32 args_len;
	__u32 cwd_len;	    /* bytes in cwd, NUL excluded */
	__u32 filename_len; /* bytes in filename, NUL excluded */
	char comm[16];
	char filename[PS_FILENAME_MAX];
	char cwd[PS_CWD_MAX];
	char cgroup[PS_CGROUP_MAX];
	char args[PS_ARGS_MAX];
};

#define PS_EVENT_HDR_SIZE __builtin_offsetof(struct ps_event, filename)
#define PS_EVENT_ARGS_OFF __builtin_offsetof(struct ps_event, args)

_Static_assert(sizeof(struct ps_event) == 8 * 4 + 2 * 8 + 4 * 4 + 16 + PS_FILENAME_MAX +
						  PS_CWD_MAX + PS_CGROUP_MAX + PS_ARGS_MAX,
	"struct ps_event has padding: BPF and user space would disagree");

#endif
