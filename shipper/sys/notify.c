/* SPDX-License-Identifier: Apache-2.0 */
/* sd_notify(3) messages, built and sent; see notify.h. */
#include "shipper/sys/notify.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <systemd/sd-daemon.h>

#include "shipper/sys/clock.h"

/* A status is one line: a newline would start another assignment. */
static void one_line(char *dst, size_t size, const char *src)
{
	size_t i;

	for (i = 0; src[i] && i + 1 < size; i++)
		dst[i] = src[i] == '\n' ? ' ' : src[i];
	dst[i] = '\0';
}

bool notify_enabled(void)
{
	const char *env = getenv("NOTIFY_SOCKET");

	return env && env[0];
}

void notify_ready(const char *status)
{
	char line[512];

	one_line(line, sizeof(line), status);
	(void)sd_notifyf(0, "READY=1\nSTATUS=%s", line);
}

void notify_reloading(void)
{
	(void)sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%" PRIu64,
		(uint64_t)clock_ns(CLOCK_MONOTONIC) / 1000);
}

void notify_status(const char *status)
{
	char line[512];

	one_line(line, sizeof(line), status);
	(void)sd_notifyf(0, "STATUS=%s", line);
}

void notify_stopping(void)
{
	(void)sd_notify(0, "STOPPING=1");
}
