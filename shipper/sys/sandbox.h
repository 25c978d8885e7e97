/* SPDX-License-Identifier: Apache-2.0 */
/* The system-call allowlist (seccomp, by libseccomp) installed once start-up is over, and the
 * closing of file descriptors inherited at start.
 *
 * After start-up procship only reads the ring buffer and its inputs, writes datagrams and
 * files, and re-reads its configuration on SIGHUP: the allowlist in sandbox.c is that, one
 * row per system call, for every thread (the resolver's too). Loading BPF, execve, ptrace,
 * mount, a new socket of an unexpected family, fork: none of them is in it.
 *
 * What a call outside the list gets is the mode:
 *  kill  (default) one line on standard error naming the call ("procship: fatal: seccomp:
 *        system call 59 (execve) is not in the allowlist"), then death by SIGSYS, which the
 *        kernel's audit log and systemd record: a call outside the list is a bug or an
 *        exploit, and a process that has been subverted must not go on probing;
 *  errno the call fails with EPERM and procship goes on (the caller counts or logs it);
 *  log   the call is allowed and the kernel logs it (finding what a new path needs);
 *  off   no filter. */
#ifndef PROCSHIP_SANDBOX_H
#define PROCSHIP_SANDBOX_H

#include <stddef.h>

enum sandbox_mode { SANDBOX_KILL, SANDBOX_ERRNO, SANDBOX_LOG, SANDBOX_OFF };

/* "kill", "errno", "log", "off" -> the mode; -1 when unknown. */
int sandbox_mode_from_name(const char *name);
const char *sandbox_mode_name(enum sandbox_mode mode);

/* Install the filter on every thread of the process (SECCOMP_FILTER_FLAG_TSYNC); needs
 * no_new_privs (privs_drop sets it). Returns 0, or -errno with "seccomp: what failed: why" in
 * err. SANDBOX_OFF installs nothing. */
int sandbox_install(enum sandbox_mode mode, char *err, size_t errlen);

/* Close every descriptor above standard error that the process inherited, but those systemd
 * passed for socket activation (LISTEN_PID is ours: LISTEN_FDS from 3). Call first thing at
 * start. Returns how many it closed, or -errno. */
int sandbox_close_inherited(void);

#endif
