/* SPDX-License-Identifier: Apache-2.0 */
/* Text inputs for the one epoll loop: a unix datagram socket like /dev/log, and standard input.
 *
 * Neither input parses anything: each hands raw messages to a callback, which normally passes
 * them to lines_parse(). The caller owns the loop: it adds input_*_fd() to its epoll set
 * (level-triggered) and calls input_*_read() when the fd is readable. Each read call does a
 * bounded amount of work, so one busy input cannot starve the ring buffer or the timer; what is
 * left makes the fd readable again. Helpers never log: they fill the caller's error buffer and
 * count.
 */
#ifndef PROCSHIP_INPUTS_H
#define PROCSHIP_INPUTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The message was cut: a datagram or a line longer than the input's maximum. */
#define INPUT_F_TRUNCATED 0x1u

/* One message: buf[0..len) is valid only during the call (not NUL-terminated; a line has no
 * '\n'). flags: INPUT_F_*. pid: the sender's process as the kernel names it (SO_PASSCRED on the
 * unix socket), 0 when unknown (standard input). */
typedef void input_msg_fn(void *arg, const char *buf, size_t len, unsigned int flags, pid_t pid);

#define INPUT_DEFAULT_MAX_MSG 65536 /* longest datagram or line kept whole */
#define INPUT_UNIX_BUDGET     256   /* default datagrams per input_unix_read() call */

/* ---- unix datagram socket ------------------------------------------------------------------ */

struct input_unix_stats {
	uint64_t messages;
	uint64_t bytes;
	uint64_t truncated;   /* datagrams longer than max_msg, delivered cut */
	uint64_t errors;      /* recv errors other than EAGAIN/EINTR */
	uint64_t budget_hits; /* reads that stopped at their budget, maybe with more pending */
	uint64_t no_creds;    /* datagrams without the sender's credentials */
};

struct input_unix;

/* How to open the socket (input_unix_open). */
struct input_unix_conf {
	const char *path;
	size_t max_msg; /* 0: INPUT_DEFAULT_MAX_MSG */
	/* A symbolic link at path (systemd's /dev/log -> /run/systemd/journal/dev-log) is
	 * replaced by our socket only when this is set; else it is refused. */
	bool replace_symlink;
	/* Datagrams the kernel queues before it blocks senders: net.unix.max_dgram_qlen is read
	 * when a socket is created and no socket option changes it, so it is raised for the
	 * moment of socket() and put back. 0: leave the system's value. */
	int queue;
};

/* Bind a datagram socket at path, mode 0666 so that every local program can log. A socket file
 * left by a dead process (connect refused) is replaced; a socket something still receives on
 * (connect succeeds) is refused with EADDRINUSE; any other file at path is refused with EEXIST.
 * max_msg 0 means INPUT_DEFAULT_MAX_MSG. Returns NULL with errno set and a message in err
 * ("input-unix /dev/log: in use by another process (connect succeeded)"). */
struct input_unix *input_unix_new(const char *path, size_t max_msg, char *err, size_t errlen);
/* The same with every choice of struct input_unix_conf. */
struct input_unix *input_unix_open(const struct input_unix_conf *c, char *err, size_t errlen);
/* A datagram socket passed by systemd (socket activation, sd_listen_fds): read as it is, its
 * file left alone at free (the socket unit owns it). Refused (EINVAL) unless fd is an AF_UNIX
 * datagram socket. The fd is owned from then on, also on failure. */
struct input_unix *input_unix_adopt(int fd, size_t max_msg, char *err, size_t errlen);
/* The queue length the socket got (struct input_unix_conf queue), or 0 when it is the
 * system's. */
int input_unix_queue(const struct input_unix *in);
/* The queue length it has, the system's included (the kernel's 10 when that cannot be read). */
int input_unix_qlen(const struct input_unix *in);
/* Close the socket and remove the file, unless another process has replaced it since. Accepts
 * NULL. */
void input_unix_free(struct input_unix *in);
int input_unix_fd(const struct input_unix *in);
const char *input_unix_path(const struct input_unix *in);
/* Receive up to budget (0: INPUT_UNIX_BUDGET) pending datagrams, one callback each. Returns how
 * many were delivered (0 when none was pending), or -errno for an error that is not transient
 * (also counted).
 * The kernel queues at most net.unix.max_dgram_qlen datagrams (10 on our machines, unless
 * raised with struct input_unix_conf queue) and then blocks syslog(3) and logger, or fails a
 * non-blocking sender with EAGAIN; that loss happens in the sender and cannot be counted here.
 * Read this socket on every loop turn. Each datagram comes with its sender's pid from the
 * kernel (SCM_CREDENTIALS), which the sender cannot forge unless it has CAP_SYS_ADMIN. */
int input_unix_read(struct input_unix *in, int budget, input_msg_fn *cb, void *arg);
const struct input_unix_stats *input_unix_get_stats(const struct input_unix *in);

/* ---- standard input (or any fd) ------------------------------------------------------------ */

struct input_stdin_stats {
	uint64_t lines;
	uint64_t bytes;
	uint64_t truncated;	  /* lines longer than max_line, delivered cut */
	uint64_t discarded_bytes; /* the cut-off tails of those lines */
	uint64_t errors;	  /* read errors other than EAGAIN/EINTR */
};

struct input_stdin;

/* Read lines from fd (normally 0; it is not closed). A pipe, socket or terminal is switched to
 * O_NONBLOCK (restored by input_stdin_free); a regular file is read as it is. max_line 0 means
 * INPUT_DEFAULT_MAX_MSG. Returns NULL with errno set and a message in err. */
struct input_stdin *input_stdin_new(int fd, size_t max_line, char *err, size_t errlen);
void input_stdin_free(struct input_stdin *in); /* accepts NULL */
int input_stdin_fd(const struct input_stdin *in);
/* False for a regular file or block device: epoll refuses those (EPERM). The caller then calls
 * input_stdin_read() on every loop turn instead of waiting (epoll_wait with timeout 0) until
 * input_stdin_eof(). */
bool input_stdin_pollable(const struct input_stdin *in);
/* One read() of up to 64 KiB and a callback per complete line in it; a line longer than
 * max_line is delivered cut with INPUT_F_TRUNCATED and the rest of it up to its '\n' is
 * discarded and counted. At end of input the last line without '\n' is delivered and
 * input_stdin_eof() becomes true: remove the fd from epoll, drain, exit. Returns the number of
 * lines delivered, or -errno for an error that is not transient (also counted). */
int input_stdin_read(struct input_stdin *in, input_msg_fn *cb, void *arg);
bool input_stdin_eof(const struct input_stdin *in);
const struct input_stdin_stats *input_stdin_get_stats(const struct input_stdin *in);

#endif
