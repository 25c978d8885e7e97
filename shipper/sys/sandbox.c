/* SPDX-License-Identifier: Apache-2.0 */
/* The seccomp allowlist and the closing of inherited descriptors; see sandbox.h.
 *
 * TO ADD A SYSTEM CALL: one row in the table `allow` below, in the group of the code that
 * needs it, with its arguments restricted where one argument decides what the call can do
 * (ARG_EQ rows for one name are alternatives). Then run the whole suite: with the default
 * mode a call still missing kills procship with a line naming it; `--seccomp log` lets it
 * through and the kernel's log ("audit: type=1326 ... syscall=N") names the rest. */
#include "shipper/sys/sandbox.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include <linux/sockios.h>

struct rule {
	const char *name; /* resolved for the running architecture; absent ones are skipped */
	int arg;	  /* -1: any arguments; else the argument ARG_EQ / ARG_MASK looks at */
	enum scmp_compare op;
	scmp_datum_t a, b; /* SCMP_CMP_EQ: value a; SCMP_CMP_MASKED_EQ: mask a, value b */
	int err;	   /* not 0: the call fails with this errno instead */
};

#define ANY(n)                                                                                     \
	{                                                                                          \
		n, -1, SCMP_CMP_EQ, 0, 0, 0                                                        \
	}
#define ARG_EQ(n, i, v)                                                                            \
	{                                                                                          \
		n, i, SCMP_CMP_EQ, (scmp_datum_t)(v), 0, 0                                         \
	}
#define ARG_MASK(n, i, m, v)                                                                       \
	{                                                                                          \
		n, i, SCMP_CMP_MASKED_EQ, (scmp_datum_t)(m), (scmp_datum_t)(v), 0                  \
	}
#define FAIL(n, e)                                                                                 \
	{                                                                                          \
		n, -1, SCMP_CMP_EQ, 0, 0, e                                                        \
	}

