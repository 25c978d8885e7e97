/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the record -> JSON path: the input is a script of sensor records
 * (procFS scan, fork, exec, exit) with hostile filenames, argv bytes, cwds, cgroup names
 * and comms, fed through pev_record() into the process cache and the Tetragon encoder,
 * with a payload limit chosen by the input. Checks, for every event emitted:
 *   - the text is one JSON object (libfastjson parses all of it, nothing after it), holds no
 *     NUL, no raw line break, and is valid UTF-8 (checked here and with utf8_seq);
 *   - it is an event of the record's kind (process_exec for an exec, process_exit for an
 *     exit) about the record's pid, on this node;
 *   - it is at most the limit, unless the encoder counted it in over_limit;
 *   - one event per exec and exit record, none for forks and the scan's kernel threads.
 * With ancestors on (a bit of the knob; the cache then keeps ancestry), "ancestors" is an
 * array of process objects, each with a pid and an exec_id, and absent when they are off;
 * with user names on (another bit; a passwd file of hostile names written once), "user" is
 * an object whose "name" is a string.
 * At the end everything is freed: pcache_allocated() must be 0 and LeakSanitizer quiet.
 *
 * Records are built the way the sensor delivers them: fork and exit records are only
 * PS_EVENT_HDR_SIZE bytes long and exec records end after their filename, cwd and args bytes,
 * each in a heap block of exactly that size so ASan sees a read past what the kernel sent.
 * What the BPF side guarantees is kept (no NUL in the filename, cgroup names NUL-terminated,
 * lengths within their bounds); everything else is the input's.
 *
 *   clang -std=gnu11 -g -O1 -D_GNU_SOURCE -I. -I/usr/include/libfastjson \
 *	-fsanitize=fuzzer,address,undefined tests/fuzz/fuzz_event.c shipper/capture/procevents.c \
 *	shipper/capture/proc_cache.c shipper/encode/event_json.c lib/utf8.c lib/jsonstr.c \
 *	lib/fmt.c -lfastjson -o build/fuzz/fuzz_event
 *   build/fuzz/fuzz_event -max_total_time=60 tests/fuzz/corpus/event
 *
 * Input layout (little-endian; missing bytes read as 0):
 *   u16 limit knob (bit 4: ancestors, bit 5: user names), u8 node length; then records, each
 *   starting with an op byte:
 *   op & 3: 0 procFS scan entry, 1 exec, 2 fork, 3 exit; op >> 2 selects the optional parts.
 *   u8 pid slot, u8 ppid slot (slot 0 for ppid means 0), u16 flags, u32 exit code (bit 0:
 *   a kernel thread for a procFS entry, bit 1: a cgroup v1 name, bit 2: a uid of the passwd
 *   file), u16 ktime, u8 nspid, three u8 ancestor slots. Then, as bits ask: comm, filename,
 *   cwd, args, cgroup, cgroup1, each a "blob":
 *   u16 length, u8 pattern length k, k pattern bytes repeated up to length.
 *   An exec record whose flags have PS_F_EXT_ENV carries an environment block after its args:
 *   one more blob (any bytes; the last NUL may be missing). One whose flags have a PS_F_EXT
 *   bit ends with a struct ps_ext: its bytes are the next sizeof(struct ps_ext) input bytes
 *   (missing ones 0). The flags of fork and exit records never carry those bits (the BPF side
 *   sets them on execs only). Every process object of an exec whose record had PS_F_EXT_CRED
 *   must have cap and process_credentials, one with PS_F_EXT_NS ns; "environment_variables",
 *   where present, is an array of objects holding only the strings "Key" and "Value".
 */
#include <linux/types.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "bpf/procship_event.h"
#include "lib/utf8.h"
#include "shipper/encode/event_json.h"
#include "shipper/capture/proc_cache.h"
#include "shipper/capture/procevents.h"
#include "shipper/capture/userdb.h"
#include "fuzz_util.h"

#define RECORDS_MAX 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct reader {
	const uint8_t *p;
	size_t left;
};

static uint64_t take(struct reader *r, size_t n)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (r->left) {
			v |= (uint64_t)*r->p << (8 * i);
			r->p++;
			r->left--;
		}
	}
	return v;
}

