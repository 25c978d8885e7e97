/* SPDX-License-Identifier: Apache-2.0 */
/* Logging for the daemon: stderr, one line per message, "procship: LEVEL: text"; when stderr
 * is the journal (JOURNAL_STREAM, checked by log_init), "<N>LEVEL: text" with the sd-daemon(3)
 * priority prefix and no timestamp.
 * log_warn appends strerror(errno) and leaves errno as it was; fatal* exit with status 1. */
#ifndef PROCSHIP_LOG_H
#define PROCSHIP_LOG_H

#include <stdarg.h>
#include <stdbool.h>

enum log_level { LOG_LEVEL_ERROR, LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };

void log_init(const char *ident, enum log_level level);
/* Send messages to syslog(3) (facility daemon) instead of stderr. */
void log_to_syslog(bool on);
void log_set_level(enum log_level level);
/* The sd-daemon(3) priority prefix ("<4>") when stderr is the journal, else "": for a line
 * written to stderr without these functions. */
const char *log_prefix(enum log_level level);
enum log_level log_get_level(void);

void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* fatalx with another exit status. */
void fatalx_status(int status, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

#endif
