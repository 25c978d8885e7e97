/* SPDX-License-Identifier: Apache-2.0 */
/* Export filters, as Tetragon's --export-allowlist / --export-denylist.
 *
 * Each list is a text of JSON objects, one filter each (normally one per line; any JSON
 * whitespace separates them, as Tetragon's decoder accepts). Within one filter every field
 * given must match (AND); a list matches when any of its filters does (OR). An event is
 * exported when (the allowlist is empty or matches) and the denylist does not match.
 *
 * Fields (each a JSON array; an empty array is no constraint, as in Tetragon), by the proto's
 * name or the lowerCamelCase JSON name protojson also takes ("parentBinaryRegex"):
 *   event_set            ["PROCESS_EXEC", "PROCESS_EXIT"]; Tetragon's other event types
 *                        (PROCESS_KPROBE, ...) are accepted and never match: procship has none
 *   binary_regex         process binary matches any of the regexes
 *   parent_binary_regex  parent binary matches any (no parent known: no match)
 * Both see the path cleaned as Go's filepath.Clean does ("/usr/bin//id", "/usr/./bin/id" and
 * "/usr/lib/../bin/id" are "/usr/bin/id"), so the spelling of a path cannot evade a filter.
 * A symlink, a hard link, a copy, a bind mount or /dev/fd/N still can: the name is the
 * caller's. With --enable-process-cred the event carries the kernel's side (binary_properties:
 * a set-user-ID exec, a fileless one by its inode with no link), which no name spoofs.
 *   arguments_regex      process arguments (Tetragon's joined string) match any
 *   parent_arguments_regex  the parent's arguments match any (no parent known: no match)
 *   pid                  process pid is one of these
 *   pid_set              process pid or its parent's pid is one of these (Tetragon also follows
 *                        further descendants; procship knows only the parent)
 *   ancestor_binary_regex  the binary of any ancestor (beyond the parent, as Tetragon's
 *                        ancestors field) matches any; no ancestors: no match. Tetragon refuses
 *                        it unless ancestors are on: the caller checks filters_uses_ancestors
 *   in_init_tree         (true or false, not an array) the process's in_init_tree is this
 *   capabilities         (an object, Tetragon's CapFilter) {"permitted"|"effective"|
 *                        "inheritable": {"any"|"all"|"exactly"|"none": [CAP, ...]}}: each set
 *                        given holds any / all / exactly / none of the capabilities (AND
 *                        across sets; one of any/all/exactly/none per set, non-empty). CAP is
 *                        a CapabilitiesType name as the proto spells it ("CAP_SYS_ADMIN",
 *                        "DAC_OVERRIDE") or a bit number 0..63. An event that carries no cap
 *                        does not match; Tetragon refuses the field without process
 *                        credentials: the caller checks filters_needs(FILTERS_NEED_CAPS)
 * Regexes are PCRE2 (UTF-8, unanchored search, like Go's RE2 that Tetragon uses: RE2 syntax is
 * accepted; PCRE2 also takes lookarounds, which RE2 refuses). A match that fails (PCRE2's match
 * limit, which a crafted argument can reach) fails closed: it decides for export, counting as a
 * match in the allowlist and as no match in the denylist, and is counted in
 * filters_match_errors. The event itself is not marked: Tetragon's format has no word for it.
 * ancestor_binary_regex sees each path cleaned the same way; parent_arguments_regex shares the
 * budget and the fail-closed rule.
 * Tetragon fields procship cannot apply (namespace, namespace_regex, pod_regex,
 * container_name_regex, labels, ...) and unknown fields are refused, naming the field. */
#ifndef PROCSHIP_FILTERS_H
#define PROCSHIP_FILTERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum filters_event {
	FILTERS_EXEC = 1 << 0, /* PROCESS_EXEC */
	FILTERS_EXIT = 1 << 1, /* PROCESS_EXIT */
};

struct filters;

/* Compile both lists once. allow and deny may be NULL or blank (no filter). NULL with errno
 * EINVAL and a message naming the list, its line and the culprit in err, for example
 *   allowlist line 2: binary_regex "(": missing closing parenthesis at offset 1
 *   denylist line 1: unknown field "pids"
 * or ENOMEM. */
struct filters *filters_new(const char *allow, const char *deny, char *err, size_t errlen);
void filters_free(struct filters *f); /* accepts NULL */

/* False when both lists are empty: every event passes and the caller may skip filters_pass. */
bool filters_active(const struct filters *f);

/* The hot path: true when the event is to be exported. NULL binary or arguments are "";
 * a NULL parent_binary or a ppid of 0 means no parent. No allocation once warm (PCRE2 keeps
 * its match frames in one match block owned by f), so f is not shared between threads. */
bool filters_pass(struct filters *f, enum filters_event ev, const char *binary,
	const char *parent_binary, const char *arguments, uint32_t pid, uint32_t ppid);

/* Whether a filter names ancestor_binary_regex (then the subjects need their ancestors). */
bool filters_uses_ancestors(const struct filters *f);

/* What the events must carry for a field to apply. Tetragon refuses a filter whose
 * enrichment is off, and so does the caller, saying where with filters_needs. */
