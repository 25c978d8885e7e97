/* The agent_init document: who is talking, sent as the first datagram to every destination
 * procship connects to. Built once at start and cached (the text does not change). */
#ifndef PROCSHIP_AGENT_META_H
#define PROCSHIP_AGENT_META_H

#include <stddef.h>
#include <time.h>

struct agent_meta_info {
	const char *hostname;
	const char *udp_destination; /* "host:port" */
	int udp_buffer_size;
	struct timespec started; /* CLOCK_REALTIME at start */
};

/* Render the document into buf (NUL-terminated). Returns its length, or -ENOSPC/-ENOMEM. */
int agent_meta_build(const struct agent_meta_info *info, char *buf, size_t size);

#endif
