/* SPDX-License-Identifier: Apache-2.0 */
/* struct ps_ext -> Tetragon's cap, ns, process_credentials and binary_properties text. */
#include "shipper/encode/cred_json.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>
#include <json_object_iterator.h>

#include "lib/capnames.h"
#include "lib/fmt.h"

/* SecureBitsType, in the order Tetragon lists them; the bit is the name's value. */
static const char *const securebit_names[] = {"SecBitNoRoot", "SecBitNoRootLocked",
	"SecBitNoSetUidFixup", "SecBitNoSetUidFixupLocked", "SecBitKeepCaps",
	"SecBitKeepCapsLocked", "SecBitNoCapAmbientRaise", "SecBitNoCapAmbientRaiseLocked"};

static const char *const ns_names[PS_NS_COUNT] = {
	[PS_NS_UTS] = "uts",
	[PS_NS_IPC] = "ipc",
	[PS_NS_MNT] = "mnt",
	[PS_NS_PID] = "pid",
	[PS_NS_PID_FOR_CHILDREN] = "pid_for_children",
	[PS_NS_NET] = "net",
	[PS_NS_TIME] = "time",
	[PS_NS_TIME_FOR_CHILDREN] = "time_for_children",
	[PS_NS_CGROUP] = "cgroup",
	[PS_NS_USER] = "user",
};

const char *cjson_cap_name(unsigned bit)
{
	return capnames_name(bit);
}

static size_t put(char *d, const char *s)
{
	size_t n = strlen(s);

	memcpy(d, s, n);
	return n;
}

/* "key":N for a wrapped uint32 (written even when 0). */
static size_t put_u32(char *d, const char *key, uint64_t v, int comma)
{
	size_t n = 0;

	if (comma)
		d[n++] = ',';
	d[n++] = '"';
	n += put(d + n, key);
	n += put(d + n, "\":");
	return n + fmt_u64(d + n, v);
}

/* ,"key":["NAME",...] for the set bits (an unnamed one as its number, as protojson writes an
 * enum value its proto does not name); nothing for an empty set. */
static size_t put_caps(char *d, const char *key, uint64_t set, int *first)
{
	size_t n = 0;
	unsigned bit;
	int any = 0;

	if (!set)
		return 0;
	if (!*first)
		d[n++] = ',';
	*first = 0;
	d[n++] = '"';
	n += put(d + n, key);
	n += put(d + n, "\":[");
	for (bit = 0; bit < 64; bit++) {
		if (!(set & (1ull << bit)))
			continue;
		if (any++)
			d[n++] = ',';
		if (cjson_cap_name(bit)) {
			d[n++] = '"';
			n += put(d + n, cjson_cap_name(bit));
			d[n++] = '"';
		} else {
			n += fmt_u64(d + n, bit);
		}
	}
	d[n++] = ']';
	return n;
}

size_t cjson_cap(char *d, const struct ps_ext *x)
{
	size_t n = put(d, "\"cap\":{");
	int first = 1;

	n += put_caps(d + n, "permitted", x->cap_permitted, &first);
	n += put_caps(d + n, "effective", x->cap_effective, &first);
	n += put_caps(d + n, "inheritable", x->cap_inheritable, &first);
	d[n++] = '}';
	return n;
}

size_t cjson_ns(char *d, const struct ps_ext *x, const uint32_t host[PS_NS_COUNT])
{
	size_t n = put(d, "\"ns\":{");
	int i, first = 1;

	for (i = 0; i < PS_NS_COUNT; i++) {
		bool time = i == PS_NS_TIME || i == PS_NS_TIME_FOR_CHILDREN;
		bool is_host = x->ns[i] == host[i] && (!time || host[i]);

		if (time && !x->ns[PS_NS_TIME])
			continue;
		if (!first)
			d[n++] = ',';
		first = 0;
		d[n++] = '"';
		n += put(d + n, ns_names[i]);
		n += put(d + n, "\":{");
		if (x->ns[i])
			n += put_u32(d + n, "inum", x->ns[i], 0);
		if (is_host)
			n += put(d + n, x->ns[i] ? ",\"is_host\":true" : "\"is_host\":true");
		d[n++] = '}';
	}
	d[n++] = '}';
	return n;
}

