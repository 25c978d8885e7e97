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

/* A stat line as the kernel writes it: ppid is field 4, starttime field 22. */
static void put_stat(const char *entry, const char *comm, uint32_t ppid, unsigned long long start)
{
	char buf[512];

	snprintf(buf, sizeof(buf),
		"%s (%s) S %u 7 7 0 -1 4194560 10 0 0 0 1 2 0 0 20 0 1 0 %llu 8536064 233 "
		"18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n",
		entry, comm, ppid, start);
	put_str(entry, "stat", buf);
}

static unsigned long long ns_of(unsigned long long ticks)
{
	long hz = sysconf(_SC_CLK_TCK);

	return ticks * (1000000000ULL / (unsigned long long)(hz > 0 ? hz : 100));
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
	if (f->comm)
		put_stat(f->entry, f->comm, f->ppid, f->start);
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

/* What a record must hold, field by field. */
struct want {
	uint32_t pid, ppid, flags, uid, gid, auid;
	unsigned long long start;
	const char *filename, *cwd, *cgroup;
	const char *args;
	size_t args_len;
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
	assert_true(e->ktime == ns_of(w->start));
	assert_true(e->start_ktime == ns_of(w->start));
	assert_int_equal(e->exit_code, 0);
	assert_memory_equal(e->comm, zero, sizeof(zero));
	assert_int_equal(e->filename_len, strlen(w->filename));
	assert_string_equal(e->filename, w->filename);
	assert_int_equal(e->cwd_len, strlen(w->cwd));
	assert_string_equal(e->cwd, w->cwd);
	assert_string_equal(e->cgroup, w->cgroup);
	assert_int_equal(e->args_len, w->args_len);
	if (w->args_len)
		assert_memory_equal(e->args, w->args, w->args_len);
}

static int scan(void)
{
	return procfs_scan(root, on_record, &seen);
}

/* Every field of well-formed entries, and which files each comes from. */
static void test_fields(void **state)
{
	static const char sleep_args[] = "sleep\0"
					 "100\0";
	static const char init_args[] = "/sbin/init\0"
					"splash\0";
	static const struct fake procs[] = {
		{"4242", "sleep", 1, 5000, "/usr/bin/sleep", sleep_args, sizeof(sleep_args) - 1,
			"/home/u", STATUS("1000\t1001\t1002\t1003", "2000\t2001\t2002\t2003"),
			"1000", "0::/user.slice/docker-0123abc.scope\n"},
		{"1", "systemd", 0, 3, "/usr/lib/systemd/systemd", init_args, sizeof(init_args) - 1,
			"/", STATUS("0\t0\t0\t0", "0\t0\t0\t0"), "4294967295\n",
			"12:cpu,cpuacct:/\n1:name=systemd:/init.scope\n0::/init.scope\n"},
	};
	static const struct want want[] = {
		{1, 0, PS_F_PROCFS, 0, 0, PS_AUID_UNSET, 3, "/usr/lib/systemd/systemd", "/",
			"init.scope", init_args, sizeof(init_args) - 1},
		{4242, 1, PS_F_PROCFS, 1001, 2001, 1000, 5000, "/usr/bin/sleep", "/home/u",
			"docker-0123abc.scope", sleep_args, sizeof(sleep_args) - 1},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(procs) / sizeof(procs[0]); i++)
		put_fake(&procs[i]);
	assert_int_equal(scan(), 2);
	assert_int_equal(seen.n, 2);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		check_record(&seen.rec[i], &want[i]);
}

/* Files that cannot be read leave their fields at defaults; no exe means no record. */
static void test_unreadable(void **state)
{
	static const char args[] = "a\0";
	static const struct fake procs[] = {
		/* a kernel thread: empty cmdline, no exe */
		{"2", "kthreadd", 0, 1, NULL, "", 0, "/", STATUS("0\t0\t0\t0", "0\t0\t0\t0"),
			"4294967295", "0::/\n"},
		/* exe gone but the rest readable: still no record */
		{"10", "gone", 1, 10, NULL, args, 2, "/", NULL, NULL, NULL},
		/* only stat and exe: every other field at its default */
		{"11", "bare", 1, 11, "/bin/bare", NULL, 0, NULL, NULL, NULL, NULL},
		/* empty cmdline with an exe (a process that cleared its arguments) */
		{"12", "empty", 1, 12, "/bin/empty", "", 0, "/tmp", NULL, "5\n", "3:pids:/x\n"},
	};
	static const struct want want[] = {
		{11, 1, PS_F_PROCFS | PS_F_ERR_CWD, 0, 0, PS_AUID_UNSET, 11, "/bin/bare", "", "",
			"", 0},
		{12, 1, PS_F_PROCFS, 0, 0, 5, 12, "/bin/empty", "/tmp", "", "", 0},
		{13, 1, PS_F_PROCFS | PS_F_ERR_CWD, 0, 0, PS_AUID_UNSET, 13, "/bin/filecwd", "", "",
			"", 0},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(procs) / sizeof(procs[0]); i++)
		put_fake(&procs[i]);
	/* a cwd that is no symlink (readlink fails with EINVAL) */
	put_fake(&(struct fake){
		"13", "filecwd", 1, 13, "/bin/filecwd", NULL, 0, NULL, NULL, NULL, NULL});
	put_str("13", "cwd", "not a link");
	assert_int_equal(scan(), 5); /* every entry whose stat reads is counted */
	assert_int_equal(seen.n, 3);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		check_record(&seen.rec[i], &want[i]);
}

/* Entries that are not processes, or whose stat cannot be parsed, are neither reported nor
 * counted. */
static void test_skipped_entries(void **state)
{
	static const char *const not_pids[] = {"self", "12abc", "-5", "+7", " 8", "net", "x1"};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(not_pids) / sizeof(not_pids[0]); i++) {
		put_dir(not_pids[i]);
		put_stat(not_pids[i], "fake", 1, 1);
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
	assert_int_equal(seen.n, 0);
}

/* Start-time order feeds parents first; equal start times go by pid. */
static void test_order(void **state)
{
	static const struct {
		const char *entry;
		unsigned long long start;
	} procs[] = {{"300", 50}, {"7", 900}, {"55", 50}, {"1000", 10}, {"2", 400}};
	static const uint32_t order[] = {1000, 55, 300, 2, 7};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(procs) / sizeof(procs[0]); i++)
		put_fake(&(struct fake){procs[i].entry, "p", 1, procs[i].start, "/bin/p", NULL, 0,
			"/", NULL, NULL, NULL});
	assert_int_equal(scan(), 5);
	assert_int_equal(seen.n, 5);
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
	put_fake(&(struct fake){"50", "first", 1, 1, "/bin/first", NULL, 0, "/", NULL, NULL, NULL});
	put_fake(&(struct fake){
		"60", "second", 1, 2, "/bin/second", NULL, 0, "/", NULL, NULL, NULL});
	put_fake(&(struct fake){"70", "third", 1, 3, "/bin/third", NULL, 0, "/", NULL, NULL, NULL});
	seen.hook = remove_proc_60;
	assert_int_equal(scan(), 3); /* listed, then gone */
	assert_int_equal(seen.n, 2);
	assert_int_equal(seen.rec[0].pid, 50);
	assert_int_equal(seen.rec[1].pid, 70);
}

