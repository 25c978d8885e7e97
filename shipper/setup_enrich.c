/* SPDX-License-Identifier: Apache-2.0 */
/* Tetragon's optional process enrichments from d->conf: credentials and namespaces
 * (--enable-process-cred, --enable-process-ns: what the sensor records and is_host's host),
 * environment variables (--enable-process-environment-variables and its filter), ancestors
 * (--enable-ancestors) and user names (--username-metadata), at start, on SIGHUP and at stop;
 * and the filters they make possible. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "shipper/admit/filters.h"
#include "shipper/capture/envs.h"
#include "shipper/capture/procfs.h"
#include "shipper/capture/sensor.h"
#include "shipper/capture/userdb.h"
#include "shipper/setup.h"
#include "shipper/sys/log.h"

/* The host's user database, as Tetragon's Go os/user reads it. */
#define SETUP_PASSWD "/etc/passwd"

uint32_t setup_enrich_bits(const struct daemon *d)
{
	return (d->conf.enable_process_cred ? PS_F_EXT_CRED : 0) |
	       (d->conf.enable_process_ns ? PS_F_EXT_NS : 0) |
	       (d->conf.enable_process_environment_variables ? PS_F_EXT_ENV : 0);
}

/* Tetragon's filter: exact names, an empty one too; none given keeps every variable. */
static void envs_start(struct daemon *d)
{
	const struct conf_list *l = &d->conf.filter_environment_variables;

	if (!d->conf.enable_process_environment_variables) {
		if (l->n && !(l->n == 1 && !l->v[0][0]))
			log_warnx("--filter-environment-variables has no effect without "
				  "--enable-process-environment-variables");
		return;
	}
	d->envs_filter = envs_filter_new(l->v, l->n);
	if (!d->envs_filter && errno != EINVAL)
		fatal("start-up");
	if (envs_filter_has_empty(d->envs_filter))
		log_warnx("--filter-environment-variables: an empty name (a stray comma) keeps the "
			  "variables with no name (\"=VALUE\"), as in Tetragon; it is no wildcard");
	pev_set_envs_filter(d->pev, d->envs_filter);
}

void setup_enrich_capture(struct daemon *d)
{
	if (d->conf.enable_process_cred && !sensor_exact_file_caps(d->sensor))
		log_warnx("--enable-process-cred: this kernel has no sched_prepare_exec tracepoint "
			  "(Linux 6.10): execs gaining file capabilities are not reported as such");
	if (d->conf.enable_process_ns) {
		uint32_t host[PS_NS_COUNT];
		int ret = procfs_ns_inums("/proc", 1, host);

		/* Tetragon's host is PID 1's; where that is hidden, procship's own is the best
		 * guess left. */
		if (ret < 0) {
			log_warnx("--enable-process-ns: /proc/1/ns: %s: is_host compares with "
				  "procship's own namespaces",
				strerror(-ret));
			procfs_ns_inums("/proc", (uint32_t)getpid(), host);
		}
		ejson_set_host_ns(d->pipe.ej, host);
		pev_set_host_ns(d->pev, host);
	}
}

void setup_enrich_start(struct daemon *d)
{
	char err[512];

	envs_start(d);
	if (conf_ancestors_base(&d->conf)) {
		pcache_set_keep_ancestry(d->cache, true);
		ejson_set_ancestors(d->pipe.ej, true);
	}
	if (d->conf.username_metadata != CONF_USERNAME_UNIX)
		return;
	d->users = udb_new(SETUP_PASSWD);
	if (!d->users)
		fatal("start-up");
	/* A host without the file still runs: its processes carry no name, as uids without an
	 * entry do; the file is looked for again each second. */
	if (udb_reload(d->users, true, err, sizeof(err)) != 0)
		log_warnx("username-metadata: %s; processes get no user name until it can be read",
			err);
	pev_set_users(d->pev, d->users);
}

void setup_enrich_reload(struct daemon *d)
{
	char err[512];

	if (d->users && udb_reload(d->users, true, err, sizeof(err)) != 0)
		log_warnx("reload: username-metadata: %s; keeping the names read before", err);
}

void setup_enrich_stop(struct daemon *d)
{
	pev_set_users(d->pev, NULL);
	pev_set_envs_filter(d->pev, NULL);
	envs_filter_free(d->envs_filter);
	d->envs_filter = NULL;
	udb_free(d->users);
	d->users = NULL;
}

/* Whether Tetragon's option.AncestorsEnabled holds for the event type: base for
 * PROCESS_EXEC and PROCESS_EXIT, base and the type's own name for the others it knows. */
static bool ancestors_on(const char *type, const void *arg)
{
	static const char *const names[][2] = {{"PROCESS_EXEC", "base"}, {"PROCESS_EXIT", "base"},
		{"PROCESS_KPROBE", "kprobe"}, {"PROCESS_TRACEPOINT", "tracepoint"},
		{"PROCESS_LOADER", "loader"}, {"PROCESS_UPROBE", "uprobe"}, {"PROCESS_LSM", "lsm"},
		{"PROCESS_USDT", "usdt"}};
	const struct conf *run = arg;
	size_t i;

	for (i = 0; conf_ancestors_base(run) && i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(type, names[i][0]))
			return conf_ancestors_type(run, names[i][1]);
	return false;
}

/* Tetragon refuses a filter whose enrichment (of run, the running configuration) is off, and
 * a pid_set without c's --enable-pid-set-filter; so do we, saying where it is. */
bool setup_enrich_filters_unmet(const struct filters *f, const struct conf *c,
	const struct conf *run, char *err, size_t len)
{
	const char *type;
	char where[64];

	if (!c->enable_pid_set_filter &&
		filters_needs(f, FILTERS_NEED_PID_SET, where, sizeof(where))) {
		snprintf(err, len,
			"--export-allowlist/--export-denylist: %s: pid_set needs "
			"--enable-pid-set-filter (Tetragon v1.7.0 refuses it without: its pid "
			"tracking is best-effort, and procship follows the parent only)",
			where);
		return true;
	}

	if (!conf_ancestors_base(run) &&
		filters_needs(f, FILTERS_NEED_ANCESTORS, where, sizeof(where))) {
		snprintf(err, len,
			"--export-allowlist/--export-denylist: %s: ancestor_binary_regex needs "
			"--enable-ancestors base (Tetragon refuses it without)",
			where);
		return true;
	}
	if (filters_ancestors_unmet(f, ancestors_on, run, &type, where, sizeof(where))) {
		snprintf(err, len,
			"--export-allowlist/--export-denylist: %s: ancestor_binary_regex applies "
			"to "
			"%s, which has no ancestors: give an event_set such as "
			"[\"PROCESS_EXEC\",\"PROCESS_EXIT\"] (without one it applies to all of "
			"Tetragon's ancestor types, and Tetragon v1.7.0 refuses it too)",
			where, type);
		return true;
	}
	if (!run->enable_process_cred &&
		filters_needs(f, FILTERS_NEED_CAPS, where, sizeof(where))) {
		snprintf(err, len,
			"--export-allowlist/--export-denylist: %s: capabilities needs "
			"--enable-process-cred (without it the events carry no cap; Tetragon "
			"refuses it too)",
			where);
		return true;
	}
	return false;
}
