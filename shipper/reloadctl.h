/* SPDX-License-Identifier: Apache-2.0 */
/* `procship reload PID`: a reload whose outcome its caller learns (systemctl reload runs it as
 * ExecReload=). It sends SIGHUP with sigqueue(3) and a value that asks for an answer; the daemon
 * answers the sender with SIGUSR1 (reloaded) or SIGUSR2 (refused, running configuration kept).
 * A plain SIGHUP (kill -HUP) gets no answer, as before. */
#ifndef PROCSHIP_RELOADCTL_H
#define PROCSHIP_RELOADCTL_H

#include <sys/signalfd.h>

/* The subcommand; argv[0] is "reload". Exit status 0 reloaded, 1 refused or no answer, 2 usage. */
int reloadctl_main(int argc, char **argv);
/* The daemon's side, after a SIGHUP read from its signalfd was handled: result is what
 * setup_reload returned (0 or -1). Does nothing unless the sender asked for an answer. */
void reloadctl_answer(const struct signalfd_siginfo *si, int result);

#endif