/* Entries longer than the record's fields are cut to them, NUL-terminated. */
static void test_long_strings(void **state)
{
	static char cmdline[PS_ARGS_MAX + 904], exe[1000], cwd[800], cgroup[300];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cmdline); i++)
		cmdline[i] = i % 7 ? (char)('a' + i % 26) : '\0';
	memset(exe, 'e', sizeof(exe) - 1);
	exe[0] = '/';
	memset(cwd, 'c', sizeof(cwd) - 1);
	cwd[0] = '/';
	memcpy(cgroup, "0::/", 4);
	memset(cgroup + 4, 'g', sizeof(cgroup) - 5);
	put_fake(&(struct fake){
		"90", "long", 1, 9, exe, cmdline, sizeof(cmdline), cwd, NULL, NULL, cgroup});
	/* a cmdline of exactly PS_ARGS_MAX bytes cannot be told from a longer one */
	put_fake(&(struct fake){
		"91", "full", 1, 10, "/bin/full", cmdline, PS_ARGS_MAX, "/", NULL, NULL, NULL});
	put_fake(&(struct fake){
		"92", "fits", 1, 11, "/bin/fits", cmdline, PS_ARGS_MAX - 1, "/", NULL, NULL, NULL});
	assert_int_equal(scan(), 3);
	assert_int_equal(seen.n, 3);
	/* filename and cwd are cut to fit, without a truncation flag (today's behaviour) */
	exe[PS_FILENAME_MAX - 1] = '\0';
	cwd[PS_CWD_MAX - 1] = '\0';
	cgroup[4 + PS_CGROUP_MAX - 1] = '\0';
	check_record(&seen.rec[0],
		&(struct want){90, 1, PS_F_PROCFS | PS_F_TRUNC_ARGS, 0, 0, PS_AUID_UNSET, 9, exe,
			cwd, cgroup + 4, cmdline, PS_ARGS_MAX});
	check_record(&seen.rec[1],
		&(struct want){91, 1, PS_F_PROCFS | PS_F_TRUNC_ARGS, 0, 0, PS_AUID_UNSET, 10,
			"/bin/full", "/", "", cmdline, PS_ARGS_MAX});
	check_record(&seen.rec[2], &(struct want){92, 1, PS_F_PROCFS, 0, 0, PS_AUID_UNSET, 11,
					   "/bin/fits", "/", "", cmdline, PS_ARGS_MAX - 1});
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
	assert_int_equal(seen.n, 2);
	/* status's first line is not "\nUid:": only lines after the first are looked at */
	check_record(&seen.rec[0],
		&(struct want){80, 42, PS_F_PROCFS, 0, 0, 0, 777, loop, "cwd", "", "x\0", 2});
	check_record(&seen.rec[1], &(struct want){81, 80, PS_F_PROCFS, 0, 0, 0, 778, "/bin/\xff",
					   "/\xfe", "\xff", "\xff\0", 2});
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
	assert_int_equal(seen.n, 1);
	check_record(&seen.rec[0], &(struct want){4, 1, PS_F_PROCFS, 3, 4, 3, 4, "/bin/deep",
					   "/srv", "b", "deep\0", 5});
}

static void test_empty_and_missing_root(void **state)
{
	char missing[300];

	(void)state;
	assert_int_equal(scan(), 0);
	assert_int_equal(seen.n, 0);
	snprintf(missing, sizeof(missing), "%s/none", root);
	assert_int_equal(procfs_scan(missing, on_record, &seen), -ENOENT);
	put_str(".", "file", "");
	snprintf(missing, sizeof(missing), "%s/file", root);
	assert_int_equal(procfs_scan(missing, on_record, &seen), -ENOTDIR);
	assert_int_equal(seen.n, 0);
	assert_int_equal(mock_log_warnings, 0);
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
		cmocka_unit_test_setup_teardown(test_hostile_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_procroot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_and_missing_root, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
