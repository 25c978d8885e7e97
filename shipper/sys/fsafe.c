/* SPDX-License-Identifier: Apache-2.0 */
/* The unsafe-permission rule; see fsafe.h. */
#include "shipper/sys/fsafe.h"

#include <stdio.h>

bool fsafe_unsafe(const struct stat *st, uid_t euid, char *why, size_t size)
{
	bool writable = st->st_mode & (S_IWGRP | S_IWOTH);
	bool owner = st->st_uid == 0 || st->st_uid == euid;
	const char *by = st->st_mode & S_IWOTH ? "others" : "its group";
	unsigned int mode = (unsigned int)(st->st_mode & 07777);

	if (writable && !owner)
		snprintf(why, size,
			"unsafe permissions: owned by uid %u and writable by %s (mode %04o)",
			(unsigned int)st->st_uid, by, mode);
	else if (writable)
		snprintf(why, size, "unsafe permissions: writable by %s (mode %04o)", by, mode);
	else if (!owner)
		snprintf(why, size, "unsafe permissions: owned by uid %u, not root",
			(unsigned int)st->st_uid);
	else if (size)
		why[0] = '\0';
	return writable || !owner;
}
