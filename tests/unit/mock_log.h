/* SPDX-License-Identifier: Apache-2.0 */
/* A log.h for unit tests: counts what a module logs instead of printing it. */
#ifndef PROCSHIP_MOCK_LOG_H
#define PROCSHIP_MOCK_LOG_H
/* Counters kept by mock_log.c. */
extern int mock_log_warnings;
extern int mock_log_infos;
#endif
