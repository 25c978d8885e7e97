/* SPDX-License-Identifier: Apache-2.0 */
/* The log module for unit tests: messages go to stderr and are counted, so a test can assert
 * that a module warned (or stayed quiet). fatal* abort, which cmocka reports as a failure. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "shipper/sys/log.h"
#include "mock_log.h"

int mock_log_warnings;
int mock_log_infos;

void log_init(const char *ident, enum log_level level)
{
	(void)ident;
	(void)level;
}

void log_to_syslog(bool on)
{
	(void)on;
}

void log_set_level(enum log_level level)
{
	(void)level;
}

enum log_level log_get_level(void)
{
	return LOG_LEVEL_DEBUG;
}

static void mock_vlog(const char *tag, const char *fmt, va_list ap)
{
	fprintf(stderr, "mock-log %s: ", tag);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void log_warn(const char *fmt, ...)
{
	va_list ap;

	mock_log_warnings++;
	va_start(ap, fmt);
	mock_vlog("warn", fmt, ap);
	va_end(ap);
}

void log_warnx(const char *fmt, ...)
{
	va_list ap;

	mock_log_warnings++;
	va_start(ap, fmt);
	mock_vlog("warnx", fmt, ap);
	va_end(ap);
}

void log_info(const char *fmt, ...)
{
	va_list ap;

	mock_log_infos++;
	va_start(ap, fmt);
	mock_vlog("info", fmt, ap);
	va_end(ap);
}

void log_debug(const char *fmt, ...)
{
	(void)fmt;
}

void fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mock_vlog("fatal", fmt, ap);
	va_end(ap);
	abort();
}

void fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mock_vlog("fatalx", fmt, ap);
	va_end(ap);
	abort();
}