/* A blob of at most max bytes: a short input can still ask for a 4 KB argv. */
static size_t take_blob(struct reader *r, char *dst, size_t max)
{
	size_t len = (size_t)take(r, 2) % (max + 1), k = (size_t)take(r, 1), i;
	const uint8_t *pat = r->p;

	if (k > r->left)
		k = r->left;
	r->p += k;
	r->left -= k;
	if (k == 0) {
		memset(dst, 'a', len);
		return len;
	}
	for (i = 0; i < len; i++)
		dst[i] = (char)pat[i % k];
	return len;
}

/* What the emit callback checks against. */
struct expect {
	struct ejson *ej;
	const char *node;
	size_t max_len;
	uint64_t over_limit_before;
	uint32_t type;
	uint32_t pid;
	uint32_t ext; /* the PS_F_EXT bits of an exec record */
	int emitted;
	bool ancestors;
	bool bare; /* the exit of a process never seen: Tetragon's {pid, start_time} */
};

/* uids the passwd file names (exit code bit 2 picks one), with names JSON must escape. */
static const uint32_t passwd_uids[4] = {0, 1000, 1001, 4294967294u};

static char passwd[64];

static void remove_passwd(void)
{
	unlink(passwd);
}

static const char *passwd_path(void)
{
	char *path = passwd;
	FILE *f;

	if (path[0])
		return path;
	snprintf(passwd, sizeof(passwd), "/tmp/fuzz_event_passwd.%d", (int)getpid());
	atexit(remove_passwd);
	f = fopen(path, "w");
	CHECK(f);
	fputs("root:x:0:0::/:\nq\"u\\o:x:1000:0::/:\n\xc3\xa9t\xc3\xa9:x:1001:0::/:\n"
	      "a-very-long-name-that-is-just-under-the-sixty-three-bytes-bound:x:4294967294:0::/"
	      ":\n",
		f);
	CHECK(fclose(f) == 0);
	return path;
}

/* "ancestors" when on: process objects with a pid and an exec_id; "user": a name. */
static void check_lineage(const struct expect *x, struct fjson_object *body)
{
	struct fjson_object *a, *e, *v, *proc;
	size_t i;

	CHECK(fjson_object_object_get_ex(body, "process", &proc));
	if (fjson_object_object_get_ex(proc, "user", &v)) {
		CHECK(fjson_object_is_type(v, fjson_type_object));
		CHECK(fjson_object_object_get_ex(v, "name", &v));
		CHECK(fjson_object_is_type(v, fjson_type_string));
	}
	if (!fjson_object_object_get_ex(body, "ancestors", &a))
		return;
	CHECK(x->ancestors);
	CHECK(fjson_object_is_type(a, fjson_type_array));
	CHECK(fjson_object_array_length(a) > 0);
	for (i = 0; i < (size_t)fjson_object_array_length(a); i++) {
		e = fjson_object_array_get_idx(a, (int)i);
		CHECK(fjson_object_is_type(e, fjson_type_object));
		CHECK(fjson_object_object_get_ex(e, "pid", &v));
		CHECK(fjson_object_is_type(v, fjson_type_int));
		CHECK(fjson_object_object_get_ex(e, "exec_id", &v));
	}
}

/* environment_variables of a process object, when there: [{"Key":S,"Value":S}, ...]. */
static void check_envs(struct fjson_object *proc)
{
	struct fjson_object *a, *e;
	size_t i;

	if (!fjson_object_object_get_ex(proc, "environment_variables", &a))
		return;
	CHECK(fjson_object_is_type(a, fjson_type_array));
	CHECK(fjson_object_array_length(a) > 0);
	for (i = 0; i < (size_t)fjson_object_array_length(a); i++) {
		e = fjson_object_array_get_idx(a, (int)i);
		CHECK(fjson_object_is_type(e, fjson_type_object));
		struct fjson_object_iterator it = fjson_object_iter_begin(e),
					     end = fjson_object_iter_end(e);

		for (; !fjson_object_iter_equal(&it, &end); fjson_object_iter_next(&it)) {
			const char *key = fjson_object_iter_peek_name(&it);
			struct fjson_object *val = fjson_object_iter_peek_value(&it);

			CHECK(!strcmp(key, "Key") || !strcmp(key, "Value"));
			CHECK(fjson_object_is_type(val, fjson_type_string));
			CHECK(fjson_object_get_string_len(val) > 0);
		}
	}
}

