/* SPDX-License-Identifier: Apache-2.0 */
/* Syslog text -> header fields: PRI, RFC 3164 and RFC 5424 headers and their timestamps. */
#include "framing/framing_parse.h"

#include <string.h>

/* ---- timestamps ------------------------------------------------------------------------ */

static int digits(const char *s, size_t n)
{
	int v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static time_t local_hour(struct framing_parser *p, int year, int mon, int day, int h)
{
	int key = ((year * 12 + mon) * 32 + day) * 24 + h;
	struct tm tm;

	if (key == p->hours.key)
		return p->hours.base;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year;
	tm.tm_mon = mon;
	tm.tm_mday = day;
	tm.tm_hour = h;
	tm.tm_isdst = -1;
	p->hours.base = mktime(&tm);
	p->hours.key = p->hours.base == (time_t)-1 ? -1 : key;
	return p->hours.base;
}

/* RFC 3164 section 4.1.2: "Mmm dd hh:mm:ss" (day padded with a space), local time, no year:
 * take the current year, or the previous one for a stamp more than a month in the future
 * (December's messages read in January). Returns the 15 bytes, or 0 when they are no stamp. */
static size_t parse_time_3164(
	struct framing_parser *p, const char *s, size_t len, time_t now, struct timespec *ts)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	int mon, day, h, m, sec;
	time_t t;

	if (len < 15 || s[3] != ' ' || s[6] != ' ' || s[9] != ':' || s[12] != ':')
		return 0;
	for (mon = 0; mon < 12; mon++)
		if (memcmp(s, months + 3 * mon, 3) == 0)
			break;
	if (mon == 12)
		return 0;
	day = s[4] == ' ' ? digits(s + 5, 1) : digits(s + 4, 2);
	h = digits(s + 7, 2);
	m = digits(s + 10, 2);
	sec = digits(s + 13, 2);
	if (day < 1 || day > 31 || h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 60)
		return 0;
	if (now / 3600 != p->hours.now_hour) {
		struct tm nowtm;

		localtime_r(&now, &nowtm);
		p->hours.now_year = nowtm.tm_year;
		p->hours.now_hour = now / 3600;
	}
	t = local_hour(p, p->hours.now_year, mon, day, h);
	if (t != (time_t)-1 && t > now + 31 * 86400)
		t = local_hour(p, p->hours.now_year - 1, mon, day, h);
	if (t == (time_t)-1)
		return 0;
	ts->tv_sec = t + m * 60 + sec;
	ts->tv_nsec = 0;
	return 15;
}

/* RFC 5424 section 6.2.3 (RFC 3339): YYYY-MM-DDThh:mm:ss[.frac](Z|+hh:mm|-hh:mm), the whole
 * of s[0..len) (a token); also what rsyslog's high-precision RFC 3164 template writes. Returns
 * len, or 0 when it is no such time. */
static size_t parse_time_3339(const char *s, size_t len, struct timespec *ts)
{
	int y, mo, d, h, mi, sec, off = 0;
	long nsec = 0;
	size_t i = 19;
	struct tm tm;

	if (len < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
		s[13] != ':' || s[16] != ':')
		return 0;
	y = digits(s, 4);
	mo = digits(s + 5, 2);
	d = digits(s + 8, 2);
	h = digits(s + 11, 2);
	mi = digits(s + 14, 2);
	sec = digits(s + 17, 2);
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 ||
		mi > 59 || sec < 0 || sec > 60)
		return 0;
	if (s[i] == '.') {
		long scale = 100000000;
		size_t start = ++i;

		while (i < len && s[i] >= '0' && s[i] <= '9') {
			nsec += (s[i] - '0') * scale;
			scale /= 10;
			i++;
		}
		if (i == start || i - start > 9) /* RFC 5424: at most 6; accept nanoseconds */
			return 0;
	}
	if (i < len && (s[i] == 'Z' || s[i] == 'z')) {
		i++;
	} else if (i + 6 == len && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
		int oh = digits(s + i + 1, 2), om = digits(s + i + 4, 2);

		if (oh < 0 || oh > 23 || om < 0 || om > 59)
			return 0;
		off = (oh * 60 + om) * 60 * (s[i] == '-' ? -1 : 1);
		i += 6;
	} else {
		return 0;
	}
	if (i != len)
		return 0;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	ts->tv_sec = timegm(&tm) - off;
	ts->tv_nsec = nsec;
	return len;
}

