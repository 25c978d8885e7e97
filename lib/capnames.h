/* SPDX-License-Identifier: Apache-2.0 */
/* Tetragon's CapabilitiesType names (api/v1/tetragon/capabilities.proto, v1.7.0), by the
 * kernel's capability bit: the one table the encoder writes and the filters read. */
#ifndef PROCSHIP_CAPNAMES_H
#define PROCSHIP_CAPNAMES_H

/* Bits the kernel's capability sets can hold (a kernel_cap_t is 64 bits wide). */
#define CAPNAMES_BITS 64

/* The name of capability bit, as the proto spells it ("CAP_CHOWN", "DAC_OVERRIDE", ...), or
 * NULL for a bit the proto does not name (41 and up in v1.7.0). */
const char *capnames_name(unsigned bit);
/* The bit named name (exact spelling, as protojson reads an enum), or -ENOENT. */
int capnames_bit(const char *name);

#endif
