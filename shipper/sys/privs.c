/* SPDX-License-Identifier: Apache-2.0 */
/* Dropping privileges after start-up, with libcap. The order matters: the bounding set and
 * the securebits need CAP_SETPCAP, the user switch needs CAP_SETUID and CAP_SETGID, so the
 * sets are cleared last. */
#include "shipper/sys/privs.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <unistd.h>

#include <linux/securebits.h>

static int privs_fail(char *err, size_t errlen, int e, const char *what)
{
	snprintf(err, errlen, "privs: %s: %s", what, strerror(e));
	return -e;
}

static bool effective(cap_value_t cap)
{
	cap_flag_value_t v = CAP_CLEAR;
	cap_t caps = cap_get_proc();

	if (!caps)
		return false;
	if (cap_get_flag(caps, cap, CAP_EFFECTIVE, &v) == -1)
		v = CAP_CLEAR;
	cap_free(caps);
	return v == CAP_SET;
}

/* Step 3: needs CAP_SETPCAP, which the caller has checked. */
static int drop_bounding_set(char *err, size_t errlen)
{
	const unsigned int bits = SECBIT_NOROOT | SECBIT_NOROOT_LOCKED |
				  SECBIT_NO_CAP_AMBIENT_RAISE | SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED;
	cap_value_t cap, max = cap_max_bits();
	char what[64];

	for (cap = 0; cap < max; cap++) {
		if (cap_get_bound(cap) != 1)
			continue; /* unknown to this kernel, or gone already */
		if (cap_drop_bound(cap) == -1) {
			int e = errno;
			char *name = cap_to_name(cap);

			snprintf(what, sizeof(what), "drop %s from the bounding set",
				name ? name : "?");
			cap_free(name);
			return privs_fail(err, errlen, e, what);
		}
	}
	if ((cap_get_secbits() & bits) != bits && cap_set_secbits(cap_get_secbits() | bits) == -1)
		return privs_fail(err, errlen, errno, "securebits");
	return 0;
}

/* Step 4. */
static int switch_user(const struct passwd *pw, bool keep, char *err, size_t errlen)
{
	uid_t ruid, euid, suid;
	gid_t rgid, egid, sgid;

	if (getresuid(&ruid, &euid, &suid) == -1 || getresgid(&rgid, &egid, &sgid) == -1)
		return privs_fail(err, errlen, errno, "getresuid");
	if (ruid == pw->pw_uid && euid == pw->pw_uid && suid == pw->pw_uid && rgid == pw->pw_gid &&
		egid == pw->pw_gid && sgid == pw->pw_gid)
		return 0; /* started as that user already (systemd User=) */
	if (initgroups(pw->pw_name, pw->pw_gid) == -1)
		return privs_fail(err, errlen, errno, "initgroups");
	if (setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) == -1)
		return privs_fail(err, errlen, errno, "setresgid");
	/* a kept capability survives the uid change only in the permitted set */
	if (keep && prctl(PR_SET_KEEPCAPS, 1L, 0L, 0L, 0L) == -1)
		return privs_fail(err, errlen, errno, "keepcaps");
	if (setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) == -1)
		return privs_fail(err, errlen, errno, "setresuid");
	if (keep && prctl(PR_SET_KEEPCAPS, 0L, 0L, 0L, 0L) == -1)
		return privs_fail(err, errlen, errno, "keepcaps");
	if (pw->pw_uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
		snprintf(err, errlen, "privs: uid 0 could be regained after switching to %s",
			pw->pw_name);
		return -EPERM;
	}
	return 0;
}

/* Step 5. */
static int clear_sets(unsigned int keep, char *err, size_t errlen)
{
	static const cap_value_t net_bind[] = {CAP_NET_BIND_SERVICE};
	cap_t caps = cap_init(); /* all clear */
	int rc = 0;

	if (!caps)
		return privs_fail(err, errlen, errno, "cap_init");
	if (keep & PRIVS_KEEP_NET_BIND_SERVICE) {
		if (cap_set_flag(caps, CAP_PERMITTED, 1, net_bind, CAP_SET) == -1 ||
			cap_set_flag(caps, CAP_EFFECTIVE, 1, net_bind, CAP_SET) == -1)
			rc = privs_fail(err, errlen, errno, "cap_set_flag");
	}
	if (rc == 0 && cap_set_proc(caps) == -1)
		rc = privs_fail(err, errlen, errno,
			keep ? "keep CAP_NET_BIND_SERVICE" : "clear the capability sets");
	cap_free(caps);
	/* Clearing the inheritable set clears the ambient set too; say it outright. */
	if (rc == 0 && CAP_AMBIENT_SUPPORTED() && cap_reset_ambient() == -1)
		rc = privs_fail(err, errlen, errno, "clear the ambient set");
	return rc;
}

int privs_drop_keep(const char *user, unsigned int keep, char *err, size_t errlen)
{
	struct passwd *pw = NULL;
	int rc;

	if (keep & ~PRIVS_KEEP_NET_BIND_SERVICE) {
		snprintf(err, errlen, "privs: unknown capability to keep: %#x", keep);
		return -EINVAL;
	}
	if (user) {
		errno = 0;
		pw = getpwnam(user);
		if (!pw) {
			if (errno)
				return privs_fail(err, errlen, errno, "getpwnam");
			snprintf(err, errlen, "privs: unknown user '%s'", user);
			return -ENOENT;
		}
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L) == -1)
		return privs_fail(err, errlen, errno, "no_new_privs");
	if (effective(CAP_SETPCAP)) {
		rc = drop_bounding_set(err, errlen);
		if (rc != 0)
			return rc;
	}
	if (pw) {
		rc = switch_user(pw, keep != 0, err, errlen);
		if (rc != 0)
			return rc;
	}
	return clear_sets(keep, err, errlen);
}

int privs_drop(const char *user, char *err, size_t errlen)
{
	return privs_drop_keep(user, 0, err, errlen);
}

int privs_nice(int nice, char *err, size_t errlen)
{
	int e, was;

	errno = 0;
	was = getpriority(PRIO_PROCESS, 0);
	if (was == -1 && errno) {
		e = errno;
		snprintf(err, errlen, "nice %d: getpriority: %s", nice, strerror(e));
		return -e;
	}
	if (was == nice || setpriority(PRIO_PROCESS, 0, nice) == 0)
		return 0;
	e = errno;
	snprintf(err, errlen, "nice %d: %s%s: keeping nice %d%s", nice, strerror(e),
		e == EACCES || e == EPERM ? " (lowering it needs CAP_SYS_NICE)" : "", was,
		was > nice ? ", where users' exec storms compete with the ring buffer's drain "
			     "(Nice= in a systemd unit sets it)"
			   : "");
	return -e;
}

int privs_realtime(int priority, char *err, size_t errlen)
{
	struct sched_param sp = {.sched_priority = priority};
	struct sched_param cur;
	int e, policy;

	if (priority == 0)
		return 0;
	policy = sched_getscheduler(0);
	if (policy != -1 && (policy & ~SCHED_RESET_ON_FORK) == SCHED_FIFO &&
		sched_getparam(0, &cur) == 0 && cur.sched_priority == priority)
		return 0;
	if (sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &sp) == 0)
		return 0;
	e = errno;
	snprintf(err, errlen, "SCHED_FIFO priority %d: %s%s", priority, strerror(e),
		e == EPERM ? " (needs CAP_SYS_NICE or an RLIMIT_RTPRIO of at least the priority; "
			     "under systemd, a drop-in with CPUSchedulingPolicy=fifo and "
			     "RestrictRealtime=no: see procship(8))"
			   : "");
	return -e;
}
