/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the Prometheus textfile: exact text, atomic replace, error paths. */
#include <dirent.h>
#include <errno.h>
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

#include "shipper/out/metrics.h"
#include "mock_log.h"

static const struct metrics_dest dests[] = {
	{"10.0.0.1:514", 100, 2, 3},
	{"[fe80::1]:514", 5, 0, 0},
	{"we\"ird\\host\n:1", 1, 1, 1},
};

static const struct metrics_counters known = {
	.version = "0.1.0",
	.commit = "abc\"def",
	.exported = 1234,
	.exported_bytes = 18446744073709551615ULL,
	.ratelimit_dropped = 7,
	.drops = {1, 2, 3, 4, 5, 6, 8, 9, 17},
	.ringbuf_lost = {10, 20, 30},
	.truncated_shortened = 11,
	.truncated_cut = 12,
	.failovers = 13,
	.reconnects = 14,
	.file_rotations = 15,
	.file_rotation_errors = 18,
	.filter_match_limit = 19,
	.pcache_size = 16,
	.dests = dests,
	.ndests = 3,
};

static const char known_text[] =
	"# HELP procship_build_info Version and commit of the running procship.\n"
	"# TYPE procship_build_info gauge\n"
	"procship_build_info{version=\"0.1.0\",commit=\"abc\\\"def\"} 1\n"
	"# HELP procship_events_exported_total Events exported.\n"
	"# TYPE procship_events_exported_total counter\n"
	"procship_events_exported_total 1234\n"
	"# HELP procship_events_exported_bytes_total Bytes of events exported.\n"
	"# TYPE procship_events_exported_bytes_total counter\n"
	"procship_events_exported_bytes_total 18446744073709551615\n"
	"# HELP procship_export_ratelimit_events_dropped_total Events dropped by "
	"--export-rate-limit.\n"
	"# TYPE procship_export_ratelimit_events_dropped_total counter\n"
	"procship_export_ratelimit_events_dropped_total 7\n"
	"# HELP procship_events_dropped_total Events not exported, by reason; the sum is every "
	"event lost.\n"
	"# TYPE procship_events_dropped_total counter\n"
	"procship_events_dropped_total{reason=\"ratelimit\"} 7\n"
	"procship_events_dropped_total{reason=\"ringbuf_full\"} 30\n"
	"procship_events_dropped_total{reason=\"send_error\"} 1\n"
	"procship_events_dropped_total{reason=\"no_destination\"} 2\n"
	"procship_events_dropped_total{reason=\"oversize\"} 3\n"
	"procship_events_dropped_total{reason=\"encode_error\"} 4\n"
	"procship_events_dropped_total{reason=\"filtered\"} 5\n"
	"procship_events_dropped_total{reason=\"export_file\"} 6\n"
	"procship_events_dropped_total{reason=\"malformed\"} 8\n"
	"procship_events_dropped_total{reason=\"refused\"} 9\n"
	"procship_events_dropped_total{reason=\"text_refused\"} 17\n"
	"# HELP procship_ringbuf_lost_total Ring-buffer records lost in the kernel (reserve "
	"failed), by type.\n"
	"# TYPE procship_ringbuf_lost_total counter\n"
	"procship_ringbuf_lost_total{type=\"exec\"} 10\n"
	"procship_ringbuf_lost_total{type=\"exit\"} 20\n"
	"procship_ringbuf_lost_total{type=\"fork\"} 30\n"
	"# HELP procship_events_truncated_total Events truncated to fit a datagram: strings "
	"shortened (JSON kept whole) or cut.\n"
	"# TYPE procship_events_truncated_total counter\n"
	"procship_events_truncated_total{how=\"shortened\"} 11\n"
	"procship_events_truncated_total{how=\"cut\"} 12\n"
	"# HELP procship_udp_datagrams_sent_total Datagrams handed to the kernel, by destination.\n"
	"# TYPE procship_udp_datagrams_sent_total counter\n"
	"procship_udp_datagrams_sent_total{destination=\"10.0.0.1:514\"} 100\n"
	"procship_udp_datagrams_sent_total{destination=\"[fe80::1]:514\"} 5\n"
	"procship_udp_datagrams_sent_total{destination=\"we\\\"ird\\\\host\\n:1\"} 1\n"
	"# HELP procship_udp_send_errors_total Failed sends (transient errors), by destination.\n"
	"# TYPE procship_udp_send_errors_total counter\n"
	"procship_udp_send_errors_total{destination=\"10.0.0.1:514\"} 2\n"
	"procship_udp_send_errors_total{destination=\"[fe80::1]:514\"} 0\n"
	"procship_udp_send_errors_total{destination=\"we\\\"ird\\\\host\\n:1\"} 1\n"
	"# HELP procship_udp_datagrams_dropped_total Datagrams not sent, by destination.\n"
	"# TYPE procship_udp_datagrams_dropped_total counter\n"
	"procship_udp_datagrams_dropped_total{destination=\"10.0.0.1:514\"} 3\n"
	"procship_udp_datagrams_dropped_total{destination=\"[fe80::1]:514\"} 0\n"
	"procship_udp_datagrams_dropped_total{destination=\"we\\\"ird\\\\host\\n:1\"} 1\n"
	"# HELP procship_udp_failovers_total Moves to the next UDP destination.\n"
	"# TYPE procship_udp_failovers_total counter\n"
	"procship_udp_failovers_total 13\n"
	"# HELP procship_udp_reconnects_total UDP sockets connected again.\n"
	"# TYPE procship_udp_reconnects_total counter\n"
	"procship_udp_reconnects_total 14\n"
	"# HELP procship_export_file_rotations_total Export file rotations.\n"
	"# TYPE procship_export_file_rotations_total counter\n"
	"procship_export_file_rotations_total 15\n"
	"# HELP procship_export_file_rotation_errors_total Export file rotations, compressions or "
	"prunings that failed.\n"
	"# TYPE procship_export_file_rotation_errors_total counter\n"
	"procship_export_file_rotation_errors_total 18\n"
	"# HELP procship_filter_match_limit_total Regex matches that hit the match limit (each "
	"decided for export).\n"
	"# TYPE procship_filter_match_limit_total counter\n"
	"procship_filter_match_limit_total 19\n"
	"# HELP procship_process_cache_size Processes in the process cache.\n"
	"# TYPE procship_process_cache_size gauge\n"
	"procship_process_cache_size 16\n";

