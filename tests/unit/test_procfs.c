/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the start-up /proc scan, on a fake procroot built in a temporary directory:
 * every field of the records, the entries it skips, and hostile entries. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "shipper/capture/procfs.h"
#include "mock_log.h"

#define MAX_RECORDS 16

static char top[64];   /* the temporary directory */
static char root[256]; /* the procroot scanned: top, or a directory inside it */

/* What the callback saw: copies, since a record is only valid during the call. */
static struct {
	struct ps_event rec[MAX_RECORDS];
	size_t n;
	void (*hook)(const struct ps_event *e); /* run inside the callback */
} seen;

static void on_record(void *arg, const struct ps_event *e)
{
	assert_ptr_equal(arg, &seen);
	assert_true(seen.n < MAX_RECORDS);
	memcpy(&seen.rec[seen.n++], e, sizeof(*e));
	if (seen.hook)
		seen.hook(e);
}

static int setup(void **state)
{
	(void)state;
	strcpy(top, "/tmp/test_procfs.XXXXXX");
	memset(&seen, 0, sizeof(seen));
	if (!mkdtemp(top))
		return -1;
	strcpy(root, top);
	return 0;
}

static int teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	return system(cmd);
}

static void put_file(const char *entry, const char *name, const char *data, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/%s", root, entry, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void put_str(const char *entry, const char *name, const char *text)
{
	put_file(entry, name, text, strlen(text));
}

static void put_link(const char *entry, const char *name, const char *target)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s/%s", root, entry, name);
	assert_int_equal(symlink(target, path), 0);
}

static void put_dir(const char *entry)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", root, entry);
	assert_int_equal(mkdir(path, 0755), 0);
}

/* A stat line as the kernel writes it: ppid is field 4, flags 9, starttime 22. */
static void put_stat_flags(const char *entry, const char *comm, uint32_t ppid,
	unsigned long long start, unsigned long flags)
{
	char buf[512];

	snprintf(buf, sizeof(buf),
		"%s (%s) S %u 7 7 0 -1 %lu 10 0 0 0 1 2 0 0 20 0 1 0 %llu 8536064 233 "
		"18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n",
		entry, comm, ppid, flags, start);
	put_str(entry, "stat", buf);
}

#define PF_USER	   0x400100UL /* PF_RANDOMIZE | PF_FORKNOEXEC */
#define PF_KTHREAD 0x208040UL /* PF_KTHREAD | PF_NOFREEZE | PF_FORKNOEXEC */

/* Tetragon's fixed CLK_TCK of 100, whatever the host's. */
static unsigned long long ns_of(unsigned long long ticks)
{
	return ticks * 10000000ULL;
}

/* A process as a table row: NULL leaves that file or link out. */
struct fake {
	const char *entry;
	const char *comm;
	uint32_t ppid;
	unsigned long long start;
	const char *exe;
	const char *cmdline;
	size_t cmdline_len;
	const char *cwd;
	const char *status;
	const char *loginuid;
	const char *cgroup;
};

static void put_fake(const struct fake *f)
{
	put_dir(f->entry);
	if (f->comm) {
		char comm[64];

		/* a kernel thread has PF_KTHREAD, and no exe nor cmdline */
		put_stat_flags(f->entry, f->comm, f->ppid, f->start,
			!f->exe && f->cmdline && !f->cmdline_len ? PF_KTHREAD : PF_USER);
		snprintf(comm, sizeof(comm), "%.15s\n", f->comm);
		put_str(f->entry, "comm", comm);
	}
	if (f->exe)
		put_link(f->entry, "exe", f->exe);
	if (f->cmdline)
		put_file(f->entry, "cmdline", f->cmdline, f->cmdline_len);
	if (f->cwd)
		put_link(f->entry, "cwd", f->cwd);
	if (f->status)
		put_str(f->entry, "status", f->status);
	if (f->loginuid)
		put_str(f->entry, "loginuid", f->loginuid);
	if (f->cgroup)
		put_str(f->entry, "cgroup", f->cgroup);
}

#define STATUS(uid, gid)                                                                           \
	"Name:\tx\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t9\nNgid:\t0\nPid:\t9\nPPid:\t1\n"    \
	"TracerPid:\t0\nUid:\t" uid "\nGid:\t" gid "\nFDSize:\t64\nGroups:\t\n"

