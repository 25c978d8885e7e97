/* SPDX-License-Identifier: Apache-2.0 */
/* What the procevents unit tests share: a sink that keeps the last event's JSON, and records
 * fed as the BPF side would write them. Included by one test file each (static). */
#ifndef PROCSHIP_TEST_PROCEVENTS_HARNESS_H
#define PROCSHIP_TEST_PROCEVENTS_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "shipper/capture/proc_cache.h"
#include "shipper/capture/procevents.h"
#include "shipper/encode/event_json.h"

/* What the last event said, copied while its entries were valid. */
struct seen {
	struct ejson *ej;
	int events;
	enum ps_event_type type;
	uint32_t pid;
	bool procfs;
	char exec_id[PCACHE_EXEC_ID_MAX];
	char parent_exec_id[PCACHE_EXEC_ID_MAX]; /* of ev->parent, "" when none */
	char json[131072];
};

static void on_event(void *arg, const struct pev_event *ev)
{
	struct seen *s = arg;
	const char *json;
	size_t len = 0;

	s->events++;
	s->type = ev->type;
	s->pid = ev->proc->pid;
	s->procfs = ev->procfs;
	snprintf(s->exec_id, sizeof(s->exec_id), "%s", ev->proc->exec_id);
	snprintf(s->parent_exec_id, sizeof(s->parent_exec_id), "%s",
		ev->parent ? ev->parent->exec_id : "");
	json = ev->type == PS_EVENT_EXEC
		       ? ejson_exec(s->ej, ev->proc, ev->parent, ev->ktime, &len)
		       : ejson_exit(s->ej, ev->proc, ev->parent, ev->exit_code, ev->ktime, &len);
	assert_non_null(json);
	assert_true(len < sizeof(s->json));
	memcpy(s->json, json, len);
	s->json[len] = '\0';
}

static struct ps_event rec;

static void feed(struct pev *pev, enum ps_event_type type, uint32_t pid, uint32_t ppid,
	uint64_t ktime, const char *exe)
{
	memset(&rec, 0, sizeof(rec));
	rec.type = type;
	rec.pid = rec.tid = pid;
	rec.ppid = ppid;
	rec.auid = PS_AUID_UNSET;
	rec.ktime = rec.start_ktime = ktime;
	if (type == PS_EVENT_EXIT)
		rec.start_ktime = 0; /* unknown: taken for the cached entry's */
	if (exe) {
		rec.filename_len = (uint32_t)strlen(exe);
		memcpy(PS_EVENT_FILENAME(&rec), exe, rec.filename_len);
		rec.args_len = rec.filename_len + 1;
		memcpy(PS_EVENT_ARGS(&rec), exe, rec.args_len);
		rec.flags = PS_F_ROOTCWD;
	}
	if (type == PS_EVENT_EXEC && ppid == 0)
		rec.flags |= PS_F_PROCFS;
	pev_record(pev, &rec);
}

static void assert_has(const struct seen *s, const char *needle)
{
	if (!strstr(s->json, needle))
		fail_msg("event %d has no %s: %s", s->events, needle, s->json);
}

#endif
