// SPDX-License-Identifier: BSD-2-Clause
/* execloop: a bounded fork + execve + waitpid loop.
 *
 *   execloop [--count N] [--max-seconds S] [--rate PER_SEC] [--arg STR] [--latmark PREFIX]
 *            [--] PROGRAM [ARGS...]
 *
 * Runs PROGRAM N times, one after the other (max rate unless --rate), never longer than
 * --max-seconds. --arg adds a fixed argument (a marker the receiver can match); --latmark adds
 * an argument PREFIX<CLOCK_MONOTONIC ns>, stamped in the child just before execve, for the
 * exec -> datagram latency probe. Prints one line: execs=N failed=F wall_ns=W cpu_ns=C
 * (user+sys of the loop and its children) per_sec=R.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void usage(void)
{
	fprintf(stderr, "usage: execloop [--count N] [--max-seconds S] [--rate R] [--arg STR] "
			"[--latmark PREFIX] [--] PROGRAM [ARGS...]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	unsigned long count = 1000;
	double max_seconds = 120, rate = 0;
	const char *arg = NULL, *latmark = NULL;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		}
		if (argv[i][0] != '-')
			break;
		if (i + 1 >= argc)
			usage();
		if (!strcmp(argv[i], "--count"))
			count = strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--max-seconds"))
			max_seconds = atof(argv[++i]);
		else if (!strcmp(argv[i], "--rate"))
			rate = atof(argv[++i]);
		else if (!strcmp(argv[i], "--arg"))
			arg = argv[++i];
		else if (!strcmp(argv[i], "--latmark"))
			latmark = argv[++i];
		else
			usage();
	}
	if (i >= argc)
		usage();
	int nprog = argc - i;
	char **cargv = calloc((size_t)nprog + 3, sizeof(char *));
	char latbuf[128];
	int k = 0;
	for (int j = 0; j < nprog; j++)
		cargv[k++] = argv[i + j];
	int arg_slot = -1, lat_slot = -1;
	if (arg)
		cargv[arg_slot = k++] = (char *)arg;
	if (latmark)
		lat_slot = k++;
	cargv[k] = NULL;
	(void)arg_slot;

	char *envp[] = {"PATH=/usr/bin:/bin", NULL};
	uint64_t start = now_ns();
	uint64_t deadline = start + (uint64_t)(max_seconds * 1e9);
	unsigned long done = 0, failed = 0;

	for (unsigned long n = 0; n < count; n++) {
		if (rate > 0) {
			uint64_t due = start + (uint64_t)((double)n * 1e9 / rate);
			uint64_t t = now_ns();
			if (due > t) {
				struct timespec ts = {(time_t)((due - t) / 1000000000ull),
					(long)((due - t) % 1000000000ull)};
				nanosleep(&ts, NULL);
			}
		}
		if (now_ns() >= deadline)
			break;
		pid_t pid = fork();
		if (pid < 0) {
			perror("fork");
			failed++;
			break;
		}
		if (pid == 0) {
			if (latmark) {
				snprintf(latbuf, sizeof(latbuf), "%s%llu", latmark,
					(unsigned long long)now_ns());
				cargv[lat_slot] = latbuf;
			}
			execve(cargv[0], cargv, envp);
			_exit(127);
		}
		int st;
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
			done++;
		else
			failed++;
	}
	uint64_t wall = now_ns() - start;
	/* CPU of the loop and of every child (fork, exec, exit, in-kernel tracer hooks included).
	 */
	struct rusage self, kids;
	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &kids);
	double cpu = (double)(self.ru_utime.tv_sec + self.ru_stime.tv_sec + kids.ru_utime.tv_sec +
			      kids.ru_stime.tv_sec) *
			     1e9 +
		     (double)(self.ru_utime.tv_usec + self.ru_stime.tv_usec +
			      kids.ru_utime.tv_usec + kids.ru_stime.tv_usec) *
			     1e3;
	printf("execs=%lu failed=%lu wall_ns=%llu cpu_ns=%.0f per_sec=%.0f\n", done + failed,
		failed, (unsigned long long)wall, cpu,
		(double)(done + failed) * 1e9 / (double)(wall ? wall : 1));
	return failed ? 1 : 0;
}
