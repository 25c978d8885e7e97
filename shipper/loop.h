/* SPDX-License-Identifier: Apache-2.0 */
/* The one event loop: epoll over the ring buffer, the text inputs, a signalfd and a 1 s
 * timerfd. Every turn drains the ring buffer first, gives each other source a bounded share,
 * then sends what the turn produced in one batch. */
#ifndef PROCSHIP_LOOP_H
#define PROCSHIP_LOOP_H

#include "shipper/daemon.h"

/* Add fd to d's epoll set (level-triggered input); fatal on failure. */
void loop_watch(struct daemon *d, int fd, const char *what);
/* The same for a text socket: left out of the set a coalescing wait watches. */
void loop_watch_text(struct daemon *d, int fd, const char *what);
/* Run until a terminating signal or the end of standard input. */
void loop_run(struct daemon *d);

#endif
