/* SPDX-License-Identifier: Apache-2.0 */
/* The daemon's log lines: stderr or syslog(3), with a level filter; see log.h. */
#include "shipper/sys/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "lib/fmt.h"

static const char *log_ident = "procship";
static enum log_level log_level = LOG_LEVEL_INFO;
static bool log_syslog;
static int log_journal = -1; /* unknown until the first line or log_init */

/* systemd sets JOURNAL_STREAM=DEV:INODE when it connects stderr to the journal; stderr is that
 * stream only while its device and inode match (a redirection in between would not). */
static bool stderr_is_journal(void)
{
	const char *env = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char tail;

	if (!env || sscanf(env, "%llu:%llu%c", &dev, &ino, &tail) != 2)
		return false;
	if (fstat(STDERR_FILENO, &st) == -1)
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void log_to_syslog(bool on)
{
	if (on && !log_syslog)
		openlog(log_ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	else if (!on && log_syslog)
		closelog();
	log_syslog = on;
}

void log_init(const char *ident, enum log_level level)
{
	if (ident)
		log_ident = ident;
	log_level = level;
	log_journal = stderr_is_journal();
}

const char *log_prefix(enum log_level level)
{
	static const char *const prefix[] = {SD_ERR, SD_WARNING, SD_INFO, SD_DEBUG};

	if (log_journal < 0)
		log_journal = stderr_is_journal();
	return log_journal && (unsigned int)level <= LOG_LEVEL_DEBUG ? prefix[level] : "";
}

void log_set_level(enum log_level level)
{
	log_level = level;
}

enum log_level log_get_level(void)
{
	return log_level;
}

static void log_vline(
	enum log_level level, const char *tag, int errnum, const char *fmt, va_list ap)
{
	char msg[1024];
	struct timespec ts;
	char when[32] = "";
	size_t n;

	if (level > log_level)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_syslog) {
		static const int prio[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};

		if (errnum)
			syslog(prio[level], "%s: %s: %s", tag, msg, strerror(errnum));
		else
			syslog(prio[level], "%s: %s", tag, msg);
		return;
	}
	if (log_prefix(level)[0]) {
		/* sd-daemon(3) prefixes: the journal takes the priority from them and keeps its
		 * own timestamp. */
		if (errnum)
			fprintf(stderr, "%s%s: %s: %s\n", log_prefix(level), tag, msg,
				strerror(errnum));
		else
			fprintf(stderr, "%s%s: %s\n", log_prefix(level), tag, msg);
		return;
	}
	/* A timestamp makes a log file readable on its own; UTC avoids TZ surprises. */
	if (clock_gettime(CLOCK_REALTIME, &ts) == 0 &&
		(n = fmt_rfc3339(when, sizeof(when) - 1, &ts, 0)) > 0) {
		when[n] = ' ';
		when[n + 1] = '\0';
	}
	if (errnum)
		fprintf(stderr, "%s%s: %s: %s: %s\n", when, log_ident, tag, msg, strerror(errnum));
	else
		fprintf(stderr, "%s%s: %s: %s\n", when, log_ident, tag, msg);
}

void log_warn(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	log_vline(LOG_LEVEL_WARN, "warning", saved, fmt, ap);
	va_end(ap);
	errno = saved;
}

void log_warnx(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	log_vline(LOG_LEVEL_WARN, "warning", 0, fmt, ap);
	va_end(ap);
	errno = saved;
}

void log_info(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	log_vline(LOG_LEVEL_INFO, "info", 0, fmt, ap);
	va_end(ap);
	errno = saved;
}

void log_debug(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	log_vline(LOG_LEVEL_DEBUG, "debug", 0, fmt, ap);
	va_end(ap);
	errno = saved;
}

void fatal(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	log_vline(LOG_LEVEL_ERROR, "fatal", saved, fmt, ap);
	va_end(ap);
	exit(1);
}

void fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vline(LOG_LEVEL_ERROR, "fatal", 0, fmt, ap);
	va_end(ap);
	exit(1);
}

void fatalx_status(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vline(LOG_LEVEL_ERROR, "fatal", 0, fmt, ap);
	va_end(ap);
	exit(status);
}