/* ---- headers --------------------------------------------------------------------------- */

/* Copy a header field so that it can be reframed as it is: bytes below 33 and DEL, which would
 * end or split a header, become '_', and so do bytes from 128 up unless high (RFC 5424 section
 * 6: PRINTUSASCII; a TAG's name as the sender wrote it keeps them, as rsyslog passes them on).
 * "-" is RFC 5424's NILVALUE and means absent. */
static void keep_field(char *dst, size_t size, const char *s, size_t len, bool high)
{
	size_t i;

	if (len == 1 && s[0] == '-')
		len = 0;
	if (len > size - 1)
		len = size - 1;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		dst[i] = c > 32 && c != 127 && (high || c < 128) ? s[i] : '_';
	}
	dst[len] = '\0';
}

static void keep(char *dst, size_t size, const char *s, size_t len)
{
	keep_field(dst, size, s, len, false);
}

/* RFC 5424 section 6.2.1: "<" 1*3DIGIT ">", 0..191. Returns the bytes taken (0: none) and sets
 * *bad for something that starts like a PRI and is not one ("<13", "<999>", "<>"). */
static size_t parse_pri(const char *s, size_t len, int *pri, bool *bad)
{
	size_t i;
	int v = 0;

	*bad = false;
	if (len == 0 || s[0] != '<')
		return 0;
	for (i = 1; i < len && i <= 4 && s[i] >= '0' && s[i] <= '9'; i++)
		v = v * 10 + (s[i] - '0');
	if (i == 1 || i > 4 || i >= len || s[i] != '>' || v > 191) {
		*bad = true;
		return 0;
	}
	*pri = v;
	return i + 1;
}

static size_t token(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len && s[i] != ' ')
		i++;
	return i;
}

/* rsyslog's programname, its RFC 5424 APP-NAME of an RFC 3164 message: the TAG up to the first
 * ':', '[', '/' or byte outside printable ASCII. Returns its length in s[0..len). */
static size_t program_len(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len && s[i] > 32 && s[i] < 127 && s[i] != ':' && s[i] != '[' && s[i] != '/')
		i++;
	return i;
}

static void keep_name(struct framing_parser *p, const char *s, size_t len)
{
	keep(p->app_name, sizeof(p->app_name), s, program_len(s, len));
	keep_field(p->tag, sizeof(p->tag), s, len, true);
}

/* RFC 3164 TAG as syslog(3) writes it: "name:" or "name[pid]:", then one space. Returns the
 * bytes taken including that space, 0 when s does not start with a TAG. */
static size_t parse_tag(
	struct framing_parser *p, const char *s, size_t len, struct framing_parsed *out)
{
	size_t i = 0, name_len, pid = 0, pid_len = 0;

	while (i < len && s[i] != ' ' && s[i] != ':' && s[i] != '[')
		i++;
	name_len = i;
	if (name_len == 0 || i >= len)
		return 0;
	if (s[i] == '[') {
		pid = ++i;
		while (i < len && s[i] != ']' && s[i] != ' ')
			i++;
		if (i >= len || s[i] != ']')
			return 0;
		pid_len = i - pid;
		i++;
	}
	if (i >= len || s[i] != ':')
		return 0;
	i++;
	out->tag_space = i < len && s[i] == ' ';
	i += out->tag_space;
	keep_name(p, s, name_len);
	keep(p->procid, sizeof(p->procid), s + pid, pid_len);
	return i;
}

