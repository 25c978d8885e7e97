/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the export file: buffering, rotation, pruning, gzip, full disk, reopen. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <zlib.h>

#include "shipper/out/export_file.h"
#include "mock_log.h"

#define MAXF 64

static char tmpdir[64];
static char path[128];

static int setup(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/test_export.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(path, sizeof(path), "%s/events.json", tmpdir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd);
}

static struct export_file *open_ef(uint64_t max_size, unsigned int backups, bool gz, size_t bufsize)
{
	struct export_config cfg = {
		.path = path,
		.max_size = max_size,
		.max_backups = backups,
		.compress = gz,
		.bufsize = bufsize,
	};
	char err[256] = "";
	struct export_file *ef = export_open(&cfg, err, sizeof(err));

	assert_non_null(ef);
	assert_string_equal(err, "");
	return ef;
}

/* Line i: 99 bytes of JSON, 100 with its newline. */
static const char *line(unsigned int i)
{
	static char buf[128];

	snprintf(buf, sizeof(buf), "{\"process_exec\":{\"pid\":%06u},\"pad\":\"%059d\"}", i, 0);
	assert_int_equal(strlen(buf), 99);
	return buf;
}

/* Whole content of a file, through zlib (which reads plain files as they are). */
static size_t read_any(const char *name, char *out, size_t size, bool *was_gz)
{
	char full[256];
	unsigned char magic[2] = {0};
	FILE *f;
	gzFile gz;
	int n;

	snprintf(full, sizeof(full), "%s/%s", tmpdir, name);
	f = fopen(full, "rb");
	assert_non_null(f);
	*was_gz = fread(magic, 1, 2, f) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
	fclose(f);
	gz = gzopen(full, "rb");
	assert_non_null(gz);
	n = gzread(gz, out, (unsigned int)size);
	assert_true(n >= 0);
	gzclose(gz);
	return (size_t)n;
}

static int list(char names[MAXF][128])
{
	DIR *d = opendir(tmpdir);
	struct dirent *e;
	int n = 0, i, j;
	char t[128];

	assert_non_null(d);
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		assert_true(n < MAXF);
		snprintf(names[n++], 128, "%.127s", e->d_name);
	}
	closedir(d);
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
			strcpy(t, names[j]);
			strcpy(names[j], names[j - 1]);
			strcpy(names[j - 1], t);
		}
	return n;
}

static bool backup_shape(const char *name, bool gz)
{
	unsigned int y, mo, d, h, mi, s, ms;
	char rest[32] = "";

	if (sscanf(name, "events-%4u-%2u-%2uT%2u-%2u-%2u.%3u%31s", &y, &mo, &d, &h, &mi, &s, &ms,
		    rest) != 8)
		return false;
	return !strcmp(rest, gz ? ".json.gz" : ".json");
}

/* All files, oldest backup first and the live file last, concatenated. */
static size_t read_all(char *out, size_t size, int *nbackups, bool gz)
{
	char names[MAXF][128];
	size_t off = 0, n;
	int count = list(names), i;
	bool was_gz;

	*nbackups = 0;
	for (i = 0; i < count; i++) {
		if (!strcmp(names[i], "events.json"))
			continue;
		assert_true(backup_shape(names[i], gz));
		n = read_any(names[i], out + off, size - off, &was_gz);
		assert_true(was_gz == gz);
		assert_true(n <= 1000); /* never past max_size (1000 in these tests) */
		off += n;
		(*nbackups)++;
	}
	n = read_any("events.json", out + off, size - off, &was_gz);
	assert_false(was_gz);
	return off + n;
}

static void check_lines(const char *text, size_t len, unsigned int first, unsigned int last)
{
	unsigned int i;

	assert_int_equal(len, (last - first + 1) * 100);
	for (i = first; i <= last; i++, text += 100) {
		assert_memory_equal(text, line(i), 99);
		assert_int_equal(text[99], '\n');
	}
}

