/* SPDX-License-Identifier: Apache-2.0 */
/* Tetragon's optional process fields from a struct ps_ext, as protojson writes them: cap,
 * ns, process_credentials and binary_properties (api/v1/tetragon/tetragon.proto). Each writer
 * puts `"key":{...}` (no comma) at d, which has room for CJSON_MAX bytes, and returns the
 * length; libc only, so the fast encoder and the tree encoder share the same bytes. */
#ifndef PROCSHIP_CRED_JSON_H
#define PROCSHIP_CRED_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>

#include "bpf/procship_event.h"
#include "shipper/capture/proc_cache.h"

struct fjson_object;

/* Room any one writer needs: three capability sets with all 64 bits named. */
#define CJSON_MAX 8192

/* "CAP_CHOWN" ... by bit, Tetragon's CapabilitiesType names (DAC_OVERRIDE without CAP_, as
 * its proto spells it); NULL past the last one it names. */
const char *cjson_cap_name(unsigned bit);

/* "cap":{"permitted":[...],"effective":[...],"inheritable":[...]}: an empty set is left out,
 * so a process without capabilities has "cap":{}. */
size_t cjson_cap(char *d, const struct ps_ext *x);
/* "ns":{"uts":{"inum":N,"is_host":true},...}: is_host when inum is host[i] (PID 1's at
 * start-up); time and time_for_children are left out when the kernel gave no time namespace. */
size_t cjson_ns(char *d, const struct ps_ext *x, const uint32_t host[PS_NS_COUNT]);
/* "process_credentials":{"uid":...,"fsgid":...[,"securebits":[...]]}; euid and egid are the
 * record header's. */
size_t cjson_creds(char *d, const struct ps_ext *x, uint32_t euid, uint32_t egid);
/* "binary_properties":{...} when the exec raised privileges or ran a file without a link;
 * 0 (nothing written) otherwise. */
size_t cjson_binary_properties(char *d, const struct ps_ext *x, uint32_t euid, uint32_t egid);

/* A process object's pieces, each with its leading comma, by what p->flags says it carries
 * (PS_F_EXT_*), in protojson's order: cap and ns go before tid, process_credentials after it,
 * binary_properties (process_exec's process only) after that. Each returns the length. */
size_t cjson_before_tid(char *d, const struct pcache_proc *p, const uint32_t host[PS_NS_COUNT]);
size_t cjson_after_tid(char *d, const struct pcache_proc *p);
size_t cjson_exec_props(char *d, const struct pcache_proc *p);
/* Add pieces written as above (",\"k\":V,...") to a libfastjson object, in their order.
 * Returns 0 or -EINVAL (text that is not such pieces). */
int cjson_tree_add(struct fjson_object *o, const char *text, size_t len);

#endif
