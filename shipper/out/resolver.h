/* SPDX-License-Identifier: Apache-2.0 */
/* Name look-ups off the event loop: two worker threads run getaddrinfo (usock_resolve), so
 * one name that hangs holds up no other, and the loop never waits for a name that is not
 * answered.
 *
 * Every look-up of a name asks the worker to resolve it again (names are resolved on every
 * reconnect) and answers at once with the last good addresses when there are some; without
 * them it waits for the worker's answer at most until the wait bound (at start-up: a bounded
 * start; in the loop: not at all) and otherwise says "no answer yet" (-EINPROGRESS). A
 * numeric address is converted in the caller's thread: no DNS, no wait. Results are kept per
 * host:port for the process's life (at most RESOLV_MAX names; the oldest idle one goes).
 *
 * The workers start on the first name, from the caller's thread, whose credentials they
 * inherit. Capabilities and the bounding set belong to a thread, so a daemon that starts as
 * root and gives them up calls resolv_hold() first: look-ups then only queue (-EINPROGRESS),
 * and resolv_release(), once the privileges are gone, starts the workers and waits for the
 * queued names (bounded). Nothing here logs; failures reach the callers' err buffers. */
#ifndef PROCSHIP_OUT_RESOLVER_H
#define PROCSHIP_OUT_RESOLVER_H

#include <netdb.h>
#include <stddef.h>
#include <stdint.h>

#define RESOLV_MAX	       128
#define RESOLV_DEFAULT_WAIT_MS 1000 /* per look-up, until resolv_set_wait_until is called */

/* The addresses of host:port, as usock_resolve gives them, into *res (free it with
 * resolv_free, never freeaddrinfo). Returns 0, -EINPROGRESS ("resolve HOST: no answer yet")
 * when the worker has not answered within the wait bound and there are no earlier addresses,
 * or usock_resolve's -errno and message for a name that failed. */
int resolv_lookup(const char *host, uint16_t port, struct addrinfo **res, char *err, size_t errlen);
void resolv_free(struct addrinfo *res); /* accepts NULL */
/* What the last look-up of host:port came to, without asking again: 0 (addresses),
 * -EINPROGRESS (no answer yet, or never asked), or the failure with its message in err. */
int resolv_peek(const char *host, uint16_t port, char *err, size_t errlen);

/* Look-ups wait for an answer until the CLOCK_MONOTONIC time until_ms at the latest; 0: they
 * never wait. */
void resolv_set_wait_until(int64_t until_ms);
/* How many look-ups ended with addresses since start: a caller waiting for a name polls it. */
uint64_t resolv_good_answers(void);

/* Until resolv_release: no worker starts, look-ups queue and answer -EINPROGRESS. */
void resolv_hold(void);
/* Start the workers (in the caller's thread, which has given up its privileges) and wait
 * until every queued name has its answer or until the CLOCK_MONOTONIC time until_ms. Returns
 * 0, -EINPROGRESS when some names are still unanswered, or -errno when no thread starts
 * (look-ups then run in the caller's thread, as before). */
int resolv_release(int64_t until_ms);

#endif