static void test_buffered(void **state)
{
	struct export_file *ef = open_ef(0, 0, false, 0);
	struct stat st;
	char buf[4096];
	bool gz;

	(void)state;
	assert_int_equal(export_write(ef, line(0), 99), 0);
	assert_int_equal(export_write(ef, line(1), 99), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 0); /* buffered until a flush */
	assert_int_equal(export_flush(ef), 0);
	assert_int_equal(export_flush(ef), 0); /* nothing to do */
	check_lines(buf, read_any("events.json", buf, sizeof(buf), &gz), 0, 1);
	assert_true(export_get_stats(ef)->lines == 2);
	assert_true(export_get_stats(ef)->bytes == 200);
	export_free(ef);

	/* Appends to an existing file; export_free flushes. */
	ef = open_ef(0, 0, false, 0);
	assert_int_equal(export_write(ef, line(2), 99), 0);
	export_free(ef);
	check_lines(buf, read_any("events.json", buf, sizeof(buf), &gz), 0, 2);
	export_free(NULL);
}

static void test_small_buffer(void **state)
{
	/* A buffer of 250 bytes holds two lines; a line longer than the buffer goes directly. */
	struct export_file *ef = open_ef(0, 0, false, 250);
	char big[400], buf[4096];
	unsigned int i;
	bool gz;

	(void)state;
	for (i = 0; i < 5; i++)
		assert_int_equal(export_write(ef, line(i), 99), 0);
	memset(big, 'x', sizeof(big));
	assert_int_equal(export_write(ef, big, sizeof(big)), 0);
	export_free(ef);
	assert_int_equal(read_any("events.json", buf, sizeof(buf), &gz), 500 + 401);
	check_lines(buf, 500, 0, 4);
	assert_int_equal(buf[500 + 400], '\n');
}

static void test_rotation_at_size(void **state)
{
	/* 1000 bytes: 10 lines a file; 35 lines give 3 backups and 5 lines in the live file. */
	struct export_file *ef = open_ef(1000, 0, false, 0);
	static char buf[65536];
	unsigned int i;
	int nb;

	(void)state;
	for (i = 0; i < 35; i++)
		assert_int_equal(export_write(ef, line(i), 99), 0);
	export_flush(ef);
	assert_true(export_get_stats(ef)->rotations == 3);
	check_lines(buf, read_all(buf, sizeof(buf), &nb, false), 0, 34);
	assert_int_equal(nb, 3);
	assert_true(export_get_stats(ef)->rotate_errors == 0);
	export_free(ef);
}

static void test_prune(void **state)
{
	/* 95 lines, 10 a file: 9 rotations, the 3 newest backups kept. */
	struct export_file *ef = open_ef(1000, 3, false, 0);
	static char buf[65536];
	unsigned int i;
	int nb;

	(void)state;
	for (i = 0; i < 95; i++)
		export_write(ef, line(i), 99);
	export_flush(ef);
	assert_true(export_get_stats(ef)->rotations == 9);
	check_lines(buf, read_all(buf, sizeof(buf), &nb, false), 60, 94);
	assert_int_equal(nb, 3);
	assert_true(export_get_stats(ef)->prune_errors == 0);
	export_free(ef);
}

static void test_compress(void **state)
{
	struct export_file *ef = open_ef(1000, 4, true, 0);
	static char buf[65536];
	unsigned int i;
	int nb;

	(void)state;
	for (i = 0; i < 75; i++)
		export_write(ef, line(i), 99);
	export_flush(ef);
	/* 7 rotations, 4 gzip backups kept: they decompress to the original lines. */
	assert_true(export_get_stats(ef)->rotations == 7);
	assert_true(export_get_stats(ef)->compress_errors == 0);
	check_lines(buf, read_all(buf, sizeof(buf), &nb, true), 30, 74);
	assert_int_equal(nb, 4);
	export_free(ef);
}

/* A device (here /dev/full) is not a file procship writes: refused at open, never written. */
static void test_device_refused(void **state)
{
	struct export_config cfg = {.path = "/dev/full", .max_size = 1000, .max_backups = 1};
	char err[256] = "";

	(void)state;
	errno = 0;
	assert_null(export_open(&cfg, err, sizeof(err)));
	assert_int_equal(errno, EINVAL);
	assert_string_equal(err, "export: open /dev/full: a device, not a regular file");
}

