/* SPDX-License-Identifier: Apache-2.0 */
/* The one rule for files procship reads as root (the configuration file, a rulebase):
 * whoever can write such a file decides what procship does, so it must be owned by root or by
 * procship's own user and writable by nobody else. */
#ifndef PROCSHIP_FSAFE_H
#define PROCSHIP_FSAFE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

/* True when st breaks the rule, with the reason in why ("unsafe permissions: writable by
 * others (mode 0666)"); false (why "") when it is safe. euid is procship's own. */
bool fsafe_unsafe(const struct stat *st, uid_t euid, char *why, size_t size);

#endif
