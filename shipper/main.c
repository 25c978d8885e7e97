/* SPDX-License-Identifier: Apache-2.0 */
/* procship: the table of contents. argv -> configuration -> set-up -> the loop -> stop; each
 * step lives in its own file (setup.c, loop.c), the data path in pipeline.c. */
#include <syslog.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shipper/conf/conf.h"
#include "shipper/daemon.h"
#include "shipper/gaps/gaps.h"
#include "shipper/getevents.h"
#include "shipper/loop.h"
#include "shipper/reloadctl.h"
#include "shipper/setup.h"
#include "shipper/sys/sandbox.h"
#include "shipper/sys/log.h"

int main(int argc, char **argv)
{
	static struct daemon daemon;
	struct daemon *d = &daemon;
	enum conf_parse_result result;
	char err[700], warn[512];

	if (argc > 1 && strcmp(argv[1], "getevents") == 0)
		return getevents_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "gaps") == 0)
		return gaps_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "reload") == 0)
		return reloadctl_main(argc - 1, argv + 1);
	/* Nothing a parent left open reaches the daemon (but systemd's LISTEN_FDS). */
	sandbox_close_inherited();
	d->argc = argc;
	d->argv = argv;
	if (setup_conf(&d->conf, argc, argv, err, sizeof(err), warn, sizeof(warn), &result) != 0)
		setup_usage_error(err);
	if (result == CONF_HELP) {
		conf_usage(stdout);
		return 0;
	}
	if (result == CONF_VERSION) {
		printf("procship %s (commit %s, built %s)\n", PROCSHIP_VERSION,
			PROCSHIP_BUILD_COMMIT, PROCSHIP_BUILD_DATE);
		return 0;
	}
	/* Our own log lines would come back in through the socket, and go out again. */
	if (d->conf.log_syslog && d->conf.input_unix[0] &&
		strcmp(d->conf.input_unix, _PATH_LOG) == 0)
		setup_usage_error("--log-syslog: cannot log to syslog(3) while reading its socket "
				  "(--input-unix " _PATH_LOG ")");
	log_init("procship", (enum log_level)d->conf.log_level);
	log_to_syslog(d->conf.log_syslog);
	if (warn[0])
		log_warnx("%s", warn);
	signal(SIGPIPE, SIG_IGN);

	setup_start(d);
	loop_run(d);
	setup_stop(d);
	return 0;
}