static void test_file_too_large_then_recovers(void **state)
{
	/* A file size limit makes a write stop half-way (EFBIG): the half line is cut off, the
	 * buffer's lines are counted, and writing resumes once there is room again. */
	struct export_file *ef = open_ef(0, 0, false, 0);
	struct rlimit old, small = {.rlim_cur = 250};
	void (*oldsig)(int) = signal(SIGXFSZ, SIG_IGN);
	char buf[4096];
	unsigned int i;
	bool gz;

	(void)state;
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	small.rlim_max = old.rlim_max;
	export_write(ef, line(0), 99);
	assert_int_equal(export_flush(ef), 0);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	for (i = 1; i < 4; i++)
		export_write(ef, line(i), 99);
	assert_int_equal(export_flush(ef), -EFBIG);
	/* The file was cut back to line 0: the next try fails the same way. */
	for (i = 4; i < 7; i++)
		export_write(ef, line(i), 99);
	assert_int_equal(export_flush(ef), -EFBIG);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, oldsig);
	assert_true(export_get_stats(ef)->dropped == 6);
	assert_true(export_get_stats(ef)->write_errors == 2);
	assert_int_equal(export_get_stats(ef)->last_errno, EFBIG);
	for (i = 7; i < 9; i++)
		export_write(ef, line(i), 99);
	assert_int_equal(export_flush(ef), 0);
	export_free(ef);
	/* Line 0 then lines 7 and 8, whole: no half line in between. */
	assert_int_equal(read_any("events.json", buf, sizeof(buf), &gz), 300);
	check_lines(buf, 100, 0, 0);
	check_lines(buf + 100, 200, 7, 8);
}

static void test_reopen(void **state)
{
	struct export_file *ef = open_ef(0, 0, false, 0);
	char moved[160], buf[4096];
	bool gz;

	(void)state;
	export_write(ef, line(0), 99);
	export_flush(ef);
	/* An external logrotate renames the file, then SIGHUP. */
	snprintf(moved, sizeof(moved), "%s/events.json.1", tmpdir);
	assert_int_equal(rename(path, moved), 0);
	export_write(ef, line(1), 99);
	assert_int_equal(export_reopen(ef), 0); /* flushes line 1 to the old file first */
	export_write(ef, line(2), 99);
	export_free(ef);
	check_lines(buf, read_any("events.json.1", buf, sizeof(buf), &gz), 0, 1);
	check_lines(buf, read_any("events.json", buf, sizeof(buf), &gz), 2, 2);
}

static void test_reopen_fails(void **state)
{
	struct export_file *ef = open_ef(0, 0, false, 0);
	char moved[160], buf[4096];
	bool gz;

	(void)state;
	/* The name is a symbolic link now: refused, the old file stays in use. */
	snprintf(moved, sizeof(moved), "%s/events.json.1", tmpdir);
	assert_int_equal(rename(path, moved), 0);
	assert_int_equal(symlink("events.json.1", path), 0);
	assert_int_equal(export_reopen(ef), -ELOOP);
	export_write(ef, line(7), 99);
	export_free(ef);
	check_lines(buf, read_any("events.json.1", buf, sizeof(buf), &gz), 7, 7);
}

/* The directory was renamed: the held directory fd follows it, the path does not. */
static void test_reopen_in_held_dir(void **state)
{
	struct export_file *ef = open_ef(0, 0, false, 0);
	char moved[160], buf[4096];
	bool gz;

	(void)state;
	assert_int_equal(unlink(path), 0);
	snprintf(moved, sizeof(moved), "%s.moved", tmpdir);
	assert_int_equal(rename(tmpdir, moved), 0);
	assert_int_equal(mkdir(tmpdir, 0700), 0);
	assert_int_equal(export_reopen(ef), 0);
	export_write(ef, line(7), 99);
	export_free(ef);
	snprintf(buf, sizeof(buf), "%s/events.json", moved);
	assert_int_equal(rename(buf, path), 0);
	assert_int_equal(rmdir(moved), 0);
	check_lines(buf, read_any("events.json", buf, sizeof(buf), &gz), 7, 7);
}

static void test_no_extension(void **state)
{
	struct export_file *ef;
	char names[MAXF][128];
	unsigned int i;
	unsigned int y, mo, d, h, mi, s, ms;
	char rest[8] = "";

	(void)state;
	snprintf(path, sizeof(path), "%s/events", tmpdir);
	ef = open_ef(1000, 0, true, 0);
	for (i = 0; i < 15; i++)
		export_write(ef, line(i), 99);
	export_free(ef);
	assert_int_equal(list(names), 2);
	assert_string_equal(names[0], "events");
	assert_int_equal(sscanf(names[1], "events-%4u-%2u-%2uT%2u-%2u-%2u.%3u%7s", &y, &mo, &d, &h,
				 &mi, &s, &ms, rest),
		8);
	assert_string_equal(rest, ".gz");
}

