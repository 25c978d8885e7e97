/* SPDX-License-Identifier: Apache-2.0 */
/* The agent_init document. */
#include "shipper/encode/docs_json.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <json.h>

#include "lib/fmt.h"
#include "lib/jsonstr.h"

int docs_agent_init(const struct docs_agent_info *info, char *buf, size_t size)
{
	struct fjson_object *o = fjson_object_new_object();
	struct utsname uts;
	char stamp[32];
	const char *s;
	int w;

	if (!o)
		return -ENOMEM;
	if (!fmt_rfc3339(stamp, sizeof(stamp), &info->started, 0))
		stamp[0] = '\0';
	if (uname(&uts) == -1)
		memset(&uts, 0, sizeof(uts));
	fjson_object_object_add(o, "@timestamp", fjson_object_new_string(stamp));
	fjson_object_object_add(o, "event", fjson_object_new_string("agent_init"));
	fjson_object_object_add(o, "procship_version", fjson_object_new_string(PROCSHIP_VERSION));
	if (!info->brief) {
		fjson_object_object_add(
			o, "build_commit", fjson_object_new_string(PROCSHIP_BUILD_COMMIT));
		fjson_object_object_add(
			o, "build_date", fjson_object_new_string(PROCSHIP_BUILD_DATE));
	}
	fjson_object_object_add(o, "hostname", fjson_object_new_string(info->hostname));
	fjson_object_object_add(o, "os", fjson_object_new_string("linux"));
	if (!info->brief)
		fjson_object_object_add(o, "kernel_version", fjson_object_new_string(uts.release));
	fjson_object_object_add(o, "pid", fjson_object_new_int64(getpid()));
	fjson_object_object_add(o, "udp_destination",
		fjson_object_new_string(info->udp_destination ? info->udp_destination : ""));
	if (!info->brief) {
		fjson_object_object_add(
			o, "udp_buffer_size", fjson_object_new_int64(info->udp_buffer_size));
		fjson_object_object_add(o, "uptime", fjson_object_new_string("initialized at 0"));
	}
	if (info->sequence_id != 0) {
		/* A receiver counting sequenceIds learns here that a series begins anew, so the
		 * drop back to 1 is a restart, not a loss. */
		fjson_object_object_add(
			o, "sequence_id", fjson_object_new_int64(info->sequence_id));
		fjson_object_object_add(
			o, "sequence_restart", fjson_object_new_boolean(info->sequence_id == 1));
	}
	s = fjson_object_to_json_string_ext(o, FJSON_TO_STRING_PLAIN);
	if (!s) {
		fjson_object_put(o);
		return -ENOMEM;
	}
	/* Slashes unescaped, as in every other document procship writes. */
	w = jsonstr_unescape_slashes(buf, size, s, strlen(s));
	fjson_object_put(o);
	return w;
}

int docs_rate_limit_info(
	const char *node, uint64_t dropped, int64_t unix_ns, char *buf, size_t size)
{
	return docs_rate_limit_info_uids(node, dropped, NULL, 0, unix_ns, buf, size);
}

/* [{"uid":1001,"dropped":"540"},...]: the counts are 64-bit, so strings; uids are numbers,
 * as Tetragon writes its uid fields. */
static struct fjson_object *uid_drops(const struct docs_uid_drops *uids, size_t n)
{
	struct fjson_object *a = fjson_object_new_array(), *o;
	char num[24];
	size_t i;

	for (i = 0; a && i < n; i++) {
		o = fjson_object_new_object();
		if (!o) {
			fjson_object_put(a);
			return NULL;
		}
		snprintf(num, sizeof(num), "%" PRIu64, uids[i].dropped);
		fjson_object_object_add(o, "uid", fjson_object_new_int64(uids[i].uid));
		fjson_object_object_add(o, "dropped", fjson_object_new_string(num));
		fjson_object_array_add(a, o);
	}
	return a;
}

int docs_rate_limit_info_uids(const char *node, uint64_t dropped, const struct docs_uid_drops *uids,
	size_t nuids, int64_t unix_ns, char *buf, size_t size)
{
	struct fjson_object *root, *info, *by_uid = NULL;
	char num[24], when[48];
	const char *text;
	int ret;

	if (size)
		buf[0] = '\0';
	snprintf(num, sizeof(num), "%" PRIu64, dropped);
	/* RFC 3339 UTC, as event_json writes "time". */
	if (!fmt_rfc3339_ns(when, sizeof(when), unix_ns, FMT_PROTOJSON))
		return -EINVAL;
	root = fjson_object_new_object();
	info = fjson_object_new_object();
	if (nuids)
		by_uid = uid_drops(uids, nuids);
	if (!root || !info || (nuids && !by_uid))
		goto nomem;
	fjson_object_object_add(
		info, "number_of_dropped_process_events", fjson_object_new_string(num));
	if (by_uid)
		fjson_object_object_add(info, "procship_dropped_by_uid", by_uid);
	by_uid = NULL;
	fjson_object_object_add(root, "rate_limit_info", info);
	info = NULL;
	fjson_object_object_add(root, "node_name", fjson_object_new_string(node ? node : ""));
	fjson_object_object_add(root, "time", fjson_object_new_string(when));
	text = fjson_object_to_json_string_ext(root, FJSON_TO_STRING_PLAIN);
	if (!text)
		goto nomem;
	ret = size ? jsonstr_unescape_slashes(buf, size, text, strlen(text)) : -ENOSPC;
	if (ret < 0 && size)
		buf[0] = '\0';
	fjson_object_put(root);
	return ret;
nomem:
	fjson_object_put(by_uid);
	fjson_object_put(info);
	fjson_object_put(root);
	return -ENOMEM;
}