/* clang-format off */
static const struct rule allow[] = {
	/* the event loop, signals, timers */
	ANY("epoll_wait"), ANY("epoll_pwait"), ANY("epoll_pwait2"), ANY("epoll_ctl"),
	ANY("timerfd_settime"), ANY("timerfd_gettime"), ANY("poll"), ANY("ppoll"),
	ANY("rt_sigprocmask"), ANY("rt_sigreturn"), ANY("rt_sigaction"), ANY("sigaltstack"),
	ANY("restart_syscall"), ANY("exit"), ANY("exit_group"),
	/* inputs: the ring buffer's fd and the text inputs */
	ANY("read"), ANY("readv"), ANY("pread64"), ANY("recvfrom"), ANY("recvmsg"),
	ANY("recvmmsg"),
	/* the ring buffer's drop counters: map look-ups only, never a program load */
	ARG_EQ("bpf", 0, BPF_MAP_LOOKUP_ELEM), ARG_EQ("bpf", 0, BPF_MAP_LOOKUP_BATCH),
	ARG_EQ("bpf", 0, BPF_MAP_GET_NEXT_KEY), ARG_EQ("bpf", 0, BPF_OBJ_GET_INFO_BY_FD),
	/* the UDP output (reconnects), the resolver threads, syslog(3) for --log-syslog */
	ARG_EQ("socket", 0, AF_INET), ARG_EQ("socket", 0, AF_INET6),
	ARG_EQ("socket", 0, AF_UNIX), ARG_EQ("socket", 0, AF_NETLINK),
	ANY("connect"), ANY("bind"), ANY("getsockname"), ANY("getpeername"),
	ANY("setsockopt"), ANY("getsockopt"), ANY("shutdown"),
	ANY("write"), ANY("writev"), ANY("pwrite64"), ANY("sendto"), ANY("sendmsg"),
	ANY("sendmmsg"),
	/* files: the export file and its rotation, the metrics file, a reload's files */
	ANY("openat"), ANY("open"), ANY("close"), ANY("newfstatat"), ANY("fstat"), ANY("stat"),
	ANY("lstat"), ANY("statx"), ANY("lseek"), ANY("fcntl"), ANY("getdents64"),
	ANY("ftruncate"), ANY("fsync"), ANY("fdatasync"), ANY("fchmod"), ANY("fchown"),
	ANY("rename"), ANY("renameat"), ANY("renameat2"), ANY("unlink"), ANY("unlinkat"),
	ANY("readlink"), ANY("readlinkat"), ANY("access"), ANY("faccessat"), ANY("faccessat2"),
	ANY("dup"),
	/* isatty (stdio), the resolver (FIONREAD, interface indexes of scoped addresses) */
	ARG_EQ("ioctl", 1, TCGETS), ARG_EQ("ioctl", 1, FIONREAD), ARG_EQ("ioctl", 1, SIOCGIFINDEX),
	/* memory (malloc, zlib, the PCRE2 JIT at a reload), threads, time */
	ANY("brk"), ANY("mmap"), ANY("munmap"), ANY("mremap"), ANY("madvise"), ANY("mprotect"),
	ANY("futex"), ANY("set_robust_list"), ANY("rseq"), ANY("sched_yield"),
	ANY("sched_getaffinity"), ANY("clock_gettime"), ANY("clock_getres"),
	ANY("clock_nanosleep"), ANY("nanosleep"), ANY("gettimeofday"), ANY("time"),
	ANY("getrandom"),
	/* threads only (a resolver thread started at a reload): clone sharing memory; clone3,
	 * whose flags no filter can read, says ENOSYS, and glibc then uses clone */
	ARG_MASK("clone", 0, CLONE_VM, CLONE_VM), FAIL("clone3", ENOSYS),
	/* who we are; the housekeeping's kill(pid, 0) liveness probe; the answer to
	 * `procship reload` (SIGUSR1 applied, SIGUSR2 refused); abort() and SIGSYS */
	ANY("getpid"), ANY("gettid"), ANY("getuid"), ANY("geteuid"), ANY("getgid"),
	ANY("getegid"), ANY("getresuid"), ANY("getresgid"), ANY("getgroups"), ANY("uname"),
	ANY("prlimit64"), ANY("getrlimit"), ARG_EQ("kill", 1, 0), ARG_EQ("kill", 1, SIGUSR1),
	ARG_EQ("kill", 1, SIGUSR2), ANY("tgkill"),
#if defined(__SANITIZE_ADDRESS__)
	/* AddressSanitizer's leak check at exit: a tracer thread that stops the others */
	ANY("ptrace"), ANY("wait4"), ANY("waitid"), ANY("prctl"), ANY("kill"), ANY("tkill"),
	ANY("getppid"), ANY("pipe2"), ANY("process_vm_readv"), ANY("sched_getparam"),
	ANY("getdents"),
#endif
};
/* clang-format on */

#define NALLOW (sizeof(allow) / sizeof(allow[0]))
#define NAMES  512

/* Names of system calls by number, made before the filter: the SIGSYS handler may not
 * allocate. */
static char *names[NAMES];

int sandbox_mode_from_name(const char *name)
{
	static const char *const modes[] = {"kill", "errno", "log", "off"};
	size_t i;

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (!strcmp(name, modes[i]))
			return (int)i;
	return -1;
}

const char *sandbox_mode_name(enum sandbox_mode mode)
{
	switch (mode) {
	case SANDBOX_KILL:
		return "kill";
	case SANDBOX_ERRNO:
		return "errno";
	case SANDBOX_LOG:
		return "log";
	case SANDBOX_OFF:
		break;
	}
	return "off";
}

static size_t put(char *buf, size_t o, size_t size, const char *s)
{
	while (*s && o + 1 < size)
		buf[o++] = *s++;
	return o;
}

static size_t put_num(char *buf, size_t o, size_t size, long v)
{
	char d[24];
	int n = 0;

	if (v < 0) {
		o = put(buf, o, size, "-");
		v = -v;
	}
	do
		d[n++] = (char)('0' + v % 10);
	while ((v /= 10) && n < (int)sizeof(d));
	while (n > 0 && o + 1 < size)
		buf[o++] = d[--n];
	return o;
}

/* Async-signal-safe: one line, then the default action (death by SIGSYS) once this returns. */
static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
	struct sigaction dfl = {.sa_handler = SIG_DFL};
	char line[160];
	int nr = si->si_syscall;
	size_t o = 0;

	(void)uc;
	o = put(line, o, sizeof(line), "procship: fatal: seccomp: system call ");
	o = put_num(line, o, sizeof(line), nr);
	if (nr >= 0 && nr < NAMES && names[nr]) {
		o = put(line, o, sizeof(line), " (");
		o = put(line, o, sizeof(line), names[nr]);
		o = put(line, o, sizeof(line), ")");
	}
	o = put(line, o, sizeof(line), " is not in the allowlist: killed by SIGSYS\n");
	if (write(STDERR_FILENO, line, o) < 0)
		o = 0;
	sigaction(sig, &dfl, NULL);
	syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), sig);
}