#define STATUS_EXT                                                                                 \
	STATUS("1001\t1002\t1003\t1004", "2001\t2002\t2003\t2004")                                 \
	"CapInh:\t0000000000000001\nCapPrm:\t000001ffffffffff\nCapEff:\t0000000000000020\n"

/* What a record must hold, field by field. */
struct want {
	uint32_t pid, ppid, flags, uid, gid, auid;
	unsigned long long start;
	const char *filename, *cwd, *cgroup;
	const char *args;
	size_t args_len;
	uint32_t nspid;
};

static void check_record(const struct ps_event *e, const struct want *w)
{
	static const char zero[PS_COMM_MAX];

	assert_int_equal(e->type, PS_EVENT_EXEC);
	assert_int_equal(e->flags, w->flags);
	assert_int_equal(e->pid, w->pid);
	assert_int_equal(e->tid, w->pid);
	assert_int_equal(e->ppid, w->ppid);
	assert_int_equal(e->uid, w->uid);
	assert_int_equal(e->gid, w->gid);
	assert_int_equal(e->auid, w->auid);
	assert_int_equal(e->nspid, w->nspid);
	assert_true(e->ktime == ns_of(w->start));
	assert_true(e->start_ktime == ns_of(w->start));
	assert_int_equal(e->exit_code, 0);
	assert_memory_equal(e->comm, zero, sizeof(zero));
	assert_int_equal(e->filename_len, strlen(w->filename));
	assert_memory_equal(PS_EVENT_FILENAME(e), w->filename, e->filename_len);
	assert_int_equal(e->cwd_len, strlen(w->cwd));
	assert_memory_equal(PS_EVENT_CWD(e), w->cwd, e->cwd_len);
	assert_string_equal(e->cgroup, w->cgroup);
	assert_int_equal(e->args_len, w->args_len);
	if (w->args_len)
		assert_memory_equal(PS_EVENT_ARGS(e), w->args, w->args_len);
}

static struct procfs_result result;

/* Scan root; the kernel's record comes first, always the same. */
static int scan(void)
{
	int n = procfs_scan(root, on_record, &seen, &result);

	if (n >= 0) {
		assert_true(seen.n >= 1);
		assert_int_equal(seen.rec[0].pid, 0);
		assert_int_equal(seen.rec[0].ppid, 0);
		assert_int_equal(seen.rec[0].flags, PS_F_PROCFS);
		assert_true(seen.rec[0].ktime == 1);
		assert_int_equal(seen.rec[0].auid, PS_AUID_UNSET);
		assert_int_equal(seen.rec[0].filename_len, 8);
		assert_memory_equal(seen.rec[0].data, "<kernel>", 8);
	}
	return n;
}

#define UNSET PS_AUID_UNSET
#define ROOT  (PS_F_PROCFS | PS_F_ROOTCWD)
#define NOCWD (PS_F_PROCFS | PS_F_ROOTCWD | PS_F_ERR_CWD)

#define HEX64 "551e161c47d8ff0eb665438a7bcd5b4e3ef5a297282b40a92b7c77d6bd168eb3"
#define ID31  "551e161c47d8ff0eb665438a7bcd5b4"

/* Every field of well-formed entries, and which files each comes from. */
static void test_fields(void **state)
{
	static const char sleep_args[] = "sleep\0"
					 "100\0";
	static const char init_args[] = "/sbin/init\0"
					"splash\0";
	static const struct fake procs[] = {
		{"4242", "sleep", 1, 5000, "/usr/bin/sleep", sleep_args, sizeof(sleep_args) - 1,
			"/home/u",
			STATUS("1000\t1001\t1002\t1003",
				"2000\t2001\t2002\t2003") "NSpid:\t4242\t7\n",
			"1000", "4:memory:/docker/" HEX64 "\n0::/user.slice\n"},
		{"1", "systemd", 0, 3, "/usr/lib/systemd/systemd", init_args, sizeof(init_args) - 1,
			"/", STATUS("0\t0\t0\t0", "0\t0\t0\t0") "NSpid:\t1\n", "4294967295\n",
			"12:cpu,cpuacct:/\n1:name=systemd:/init.scope\n0::/init.scope\n"},
	};
	static const struct want want[] = {
		{1, 0, ROOT, 0, 0, UNSET, 3, "/usr/lib/systemd/systemd", "", "", init_args,
			sizeof(init_args) - 1, 0},
		{4242, 1, PS_F_PROCFS, 1001, 2001, 1000, 5000, "/usr/bin/sleep", "/home/u", ID31,
			sleep_args, sizeof(sleep_args) - 1, 7},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(procs) / sizeof(procs[0]); i++)
		put_fake(&procs[i]);
	assert_int_equal(scan(), 2);
	assert_int_equal(seen.n, 3);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		check_record(&seen.rec[i + 1], &want[i]);
	assert_int_equal(result.no_exe, 0);
	assert_int_equal(result.kthreads, 0);
	assert_int_equal(seen.rec[2].ruid, 1000); /* the first of status's uids */
}

