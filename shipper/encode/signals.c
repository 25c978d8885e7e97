/* SPDX-License-Identifier: Apache-2.0 */
/* The signal-name table of golang.org/x/sys/unix for Linux, which Tetragon names exits by. */
#include "shipper/encode/signals.h"

#include <stddef.h>

/* Written out rather than taken from sigabbrev_np(): glibc calls 29 "POLL" and knows the
 * real-time signals, where Go's table has "SIGIO" and nothing past 31. */
static const char *const names[32] = {
	NULL,
	"SIGHUP",
	"SIGINT",
	"SIGQUIT",
	"SIGILL",
	"SIGTRAP",
	"SIGABRT",
	"SIGBUS",
	"SIGFPE",
	"SIGKILL",
	"SIGUSR1",
	"SIGSEGV",
	"SIGUSR2",
	"SIGPIPE",
	"SIGALRM",
	"SIGTERM",
	"SIGSTKFLT",
	"SIGCHLD",
	"SIGCONT",
	"SIGSTOP",
	"SIGTSTP",
	"SIGTTIN",
	"SIGTTOU",
	"SIGURG",
	"SIGXCPU",
	"SIGXFSZ",
	"SIGVTALRM",
	"SIGPROF",
	"SIGWINCH",
	"SIGIO",
	"SIGPWR",
	"SIGSYS",
};

const char *signals_name(int sig)
{
	if (sig <= 0 || sig >= (int)(sizeof(names) / sizeof(names[0])))
		return NULL;
	return names[sig];
}
