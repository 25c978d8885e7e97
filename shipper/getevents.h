/* SPDX-License-Identifier: Apache-2.0 */
/* "procship getevents": read JSON events (one per line, a file or stdin) and print them the way
 * "tetra getevents -o compact" does:
 *   🚀 process HOST BINARY ARGUMENTS
 *   💥 exit    HOST BINARY ARGUMENTS STATUS
 */
#ifndef PROCSHIP_GETEVENTS_H
#define PROCSHIP_GETEVENTS_H

#include <stddef.h>

/* The compact line for one event (no newline), NUL-terminated in buf. Returns its length,
 * 0 when the event is not shown (another kind, or filtered out by processes: binary base
 * names, NULL-terminated, NULL = all), or -1 when json is not an event object. */
int getevents_compact(const char *json, const char *const *processes, char *buf, size_t size);

/* Entry point for argv = {"getevents", ...}. Returns the exit status. */
int getevents_main(int argc, char **argv);

#endif