enum filters_need {
	FILTERS_NEED_ANCESTORS = 1 << 0, /* ancestor_binary_regex: the ancestors */
	FILTERS_NEED_CAPS = 1 << 1,	 /* capabilities: the process's cap */
	FILTERS_NEED_PID_SET = 1 << 2,	 /* a non-empty pid_set: --enable-pid-set-filter */
};
/* The first filter that needs need, as "allowlist line 3" written to buf, or NULL when no
 * filter does. */
const char *filters_needs(
	const struct filters *f, enum filters_need need, char *buf, size_t buflen);

/* Tetragon v1.7.0 builds an ancestor_binary_regex filter only when every event type it
 * applies to has ancestors on: those of its event_set, or all eight Tetragon gives ancestors
 * to (PROCESS_EXEC, PROCESS_EXIT, PROCESS_KPROBE, ..._TRACEPOINT, ..._LOADER, ..._UPROBE,
 * ..._LSM, ..._USDT) without one. The first such filter with a type ok(type name, arg)
 * refuses: "allowlist line 3" in buf and the type in *type; NULL when there is none. */
typedef bool (*filters_type_ok)(const char *type, const void *arg);
const char *filters_ancestors_unmet(const struct filters *f, filters_type_ok ok, const void *arg,
	const char **type, char *buf, size_t buflen);

/* The capability sets of struct filters_subject's caps, in CapFilter's order. */
enum filters_cap_set {
	FILTERS_CAP_PERMITTED,
	FILTERS_CAP_EFFECTIVE,
	FILTERS_CAP_INHERITABLE,
	FILTERS_CAP_SETS
};

/* The event as the pipeline admits it: filters_pass's arguments, and whose it is. */
struct filters_subject {
	enum filters_event ev;
	const char *binary, *parent_binary, *arguments;
	uint32_t pid, ppid;
	uint32_t uid; /* charged for the regex time: the real uid */
	bool scan;    /* an event of the start-up /proc scan: matched outside the time budget */
	bool in_init_tree;
	const char *const
		*ancestor_binaries; /* nearest first; needed when filters_uses_ancestors */
	size_t nancestors;
	const char *parent_arguments; /* NULL: no parent known */
	/* The process's capability bits by enum filters_cap_set, or NULL when the event carries
	 * no cap (--enable-process-cred off, a process seen only at its exit). */
	const uint64_t *caps;
};

/* Regex time is budgeted so that no user's arguments can stall the ring-buffer drain: each
 * uid may spend FILTERS_BUDGET_UID_MS and all uids together FILTERS_BUDGET_ALL_MS of every
 * 100 ms window matching regexes (CPU time: a slow match is charged no more than the thread's
 * CPU clock says, so that preemption on a busy host is not counted). An event whose uid (or
 * everyone) is over budget is decided without running its regexes, each taken as failed (fail
 * closed, as for the match limit: exported), and every regex not run is counted in
 * filters_budget_skips. One event costs at most what PCRE2's limits allow past the budget
 * (MATCH_LIMIT steps per start position). The start-up scan's events (scan) neither ask nor
 * charge: they are one burst of every process already running, bounded by the host, which a
 * slow host (or a sanitizer build) would otherwise push over the shared budget and decide
 * without their regexes. */
#define FILTERS_BUDGET_UID_MS 5
#define FILTERS_BUDGET_ALL_MS 25

/* filters_pass under the budget. now_ns is CLOCK_MONOTONIC, read just before the call: the
 * time from it to the end of the match is what the uid is charged. */
bool filters_check(struct filters *f, const struct filters_subject *e, uint64_t now_ns);
/* Regexes not run because their event was over budget, since f was made. */
uint64_t filters_budget_skips(const struct filters *f);
/* What the budget decided since the last report. In filters_budget_skips_due's answer,
 * skips counts since the previous answer, everyone those of events over the shared budget,
 * and uid the uid behind most of them (uid_skips, a lower bound when many uids were over). */
struct filters_budget_report {
	uint64_t skips;
	uint64_t everyone;
	uint32_t uid;
	uint64_t uid_skips;
};
/* For a log line at most once a minute (call it from a timer, so that the first report, made
 * at once, already shows who is behind a storm): true with *r filled when regexes were
 * skipped since the last report, which is at least a minute old. */
bool filters_budget_skips_due(struct filters *f, uint64_t now_ns, struct filters_budget_report *r);
/* True when some regex could not be JIT-compiled (no JIT in this PCRE2, or writable and
 * executable memory refused, as MemoryDenyWriteExecute=yes does) and runs in the interpreter:
 * the same answers, slower (bench/FINDINGS.md, finding 23). */
bool filters_interpreted(const struct filters *f);

/* Regex matches that failed (match limit, JIT stack), since f was made. */
uint64_t filters_match_errors(const struct filters *f);
/* For a log line at most once a minute: the failures since the last non-zero answer, or 0 when
 * there are none or the last one was less than a minute before now_ns (any monotonic clock). */
uint64_t filters_match_errors_due(struct filters *f, uint64_t now_ns);

#endif