static void check_json(struct expect *x, const char *json, size_t len)
{
	struct fjson_tokener *tok;
	struct fjson_object *doc, *body, *proc, *v;
	const char *kind = x->type == PS_EVENT_EXIT ? "process_exit" : "process_exec";
	char *text;
	size_t i, n;

	x->emitted++;
	CHECK(x->emitted == 1);
	CHECK(x->type == PS_EVENT_EXEC || x->type == PS_EVENT_EXIT);
	CHECK(json && len > 0);
	CHECK(!memchr(json, '\0', len));
	CHECK(!memchr(json, '\n', len) && !memchr(json, '\r', len));
	CHECK(fuzz_utf8_valid_prefix((const unsigned char *)json, len) == len);
	for (i = 0; i < len; i += n) {
		n = utf8_seq((const unsigned char *)json + i, len - i);
		CHECK(n > 0);
		if (n == 0)
			n = 1;
	}
	if (x->max_len && len > x->max_len)
		CHECK(ejson_get_stats(x->ej)->over_limit == x->over_limit_before + 1);
	else
		CHECK(ejson_get_stats(x->ej)->over_limit == x->over_limit_before);

	/* The whole text is one value: parse it with its length, then insist every byte was
	 * used (fjson_tokener_parse alone would accept trailing garbage). */
	text = malloc(len + 1);
	CHECK(text);
	memcpy(text, json, len);
	text[len] = '\0';
	tok = fjson_tokener_new();
	CHECK(tok);
	doc = fjson_tokener_parse_ex(tok, text, (int)len);
	CHECK(doc && fjson_tokener_get_error(tok) == fjson_tokener_success);
	CHECK((size_t)tok->char_offset == len);
	fjson_tokener_free(tok);
	CHECK(fjson_object_is_type(doc, fjson_type_object));

	CHECK(fjson_object_object_get_ex(doc, kind, &body));
	CHECK(fjson_object_is_type(body, fjson_type_object));
	CHECK(fjson_object_object_get_ex(body, "process", &proc));
	CHECK(fjson_object_object_get_ex(proc, "pid", &v));
	CHECK(fjson_object_get_int64(v) == (int64_t)x->pid);
	if (x->bare) {
		CHECK(x->type == PS_EVENT_EXIT);
		CHECK(fjson_object_object_length(proc) <= 2);
		CHECK(!fjson_object_object_get_ex(body, "parent", &v));
		CHECK(!fjson_object_object_get_ex(body, "ancestors", &v));
		fjson_object_put(doc);
		free(text);
		return;
	}
	CHECK(fjson_object_object_get_ex(proc, "binary", &v));
	CHECK(fjson_object_is_type(v, fjson_type_string));
	CHECK(fjson_object_object_get_ex(proc, "exec_id", &v));
	CHECK(fjson_object_is_type(v, fjson_type_string));
	if (x->type == PS_EVENT_EXEC && x->ext & PS_F_EXT_CRED) {
		CHECK(fjson_object_object_get_ex(proc, "cap", &v));
		CHECK(fjson_object_is_type(v, fjson_type_object));
		CHECK(fjson_object_object_get_ex(proc, "process_credentials", &v));
		CHECK(fjson_object_object_get_ex(v, "fsgid", &v));
	}
	if (x->type == PS_EVENT_EXEC && x->ext & PS_F_EXT_NS) {
		CHECK(fjson_object_object_get_ex(proc, "ns", &v));
		CHECK(fjson_object_object_get_ex(v, "user", &v));
	}
	check_envs(proc);
	if (fjson_object_object_get_ex(body, "parent", &v))
		check_envs(v);
	CHECK(fjson_object_object_get_ex(doc, "node_name", &v));
	CHECK(!strcmp(fjson_object_get_string(v), x->node));
	check_lineage(x, body);
	fjson_object_put(doc);
	free(text);
}

