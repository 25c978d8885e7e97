/* SPDX-License-Identifier: Apache-2.0 */
/* execloop: a bounded fork + execve + waitpid loop.
 *
 *   execloop [--count N] [--max-seconds S] [--rate PER_SEC] [--arg STR] [--latmark PREFIX]
 *            [--args-bytes B] [--vfork] [--] PROGRAM [ARGS...]
 *
 * Runs PROGRAM N times, one after the other (max rate unless --rate), never longer than
 * --max-seconds. --arg adds a fixed argument (a marker the receiver can match); --latmark adds
 * an argument PREFIX<CLOCK_MONOTONIC ns>, stamped in the child just before execve, for the
 * exec -> datagram latency probe. --args-bytes adds arguments of 1 KiB each ('x's) until argv
 * holds about B bytes more, as a hostile user's long command lines would; --vfork creates the
 * children with vfork, the fastest way to exec. Prints one line: execs=N failed=F wall_ns=W
 * cpu_ns=C (user+sys of the loop and its children) per_sec=R.
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

/* What the command line asks for; argi is the index of PROGRAM in argv. */
struct loop_opts {
	unsigned long count;
	double max_seconds, rate;
	const char *arg, *latmark;
	unsigned long args_bytes;
	int argi, vfork;
};

#define ARG_CHUNK 1024 /* bytes per --args-bytes argument, NUL included */

/* The argv every child execs: PROGRAM [ARGS...] [--arg STR] [a slot for the --latmark stamp]. */
struct loop_argv {
	char **argv;
	int lat_slot;
};

static void parse_args(int argc, char **argv, struct loop_opts *o)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		}
		if (!strcmp(argv[i], "--vfork")) {
			o->vfork = 1;
			continue;
		}
		if (argv[i][0] != '-')
			break;
		if (i + 1 >= argc)
			usage();
		if (!strcmp(argv[i], "--count"))
			o->count = strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--max-seconds"))
			o->max_seconds = atof(argv[++i]);
		else if (!strcmp(argv[i], "--rate"))
			o->rate = atof(argv[++i]);
		else if (!strcmp(argv[i], "--arg"))
			o->arg = argv[++i];
		else if (!strcmp(argv[i], "--latmark"))
			o->latmark = argv[++i];
		else if (!strcmp(argv[i], "--args-bytes"))
			o->args_bytes = strtoul(argv[++i], NULL, 10);
		else
			usage();
	}
	if (i >= argc)
		usage();
	o->argi = i;
}

static struct loop_argv child_argv(int argc, char **argv, const struct loop_opts *o)
{
	int nprog = argc - o->argi;
	size_t nfill = (o->args_bytes + ARG_CHUNK - 1) / ARG_CHUNK;
	struct loop_argv a = {calloc((size_t)nprog + nfill + 3, sizeof(char *)), -1};
	static char fill[ARG_CHUNK];
	int k = 0;

	memset(fill, 'x', sizeof(fill) - 1);
	for (int j = 0; j < nprog; j++)
		a.argv[k++] = argv[o->argi + j];
	for (size_t j = 0; j < nfill; j++)
		a.argv[k++] = fill;
	if (o->arg)
		a.argv[k++] = (char *)o->arg;
	if (o->latmark)
		a.lat_slot = k++;
	a.argv[k] = NULL;
	return a;
}

/* --rate: sleep until exec number n is due. */
static void wait_due(uint64_t start, unsigned long n, double rate)
{
	uint64_t due = start + (uint64_t)((double)n * 1e9 / rate);
	uint64_t t = now_ns();

	if (due > t) {
		struct timespec ts = {
			(time_t)((due - t) / 1000000000ull), (long)((due - t) % 1000000000ull)};
		nanosleep(&ts, NULL);
	}
}

/* One fork + execve + waitpid: 1 if the child exited 0, 0 if not, -1 if fork failed. */
static int run_once(struct loop_argv *a, const char *latmark, int use_vfork)
{
	static char *envp[] = {"PATH=/usr/bin:/bin", NULL};
	static char latbuf[128];
	pid_t pid = use_vfork ? vfork() : fork();

	if (pid < 0) {
		perror("fork");
		return -1;
	}
	if (pid == 0) {
		if (latmark) {
			snprintf(latbuf, sizeof(latbuf), "%s%llu", latmark,
				(unsigned long long)now_ns());
			a->argv[a->lat_slot] = latbuf;
		}
		execve(a->argv[0], a->argv, envp);
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/* CPU of the loop and of every child (fork, exec, exit, in-kernel tracer hooks included). */
static double loop_cpu_ns(void)
{
	struct rusage self, kids;

	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &kids);
	return (double)(self.ru_utime.tv_sec + self.ru_stime.tv_sec + kids.ru_utime.tv_sec +
			kids.ru_stime.tv_sec) *
		       1e9 +
	       (double)(self.ru_utime.tv_usec + self.ru_stime.tv_usec + kids.ru_utime.tv_usec +
			kids.ru_stime.tv_usec) *
		       1e3;
}

int main(int argc, char **argv)
{
	struct loop_opts o = {.count = 1000, .max_seconds = 120};

	parse_args(argc, argv, &o);
	struct loop_argv a = child_argv(argc, argv, &o);
	uint64_t start = now_ns();
	uint64_t deadline = start + (uint64_t)(o.max_seconds * 1e9);
	unsigned long done = 0, failed = 0;

	for (unsigned long n = 0; n < o.count; n++) {
		if (o.rate > 0)
			wait_due(start, n, o.rate);
		if (now_ns() >= deadline)
			break;
		int r = run_once(&a, o.latmark, o.vfork);
		if (r < 0) {
			failed++;
			break;
		}
		if (r)
			done++;
		else
			failed++;
	}
	uint64_t wall = now_ns() - start;
	double cpu = loop_cpu_ns();
	printf("execs=%lu failed=%lu wall_ns=%llu cpu_ns=%.0f per_sec=%.0f\n", done + failed,
		failed, (unsigned long long)wall, cpu,
		(double)(done + failed) * 1e9 / (double)(wall ? wall : 1));
	return failed ? 1 : 0;
}