static char tmpdir[64];

static int setup(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/test_metrics.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd);
}

static char *slurp(const char *path)
{
	static char buf[16384];
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(metrics_drop_name(METRICS_DROP_FILTERED), "filtered");
	assert_string_equal(metrics_drop_name(METRICS_DROP_COUNT), "unknown");
	assert_string_equal(metrics_ringbuf_name(METRICS_RB_FORK), "fork");
	assert_string_equal(metrics_ringbuf_name(METRICS_RB_COUNT), "unknown");
}

static void test_exact_text(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	(void)state;
	assert_non_null(f);
	assert_int_equal(metrics_format(f, &known), 0);
	fclose(f);
	assert_string_equal(text, known_text);
	free(text);
}

static void test_empty_struct(void **state)
{
	static const struct metrics_counters zero;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	(void)state;
	assert_non_null(f);
	assert_int_equal(metrics_format(f, &zero), 0);
	fclose(f);
	/* NULL strings are empty labels; no destinations: headers only; zeros are present. */
	assert_non_null(strstr(text, "procship_build_info{version=\"\",commit=\"\"} 1\n"));
	assert_non_null(strstr(text, "# TYPE procship_udp_send_errors_total counter\n# HELP"));
	assert_non_null(strstr(text, "procship_events_dropped_total{reason=\"malformed\"} 0\n"));
	free(text);
}

static void test_write_file_atomic(void **state)
{
	char path[128], err[256] = "";
	struct metrics_counters c = known;
	struct stat st;

	(void)state;
	snprintf(path, sizeof(path), "%s/procship.prom", tmpdir);
	assert_int_equal(metrics_write_file(path, &c, true, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_string_equal(slurp(path), known_text);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	/* Rewrite: a new inode renamed over the old one, never the old file truncated and
	 * rewritten in place (a reader holding it open keeps the whole old text). */
	{
		FILE *reader = fopen(path, "r");
		char first[128];

		assert_non_null(reader);
		c.exported = 99999;
		assert_int_equal(metrics_write_file(path, &c, false, err, sizeof(err)), 0);
		assert_non_null(strstr(slurp(path), "procship_events_exported_total 99999\n"));
		assert_non_null(fgets(first, sizeof(first), reader));
		assert_string_equal(first,
			"# HELP procship_build_info Version and commit of the running procship.\n");
		fclose(reader);
	}
	/* No temporary file left behind. */
	assert_int_equal(count_entries(tmpdir), 1);
	assert_int_equal(mock_log_warnings, 0);
}

static void test_errors(void **state)
{
	char path[160], err[256] = "";
	char *before;
	FILE *f;

	(void)state;
	/* Missing directory. */
	snprintf(path, sizeof(path), "%s/nodir/procship.prom", tmpdir);
	assert_int_equal(metrics_write_file(path, &known, false, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "metrics: directory of "));
	assert_non_null(strstr(err, "/nodir/procship.prom: No such file or directory"));

	/* A file where a directory should be. */
	snprintf(path, sizeof(path), "%s/file", tmpdir);
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/file/procship.prom", tmpdir);
	assert_int_equal(metrics_write_file(path, &known, false, err, sizeof(err)), -ENOTDIR);
	assert_non_null(strstr(err, ": Not a directory"));

	/* Rename onto a directory fails: the temporary file is removed. */
	snprintf(path, sizeof(path), "%s/adir", tmpdir);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(metrics_write_file(path, &known, false, err, sizeof(err)), -EISDIR);
	assert_string_equal(strstr(err, "metrics: rename "), err);
	assert_int_equal(count_entries(tmpdir), 2); /* file, adir */

	/* A write error (the disk full, here a file size limit): the old file stays whole. */
	{
		struct rlimit old, small = {.rlim_cur = 1024};
		void (*oldsig)(int) = signal(SIGXFSZ, SIG_IGN);

		snprintf(path, sizeof(path), "%s/ok.prom", tmpdir);
		assert_int_equal(metrics_write_file(path, &known, false, err, sizeof(err)), 0);
		before = strdup(slurp(path));
		assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
		small.rlim_max = old.rlim_max;
		assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
		assert_int_equal(metrics_write_file(path, &known, true, err, sizeof(err)), -EFBIG);
		assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
		signal(SIGXFSZ, oldsig);
		assert_non_null(strstr(err, "metrics: write "));
		assert_non_null(strstr(err, ": File too large"));
		assert_string_equal(slurp(path), before);
		free(before);
		assert_int_equal(count_entries(tmpdir), 3); /* file, adir, ok.prom */
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_exact_text),
		cmocka_unit_test(test_empty_struct),
		cmocka_unit_test_setup_teardown(test_write_file_atomic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
