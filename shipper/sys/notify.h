/* SPDX-License-Identifier: Apache-2.0 */
/* The service manager's side channel (sd_notify(3) through libsystemd): readiness, reloads
 * and a one-line status. Each call does nothing when NOTIFY_SOCKET is not set, and a failure
 * to reach the manager is not an error of procship's: the calls return nothing. */
#ifndef PROCSHIP_NOTIFY_H
#define PROCSHIP_NOTIFY_H

#include <stdbool.h>

/* NOTIFY_SOCKET is set: there is someone to tell. */
bool notify_enabled(void);
/* READY=1 with a STATUS= line: start-up (or a reload) is over. */
void notify_ready(const char *status);
/* RELOADING=1 with MONOTONIC_USEC=, as systemd's notify-reload protocol wants it. */
void notify_reloading(void);
/* STATUS=TEXT alone. */
void notify_status(const char *status);
/* STOPPING=1. */
void notify_stopping(void);

#endif
