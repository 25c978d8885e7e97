/* SPDX-License-Identifier: Apache-2.0 */
/* The text inputs at start and stop: sockets passed by systemd, the --input-unix socket,
 * standard input, the parser and the per-process rate limit; see setup.h. */
#include "shipper/setup.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "shipper/loop.h"
#include "shipper/sys/log.h"
#include "shipper/text/inputs.h"
#include "shipper/text/lines.h"
#include "shipper/text/pidlimit.h"

static void start_stdin(struct daemon *d)
{
	char err[700];

	d->in_stdin = input_stdin_new(STDIN_FILENO, 0, err, sizeof(err));
	if (!d->in_stdin)
		fatalx("%s", err);
	/* A regular file, or /dev/null, cannot be polled (epoll says EPERM): it is read on
	 * every turn of the loop instead. */
	d->stdin_polled = input_stdin_pollable(d->in_stdin);
	if (d->stdin_polled) {
		struct epoll_event ev = {.events = EPOLLIN, .data.fd = input_stdin_fd(d->in_stdin)};

		if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, ev.data.fd, &ev) == -1) {
			if (errno != EPERM)
				fatal("epoll_ctl standard input");
			d->stdin_polled = false;
		}
	}
}

static void add_unix(struct daemon *d, struct input_unix *in, const char *what)
{
	d->in_unix[d->n_unix++] = in;
	loop_watch_text(d, input_unix_fd(in), "unix input");
	if (input_unix_queue(in))
		log_info("reading syslog messages from %s (queue of %d datagrams)", what,
			input_unix_queue(in));
	else
		log_info("reading syslog messages from %s", what);
}

/* Socket activation: every unix datagram socket systemd passed is an input (procship.socket
 * holds /dev/log or journald's forwarding socket); --input-unix naming the path of one of them
 * means that one, not a second bind. Returns true when --input-unix was among them. */
static bool adopt_passed(struct daemon *d)
{
	const char *path = d->conf.input_unix;
	struct input_unix *in;
	bool named = false;
	char err[700], what[160];
	int i, n = sd_listen_fds(1), fd;

	if (n < 0)
		fatalx("socket activation: %s", strerror(-n));
	for (i = 0; i < n; i++) {
		fd = SD_LISTEN_FDS_START + i;
		if (sd_is_socket_unix(fd, SOCK_DGRAM, -1, NULL, 0) <= 0 ||
			d->n_unix >= INPUT_UNIX_MAX) {
			log_warnx("socket activation: fd %d is no unix datagram socket or one too "
				  "many (at most %d): closed",
				fd, INPUT_UNIX_MAX);
			close(fd);
			continue;
		}
		if (path[0] && sd_is_socket_unix(fd, SOCK_DGRAM, -1, path, 0) > 0)
			named = true;
		in = input_unix_adopt(fd, 0, err, sizeof(err));
		if (!in)
			fatalx("socket activation: %s", err);
		snprintf(what, sizeof(what), "the socket systemd passed (fd %d)", fd);
		add_unix(d, in, what);
	}
	return named;
}

static void open_unix(struct daemon *d)
{
	struct input_unix_conf c = {
		.path = d->conf.input_unix,
		.replace_symlink = d->conf.input_unix_replace_symlink,
		.queue = (int)d->conf.input_unix_queue,
	};
	struct input_unix *in;
	char err[700];

	if (d->n_unix >= INPUT_UNIX_MAX)
		fatalx("input-unix %s: one socket too many (at most %d)", c.path, INPUT_UNIX_MAX);
	in = input_unix_open(&c, err, sizeof(err));
	if (!in)
		fatalx("%s", err);
	add_unix(d, in, c.path);
}

/* A rulebase normalizes into documents: without --text-format it means json, with
 * --text-format relay it is a contradiction. */
static bool text_json(struct daemon *d)
{
	const struct conf_option *o = conf_find("text-format");
	bool set = d->conf.origin[o - conf_options] != CONF_FROM_DEFAULT;

	if (!d->conf.rulebase[0])
		return d->conf.text_format == CONF_TEXT_JSON;
	if (set && d->conf.text_format == CONF_TEXT_RELAY)
		setup_usage_error("--rulebase: needs --text-format json (relayed messages are not "
				  "normalized)");
	return true;
}

void setup_inputs_start(struct daemon *d)
{
	bool named, any;
	char err[700];

	named = adopt_passed(d);
	any = d->n_unix > 0 || d->conf.input_unix[0] || d->conf.input_stdin;
	if (!any) {
		if (d->conf.rulebase[0])
			log_warnx("--rulebase is used by text inputs only, and none is enabled");
		return;
	}
	if (d->conf.rulebase[0])
		setup_warn_unsafe_file("--rulebase", d->conf.rulebase);
	d->pipe.lines =
		lines_new(d->conf.rulebase[0] ? d->conf.rulebase : NULL, d->node, err, sizeof(err));
	if (!d->pipe.lines)
		setup_usage_error(err);
	lines_set_json(d->pipe.lines, text_json(d));
	d->pipe.kernel_pid = d->conf.input_unix_pid_from_system;
	d->pipe.self = getpid();
	if (d->conf.input_ratelimit_interval > 0) {
		d->pipe.pidlimit = pidlimit_new((unsigned int)d->conf.input_ratelimit_interval,
			(unsigned int)d->conf.input_ratelimit_burst);
		if (!d->pipe.pidlimit)
			fatal("input rate limit");
	}
	if (d->conf.input_unix[0] && !named)
		open_unix(d);
	if (d->conf.input_stdin)
		start_stdin(d);
}

void setup_inputs_stop(struct daemon *d)
{
	size_t i;

	for (i = 0; i < d->n_unix; i++)
		input_unix_free(d->in_unix[i]);
	d->n_unix = 0;
	input_stdin_free(d->in_stdin);
	lines_free(d->pipe.lines);
	pidlimit_free(d->pipe.pidlimit);
}
