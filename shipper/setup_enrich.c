/* SPDX-License-Identifier: Apache-2.0 */
/* Tetragon's optional process enrichments from d->conf: ancestors (--enable-ancestors) and
 * user names (--username-metadata), at start, on SIGHUP and at stop. */
#include <stdio.h>

#include "shipper/capture/userdb.h"
#include "shipper/setup.h"
#include "shipper/sys/log.h"

/* The host's user database, as Tetragon's Go os/user reads it. */
#define SETUP_PASSWD "/etc/passwd"

void setup_enrich_start(struct daemon *d)
{
	char err[512];

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
	udb_free(d->users);
	d->users = NULL;
}
