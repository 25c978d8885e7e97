/* SPDX-License-Identifier: Apache-2.0 */
/* A clock read in nanoseconds, for the top of shipper/ (the stages below are given times). */
#ifndef PROCSHIP_CLOCK_H
#define PROCSHIP_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline int64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

#endif