/* Files that cannot be read leave their fields at Tetragon's defaults; a kernel thread
 * (PF_KTHREAD) is named [comm]; a process whose exe cannot be read is still reported, with no
 * filename, so that its children keep a real parent; one without cmdline or comm is skipped;
 * a user process that emptied its cmdline and named itself like a kernel thread is reported
 * with its own ids (Tetragon v1.7.0 takes it for a kernel thread of uid 0). */
static void test_unreadable(void **state)
{
	static const char args[] = "a\0";
	static const struct fake procs[] = {
		/* a kernel thread: empty cmdline, no exe */
		{"2", "kthreadd", 0, 1, NULL, "", 0, "/", STATUS("0\t0\t0\t0", "0\t0\t0\t0"),
			"4294967295", "0::/\n"},
		/* exe unreadable but the rest readable (pid 1 in a sandbox) */
		{"10", "gone", 1, 10, NULL, args, 2, "/", NULL, NULL, NULL},
		/* no cmdline: skipped, as Tetragon does */
		{"11", "bare", 1, 11, "/bin/bare", NULL, 0, NULL, NULL, NULL, NULL},
		/* an empty cmdline, no PF_KTHREAD: Tetragon's test would take it for a kthread */
		{"12", "kworker/0:1", 1, 12, "/bin/empty", "", 0, "/tmp",
			STATUS("1000\t1000\t1000\t1000", "100\t100\t100\t100"), "5\n",
			"3:pids:/x\n"},
		{"14", "nocwd", 1, 14, "/bin/nocwd", args, 2, NULL, NULL, NULL, NULL},
	};
	static const struct want want[] = {
		{2, 0, PS_F_PROCFS | PS_F_KTHREAD, 0, 0, UNSET, 1, "[kthreadd]", "", "", "", 0, 0},
		{10, 1, ROOT, UNSET, UNSET, UNSET, 10, "", "", "", args, 2, 0},
		{12, 1, PS_F_PROCFS, 1000, 100, 5, 12, "/bin/empty", "/tmp", "", "", 0, 0},
		{13, 1, NOCWD, UNSET, UNSET, UNSET, 13, "/bin/filecwd", "", "", args, 2, 0},
		{14, 1, NOCWD, UNSET, UNSET, UNSET, 14, "/bin/nocwd", "", "", args, 2, 0},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(procs) / sizeof(procs[0]); i++)
		put_fake(&procs[i]);
	/* a cwd that is no symlink (readlink fails with EINVAL) */
	put_fake(&(struct fake){
		"13", "filecwd", 1, 13, "/bin/filecwd", args, 2, NULL, NULL, NULL, NULL});
	put_str("13", "cwd", "not a link");
	put_fake(&(struct fake){"15", "zombie", 1, 15, NULL, "", 0, NULL, NULL, NULL, NULL});
	put_str("15", "stat",
		"15 (zombie) Z 1 7 7 0 -1 4194564 10 0 0 0 1 2 0 0 20 0 1 0 15 0 0\n");
	assert_int_equal(scan(), 7); /* every entry whose stat reads is counted */
	assert_int_equal(seen.n, 7);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		check_record(&seen.rec[i + 1], &want[i]);
	assert_int_equal(result.no_exe, 1); /* not the zombie, reported as the last */
	assert_int_equal(result.first_no_exe, 10);
	assert_int_equal(result.kthreads, 1);
	assert_int_equal(seen.rec[6].pid, 15);
	assert_true(seen.rec[6].flags == NOCWD && seen.rec[6].filename_len == 0);
	assert_int_equal(seen.rec[1].ruid, 0);
	assert_int_equal(seen.rec[3].ruid, 1000);
}

