/* SPDX-License-Identifier: Apache-2.0 */
/* Look-ups in a worker thread, answers from the last good addresses; see resolver.h. */
#include "shipper/out/resolver.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/strbuf.h"
#include "shipper/out/udp_sock.h"

#define ERR_MAX 200
#define WORKERS 2 /* one name that hangs must not hold up the others */

struct entry {
	char host[NI_MAXHOST];
	uint16_t port;
	struct addrinfo *good; /* our own copy, or NULL */
	int rc;		       /* of the last answer; 1: none yet */
	char err[ERR_MAX];
	bool queued, in_flight;
	uint64_t used; /* for eviction */
};

static struct {
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	int started; /* workers */
	int failed;  /* the worker stopped: -errno */
	struct entry *e[RESOLV_MAX];
	size_t n;
	uint64_t tick, good_answers;
	int64_t wait_until; /* -1: RESOLV_DEFAULT_WAIT_MS per look-up */
	bool hold;	    /* look-ups queue, no worker starts: privileges are still held */
} R = {
	.mu = PTHREAD_MUTEX_INITIALIZER,
	.work = PTHREAD_COND_INITIALIZER,
	.done = PTHREAD_COND_INITIALIZER,
	.wait_until = -1,
};

void resolv_free(struct addrinfo *res)
{
	while (res) {
		struct addrinfo *next = res->ai_next;

		free(res);
		res = next;
	}
}

/* One allocation per address (the addrinfo and its sockaddr), no canonical name. */
static struct addrinfo *copy_list(const struct addrinfo *src)
{
	struct addrinfo *head = NULL, **tail = &head;

	for (; src; src = src->ai_next) {
		struct addrinfo *a = calloc(1, sizeof(*a) + sizeof(struct sockaddr_storage));

		if (!a || src->ai_addrlen > sizeof(struct sockaddr_storage)) {
			free(a);
			resolv_free(head);
			return NULL;
		}
		*a = *src;
		a->ai_canonname = NULL;
		a->ai_next = NULL;
		a->ai_addr = (struct sockaddr *)(a + 1);
		memcpy(a->ai_addr, src->ai_addr, src->ai_addrlen);
		*tail = a;
		tail = &a->ai_next;
	}
	return head;
}

static int resolve_copy(
	const char *host, uint16_t port, struct addrinfo **res, char *err, size_t errlen)
{
	struct addrinfo *ai;
	int rc = usock_resolve(host, port, &ai, err, errlen);

	if (rc != 0)
		return rc;
	*res = copy_list(ai);
	freeaddrinfo(ai);
	if (!*res) {
		strbuf_printf(err, errlen, "resolve %s: %s", host, strerror(ENOMEM));
		return -ENOMEM;
	}
	return 0;
}

static struct entry *next_job(void)
{
	size_t i;

	for (i = 0; i < R.n; i++)
		if (R.e[i]->queued)
			return R.e[i];
	return NULL;
}

static void *worker(void *arg)
{
	char host[NI_MAXHOST], err[ERR_MAX];
	struct addrinfo *res;
	struct entry *e;
	uint16_t port;
	sigset_t all;
	int rc;

	(void)arg;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	pthread_mutex_lock(&R.mu);
	for (;;) {
		e = next_job();
		if (!e) {
			pthread_cond_wait(&R.work, &R.mu);
			continue;
		}
		e->queued = false;
		e->in_flight = true;
		strbuf_copy(host, e->host, sizeof(host));
		port = e->port;
		pthread_mutex_unlock(&R.mu);
		res = NULL;
		err[0] = '\0';
		rc = resolve_copy(host, port, &res, err, sizeof(err));
		pthread_mutex_lock(&R.mu);
		e->in_flight = false;
		e->rc = rc;
		strbuf_copy(e->err, err, sizeof(e->err));
		if (rc == 0) {
			resolv_free(e->good);
			e->good = res;
			R.good_answers++;
		}
		pthread_cond_broadcast(&R.done);
	}
	return NULL;
}

/* Caller holds the lock. The entry for host:port, made (or an idle one reused) when new. */
static struct entry *find(const char *host, uint16_t port)
{
	struct entry *e = NULL;
	size_t i;

