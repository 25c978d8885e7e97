/* SPDX-License-Identifier: Apache-2.0 */
/* A process's flags as Tetragon's "flags" string: its names, in its order. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "shipper/encode/event_json.h"

/* Tetragon's order (pkg/reader/exec); the truncation flags Tetragon lacks go last. */
static const struct {
	uint32_t bit;
	const char *name;
} flag_names[] = {
	{PS_F_EXECVE, "execve"},
	{PS_F_PROCFS, "procFS"},
	{PS_F_ERR_ENVS, "errorEnvs"},
	{PS_F_TRUNC_ARGS, "truncArgs"},
	{PS_F_MISS, "miss"},
	{PS_F_ERR_FILENAME, "errorFilename"},
	{PS_F_ERR_ARGS, "errorArgs"},
	{PS_F_NOCWD, "nocwd"},
	{PS_F_ROOTCWD, "rootcwd"},
	{PS_F_ERR_CWD, "errorCWD"},
	{PS_F_CLONE, "clone"},
	{PS_F_ERR_PATH_CWD, "errorPathResolutionCwd"},
	{PS_F_DATA_FILENAME, "dataFilename"},
	{PS_F_DATA_ARGS, "dataArgs"},
	{PS_F_IN_INIT_TREE, "inInitTree"},
	{PS_F_TRUNC_FILENAME, "truncFilename"},
	{PS_F_TRUNC_CWD, "truncCWD"},
	{PS_F_TRUNC_ANCESTORS, "truncAncestors"},
	{PS_F_TRUNC_ENVS, "truncEnvs"},
};

size_t ejson_flags(uint32_t flags, char *buf, size_t size)
{
	size_t i, n = 0;

	if (size == 0)
		return 0;
	buf[0] = '\0';
	for (i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++) {
		size_t len;

		if (!(flags & flag_names[i].bit))
			continue;
		len = strlen(flag_names[i].name);
		if (n + (n ? 1 : 0) + len + 1 > size)
			break;
		if (n)
			buf[n++] = ' ';
		memcpy(buf + n, flag_names[i].name, len);
		n += len;
		buf[n] = '\0';
	}
	return n;
}