static void test_rotate_error(void **state)
{
	/* The live file cannot be renamed (removed under us: ENOENT). Writing goes on past
	 * max_size, and the next try waits for another max_size bytes. */
	struct export_file *ef = open_ef(1000, 0, false, 0);
	char names[MAXF][128];
	unsigned int i;

	(void)state;
	assert_int_equal(unlink(path), 0);
	for (i = 0; i < 15; i++)
		assert_int_equal(export_write(ef, line(i), 99), 0);
	export_flush(ef);
	assert_true(export_get_stats(ef)->rotate_errors == 1);
	assert_int_equal(export_get_stats(ef)->last_errno, ENOENT);
	assert_true(export_get_stats(ef)->lines == 15);
	assert_true(export_get_stats(ef)->dropped == 0);
	assert_int_equal(list(names), 0);
	export_free(ef);
}

static void test_stdout(void **state)
{
	struct export_config cfg = {.path = "-", .max_size = 100, .max_backups = 1};
	struct export_file *ef;
	char err[256] = "", buf[4096];
	int saved = dup(STDOUT_FILENO);
	FILE *f;
	bool gz;

	(void)state;
	f = fopen(path, "w");
	assert_non_null(f);
	fflush(stdout);
	assert_int_equal(dup2(fileno(f), STDOUT_FILENO), STDOUT_FILENO);
	ef = export_open(&cfg, err, sizeof(err));
	assert_non_null(ef);
	export_write(ef, line(0), 99);
	export_write(ef, line(1), 99); /* stdout is never rotated */
	assert_int_equal(export_reopen(ef), 0);
	export_free(ef);
	assert_int_equal(dup2(saved, STDOUT_FILENO), STDOUT_FILENO);
	close(saved);
	fclose(f);
	check_lines(buf, read_any("events.json", buf, sizeof(buf), &gz), 0, 1);
}

static void test_open_errors(void **state)
{
	struct export_config cfg = {.path = "/nonexistent-dir/x.json"};
	char err[256] = "";

	(void)state;
	errno = 0;
	assert_null(export_open(&cfg, err, sizeof(err)));
	assert_int_equal(errno, ENOENT);
	assert_string_equal(err, "export: open /nonexistent-dir/x.json: No such file or directory");
	cfg.path = "";
	assert_null(export_open(&cfg, err, sizeof(err)));
	assert_int_equal(errno, EINVAL);
	assert_string_equal(err, "export: empty file name");
	cfg.path = "/tmp/";
	assert_null(export_open(&cfg, err, sizeof(err)));
	assert_int_equal(errno, EINVAL);
	assert_string_equal(err, "export: open /tmp/: Invalid argument");
}

/* Issue 20 item 4: what a local user who can write the directory can plant. */
static void plant(const char *name, mode_t mode)
{
	char full[192];
	int fd;

	snprintf(full, sizeof(full), "%s/%s", tmpdir, name);
	fd = open(full, O_WRONLY | O_CREAT | O_EXCL, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "planted\n", 8), 8);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static void open_refused(const char *want_err, int want_errno)
{
	struct export_config cfg = {.path = path};
	char err[256] = "";

	errno = 0;
	assert_null(export_open(&cfg, err, sizeof(err)));
	assert_int_equal(errno, want_errno);
	if (!strstr(err, want_err))
		fail_msg("error \"%s\" does not say \"%s\"", err, want_err);
}

static void test_planted_at_open(void **state)
{
	char target[160], buf[64];
	int rd;

	(void)state;
	/* a symbolic link to a file of root's: refused, the target untouched */
	snprintf(target, sizeof(target), "%s/secret", tmpdir);
	plant("secret", 0600);
	assert_int_equal(symlink(target, path), 0);
	open_refused("a symbolic link", ELOOP);
	assert_int_equal(read_any("secret", buf, sizeof(buf), &(bool){false}), 8);
	assert_int_equal(unlink(path), 0);
	/* a hard link to it */
	assert_int_equal(link(target, path), 0);
	open_refused("has 2 hard links", EPERM);
	assert_int_equal(unlink(path), 0);
	/* a FIFO, without and with a reader: refused at once, never waited on */
	assert_int_equal(mkfifo(path, 0600), 0);
	open_refused("a FIFO", ENXIO);
	rd = open(path, O_RDONLY | O_NONBLOCK);
	assert_true(rd >= 0);
	open_refused("a FIFO, not a regular file", EINVAL);
	assert_int_equal(read(rd, buf, sizeof(buf)), 0);
	close(rd);
	assert_int_equal(unlink(path), 0);
	/* a file others can read, or its group write */
	plant("events.json", 0644);
	open_refused("unsafe mode 0644", EPERM);
	assert_int_equal(chmod(path, 0620), 0);
	open_refused("unsafe mode 0620", EPERM);
	/* a file of another user's */
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(chown(path, 65534, 65534), 0);
	open_refused("owned by uid 65534", EPERM);
}

