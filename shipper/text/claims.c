/* SPDX-License-Identifier: Apache-2.0 */
/* The header claims a local sender may not make; see claims.h. */
#include "shipper/text/claims.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "framing/framing_relay.h"

static bool own_msgid(const struct lines_local *lc, const char *id)
{
	size_t i;

	for (i = 0; lc->own_msgids && lc->own_msgids[i]; i++)
		if (strcasecmp(id, lc->own_msgids[i]) == 0)
			return true;
	return false;
}

static bool ours(const struct lines_local *lc)
{
	return lc->pid > 0 && lc->pid == lc->self;
}

/* "local-NAME" in dst when name reads as own_name. */
static bool rename_own(const struct lines_local *lc, char *dst, size_t size, const char **name)
{
	if (!(*name)[0] || !framing_program_is(*name, strlen(*name), lc->own_name, NULL))
		return false;
	snprintf(dst, size, "local-%s", *name);
	*name = dst;
	return true;
}

bool lines_claim(const struct lines_local *lc, struct lines_claimed *out, struct framing_header *h,
	const char **tag)
{
	bool claimed = false;

	h->hostname = lc->hostname ? lc->hostname : "";
	if (lc->kernel_pid && lc->pid > 0) {
		snprintf(out->procid, sizeof(out->procid), "%d", (int)lc->pid);
		h->procid = out->procid;
	}
	/* Our own log lines (--log-syslog into the socket we read) keep their name. */
	if (ours(lc))
		return false;
	claimed = rename_own(lc, out->app_name, sizeof(out->app_name), &h->app_name);
	if (tag && rename_own(lc, out->tag, sizeof(out->tag), tag))
		claimed = true;
	if (h->msgid[0] && own_msgid(lc, h->msgid)) {
		h->msgid = "";
		claimed = true;
	}
	return claimed;
}

const char *lines_claim_tagless(const struct lines_local *lc, const char *s, size_t len)
{
	if (ours(lc))
		return NULL;
	return framing_program_is(s, len, lc->own_name, NULL) ? "local-" : NULL;
}