/* What the pipeline does with each event: encode it, then check the text. */
static void check_event(void *arg, const struct pev_event *ev)
{
	struct expect *x = arg;
	size_t len = 0;
	const char *json;

	x->bare = ev->proc->bare;
	json = ev->type == PS_EVENT_EXEC
		       ? ejson_exec(x->ej, ev->proc, ev->parent, ev->ktime, &len)
		       : ejson_exit(x->ej, ev->proc, ev->parent, ev->exit_code, ev->ktime, &len);

	check_json(x, json, len);
}

/* Room for the longest exec record, environment included: longer than struct ps_event. */
static union {
	struct ps_event e;
	char bytes[PS_EVENT_MAX_SIZE];
} rec_buf;

/* An exec record's strings, environment and struct ps_ext, as the parts and flags ask; returns
 * the record's size. */
static size_t fill_exec(struct reader *r, struct ps_event *e, unsigned parts)
{
	char *d = e->data;
	size_t n, rec_size, i;

	/* bpf_probe_read_kernel_str: no NUL inside, length without the NUL. */
	n = (parts & 2) ? take_blob(r, d, PS_FILENAME_MAX - 1) : 0;
	e->filename_len = (uint32_t)strnlen(d, n);
	/* the cwd as d_path writes it: any bytes */
	e->cwd_len = (parts & 8) ? (uint32_t)take_blob(r, d + e->filename_len, PS_CWD_MAX) : 0;
	/* argv as read from user memory: any bytes, the last NUL may be missing. */
	e->args_len =
		(parts & 4) ? (uint32_t)take_blob(r, d + e->filename_len + e->cwd_len, PS_ARGS_MAX)
			    : 0;
	n = (parts & 16) ? take_blob(r, e->cgroup, sizeof(e->cgroup) - 1) : 0;
	e->cgroup[n] = '\0';
	n = (e->exit_code & 2) ? take_blob(r, e->cgroup1, sizeof(e->cgroup1) - 1) : 0;
	e->cgroup1[n] = '\0';
	/* exit_code's word is env_len in an exec record */
	e->env_len = 0;
	if (e->flags & PS_F_EXT_ENV)
		e->env_len = (uint32_t)take_blob(r, PS_EVENT_ENV(e), PS_ENV_MAX);
	rec_size = PS_EVENT_DATA_OFF + e->filename_len + e->cwd_len + e->args_len + e->env_len;
	if (e->flags & PS_F_EXT) {
		for (i = 0; i < sizeof(struct ps_ext); i++)
			rec_buf.bytes[PS_EVENT_DATA_OFF + PS_EVENT_EXT_OFF(e) + i] =
				(char)take(r, 1);
		rec_size += sizeof(struct ps_ext);
	}
	return rec_size;
}

/* One record from the script, in a heap block of the size the ring buffer would hand over. */
static struct ps_event *build_record(struct reader *r, uint32_t *pids)
{
	struct ps_event *const e = &rec_buf.e;
	struct ps_event *out;
	unsigned op = (unsigned)take(r, 1), parts = op >> 2;
	size_t n, rec_size, i;