/* The first word is the TAG, as rsyslog's imuxsock reads it ("hello[12]:x world": program
 * name hello, PROCID 12 from the first "[...]" in the word, MSG " world", "x" its tail). A
 * message that starts with a space has none, nor has a word that runs into a control byte
 * (rsyslog would take the escape into its TAG and lose bytes of MSG), whose name is longer
 * than an APP-NAME, or that is longer than that with bytes after its TAG (a JSON document).
 * Returns the bytes taken. */
static size_t parse_word(
	struct framing_parser *p, const char *s, size_t len, struct framing_parsed *out)
{
	const char *open, *close;
	size_t w = 0, name_len, end;

	while (w < len && (unsigned char)s[w] > ' ')
		w++;
	if (w == 0 || (w < len && s[w] != ' '))
		return 0;
	open = memchr(s, '[', w);
	close = open ? memchr(open, ']', w - (size_t)(open - s)) : NULL;
	for (name_len = 0; name_len < w && s[name_len] != '[' && s[name_len] != ':';)
		name_len++;
	end = close && open == s + name_len ? (size_t)(close - s) + 1 : name_len;
	if (end < w && s[end] == ':')
		end++;
	/* A name longer than an APP-NAME, or a long word with more after its TAG (a JSON
	 * document), is text: rsyslog would cut it to 32 bytes in RFC 3164. */
	if (name_len > FRAMING_APPNAME_MAX || (w > FRAMING_APPNAME_MAX && end < w))
		return 0;
	keep_name(p, s, name_len);
	if (close)
		keep(p->procid, sizeof(p->procid), open + 1, (size_t)(close - open - 1));
	out->word = s;
	out->word_len = w;
	out->word_tail = w - end;
	out->tag_space = w < len;
	return w + out->tag_space;
}

static bool hostname_like(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > FRAMING_HOSTNAME_MAX)
		return false;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			    c == '.' || c == '-' || c == '_' || c == ':'))
			return false;
	}
	return true;
}

/* [HOSTNAME " "] TAG: /dev/log senders leave the hostname out, logger --rfc3164 puts it in, so
 * a first word is the hostname only when a TAG follows it. Returns the bytes taken, 0 when
 * there is no TAG (then there is no hostname either). */
static size_t parse_host_tag(
	struct framing_parser *p, const char *s, size_t len, struct framing_parsed *out)
{
	size_t n = parse_tag(p, s, len, out), tl;

	if (n > 0)
		return n;
	tl = token(s, len);
	if (tl >= len || !hostname_like(s, tl))
		return 0;
	n = parse_tag(p, s + tl + 1, len - tl - 1, out);
	if (n == 0)
		return 0;
	keep(p->hostname, sizeof(p->hostname), s, tl);
	return n + tl + 1;
}

/* After PRI (or a bare timestamp): [TIMESTAMP " "] [HOSTNAME " "] [TAG] MSG, or for a local
 * message [TIMESTAMP " "] [first word] MSG. Returns the bytes taken; what follows is MSG. */
static size_t parse_3164(
	struct framing_parser *p, const char *s, size_t len, time_t now, struct framing_parsed *out)
{
	size_t tl, n = 0;

	out->form = FRAMING_FORM_RFC3164;
	if (parse_time_3164(p, s, len, now, &out->hdr.time) && (len == 15 || s[15] == ' ')) {
		out->have_time = true;
		n = len == 15 ? 15 : 16;
	} else if ((tl = token(s, len)) >= 20 && parse_time_3339(s, tl, &out->hdr.time)) {
		out->have_time = true;
		n = tl < len ? tl + 1 : tl;
	}
	if (p->local)
		return n + parse_word(p, s + n, len - n, out);
	return n + parse_host_tag(p, s + n, len - n, out);
}

/* RFC 5424 section 6.3: "-" or one or more [ID param="value"...] with '\' escaping '"', '\'
 * and ']' in values. Returns the bytes taken; a malformed SD takes the rest of the message. */