static int fail(char *err, size_t errlen, int rc, const char *what)
{
	snprintf(err, errlen, "seccomp: %s: %s", what, strerror(rc < 0 ? -rc : rc));
	return rc < 0 ? rc : -rc;
}

static int add_rule(scmp_filter_ctx ctx, const struct rule *r, char *err, size_t errlen)
{
	uint32_t action = r->err ? SCMP_ACT_ERRNO((uint32_t)r->err) : SCMP_ACT_ALLOW;
	int nr = seccomp_syscall_resolve_name(r->name), rc;
	char what[64];

	if (nr == __NR_SCMP_ERROR)
		return 0; /* not a call of this architecture */
	if (r->arg < 0)
		rc = seccomp_rule_add(ctx, action, nr, 0);
	else if (r->op == SCMP_CMP_MASKED_EQ)
		rc = seccomp_rule_add(
			ctx, action, nr, 1, SCMP_CMP((unsigned int)r->arg, r->op, r->a, r->b));
	else
		rc = seccomp_rule_add(
			ctx, action, nr, 1, SCMP_CMP((unsigned int)r->arg, r->op, r->a));
	if (rc == 0 || rc == -EOPNOTSUPP)
		return 0; /* EOPNOTSUPP: libseccomp knows the name but this kernel ABI has no call
			   */
	snprintf(what, sizeof(what), "rule for %s", r->name);
	return fail(err, errlen, rc, what);
}

static void make_names(void)
{
	int nr;

	for (nr = 0; nr < NAMES; nr++)
		if (!names[nr])
			names[nr] = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
}

static int trap_handler(char *err, size_t errlen)
{
	struct sigaction sa = {.sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO};
	sigset_t set;

	make_names();
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) == -1)
		return fail(err, errlen, errno, "SIGSYS handler");
	sigemptyset(&set);
	sigaddset(&set, SIGSYS);
	return sigprocmask(SIG_UNBLOCK, &set, NULL) == -1 ? fail(err, errlen, errno, "SIGSYS") : 0;
}

int sandbox_install(enum sandbox_mode mode, char *err, size_t errlen)
{
	uint32_t def = mode == SANDBOX_KILL  ? SCMP_ACT_TRAP
		       : mode == SANDBOX_LOG ? SCMP_ACT_LOG
					     : SCMP_ACT_ERRNO(EPERM);
	scmp_filter_ctx ctx;
	size_t i;
	int rc;

	if (mode == SANDBOX_OFF)
		return 0;
	if (mode == SANDBOX_KILL && (rc = trap_handler(err, errlen)) != 0)
		return rc;
	ctx = seccomp_init(def);
	if (!ctx)
		return fail(err, errlen, ENOMEM, "seccomp_init");
	rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	if (rc != 0)
		rc = fail(err, errlen, rc, "thread sync");
	for (i = 0; rc == 0 && i < NALLOW; i++)
		rc = add_rule(ctx, &allow[i], err, errlen);
	if (rc == 0) {
		rc = seccomp_load(ctx);
		if (rc != 0)
			rc = fail(err, errlen, rc, "load the filter");
	}
	seccomp_release(ctx);
	return rc;
}

/* Socket activation: systemd passed LISTEN_FDS descriptors from 3, to this very process. */
static int first_to_close(void)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	long n;

	if (!pid || !fds || strtol(pid, NULL, 10) != (long)getpid())
		return 3;
	n = strtol(fds, NULL, 10);
	return n > 0 && n < 1024 ? 3 + (int)n : 3;
}

int sandbox_close_inherited(void)
{
	int first = first_to_close(), n = 0, fd;
	struct dirent *e;
	DIR *d = opendir("/proc/self/fd");

	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		fd = atoi(e->d_name);
		if (e->d_name[0] < '0' || e->d_name[0] > '9' || fd < first || fd == dirfd(d))
			continue;
		if (close(fd) == 0)
			n++;
	}
	closedir(d);
	return n;
}
