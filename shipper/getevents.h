/* SPDX-License-Identifier: Apache-2.0 */
/* "procship getevents": tetra getevents (Tetragon v1.7.0) for a file or a pipe of JSON events,
 * one per line: JSON out by default, -o compact for tetra's one-liners, tetra's filters that
 * make sense without Kubernetes (--processes, --event-types), --timestamps and --color.
 * man/procship-getevents.1 is its manual. */
#ifndef PROCSHIP_GETEVENTS_H
#define PROCSHIP_GETEVENTS_H

#include <stdio.h>

/* Entry point for argv = {"getevents", ...}: events from the FILE arguments or standard input
 * to out, reports to errs. Returns the exit status: 0; 1 when a document could not be printed
 * or a file read or the output written; 2 for a usage error. */
int getevents_run(int argc, char **argv, FILE *out, FILE *errs);

/* getevents_run on stdout and stderr. */
int getevents_main(int argc, char **argv);

#endif
