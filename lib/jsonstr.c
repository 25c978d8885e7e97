/* JSON string escaping, as libfastjson does it. */
#include "lib/jsonstr.h"

#include <string.h>

size_t jsonstr_escape(char *d, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	static const char short_esc[32] = {
		['\b'] = 'b', ['\f'] = 'f', ['\n'] = 'n', ['\r'] = 'r', ['\t'] = 't'};

	d[0] = '\\';
	if (c == '"' || c == '\\') {
		d[1] = (char)c;
		return 2;
	}
	if (c < 32 && short_esc[c]) {
		d[1] = short_esc[c];
		return 2;
	}
	memcpy(d + 1, "u00", 3);
	d[4] = hex[(c >> 4) & 15];
	d[5] = hex[c & 15];
	return 6;
}
