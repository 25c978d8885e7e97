/* SPDX-License-Identifier: Apache-2.0 */
/* Least privilege: once the BPF programs are loaded and attached, the ring buffer fd, the
 * sockets and the /proc scan are done, procship needs no capability at all. */
#ifndef PROCSHIP_PRIVS_H
#define PROCSHIP_PRIVS_H

#include <stddef.h>

/* Capabilities privs_drop_keep may keep, as a bit mask. CAP_NET_BIND_SERVICE: the UDP output
 * binds a new socket to --udp-local-port on every reconnect, and ports below 1024 need it. */
#define PRIVS_KEEP_NET_BIND_SERVICE 0x1u

/* Give up every privilege for good, in this order:
 *  1. user (when not NULL): look it up; unknown is an error before anything changes;
 *  2. set no_new_privs: no execve can gain a capability or a set-user-ID again;
 *  3. when CAP_SETPCAP is effective: empty the capability bounding set and lock the securebits
 *     NOROOT and NO_CAP_AMBIENT_RAISE; without CAP_SETPCAP (a systemd unit that bounds the
 *     set) the bounding set is left as it is: no_new_privs already makes it unusable;
 *  4. user: initgroups, setresgid and setresuid to the user's ids (skipped when they are
 *     already ours), then check that uid 0 cannot be regained;
 *  5. clear the effective, permitted, inheritable and ambient sets, but for what keep names
 *     (in the effective and permitted sets only).
 * The caller must still be single-threaded: capability sets belong to a thread.
 * Returns 0, or -errno with "privs: what failed: why" in err; after a failure past step 1
 * the process is half-way and should exit. */
int privs_drop_keep(const char *user, unsigned int keep, char *err, size_t errlen);

/* privs_drop_keep(user, 0, ...): keep nothing. */
int privs_drop(const char *user, char *err, size_t errlen);

/* Set the calling thread's nice value (threads made after it inherit it, so call it while
 * single-threaded) before privileges go: lowering it needs CAP_SYS_NICE. Returns 0, or
 * -errno with "nice N: why: keeping nice M[, what that costs]" in err. */
int privs_nice(int nice, char *err, size_t errlen);

/* priority 1..99: run the calling thread under SCHED_FIFO at that priority, so that its
 * wake-ups preempt every ordinary task at once; threads and children made after it start
 * under SCHED_OTHER again (SCHED_RESET_ON_FORK), so only this loop holds the class. Already
 * there (a systemd unit's CPUSchedulingPolicy=fifo): nothing to do. 0: leave the policy as
 * it is. Needs CAP_SYS_NICE or an RLIMIT_RTPRIO of at least priority. Returns 0, or -errno
 * with "why (what it needs)" in err. */
int privs_realtime(int priority, char *err, size_t errlen);

#endif
