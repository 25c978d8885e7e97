/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the sliced gzip of a rotated export file, alone and through export_file: a
 * backup is compressed a slice at a time, never in one call, and is complete when it is done. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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
#include <zlib.h>

#include "shipper/out/export_file.h"
#include "shipper/out/export_gz.h"
#include "mock_log.h"

#define BIG (1u << 20)

static char tmpdir[64];
static int dirfd_;
static char data[BIG];

static int setup(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/test_export_gz.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	dirfd_ = open(tmpdir, O_RDONLY | O_DIRECTORY);
	return dirfd_ < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	close(dirfd_);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd);
}

static bool present(const char *name)
{
	struct stat st;

	return fstatat(dirfd_, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* A 1 MiB file of text no two slices of which are alike; its status in *st. */
static void make_src(const char *name, struct stat *st)
{
	size_t i;
	int fd;

	for (i = 0; i < BIG; i++)
		data[i] = (char)('a' + (i * 7 + i / 4096) % 26);
	fd = openat(dirfd_, name, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, BIG), BIG);
	assert_int_equal(fstat(fd, st), 0);
	close(fd);
}

static void check_gz(const char *name)
{
	static char back[BIG + 1];
	char full[192];
	gzFile gz;

	snprintf(full, sizeof(full), "%s/%s", tmpdir, name);
	gz = gzopen(full, "rb");
	assert_non_null(gz);
	assert_int_equal(gzread(gz, back, sizeof(back)), BIG);
	gzclose(gz);
	assert_memory_equal(back, data, BIG);
}

static struct fsafe_owner me(void)
{
	return (struct fsafe_owner){geteuid(), getegid()};
}

/* One buffer per step with no budget: 16 steps read 1 MiB, the 17th finds the end. Until
 * then the source is there and the .gz is not complete. */
static void test_slices(void **state)
{
	struct fsafe_owner own = me();
	struct export_gz *gz;
	struct stat st;
	int steps = 0, ret;

	(void)state;
	make_src("b.json", &st);
	gz = export_gz_start(dirfd_, "b.json", &st, &own);
	assert_non_null(gz);
	assert_string_equal(export_gz_name(gz), "b.json");
	while ((ret = export_gz_step(gz, 0)) == 1) {
		steps++;
		assert_true(present("b.json"));
		assert_true(steps < 100);
	}
	assert_int_equal(ret, 0);
	assert_int_equal(steps, 16);
	assert_false(present("b.json"));
	assert_string_equal(export_gz_name(gz), "b.json.gz");
	check_gz("b.json.gz");
	export_gz_free(gz);
}

/* A budget is honoured in whole buffers: 256 KiB a step makes 4 steps and the end. */
static void test_budget(void **state)
{
	struct fsafe_owner own = me();
	struct export_gz *gz;
	struct stat st;
	int steps = 0;

	(void)state;
	make_src("b.json", &st);
	gz = export_gz_start(dirfd_, "b.json", &st, &own);
	assert_non_null(gz);
	while (export_gz_step(gz, EXPORT_GZ_SLICE) == 1)
		steps++;
	assert_int_equal(steps, 4);
	check_gz("b.json.gz");
	export_gz_free(gz);
}

/* Freed half way (procship stopping): the partial .gz goes, the source stays whole. */
static void test_free_midway(void **state)
{
	struct fsafe_owner own = me();
	struct export_gz *gz;
	struct stat st, now;

	(void)state;
	make_src("b.json", &st);
	gz = export_gz_start(dirfd_, "b.json", &st, &own);
	assert_non_null(gz);
	assert_int_equal(export_gz_step(gz, 0), 1);
	assert_true(present("b.json.gz"));
	export_gz_free(gz);
	assert_false(present("b.json.gz"));
	assert_int_equal(fstatat(dirfd_, "b.json", &now, 0), 0);
	assert_int_equal(now.st_size, BIG);
}

/* The name no longer holds the file rotation made: nothing is created or removed. */
static void test_replaced(void **state)
{
	struct fsafe_owner own = me();
	struct stat st, other;

	(void)state;
	make_src("b.json", &st);
	make_src("c.json", &other);
	errno = 0;
	assert_null(export_gz_start(dirfd_, "b.json", &other, &own));
	assert_int_equal(errno, ESTALE);
	assert_false(present("b.json.gz"));
	assert_true(present("b.json"));
	/* A .gz planted first: the exclusive create fails, the source is kept. */
	assert_int_equal(mkdirat(dirfd_, "c.json.gz", 0700), 0);
	assert_null(export_gz_start(dirfd_, "c.json", &other, &own));
	assert_int_equal(errno, EEXIST);
	assert_true(present("c.json"));
}

static int count_backups(bool *plain, bool *gz)
{
	DIR *d = opendir(tmpdir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	*plain = *gz = false;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);

		if (strncmp(e->d_name, "events-", 7))
			continue;
		n++;
		if (len > 3 && !strcmp(e->d_name + len - 3, ".gz"))
			*gz = true;
		else
			*plain = true;
	}
	closedir(d);
	return n;
}

/* Through export_file: the write that rotates a 2 MiB file does not compress it; idle flushes
 * do, 256 KiB each, and the backup is then one complete .gz. */
static void test_rotation_in_slices(void **state)
{
	char path[128], err[256] = "", line[100];
	struct export_config cfg = {.max_size = 2u << 20, .max_backups = 2, .compress = true};
	struct export_file *ef;
	bool plain, gz;
	unsigned int i, lines = (2u << 20) / 100;
	int flushes = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/events.json", tmpdir);
	cfg.path = path;
	ef = export_open(&cfg, err, sizeof(err));
	assert_non_null(ef);
	for (i = 0; i <= lines; i++) {
		snprintf(line, sizeof(line), "{\"n\":%08u,\"pad\":\"%076d\"}", i, 0);
		assert_int_equal(export_write(ef, line, 99), 0);
	}
	assert_true(export_get_stats(ef)->rotations == 1);
	assert_int_equal(count_backups(&plain, &gz), 2); /* the backup and its partial .gz */
	assert_true(plain);
	export_flush(ef);
	flushes++;
	assert_int_equal(count_backups(&plain, &gz), 2);
	assert_true(plain);
	while (count_backups(&plain, &gz) != 1 || plain) {
		export_flush(ef);
		assert_true(++flushes < 20);
	}
	assert_true(gz);
	assert_true(flushes >= 8);
	assert_true(export_get_stats(ef)->compress_errors == 0);
	export_free(ef);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_slices),
		T(test_budget),
		T(test_free_midway),
		T(test_replaced),
		T(test_rotation_in_slices),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
