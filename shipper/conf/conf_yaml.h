/* SPDX-License-Identifier: Apache-2.0 */
/* The configuration file: a YAML mapping whose keys are the long option names of
 * conf_options[] (as in Tetragon's config: "udp-output-enabled: true"). See procship.conf(5). */
#ifndef PROCSHIP_CONF_YAML_H
#define PROCSHIP_CONF_YAML_H

#include <stddef.h>

#include "shipper/conf/conf.h"

/* Read the YAML file at path into c, each key through conf_set(..., CONF_FROM_FILE, ...).
 *
 * Accepts: an empty file (or comments only), or one document holding one mapping; a scalar
 * for every option; for a CONF_LIST option also a sequence of scalars (flow or block style),
 * each item one conf_set call. Booleans as conf_set takes them, plus YAML's True/TRUE forms.
 *
 * Refuses, with one line in err and nothing else guaranteed about c:
 *	"FILE: <strerror>"                       the file cannot be opened or is a directory
 *	"FILE:LINE: syntax error: <problem>"     libyaml's own reason
 *	"FILE:LINE: <reason>"                    not a mapping, a key that is not a scalar,
 *	                                         a second document
 *	"FILE:LINE: KEY: <reason>"               unknown key, duplicate key, config-file (no
 *	                                         includes), null value, a sequence where one value
 *	                                         is expected, a mapping, an alias, an empty or
 *	                                         nested list, or conf_set's reason
 * LINE is 1-based: the key's line for key errors, the value's (or list item's) otherwise.
 * Control characters from the file are shown as '?'.
 *
 * c must come from conf_defaults() with no file loaded into it yet (a list already set from
 * a file would be appended to); on failure, discard c. A reload therefore builds a new conf
 * (conf_defaults, conf_load_yaml, conf_parse_args) and swaps it in only on success.
 *
 * When warn is not NULL it is set to "" or to one line about unsafe permissions: the file is
 * writable by group or others, or owned by neither root nor the effective user. A warning does
 * not stop the load.
 *
 * Returns 0, -1 for a refused file (-errno when it cannot be read at all). */
int conf_load_yaml(
	struct conf *c, const char *path, char *err, size_t errlen, char *warn, size_t warnlen);

/* The same for text held in memory (for tests and fuzzing); name stands for FILE in
 * messages. No permission check. */
int conf_load_yaml_string(
	struct conf *c, const char *name, const char *text, size_t len, char *err, size_t errlen);

#endif
