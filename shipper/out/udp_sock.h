/* SPDX-License-Identifier: Apache-2.0 */
/* Datagram socket mechanics for the UDP output, one system call concern per helper (redis
 * anet.c): open, size the send buffer, ask for ICMP errors, bind, connect, resolve, send, and
 * read back the refusals the kernel kept.
 *
 * Mechanism only: no helper logs, counts, retries or keeps state; the output owns the policy.
 * int functions return 0 (or what they name: a descriptor, a count, -errno of a refusal) or
 * -errno; those that take err fill it, when given, with what failed first ("connect
 * 10.0.0.1:514: Connection refused"). A descriptor returned is the caller's to close.
 */
#ifndef PROCSHIP_OUT_UDP_SOCK_H
#define PROCSHIP_OUT_UDP_SOCK_H

#include <netdb.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

/* A non-blocking, close-on-exec datagram socket of family (AF_INET, AF_INET6): the
 * descriptor, or -errno ("socket: ..."). */
int usock_open(int family, char *err, size_t errlen);

/* Ask for a send buffer of bytes (0: leave the system default), past net.core.wmem_max
 * where CAP_NET_ADMIN allows (SO_SNDBUFFORCE), and read back what the kernel granted into
 * *effective (its own doubled figure, as getsockopt reports it). A refused request is not
 * an error: the figure read back tells. Returns 0, or -errno when nothing could be read. */
int usock_set_sndbuf(int fd, int bytes, int *effective, char *err, size_t errlen);

/* Keep a copy of each ICMP error on the socket's error queue (IP_RECVERR, IPV6_RECVERR),
 * for usock_read_errqueue. Returns 0 or -errno. */
int usock_set_recverr(int fd, int family);

/* Bind fd to local port on every address of family. Returns 0, or -errno ("bind local port
 * N: ..."). */
int usock_bind_port(int fd, int family, uint16_t port, char *err, size_t errlen);

/* Is local IPv4 port free to bind? Returns 0 (also when there is no IPv4 to ask), or -errno
 * as usock_bind_port says it. Binds nothing that outlives the call. */
int usock_probe_port(uint16_t port, char *err, size_t errlen);

/* Connect fd to one address. Returns 0, or -errno ("connect ADDR:PORT: ..."). */
int usock_connect(int fd, const struct sockaddr *sa, socklen_t salen, char *err, size_t errlen);

/* Every UDP address of host:port (getaddrinfo, numeric port), into *res for the caller to
 * freeaddrinfo. Returns 0, or -ENOMEM, -errno of a system error, -EHOSTUNREACH for a name
 * that does not resolve ("resolve HOST: ..."). */
int usock_resolve(const char *host, uint16_t port, struct addrinfo **res, char *err, size_t errlen);

/* A numeric address as "1.2.3.4:port" or "[v6]:port" (hostport_format); "?" when it cannot
 * be written. */
void usock_format_addr(const struct sockaddr *sa, socklen_t salen, char *buf, size_t size);

/* sendmmsg the n datagrams msgs describes on a connected fd, filling each msg_len. Returns
 * how many were sent (a short count swallows the error that stopped it), or -errno. */
int usock_send_batch(int fd, struct mmsghdr *msgs, unsigned int n);

/* send one datagram on a connected fd. Returns the bytes sent, or -errno. */
ssize_t usock_send(int fd, const void *buf, size_t len);

/* Drain fd's error queue. *refused is set to the number of entries that are ICMP errors
 * (datagrams sent earlier that never arrived). Returns -errno of the latest entry, 0 when
 * the queue was empty. Reading the queue also clears the socket's pending error. */
int usock_read_errqueue(int fd, unsigned int *refused);

#endif