	for (i = 0; i < R.n; i++)
		if (R.e[i]->port == port && !strcmp(R.e[i]->host, host))
			return R.e[i];
	if (R.n < RESOLV_MAX) {
		e = calloc(1, sizeof(*e));
		if (!e)
			return NULL;
		R.e[R.n++] = e;
	} else {
		for (i = 0; i < R.n; i++)
			if (!R.e[i]->in_flight && (!e || R.e[i]->used < e->used))
				e = R.e[i];
		if (!e)
			return NULL;
		resolv_free(e->good);
		memset(e, 0, sizeof(*e));
	}
	strbuf_copy(e->host, host, sizeof(e->host));
	e->port = port;
	e->rc = 1;
	return e;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Caller holds the lock: until an answer comes, or 20 ms. */
static void wait_a_little(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 20 * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_nsec -= 1000000000;
		ts.tv_sec++;
	}
	pthread_cond_timedwait(&R.done, &R.mu, &ts);
}

/* Caller holds the lock: until the entry's answer or the wait bound. */
static void wait_answer(struct entry *e)
{
	int64_t until = R.wait_until < 0 ? now_ms() + RESOLV_DEFAULT_WAIT_MS : R.wait_until;

	while ((e->queued || e->in_flight) && now_ms() < until)
		wait_a_little();
}

/* Caller holds the lock: an answer for e now, from what it has. */
static int answer(
	struct entry *e, const char *host, struct addrinfo **res, char *err, size_t errlen)
{
	if (e->good) {
		*res = copy_list(e->good);
		if (*res)
			return 0;
		strbuf_printf(err, errlen, "resolve %s: %s", host, strerror(ENOMEM));
		return -ENOMEM;
	}
	if (e->queued || e->in_flight || e->rc == 1) {
		strbuf_printf(err, errlen, "resolve %s: no answer yet", host);
		return -EINPROGRESS;
	}
	strbuf_copy(err, e->err, errlen);
	return e->rc;
}

static bool numeric(const char *host)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

static int start_workers(void)
{
	pthread_t th;
	int rc;

	while (R.started < WORKERS) {
		rc = pthread_create(&th, NULL, worker, NULL);
		if (rc != 0)
			return R.started ? 0 : -rc;
		pthread_detach(th);
		R.started++;
	}
	return 0;
}

int resolv_lookup(const char *host, uint16_t port, struct addrinfo **res, char *err, size_t errlen)
{
	struct entry *e;
	int rc;

	*res = NULL;
	if (numeric(host))
		return resolve_copy(host, port, res, err, errlen);
	pthread_mutex_lock(&R.mu);
	rc = R.hold ? 0 : start_workers();
	e = rc == 0 ? find(host, port) : NULL;
	if (!e) {
		pthread_mutex_unlock(&R.mu);
		/* no thread or no memory: the look-up as it was, in this thread */
		return resolve_copy(host, port, res, err, errlen);
	}
	e->used = ++R.tick;
	if (!e->queued && !e->in_flight) {
		e->queued = true;
		pthread_cond_signal(&R.work);
	}
	if (!e->good && !R.hold)
		wait_answer(e);
	rc = answer(e, host, res, err, errlen);
	pthread_mutex_unlock(&R.mu);
	return rc;
}

int resolv_peek(const char *host, uint16_t port, char *err, size_t errlen)
{
	size_t i;
	int rc = -EINPROGRESS;

	pthread_mutex_lock(&R.mu);
	for (i = 0; i < R.n; i++) {
		struct entry *e = R.e[i];

		if (e->port != port || strcmp(e->host, host))
			continue;
		if (e->good)
			rc = 0;
		else if (!e->queued && !e->in_flight && e->rc != 1)
			rc = e->rc;
		if (rc < 0 && rc != -EINPROGRESS)
			strbuf_copy(err, e->err, errlen);
		break;
	}
	pthread_mutex_unlock(&R.mu);
	return rc;
}

void resolv_set_wait_until(int64_t until_ms)
{
	pthread_mutex_lock(&R.mu);
	R.wait_until = until_ms;
	pthread_mutex_unlock(&R.mu);
}

uint64_t resolv_good_answers(void)
{
	uint64_t n;

	pthread_mutex_lock(&R.mu);
	n = R.good_answers;
	pthread_mutex_unlock(&R.mu);
	return n;
}

void resolv_hold(void)
{
	pthread_mutex_lock(&R.mu);
	R.hold = true;
	pthread_mutex_unlock(&R.mu);
}

static bool busy(void)
{
	size_t i;

	for (i = 0; i < R.n; i++)
		if (R.e[i]->queued || R.e[i]->in_flight)
			return true;
	return false;
}

int resolv_release(int64_t until_ms)
{
	int rc;

	pthread_mutex_lock(&R.mu);
	R.hold = false;
	rc = busy() ? start_workers() : 0;
	while (rc == 0 && busy() && now_ms() < until_ms)
		wait_a_little();
	if (rc == 0 && busy())
		rc = -EINPROGRESS;
	pthread_mutex_unlock(&R.mu);
	return rc;
}
