/* SPDX-License-Identifier: Apache-2.0 */
/* Signal names as Tetragon v1.7.0 writes them in process_exit: Go's unix.SignalName, whose
 * Linux table holds one name for each of 1..31 and none for real-time signals. Part of the
 * event_json module. */
#ifndef PROCSHIP_SIGNALS_H
#define PROCSHIP_SIGNALS_H

/* "SIGIO" for 29 (not glibc's "SIGPOLL"), "SIGABRT" for 6; NULL for 0, for real-time signals
 * (32 and up) and anything else outside the table: the event then has no "signal" key. */
const char *signals_name(int sig);

#endif
