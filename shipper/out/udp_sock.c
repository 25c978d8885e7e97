/* SPDX-License-Identifier: Apache-2.0 */
/* Datagram socket mechanics for the UDP output. The contract is in udp_sock.h; this file
 * explains the why.
 */
#include "shipper/out/udp_sock.h"

#include <errno.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "lib/strbuf.h"
#include "shipper/out/hostport.h"

#define USOCK_ERRQUEUE_MAX 1024 /* entries read per call: the queue is bounded, so is this */

int usock_open(int family, char *err, size_t errlen)
{
	int fd, rc;

	fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		rc = -errno;
		strbuf_printf(err, errlen, "socket: %s", strerror(errno));
		return rc;
	}
	return fd;
}

/* The kernel doubles a SO_SNDBUF request (for its own bookkeeping) and clamps the plain
 * option at net.core.wmem_max; SO_SNDBUFFORCE (CAP_NET_ADMIN) skips the clamp. */
int usock_set_sndbuf(int fd, int bytes, int *effective, char *err, size_t errlen)
{
	int eff = 0, rc;
	socklen_t len = sizeof(eff);

	if (bytes > 0 && setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &bytes, sizeof(bytes)) == -1)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof(bytes));
	if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &eff, &len) == -1) {
		rc = -errno;
		strbuf_printf(err, errlen, "getsockopt SO_SNDBUF: %s", strerror(errno));
		return rc;
	}
	*effective = eff;
	return 0;
}

int usock_set_recverr(int fd, int family)
{
	int on = 1, rc;

	if (family == AF_INET6)
		rc = setsockopt(fd, SOL_IPV6, IPV6_RECVERR, &on, sizeof(on));
	else
		rc = setsockopt(fd, SOL_IP, IP_RECVERR, &on, sizeof(on));
	return rc == -1 ? -errno : 0;
}

int usock_bind_port(int fd, int family, uint16_t port, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	int rc;

	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_addr = in6addr_any;
		s6->sin6_port = htons(port);
		sslen = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_addr.s_addr = htonl(INADDR_ANY);
		s4->sin_port = htons(port);
		sslen = sizeof(*s4);
	}
	if (bind(fd, (struct sockaddr *)&ss, sslen) == -1) {
		rc = -errno;
		strbuf_printf(err, errlen, "bind local port %u: %s", port, strerror(errno));
		return rc;
	}
	return 0;
}

int usock_probe_port(uint16_t port, char *err, size_t errlen)
{
	int fd, rc;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return 0; /* no IPv4: the real bind reports it */
	rc = usock_bind_port(fd, AF_INET, port, err, errlen);
	close(fd);
	return rc;
}

int usock_connect(int fd, const struct sockaddr *sa, socklen_t salen, char *err, size_t errlen)
{
	char where[HOSTPORT_NAME_MAX];
	int rc;

	if (connect(fd, sa, salen) == -1) {
		rc = -errno;
		usock_format_addr(sa, salen, where, sizeof(where));
		strbuf_printf(err, errlen, "connect %s: %s", where, strerror(-rc));
		return rc;
	}
	return 0;
}

int usock_resolve(const char *host, uint16_t port, struct addrinfo **res, char *err, size_t errlen)
{
	struct addrinfo hints;
	char serv[8];
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_protocol = IPPROTO_UDP;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(serv, sizeof(serv), "%u", port);
	rc = getaddrinfo(host, serv, &hints, res);
	if (rc == 0)
		return 0;
	strbuf_printf(err, errlen, "resolve %s: %s", host,
		rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
	switch (rc) {
	case EAI_MEMORY:
		return -ENOMEM;
	case EAI_SYSTEM:
		return errno != 0 ? -errno : -EIO;
	default:
		return -EHOSTUNREACH;
	}
}

void usock_format_addr(const struct sockaddr *sa, socklen_t salen, char *buf, size_t size)
{
	char host[NI_MAXHOST];
	uint16_t port;

	if (getnameinfo(sa, salen, host, sizeof(host), NULL, 0, NI_NUMERICHOST) != 0) {
		snprintf(buf, size, "?");
		return;
	}
	if (sa->sa_family == AF_INET6)
		port = ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	else
		port = ntohs(((const struct sockaddr_in *)sa)->sin_port);
	(void)hostport_format(buf, size, host, port);
}

int usock_send_batch(int fd, struct mmsghdr *msgs, unsigned int n)
{
	int r = sendmmsg(fd, msgs, n, 0);

	return r == -1 ? -errno : r;
}

ssize_t usock_send(int fd, const void *buf, size_t len)
{
	ssize_t r = send(fd, buf, len, 0);

	return r == -1 ? -errno : r;
}

/* Each entry the kernel keeps (IP_RECVERR) is an ICMP error for a datagram sent earlier,
 * such as a port unreachable while a receiver is down. */
int usock_read_errqueue(int fd, unsigned int *refused)
{
	char data[1];
	char cbuf[CMSG_SPACE(sizeof(struct sock_extended_err) + sizeof(struct sockaddr_in6))];
	struct iovec iov = {.iov_base = data, .iov_len = sizeof(data)};
	struct msghdr msg;
	struct cmsghdr *cm;
	int last = 0, k;

	*refused = 0;
	for (k = 0; k < USOCK_ERRQUEUE_MAX; k++) {
		memset(&msg, 0, sizeof(msg));
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = cbuf;
		msg.msg_controllen = sizeof(cbuf);
		if (recvmsg(fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT) == -1)
			break;
		for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
			struct sock_extended_err ee;

			if (!((cm->cmsg_level == SOL_IP && cm->cmsg_type == IP_RECVERR) ||
				    (cm->cmsg_level == SOL_IPV6 && cm->cmsg_type == IPV6_RECVERR)))
				continue;
			memcpy(&ee, CMSG_DATA(cm), sizeof(ee));
			last = (int)ee.ee_errno;
			if (ee.ee_origin == SO_EE_ORIGIN_ICMP || ee.ee_origin == SO_EE_ORIGIN_ICMP6)
				(*refused)++;
		}
	}
	return -last;
}
