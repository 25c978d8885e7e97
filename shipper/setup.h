/* SPDX-License-Identifier: Apache-2.0 */
/* Configuration -> running objects: at start, on SIGHUP (build new, swap, report) and at
 * stop. A configuration error at start exits with status 2 before BPF is loaded; at reload it
 * keeps the running configuration and says why. */
#ifndef PROCSHIP_SETUP_H
#define PROCSHIP_SETUP_H

#include <stdbool.h>
#include <stddef.h>

#include "shipper/daemon.h"

/* Exit statuses at start-up; 1 is a failure a restart may cure (a port, a file, the loader). */
#define SETUP_EXIT_USAGE 2 /* a bad option, configuration file or filter */
#define SETUP_EXIT_HOST	 3 /* this host cannot run the sensor: no BTF, missing privileges */

/* Defaults, then the file, then the command line over it. Returns 0 (with CONF_HELP or
 * CONF_VERSION in *result when asked) or -1 with err set; warn holds a warning or "". */
int setup_conf(struct conf *c, int argc, char **argv, char *err, size_t errlen, char *warn,
	size_t warnlen, enum conf_parse_result *result);
/* "procship: MSG" on standard error and exit status 2: the user's mistake, found at start. */
__attribute__((noreturn)) void setup_usage_error(const char *msg);
/* Build everything from d->conf, load and attach BPF, scan /proc, drop privileges. */
void setup_start(struct daemon *d);
/* SIGHUP: read the configuration again and apply what can change while running. Returns 0, or
 * -1 when the new configuration was refused (and the running one kept). */
int setup_reload(struct daemon *d);
/* Drain, flush, report, free. */
void setup_stop(struct daemon *d);
/* "WHAT PATH: why" as a warning when others than root and us could write the file. */
void setup_warn_unsafe_file(const char *what, const char *path);

/* setup_inputs.c: the text inputs, the parser and the input rate limit from d->conf (sockets
 * passed by systemd first); a bad choice exits with status 2. And their end. */
void setup_inputs_start(struct daemon *d);
void setup_inputs_stop(struct daemon *d);

/* setup_enrich.c: the PS_F_EXT bits records are to carry; after the sensor is open, the
 * credentials' and namespaces' checks and host; ancestors and user names from d->conf (call
 * start after the cache, encoder and pev exist); reload reads the passwd file again; stop
 * frees what start made. */
uint32_t setup_enrich_bits(const struct daemon *d);
void setup_enrich_capture(struct daemon *d);
void setup_enrich_start(struct daemon *d);
void setup_enrich_reload(struct daemon *d);
void setup_enrich_stop(struct daemon *d);
/* True, with "--export-allowlist/--export-denylist: LIST line N: why" in err, when f has a
 * field whose enrichment run (the running configuration) does not have on, as Tetragon
 * refuses capabilities without process credentials and ancestor_binary_regex without
 * ancestors, or a pid_set without c's (the configuration f comes from)
 * --enable-pid-set-filter. */
bool setup_enrich_filters_unmet(const struct filters *f, const struct conf *c,
	const struct conf *run, char *err, size_t len);

#endif