/* Entries that are not processes, or whose stat cannot be parsed, are neither reported nor
 * counted. */
static void test_skipped_entries(void **state)
{
	static const char *const not_pids[] = {"self", "12abc", "-5", "+7", " 8", "net", "x1", "0"};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(not_pids) / sizeof(not_pids[0]); i++) {
		put_dir(not_pids[i]);
		put_stat_flags(not_pids[i], "fake", 1, 1, PF_USER);
		put_link(not_pids[i], "exe", "/bin/fake");
	}
	put_str(".", "uptime", "1.0 1.0\n"); /* a plain file among the entries */
	put_dir("20");			     /* vanished: no stat at all */
	put_link("20", "exe", "/bin/x");
	put_dir("21"); /* stat without the ")" that ends comm */
	put_str("21", "stat", "21 (noparen S 1 7 7\n");
	put_link("21", "exe", "/bin/x");
	put_dir("22"); /* stat cut before field 22 */
	put_str("22", "stat", "22 (short) S 1 7 7 0 -1 4194560 10 0 0 0 1 2\n");
	put_link("22", "exe", "/bin/x");
	put_dir("23"); /* an empty stat */
	put_str("23", "stat", "");
	put_link("23", "exe", "/bin/x");
	assert_int_equal(scan(), 0);
	assert_int_equal(seen.n, 1); /* the kernel */
}

/* Every parent before its children, siblings in start-time order (equal times by pid): a
 * process adopted by a subreaper that started after it still comes after the subreaper, and
 * a ppid loop ends. */
static void test_order(void **state)
{
	static const struct {
		const char *entry;
		uint32_t ppid;
		unsigned long long start;
	} procs[] = {{"300", 1, 50}, {"7", 1, 900}, {"55", 1, 50}, {"1000", 1, 10}, {"2", 1, 400},
		{"40", 2, 5}, {"41", 40, 4}, {"90", 91, 1}, {"91", 90, 2}};
	static const uint32_t order[] = {0, 91, 90, 2, 40, 41, 1000, 55, 300, 7};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(procs) / sizeof(procs[0]); i++)
		put_fake(&(struct fake){procs[i].entry, "p", procs[i].ppid, procs[i].start,
			"/bin/p", "p\0", 2, "/", NULL, NULL, NULL});
	assert_int_equal(scan(), 9);
	assert_int_equal(seen.n, 10);
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		assert_int_equal(seen.rec[i].pid, order[i]);
}

static void remove_proc_60(const struct ps_event *e)
{
	char cmd[300];

	if (e->pid != 50)
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s/60'", root);
	assert_int_equal(system(cmd), 0);
}

/* A process that exits between the listing and its turn: no record, no harm. */
static void test_vanishing_pid(void **state)
{
	(void)state;
	put_fake(
		&(struct fake){"50", "first", 1, 1, "/bin/first", "f\0", 2, "/", NULL, NULL, NULL});
	put_fake(&(struct fake){
		"60", "second", 1, 2, "/bin/second", "s\0", 2, "/", NULL, NULL, NULL});
	put_fake(
		&(struct fake){"70", "third", 1, 3, "/bin/third", "t\0", 2, "/", NULL, NULL, NULL});
	seen.hook = remove_proc_60;
	assert_int_equal(scan(), 3); /* listed, then gone */
	assert_int_equal(seen.n, 3);
	assert_int_equal(seen.rec[1].pid, 50);
	assert_int_equal(seen.rec[2].pid, 70);
}

/* A command line of n bytes: argv[0] "x", then one argument of 'a's, NUL-ended. */
static char *long_cmdline(size_t n)
{
	char *c = malloc(n);

	assert_non_null(c);
	memset(c, 'a', n);
	c[0] = 'x';
	c[1] = '\0';
	c[n - 1] = '\0';
	return c;
}

/* What Tetragon's /proc reader sends: an exe in place of argv[0]; past 1124 bytes of a
 * process's and its parent's arguments together the process loses its cwd (nocwd, the path
 * appended to its arguments); past 5220 the longer of the two is cut (truncArgs); a kernel
 * thread parent counts nothing. */
