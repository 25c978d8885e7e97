/* Numbers and times as text, without snprintf or strftime: the event encoder writes several
 * per event.
 *
 * libc only, no allocation.
 */
#ifndef PROCSHIP_LIB_FMT_H
#define PROCSHIP_LIB_FMT_H

#include <stddef.h>
#include <stdint.h>

/* v in decimal at d, which has room for 20 bytes; no NUL. Returns the length. */
size_t fmt_u64(char *d, uint64_t v);

#endif