static void test_unsafe_directory(void **state)
{
	struct export_config cfg = {.path = path};
	struct export_file *ef;
	char err[256] = "";

	(void)state;
	assert_int_equal(chmod(tmpdir, 0777), 0);
	open_refused("unsafe directory: writable by others (mode 0777)", EPERM);
	assert_int_equal(chmod(tmpdir, 0700), 0);
	assert_int_equal(chown(tmpdir, 65534, 65534), 0);
	open_refused("unsafe directory: owned by uid 65534", EPERM);
	assert_int_equal(chown(tmpdir, 0, 0), 0);
	/* sticky and writable by others (/tmp): opened, with a warning */
	assert_int_equal(chmod(tmpdir, 01777), 0);
	ef = export_open(&cfg, err, sizeof(err));
	assert_non_null(ef);
	assert_non_null(strstr(export_warning(ef), "writable by others (mode 1777, sticky)"));
	export_free(ef);
	assert_int_equal(chmod(tmpdir, 0700), 0);
}

/* Planted future-dated names are not ours: pruning keeps the real backups. */
static void test_prune_planted(void **state)
{
	char names[MAXF][128];
	struct export_file *ef;
	unsigned int i;
	int n, real = 0, planted = 0;

	(void)state;
	plant("events-2999-01-01T00-00-00.000.json", 0600);
	plant("events-2999-01-01T00-00-00.001.json.gz", 0600);
	ef = open_ef(1000, 2, false, 0);
	/* planted after start, dated just before now: never in the record either */
	plant("events-2000-01-01T00-00-00.000.json", 0600);
	for (i = 0; i < 50; i++)
		export_write(ef, line(i), 99);
	export_free(ef);
	n = list(names);
	for (i = 0; i < (unsigned int)n; i++) {
		if (strstr(names[i], "events-2999-") || strstr(names[i], "events-2000-"))
			planted++;
		else if (strcmp(names[i], "events.json"))
			real++;
	}
	assert_int_equal(planted, 3);
	assert_int_equal(real, 2);
}

/* The live name replaced under us by a symbolic link: the rotation fails, counted, and the
 * link's target is never written; the old file keeps the lines. */
static void test_rotation_gap(void **state)
{
	struct export_file *ef = open_ef(1000, 2, true, 0);
	char moved[160], target[160], buf[64];
	unsigned int i;

	(void)state;
	plant("secret", 0600);
	snprintf(moved, sizeof(moved), "%s/moved.json", tmpdir);
	snprintf(target, sizeof(target), "%s/secret", tmpdir);
	assert_int_equal(rename(path, moved), 0);
	assert_int_equal(symlink(target, path), 0);
	for (i = 0; i < 15; i++)
		assert_int_equal(export_write(ef, line(i), 99), 0);
	export_flush(ef);
	assert_true(export_get_stats(ef)->rotate_errors >= 1);
	assert_true(export_get_stats(ef)->rotations == 0);
	assert_int_equal(export_get_stats(ef)->last_errno, ESTALE);
	export_free(ef);
	assert_int_equal(read_any("secret", buf, sizeof(buf), &(bool){false}), 8);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_buffered),
		T(test_small_buffer),
		T(test_rotation_at_size),
		T(test_prune),
		T(test_compress),
		T(test_device_refused),
		T(test_file_too_large_then_recovers),
		T(test_reopen),
		T(test_reopen_fails),
		T(test_reopen_in_held_dir),
		T(test_no_extension),
		T(test_rotate_error),
		T(test_stdout),
		T(test_open_errors),
		T(test_planted_at_open),
		T(test_unsafe_directory),
		T(test_prune_planted),
		T(test_rotation_gap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