size_t cjson_creds(char *d, const struct ps_ext *x, uint32_t euid, uint32_t egid)
{
	size_t n = put(d, "\"process_credentials\":{");
	unsigned i;
	int any = 0;

	n += put_u32(d + n, "uid", x->uid, 0);
	n += put_u32(d + n, "gid", x->gid, 1);
	n += put_u32(d + n, "euid", euid, 1);
	n += put_u32(d + n, "egid", egid, 1);
	n += put_u32(d + n, "suid", x->suid, 1);
	n += put_u32(d + n, "sgid", x->sgid, 1);
	n += put_u32(d + n, "fsuid", x->fsuid, 1);
	n += put_u32(d + n, "fsgid", x->fsgid, 1);
	for (i = 0; i < sizeof(securebit_names) / sizeof(securebit_names[0]); i++) {
		if (!(x->securebits & (1u << i)))
			continue;
		n += put(d + n, any++ ? ",\"" : ",\"securebits\":[\"");
		n += put(d + n, securebit_names[i]);
		d[n++] = '"';
	}
	if (any)
		d[n++] = ']';
	d[n++] = '}';
	return n;
}

size_t cjson_binary_properties(char *d, const struct ps_ext *x, uint32_t euid, uint32_t egid)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} reasons[] = {
		{PS_SX_FILE_CAPS, "PRIVILEGES_RAISED_EXEC_FILE_CAP"},
		{PS_SX_SETUID_ROOT, "PRIVILEGES_RAISED_EXEC_FILE_SETUID"},
		{PS_SX_SETGID_ROOT, "PRIVILEGES_RAISED_EXEC_FILE_SETGID"},
	};
	bool fileless = x->ino && !x->nlink;
	size_t n, i;
	int first = 1, any = 0;

	if (!(x->secureexec & (PS_SX_SETUID | PS_SX_SETGID | PS_SX_FILE_CAPS | PS_SX_SETUID_ROOT |
				      PS_SX_SETGID_ROOT)) &&
		!fileless)
		return 0;
	n = put(d, "\"binary_properties\":{");
	if (x->secureexec & PS_SX_SETUID) {
		n += put_u32(d + n, "setuid", euid, 0);
		first = 0;
	}
	if (x->secureexec & PS_SX_SETGID) {
		n += put_u32(d + n, "setgid", egid, !first);
		first = 0;
	}
	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
		if (!(x->secureexec & reasons[i].bit))
			continue;
		if (!any++)
			n += put(d + n,
				first ? "\"privileges_changed\":[" : ",\"privileges_changed\":[");
		else
			d[n++] = ',';
		d[n++] = '"';
		n += put(d + n, reasons[i].name);
		d[n++] = '"';
		first = 0;
	}
	if (any)
		d[n++] = ']';
	if (fileless) {
		/* protojson writes a uint64 as a string */
		n += put(d + n, first ? "\"file\":{\"inode\":{\"number\":\""
				      : ",\"file\":{\"inode\":{\"number\":\"");
		n += fmt_u64(d + n, x->ino);
		n += put(d + n, "\",\"links\":0}}");
	}
	d[n++] = '}';
	return n;
}

size_t cjson_before_tid(char *d, const struct pcache_proc *p, const uint32_t host[PS_NS_COUNT])
{
	size_t n = 0;

	if (p->flags & PS_F_EXT_CRED) {
		d[n++] = ',';
		n += cjson_cap(d + n, &p->ext);
	}
	if (p->flags & PS_F_EXT_NS) {
		d[n++] = ',';
		n += cjson_ns(d + n, &p->ext, host);
	}
	return n;
}

size_t cjson_after_tid(char *d, const struct pcache_proc *p)
{
	if (!(p->flags & PS_F_EXT_CRED))
		return 0;
	d[0] = ',';
	return 1 + cjson_creds(d + 1, &p->ext, p->uid, p->gid);
}

size_t cjson_exec_props(char *d, const struct pcache_proc *p)
{
	size_t n;

	if (!(p->flags & PS_F_EXT_CRED))
		return 0;
	n = cjson_binary_properties(d + 1, &p->ext, p->uid, p->gid);
	if (!n)
		return 0;
	d[0] = ',';
	return n + 1;
}

int cjson_tree_add(struct fjson_object *o, const char *text, size_t len)
{
	struct fjson_object *parsed;
	char *doc;

	if (!len)
		return 0;
	if (text[0] != ',')
		return -EINVAL;
	doc = malloc(len + 2);
	if (!doc)
		return -ENOMEM;
	doc[0] = '{';
	memcpy(doc + 1, text + 1, len - 1);
	doc[len] = '}';
	doc[len + 1] = '\0';
	parsed = fjson_tokener_parse(doc);
	free(doc);
	if (!parsed || !fjson_object_is_type(parsed, fjson_type_object)) {
		fjson_object_put(parsed);
		return -EINVAL;
	}
	{
		struct fjson_object_iterator it = fjson_object_iter_begin(parsed),
					     end = fjson_object_iter_end(parsed);

		for (; !fjson_object_iter_equal(&it, &end); fjson_object_iter_next(&it))
			fjson_object_object_add(o, fjson_object_iter_peek_name(&it),
				fjson_object_get(fjson_object_iter_peek_value(&it)));
	}
	fjson_object_put(parsed);
	return 0;
}