static void test_tetragon_fit(void **state)
{
	static const char init_args[] = "init\0";
	char *c1108 = long_cmdline(1108), *c1109 = long_cmdline(1109), *c6000 = long_cmdline(6000);
	char *c4003 = long_cmdline(4003), *c3000 = long_cmdline(3000), *c1119 = long_cmdline(1119);
	char with_cwd[1200];
	static const char *const exe = "/bin/x"; /* 6 bytes: with argv[0] "x", 5 more than it */
	size_t i;

	(void)state;
	/* the parent of most: "/sbin/init" for "init", 11 bytes as Tetragon counts them */
	put_fake(&(struct fake){
		"1", "init", 0, 1, "/sbin/init", init_args, 5, "/", NULL, NULL, NULL});
	put_fake(&(struct fake){"2", "kthreadd", 0, 2, NULL, "", 0, "/", NULL, NULL, NULL});
	put_fake(&(struct fake){"3", "edge", 1, 3, exe, c1108, 1108, "/home/u", NULL, NULL, NULL});
	put_fake(&(struct fake){"4", "over", 1, 4, exe, c1109, 1109, "/home/u", NULL, NULL, NULL});
	put_fake(&(struct fake){"5", "rootover", 1, 5, exe, c1109, 1109, "/", NULL, NULL, NULL});
	put_fake(&(struct fake){"6", "cut", 1, 6, exe, c6000, 6000, "/w", NULL, NULL, NULL});
	put_fake(&(struct fake){"7", "bigparent", 1, 7, exe, c4003, 4003, "/", NULL, NULL, NULL});
	put_fake(&(struct fake){"8", "child", 7, 8, exe, c3000, 3000, "/", NULL, NULL, NULL});
	put_fake(&(struct fake){"9", "kchild", 2, 9, exe, c1119, 1119, "/k", NULL, NULL, NULL});
	put_fake(&(struct fake){"10", "spaces", 1, 10, exe, "x\0", 2,
		"/tmp/x \xc2\xa0\t \xe2\x80\x89", NULL, NULL, NULL});
	assert_int_equal(scan(), 10);
	assert_int_equal(seen.n, 11);
	/* 3: 11 + 6 + 1107 = 1124, all kept */
	check_record(&seen.rec[3], &(struct want){3, 1, PS_F_PROCFS, UNSET, UNSET, UNSET, 3, exe,
					   "/home/u", "", c1108, 1108, 0});
	/* 4: one byte more: the cwd goes to the end of the arguments */
	memcpy(with_cwd, c1109, 1109);
	memcpy(with_cwd + 1109, " /home/u", 8);
	check_record(&seen.rec[4], &(struct want){4, 1, PS_F_PROCFS | PS_F_NOCWD, UNSET, UNSET,
					   UNSET, 4, exe, "", "", with_cwd, 1117, 0});
	check_record(&seen.rec[5], &(struct want){5, 1, ROOT | PS_F_NOCWD, UNSET, UNSET, UNSET, 5,
					   exe, "", "", c1109, 1109, 0});
	/* 6: 11 + 6005 is 796 past 5220, all cut from the longer child: 5204 bytes kept */
	memcpy(with_cwd, " /w", 3);
	assert_int_equal(seen.rec[6].args_len, 5204 + 3);
	assert_memory_equal(PS_EVENT_ARGS(&seen.rec[6]), c6000, 5204);
	assert_memory_equal(PS_EVENT_ARGS(&seen.rec[6]) + 5204, with_cwd, 3);
	assert_int_equal(seen.rec[6].flags, PS_F_PROCFS | PS_F_NOCWD | PS_F_TRUNC_ARGS);
	assert_int_equal(seen.rec[6].cwd_len, 0);
	/* 7: 11 + 4008, nocwd only; 8: 4008 + 3005 is 1793 past: 1003 from the parent to even
	 * them, then one byte each, the child first: 395 from the child */
	check_record(&seen.rec[7], &(struct want){7, 1, ROOT | PS_F_NOCWD, UNSET, UNSET, UNSET, 7,
					   exe, "", "", c4003, 4003, 0});
	check_record(&seen.rec[8], &(struct want){8, 7, ROOT | PS_F_NOCWD | PS_F_TRUNC_ARGS, UNSET,
					   UNSET, UNSET, 8, exe, "", "", c3000, 3000 - 395, 0});
	/* 9: 0 for the kernel thread + 1124 */
	check_record(&seen.rec[9], &(struct want){9, 2, PS_F_PROCFS, UNSET, UNSET, UNSET, 9, exe,
					   "/k", "", c1119, 1119, 0});
	/* 10: Go's TrimSpace on the cwd: ASCII and Unicode white space */
	check_record(&seen.rec[10], &(struct want){10, 1, PS_F_PROCFS, UNSET, UNSET, UNSET, 10, exe,
					    "/tmp/x", "", "x\0", 2, 0});
	for (i = 1; i <= 10; i++)
		assert_true(seen.rec[i].args_len <= 5220 + 4096);
	free(c1108);
	free(c1109);
	free(c6000);
	free(c4003);
	free(c3000);
	free(c1119);
}

