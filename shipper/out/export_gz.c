/* SPDX-License-Identifier: Apache-2.0 */
/* gzip of one rotated export file, a slice per call (zlib's gzdopen at its fastest level). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <zlib.h>

#include "shipper/out/export_gz.h"

#define GZ_BUF	   (64 * 1024)
#define GZ_WHY_MAX 200

struct export_gz {
	int dirfd;
	int in;
	gzFile out;
	int state; /* 1 running, 0 done, -errno failed */
	char src[NAME_MAX + 1];
	char dst[NAME_MAX + 4];
	char buf[GZ_BUF];
};

struct export_gz *export_gz_start(
	int dirfd, const char *src, const struct stat *st, const struct fsafe_owner *own)
{
	char why[GZ_WHY_MAX];
	struct stat ist, ost;
	struct export_gz *gz;
	int out, err;

	if ((size_t)snprintf(NULL, 0, "%s.gz", src) >= sizeof(gz->dst)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	gz = malloc(sizeof(*gz));
	if (!gz)
		return NULL;
	gz->dirfd = dirfd;
	gz->state = 1;
	snprintf(gz->src, sizeof(gz->src), "%s", src);
	snprintf(gz->dst, sizeof(gz->dst), "%s.gz", src);
	gz->in = fsafe_openat(dirfd, src, O_RDONLY, own, &ist, why, sizeof(why));
	if (gz->in < 0) {
		err = -gz->in;
		goto fail;
	}
	if (ist.st_dev != st->st_dev || ist.st_ino != st->st_ino) {
		err = ESTALE; /* replaced under us: not ours to compress or remove */
		goto fail_in;
	}
	out = fsafe_openat(dirfd, gz->dst, O_WRONLY | O_APPEND | O_CREAT | O_EXCL, own, &ost, why,
		sizeof(why));
	if (out < 0) {
		err = -out;
		goto fail_in;
	}
	gz->out = gzdopen(out, "wb1");
	if (!gz->out) {
		err = ENOMEM;
		close(out);
		unlinkat(dirfd, gz->dst, 0);
		goto fail_in;
	}
	return gz;
fail_in:
	close(gz->in);
fail:
	free(gz);
	errno = err;
	return NULL;
}

/* Close both ends; on success the source goes, on failure the partial .gz. */
static int finish(struct export_gz *gz, int ret)
{
	errno = 0;
	if (gzclose(gz->out) != Z_OK && ret == 0)
		ret = errno ? -errno : -EIO;
	gz->out = NULL;
	close(gz->in);
	gz->in = -1;
	unlinkat(gz->dirfd, ret == 0 ? gz->src : gz->dst, 0);
	gz->state = ret;
	return ret;
}

int export_gz_step(struct export_gz *gz, size_t budget)
{
	size_t done = 0;
	ssize_t n;

	if (gz->state != 1)
		return gz->state;
	do {
		n = read(gz->in, gz->buf, sizeof(gz->buf));
		if (n == 0)
			return finish(gz, 0);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return finish(gz, -errno);
		}
		errno = 0;
		if (gzwrite(gz->out, gz->buf, (unsigned int)n) != (int)n)
			return finish(gz, errno ? -errno : -EIO);
		done += (size_t)n;
	} while (done < budget);
	return 1;
}

const char *export_gz_name(const struct export_gz *gz)
{
	return gz->state == 0 ? gz->dst : gz->src;
}

void export_gz_free(struct export_gz *gz)
{
	if (!gz)
		return;
	if (gz->state == 1)
		finish(gz, -ECANCELED);
	free(gz);
}
