/* SPDX-License-Identifier: Apache-2.0 */
/* Go's filepath.Clean and Join on Unix paths; see pathclean.h. */
#include "lib/pathclean.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* One pass, reading at r and writing at w behind it; dotdot marks where a ".." can no longer
 * back up (the root, or the ".."s a relative path keeps). */
int pathclean(const char *path, size_t n, char *buf, size_t size)
{
	bool rooted = n > 0 && path[0] == '/';
	size_t r = 0, w = 0, dotdot = 0;

	if (size < (n ? n + 1 : 2))
		return -ENOSPC;
	if (rooted) {
		buf[w++] = '/';
		r = dotdot = 1;
	}
	while (r < n) {
		if (path[r] == '/') {
			r++;
		} else if (path[r] == '.' && (r + 1 == n || path[r + 1] == '/')) {
			r++;
		} else if (path[r] == '.' && path[r + 1] == '.' &&
			   (r + 2 == n || path[r + 2] == '/')) {
			r += 2;
			if (w > dotdot) {
				w--;
				while (w > dotdot && buf[w] != '/')
					w--;
			} else if (!rooted) {
				if (w > 0)
					buf[w++] = '/';
				buf[w++] = '.';
				buf[w++] = '.';
				dotdot = w;
			}
		} else {
			if ((rooted && w != 1) || (!rooted && w != 0))
				buf[w++] = '/';
			while (r < n && path[r] != '/')
				buf[w++] = path[r++];
		}
	}
	if (w == 0)
		buf[w++] = '.';
	buf[w] = '\0';
	return (int)w;
}

int pathclean_join(const char *dir, const char *file, char *buf, size_t size)
{
	size_t dlen = strlen(dir), flen = strlen(file), n = 0;
	char *joined;
	int ret;

	if (dlen == 0 && flen == 0) {
		if (size == 0)
			return -ENOSPC;
		buf[0] = '\0';
		return 0;
	}
	joined = malloc(dlen + flen + 2);
	if (!joined)
		return -ENOMEM;
	memcpy(joined, dir, dlen);
	n = dlen;
	if (dlen && flen)
		joined[n++] = '/';
	memcpy(joined + n, file, flen);
	n += flen;
	ret = pathclean(joined, n, buf, size);
	free(joined);
	return ret;
}