/* Whatever the length of a command line (PS_ARGS_MAX and more), a /proc process's arguments
 * end up within Tetragon's message; exe and cwd up to PATH_MAX are read whole. */
static void test_long_strings(void **state)
{
	static char cmdline[PS_ARGS_MAX + 904], exe[1000], cwd[800];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cmdline); i++)
		cmdline[i] = i % 7 ? (char)('a' + i % 26) : '\0';
	memset(exe, 'e', sizeof(exe) - 1);
	exe[0] = '/';
	memset(cwd, 'c', sizeof(cwd) - 1);
	cwd[0] = '/';
	put_fake(&(struct fake){"90", "long", 1, 9, exe, cmdline, sizeof(cmdline), cwd, NULL, NULL,
		"0::/" HEX64 "x\n"});
	put_fake(&(struct fake){
		"91", "full", 1, 10, "/bin/full", cmdline, PS_ARGS_MAX, "/", NULL, NULL, NULL});
	assert_int_equal(scan(), 2);
	assert_int_equal(seen.n, 3);
	/* 90: argv[0] is empty; 999 + the whole cmdline, cut to 5220: 4221 bytes of it kept,
	 * then " " and the cwd */
	assert_int_equal(seen.rec[1].flags, PS_F_PROCFS | PS_F_TRUNC_ARGS | PS_F_NOCWD);
	assert_int_equal(seen.rec[1].filename_len, 999);
	assert_memory_equal(PS_EVENT_FILENAME(&seen.rec[1]), exe, 999);
	assert_int_equal(seen.rec[1].cwd_len, 0);
	assert_int_equal(seen.rec[1].args_len, 4221 + 1 + 799);
	assert_memory_equal(PS_EVENT_ARGS(&seen.rec[1]), cmdline, 4221);
	assert_int_equal(PS_EVENT_ARGS(&seen.rec[1])[4221], ' ');
	assert_memory_equal(PS_EVENT_ARGS(&seen.rec[1]) + 4222, cwd, 799);
	check_record(
		&seen.rec[2], &(struct want){91, 1, ROOT | PS_F_TRUNC_ARGS | PS_F_NOCWD, UNSET,
				      UNSET, UNSET, 10, "/bin/full", "", "", cmdline, 5211, 0});
}

/* A comm may hold any byte, parentheses and newlines included: the fields after it are still
 * found, and comm itself is not reported. Links are read, never followed, so a loop is just
 * text. */
static void test_hostile_entries(void **state)
{
	static const char comm[] = "a) (b\n\x01\x1b[2J) S 99 )";
	char loop[512];

	(void)state;
	put_fake(&(struct fake){"80", comm, 42, 777, NULL, "x\0", 2, NULL, "Uid:\t5\t6\n",
		"not a number", "0::\n"});
	snprintf(loop, sizeof(loop), "%s/80/exe", root);
	put_link("80", "exe", loop);
	put_link("80", "cwd", "cwd");
	/* binary bytes where text is expected */
	put_fake(&(struct fake){"81", "\xff\xfe", 80, 778, "/bin/\xff", "\xff\0", 2, "/\xfe",
		"\nUid:\t\xff\nGid:", "\xff", "0::/\xff\n"});
	assert_int_equal(scan(), 2);
	assert_int_equal(seen.n, 3);
	/* status's first line is not "\nUid:": only lines after the first are looked at */
	check_record(&seen.rec[1], &(struct want){80, 42, PS_F_PROCFS, UNSET, UNSET, 0, 777, loop,
					   "cwd", "", "x\0", 2, 0});
	check_record(&seen.rec[2], &(struct want){81, 80, PS_F_PROCFS, UNSET, UNSET, 0, 778,
					   "/bin/\xff", "/\xfe", "", "\xff\0", 2, 0});
}