	memset(e, 0, PS_EVENT_DATA_OFF);
	switch (op & 3) {
	case 0:
		e->type = PS_EVENT_EXEC;
		e->flags = PS_F_PROCFS;
		break;
	case 1:
		e->type = PS_EVENT_EXEC;
		break;
	case 2:
		e->type = PS_EVENT_FORK;
		break;
	default:
		e->type = PS_EVENT_EXIT;
		break;
	}
	/* A few pids, so that forks, execs and exits meet; slot 7 is a huge pid. */
	e->pid = pids[take(r, 1) % 8];
	n = (size_t)take(r, 1) % 9;
	e->ppid = n ? pids[n - 1] : 0;
	/* The kernel never reports a process as its own parent (a fork makes a new pid). */
	if (e->ppid == e->pid && e->type == PS_EVENT_FORK)
		e->ppid = 0;
	e->tid = e->pid;
	e->flags |= (uint32_t)take(r, 2) & 0xfff;
	if (e->type != PS_EVENT_EXEC)
		e->flags &= ~(PS_F_EXT | PS_F_EXT_ENV);
	e->exit_code = (uint32_t)take(r, 4);
	if ((e->flags & PS_F_PROCFS) && (e->exit_code & 1))
		e->flags |= PS_F_KTHREAD;
	e->uid = e->gid = (e->exit_code & 4) ? passwd_uids[(e->exit_code >> 3) & 3]
					     : (uint32_t)(e->exit_code * 2654435761u);
	e->auid = (parts & 32) ? 0xffffffffu : e->uid;
	e->ktime = take(r, 2) * 1000003ULL;
	e->start_ktime = e->ktime / 2;
	if (e->type == PS_EVENT_EXIT && (e->exit_code & 2))
		e->start_ktime = 0; /* unknown: matches whatever the pid's entry is */
	e->nspid = (uint32_t)take(r, 1) % 3;
	for (i = 0; i < PS_ANCESTORS; i++) {
		n = (size_t)take(r, 1) % 9;
		e->ancestors[i] = n ? pids[n - 1] : 0;
	}
	if (parts & 1)
		take_blob(r, e->comm, sizeof(e->comm)); /* may fill all 16 bytes, no NUL */
	else
		memcpy(e->comm, "sh", 3);
	rec_size = e->type == PS_EVENT_EXEC ? fill_exec(r, e, parts) : PS_EVENT_HDR_SIZE;
	out = malloc(rec_size);
	CHECK(out);
	memcpy(out, e, rec_size);
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char node_chars[] = "abcdefghijklmnopqrstuvwxyz0123456789-.";
	uint32_t pids[8] = {1, 2, 100, 101, 4242, 4243, 65535, 4194304};
	struct reader r = {data, size};
	struct expect x = {0};
	char node[65];
	struct pcache *cache;
	struct ejson *ej;
	struct pev *pev;
	struct udb *users = NULL;
	unsigned knob;
	size_t i, node_len;
	int nrec;

	knob = (unsigned)take(&r, 2);
	/* 0 (no limit) now and then; otherwise a payload budget of 256..9000 bytes. */
	x.max_len = (knob & 0xf) == 0xf ? 0 : 256 + knob % (9000 - 256 + 1);
	/* A node name as uname gives it: up to 64 bytes (it lengthens every exec_id). */
	node_len = 1 + (size_t)take(&r, 1) % 64;
	for (i = 0; i < node_len; i++)
		node[i] = node_chars[(i * 7 + knob) % (sizeof(node_chars) - 1)];
	node[node_len] = '\0';

	cache = pcache_new(node);
	ej = ejson_new(node, 1700000000LL * 1000000000LL);
	CHECK(cache && ej);
	ejson_set_max_len(ej, x.max_len);
	{
		uint32_t host[PS_NS_COUNT];

		/* some equal to what the records say, some never */
		for (i = 0; i < PS_NS_COUNT; i++)
			host[i] = (knob >> i) & 1 ? 0 : (uint32_t)(i * 0x01010101u);
		ejson_set_host_ns(ej, host);
	}
	x.ej = ej;
	x.node = node;
	x.ancestors = knob & 0x10;
	pcache_set_keep_ancestry(cache, x.ancestors);
	ejson_set_ancestors(ej, x.ancestors);
	pev = pev_new(cache, check_event, &x);
	CHECK(pev);
	if (knob & 0x20) {
		users = udb_new(passwd_path());
		CHECK(users && udb_reload(users, true, NULL, 0) == 0);
		pev_set_users(pev, users);
	}

	for (nrec = 0; r.left > 0 && nrec < RECORDS_MAX; nrec++) {
		struct ps_event *e = build_record(&r, pids);

		/* Kernel threads from the /proc scan are only cached. */
		x.type = e->type == PS_EVENT_EXEC && (e->flags & PS_F_KTHREAD) ? 0 : e->type;
		x.pid = e->pid;
		x.ext = e->flags & PS_F_EXT;
		x.emitted = 0;
		x.over_limit_before = ejson_get_stats(ej)->over_limit;
		pev_record(pev, e);
		/* Execs and exits always give one event. */
		CHECK(x.emitted == (x.type == PS_EVENT_EXEC || x.type == PS_EVENT_EXIT));
		free(e);
	}
	CHECK(pev_get_stats(pev)->encode_errors == 0);

	pev_free(pev);
	udb_free(users);
	pcache_free(cache);
	ejson_free(ej);
	CHECK(pcache_allocated() == 0);
	return 0;
}
