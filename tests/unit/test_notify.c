/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the service manager's channel: what reaches a NOTIFY_SOCKET, and nothing
 * (nor a failure) without one. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "shipper/sys/notify.h"

struct listener {
	int fd;
	char path[108];
};

static int setup(void **state)
{
	static struct listener l;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct timeval tv = {2, 0};

	snprintf(l.path, sizeof(l.path), "/tmp/procship-test-notify.%d", (int)getpid());
	unlink(l.path);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", l.path);
	l.fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(l.fd >= 0);
	assert_int_equal(bind(l.fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(setsockopt(l.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	setenv("NOTIFY_SOCKET", l.path, 1);
	*state = &l;
	return 0;
}

static int teardown(void **state)
{
	struct listener *l = *state;

	close(l->fd);
	unlink(l->path);
	unsetenv("NOTIFY_SOCKET");
	return 0;
}

/* The next datagram, as a string. */
static const char *next(struct listener *l)
{
	static char buf[1024];
	ssize_t n = recv(l->fd, buf, sizeof(buf) - 1, 0);

	assert_true(n > 0);
	buf[n] = '\0';
	return buf;
}

static void test_ready_status_one_line(void **state)
{
	struct listener *l = *state;

	assert_true(notify_enabled());
	notify_ready("ready: 3 processes\nFAKE=1");
	/* a newline in the text would have been an assignment of its own */
	assert_string_equal(next(l), "READY=1\nSTATUS=ready: 3 processes FAKE=1");
	notify_status("12 events exported");
	assert_string_equal(next(l), "STATUS=12 events exported");
	notify_stopping();
	assert_string_equal(next(l), "STOPPING=1");
}

static void test_reloading_has_monotonic_usec(void **state)
{
	struct listener *l = *state;
	const char *m;
	char *end;
	unsigned long long usec;

	notify_reloading();
	m = next(l);
	assert_memory_equal(m, "RELOADING=1\nMONOTONIC_USEC=", 27);
	usec = strtoull(m + 27, &end, 10);
	assert_true(usec > 0);
	assert_string_equal(end, "");
}

static void test_long_status_cut(void **state)
{
	struct listener *l = *state;
	char text[2000];

	memset(text, 'x', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	notify_status(text);
	assert_true(strlen(next(l)) < 520);
}

static void test_no_socket_no_effect(void **state)
{
	(void)state;
	unsetenv("NOTIFY_SOCKET");
	assert_false(notify_enabled());
	notify_ready("nobody listens");
	notify_reloading();
	notify_status("nobody");
	notify_stopping();
	setenv("NOTIFY_SOCKET", "/nonexistent/dir/sock", 1);
	assert_true(notify_enabled());
	notify_ready("a socket that is not there is not our failure");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ready_status_one_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reloading_has_monotonic_usec, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_status_cut, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_socket_no_effect, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