/* A procroot longer than any fixed path buffer still works: files are opened relative to it. */
static void test_long_procroot(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < 8; i++) {
		strcat(root, "/abcdefghijklmno");
		assert_int_equal(mkdir(root, 0755), 0);
	}
	put_fake(&(struct fake){"4", "deep", 1, 4, "/bin/deep", "deep\0", 5, "/srv",
		STATUS("3\t3\t3\t3", "4\t4\t4\t4"), "3", "0::/a/b\n"});
	assert_int_equal(scan(), 1);
	assert_int_equal(seen.n, 2);
	check_record(&seen.rec[1], &(struct want){4, 1, PS_F_PROCFS, 3, 4, 3, 4, "/bin/deep",
					   "/srv", "", "deep\0", 5, 0});
}

static void test_empty_and_missing_root(void **state)
{
	char missing[300];

	(void)state;
	assert_int_equal(scan(), 0);
	assert_int_equal(seen.n, 1);
	seen.n = 0;
	snprintf(missing, sizeof(missing), "%s/none", root);
	assert_int_equal(procfs_scan(missing, on_record, &seen, NULL), -ENOENT);
	put_str(".", "file", "");
	snprintf(missing, sizeof(missing), "%s/file", root);
	assert_int_equal(procfs_scan(missing, on_record, &seen, NULL), -ENOTDIR);
	assert_int_equal(seen.n, 0);
	assert_int_equal(mock_log_warnings, 0);
}

/* Tetragon's container-id rules, on single names (as BPF reads them) and on a whole
 * /proc/PID/cgroup. */
static void test_container_ids(void **state)
{
	char buf[32], name[200];

	(void)state;
	procfs_container_id("docker-" HEX64 ".scope", true, buf, sizeof(buf));
	assert_string_equal(buf, ID31);
	procfs_container_id(HEX64, false, buf, sizeof(buf));
	assert_string_equal(buf, ID31);
	procfs_container_id("cri-containerd-" HEX64 ".scope", false, buf, sizeof(buf));
	assert_string_equal(buf, ID31);
	/* the length rule: 64 characters after the last '-' and ':', hex or not */
	procfs_container_id("pod:cri-" HEX64, false, buf, sizeof(buf));
	assert_string_equal(buf, ID31);
	procfs_container_id("x-zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
		false, buf, sizeof(buf));
	assert_string_equal(buf, "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz");
	procfs_container_id("docker-" HEX64 ".service", false, buf, sizeof(buf));
	assert_string_equal(buf, "");
	procfs_container_id("session-3.scope", true, buf, sizeof(buf));
	assert_string_equal(buf, "");
	procfs_container_id("dd907e27a9b1578d8c544a6231e5ba54", true, buf, sizeof(buf));
	assert_string_equal(buf, "");
	/* a name that filled the kernel's buffer may have been cut: 31 are enough */
	memset(name, 'a', sizeof(name));
	memcpy(name + PS_CGROUP_MAX - 1 - 40, "-0123456789012345678901234567890123456789", 41);
	name[PS_CGROUP_MAX - 1] = '\0';
	procfs_container_id(name, true, buf, sizeof(buf));
	assert_string_equal(buf, "0123456789012345678901234567890");
	procfs_container_id(name, false, buf, sizeof(buf));
	assert_string_equal(buf, "");
	procfs_container_ids("4:memory:/docker/" HEX64 "\n0::/\n", buf, sizeof(buf));
	assert_string_equal(buf, ID31);
	/* a last component of 31 or more hex digits, without a runtime's name */
	procfs_container_ids(
		"4:memory:/process_api/dd907e27a9b1578d8c544a6231e5ba54\n0::/\n", buf, sizeof(buf));
	assert_string_equal(buf, "dd907e27a9b1578d8c544a6231e5ba5");
	procfs_container_ids("0::/user.slice/session-3.scope\n", buf, sizeof(buf));
	assert_string_equal(buf, "");
}

/* The cgroup v1 controller Tetragon reads container ids from: memory, then pids, then cpuset,
 * by its index in /proc/cgroups; none on a cgroup v2 host. */
