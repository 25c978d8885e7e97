/* SPDX-License-Identifier: Apache-2.0 */
/* wake_floor: what one timed sleep and wake-up costs the sleeper on this machine, the floor
 * under each of procship's ring-buffer polls (the cpu case's "floor" row).
 *
 *   wake_floor [--count N] [--timeout-us US]
 *
 * COUNT times, epoll_pwait2 on an epoll set that holds nothing, for TIMEOUT-US each (5000 by
 * default, procship's --ring-buffer-poll-us): each call programs a timer, the task sleeps, the
 * timer fires, the task is woken and runs again. Bounded by COUNT x TIMEOUT-US.
 * Prints: wakes=N cpu_ns=C per_wake_ns=P wall_ns=W (C is this thread's CPU time,
 * CLOCK_THREAD_CPUTIME_ID, which counts what schedstat counts for procship).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	long count = 400, timeout_us = 5000, wakes = 0;
	struct epoll_event ev;
	uint64_t cpu0, wall0;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--count"))
			count = atol(argv[i + 1]);
		else if (!strcmp(argv[i], "--timeout-us"))
			timeout_us = atol(argv[i + 1]);
		else {
			fprintf(stderr, "wake_floor: unknown option %s\n", argv[i]);
			return 2;
		}
	}
	if (argc % 2 == 0 || count < 1 || count > 100000 || timeout_us < 1 ||
		timeout_us > 1000000) {
		fprintf(stderr,
			"usage: wake_floor [--count 1..100000] [--timeout-us 1..1000000]\n");
		return 2;
	}
	int ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0) {
		perror("epoll_create1");
		return 1;
	}
	struct timespec to = {timeout_us / 1000000, timeout_us % 1000000 * 1000};
	cpu0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	wall0 = clock_ns(CLOCK_MONOTONIC);
	while (wakes < count) {
		int n = epoll_pwait2(ep, &ev, 1, &to, NULL);
		if (n < 0 && errno != EINTR) {
			perror("epoll_pwait2");
			return 1;
		}
		wakes++;
	}
	uint64_t cpu = clock_ns(CLOCK_THREAD_CPUTIME_ID) - cpu0;
	printf("wakes=%ld cpu_ns=%llu per_wake_ns=%llu wall_ns=%llu\n", wakes,
		(unsigned long long)cpu, (unsigned long long)(cpu / (uint64_t)wakes),
		(unsigned long long)(clock_ns(CLOCK_MONOTONIC) - wall0));
	close(ep);
	return 0;
}