static size_t parse_sd(const char *s, size_t len)
{
	size_t i = 0;
	bool quoted = false;

	if (len == 0)
		return 0;
	if (s[0] == '-')
		return 1;
	if (s[0] != '[')
		return 0;
	while (i < len) {
		char c = s[i++];

		if (quoted) {
			if (c == '\\' && i < len)
				i++;
			else if (c == '"')
				quoted = false;
		} else if (c == '"') {
			quoted = true;
		} else if (c == ']' && (i >= len || s[i] != '[')) {
			return i;
		}
	}
	return len;
}

/* After "<PRI>1 ": TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP SD [SP MSG]
 * (RFC 5424 section 6), any of it cut short. Returns the bytes taken; what follows is MSG. */
static size_t parse_5424(
	struct framing_parser *p, const char *s, size_t len, struct framing_parsed *out)
{
	char *fields[4] = {p->hostname, p->app_name, p->procid, p->msgid};
	size_t sizes[4] = {
		sizeof(p->hostname), sizeof(p->app_name), sizeof(p->procid), sizeof(p->msgid)};
	size_t i, n, o = 0;

	out->form = FRAMING_FORM_RFC5424;
	n = token(s, len);
	if (n > 1 || (n == 1 && s[0] != '-'))
		out->have_time = parse_time_3339(s, n, &out->hdr.time) > 0;
	for (i = 0; i < 5; i++) {
		if (i > 0) {
			n = token(s + o, len - o);
			keep(fields[i - 1], sizes[i - 1], s + o, n);
		}
		o += n;
		if (o == len)
			return o;
		o++; /* the space */
	}
	n = parse_sd(s + o, len - o);
	if (n > 1 || (n == 1 && s[o] != '-')) {
		out->sd = s + o;
		out->sd_len = n;
	}
	o += n;
	if (o < len && s[o] == ' ')
		o++;
	/* RFC 5424 section 6.4: a BOM announces UTF-8; it is not text and breaks mmjsonparse. */
	if (len - o >= 3 && memcmp(s + o, "\xef\xbb\xbf", 3) == 0)
		o += 3;
	return o;
}

/* ---- a message ------------------------------------------------------------------------- */

void framing_parser_init(struct framing_parser *p)
{
	memset(p, 0, sizeof(*p));
	p->hours.key = -1;
	p->hours.now_hour = -1;
}

void framing_parse(struct framing_parser *p, const char *s, size_t len, const struct timespec *now,
	struct framing_parsed *out)
{
	int pri = 13; /* RFC 3164 section 4.3.3: no PRI means user.notice */
	struct timespec stamp;
	size_t n;

	memset(out, 0, sizeof(*out));
	p->hostname[0] = p->app_name[0] = p->tag[0] = p->procid[0] = p->msgid[0] = '\0';
	n = parse_pri(s, len, &pri, &out->bad_pri);
	if (out->bad_pri)
		n = 0; /* all of it text */
	else if (n > 0 && len > n + 1 && s[n] == '1' && s[n + 1] == ' ')
		n += 2 + parse_5424(p, s + n + 2, len - n - 2, out);
	else if (n > 0)
		n += parse_3164(p, s + n, len - n, now->tv_sec, out);
	else if (parse_time_3164(p, s, len, now->tv_sec, &stamp))
		n = parse_3164(p, s, len, now->tv_sec, out); /* a syslog file's line: no PRI */
	out->hdr.facility = pri >> 3;
	out->hdr.severity = pri & 7;
	if (!out->have_time)
		out->hdr.time = *now;
	out->hdr.hostname = p->hostname;
	out->hdr.app_name = p->app_name;
	out->tag = out->form == FRAMING_FORM_RFC5424 ? p->app_name : p->tag;
	out->hdr.procid = p->procid;
	out->hdr.msgid = p->msgid;
	out->msg = s + n;
	out->msg_len = len - n;
}