static void test_cgroup1_subsys(void **state)
{
	(void)state;
	put_str(".", "cgroups",
		"#subsys_name\thierarchy\tnum_cgroups\tenabled\ncpuset\t3\t1\t1\ncpu\t1\t1\t1\n"
		"memory\t0\t5\t1\npids\t8\t1\t1\n");
	assert_int_equal(procfs_cgroup1_subsys(root, root), 4); /* pids: index 3 */
	put_str(".", "cgroups",
		"#subsys_name\thierarchy\tnum_cgroups\tenabled\ncpuset\t3\t1\t1\ncpu\t1\t1\t1\n"
		"memory\t4\t5\t1\n");
	assert_int_equal(procfs_cgroup1_subsys(root, root), 3);
	put_str(".", "cgroups", "#subsys_name\thierarchy\tnum_cgroups\tenabled\ncpu\t1\t1\t1\n");
	assert_int_equal(procfs_cgroup1_subsys(root, root), 0);
}

/* procfs_scan_ext: each record carries a struct ps_ext after its data with status's ids and
 * capability sets and the inode of each ns/ entry; a kernel thread's and the kernel's are
 * zeros; a part that is off stays zero. */
static void test_ext(void **state)
{
	static const char args[] = "a\0";
	const struct fake p = {
		"7", "x", 1, 5, "/bin/x", args, sizeof(args), "/", STATUS_EXT, NULL, NULL};
	char path[512];
	struct stat st;
	struct ps_ext x;
	uint32_t ns[PS_NS_COUNT];

	(void)state;
	put_fake(&p);
	put_dir("7/ns");
	put_str("7", "ns/net", "");
	snprintf(path, sizeof(path), "%s/7/ns/net", root);
	assert_int_equal(stat(path, &st), 0);
	assert_true(procfs_scan_ext(root, PS_F_EXT, on_record, &seen, &result) >= 0);
	assert_int_equal(seen.n, 2);
	assert_int_equal(seen.rec[0].flags & PS_F_EXT, PS_F_EXT);
	memcpy(&x, seen.rec[0].data + PS_EVENT_EXT_OFF(&seen.rec[0]), sizeof(x));
	assert_true(x.uid == 0 && x.cap_permitted == 0 && x.ns[PS_NS_NET] == 0);
	assert_int_equal(seen.rec[1].flags, ROOT | PS_F_EXT);
	memcpy(&x, seen.rec[1].data + PS_EVENT_EXT_OFF(&seen.rec[1]), sizeof(x));
	assert_true(x.uid == 1001 && x.suid == 1003 && x.fsuid == 1004);
	assert_true(x.gid == 2001 && x.sgid == 2003 && x.fsgid == 2004);
	assert_int_equal(seen.rec[1].uid, 1002);
	assert_true(x.cap_inheritable == 0x1 && x.cap_permitted == 0x1ffffffffffULL);
	assert_true(x.cap_effective == 0x20);
	assert_true(x.ns[PS_NS_NET] == (uint32_t)st.st_ino && x.ns[PS_NS_UTS] == 0);
	assert_true(x.securebits == 0 && x.secureexec == 0 && x.ino == 0 && x.nlink == 0);
	assert_int_equal(procfs_ns_inums(root, 7, ns), 0);
	assert_true(ns[PS_NS_NET] == (uint32_t)st.st_ino && ns[PS_NS_PID] == 0);
	assert_int_equal(procfs_ns_inums(root, 8, ns), -ENOENT);
	/* namespaces only: the ids stay zero */
	seen.n = 0;
	assert_true(procfs_scan_ext(root, PS_F_EXT_NS, on_record, &seen, &result) >= 0);
	assert_int_equal(seen.rec[1].flags, ROOT | PS_F_EXT_NS);
	memcpy(&x, seen.rec[1].data + PS_EVENT_EXT_OFF(&seen.rec[1]), sizeof(x));
	assert_true(x.uid == 0 && x.cap_permitted == 0 && x.ns[PS_NS_NET] == (uint32_t)st.st_ino);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unreadable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_skipped_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vanishing_pid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_strings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tetragon_fit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_procroot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_and_missing_root, setup, teardown),
		cmocka_unit_test_setup_teardown(test_container_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cgroup1_subsys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ext, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
