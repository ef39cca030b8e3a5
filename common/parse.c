/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "cleanup.h"
#include "parse.h"

int parse_uint64(const char *s, uint64_t *ret)
{
	if (!s || !*s)
		return -EINVAL;
	uint64_t v = 0;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		unsigned d = (unsigned)(*p - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*ret = v;
	return 0;
}

int parse_uint32(const char *s, uint32_t *ret)
{
	uint64_t v;
	int r = parse_uint64(s, &v);
	if (r < 0)
		return r;
	if (v > UINT32_MAX)
		return -ERANGE;
	*ret = (uint32_t)v;
	return 0;
}

int parse_ugid(const char *s, uint32_t *ret)
{
	uint32_t v;
	int r = parse_uint32(s, &v);
	if (r < 0)
		return r;
	if (!ugid_is_valid(v))
		return -ERANGE;
	*ret = v;
	return 0;
}

int parse_int_range(const char *s, long min, long max, long *ret)
{
	if (!s || !*s)
		return -EINVAL;
	bool neg = *s == '-';
	uint64_t v;
	int r = parse_uint64(neg ? s + 1 : s, &v);
	if (r < 0)
		return r;
	/* LONG_MIN's magnitude is one more than LONG_MAX, and -(long)v would
	 * overflow for it. */
	if (v > (uint64_t)LONG_MAX + (neg ? 1 : 0))
		return -ERANGE;
	long l = v > (uint64_t)LONG_MAX ? LONG_MIN : neg ? -(long)v : (long)v;
	if (l < min || l > max)
		return -ERANGE;
	*ret = l;
	return 0;
}

int parse_size(const char *s, uint64_t *ret)
{
	if (!s || !*s)
		return -EINVAL;
	const char *p = s;
	uint64_t whole = 0, frac = 0, frac_div = 1;
	bool digits = false;
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned d = (unsigned)(*p - '0');
		if (whole > (UINT64_MAX - d) / 10)
			return -ERANGE;
		whole = whole * 10 + d;
		digits = true;
	}
	if (*p == '.') {
		p++;
		for (; *p >= '0' && *p <= '9'; p++) {
			if (frac_div < 1000000000ull) {
				frac = frac * 10 + (uint64_t)(*p - '0');
				frac_div *= 10;
			}
			digits = true;
		}
	}
	if (!digits)
		return -EINVAL;

	static const struct {
		char c;
		unsigned shift;
	} units[] = { { 'b', 0 }, { 'k', 10 }, { 'm', 20 }, { 'g', 30 }, { 't', 40 }, { 'p', 50 } };
	unsigned shift = 0;
	if (*p) {
		bool found = false;
		for (size_t i = 0; i < ELEMENTSOF(units); i++)
			if (tolower((unsigned char)*p) == units[i].c) {
				shift = units[i].shift;
				found = true;
				break;
			}
		if (!found)
			return -EINVAL;
		p++;
		/* Accept "K", "KB", "KiB" (all binary), and "b" alone. */
		if (shift > 0) {
			if (*p == 'i' || *p == 'I')
				p++;
			if (*p == 'b' || *p == 'B')
				p++;
		}
		if (*p)
			return -EINVAL;
	}
	if (shift > 0 && whole > (UINT64_MAX >> shift))
		return -ERANGE;
	uint64_t v = whole << shift;
	if (frac > 0) {
		/* frac/frac_div of one unit; frac_div <= 1e9 and 1<<shift <= 2^50
		 * would overflow, so divide first where needed. */
		uint64_t unit = (uint64_t)1 << shift;
		uint64_t add = unit / frac_div * frac + (unit % frac_div) * frac / frac_div;
		if (v > UINT64_MAX - add)
			return -ERANGE;
		v += add;
	}
	*ret = v;
	return 0;
}

static const struct {
	const char *name;
	int sig;
} signals[] = {
	{ "HUP", SIGHUP },       { "INT", SIGINT },   { "QUIT", SIGQUIT },   { "ILL", SIGILL },
	{ "TRAP", SIGTRAP },     { "ABRT", SIGABRT }, { "BUS", SIGBUS },     { "FPE", SIGFPE },
	{ "KILL", SIGKILL },     { "USR1", SIGUSR1 }, { "SEGV", SIGSEGV },   { "USR2", SIGUSR2 },
	{ "PIPE", SIGPIPE },     { "ALRM", SIGALRM }, { "TERM", SIGTERM },   { "CHLD", SIGCHLD },
	{ "CONT", SIGCONT },     { "STOP", SIGSTOP }, { "TSTP", SIGTSTP },   { "TTIN", SIGTTIN },
	{ "TTOU", SIGTTOU },     { "URG", SIGURG },   { "XCPU", SIGXCPU },   { "XFSZ", SIGXFSZ },
	{ "VTALRM", SIGVTALRM }, { "PROF", SIGPROF }, { "WINCH", SIGWINCH }, { "IO", SIGIO },
	{ "PWR", SIGPWR },       { "SYS", SIGSYS },
};

int parse_signal(const char *s, int *ret)
{
	if (!s || !*s)
		return -EINVAL;
	long n;
	if (*s >= '0' && *s <= '9') {
		if (parse_int_range(s, 1, SIGRTMAX, &n) < 0)
			return -EINVAL;
		*ret = (int)n;
		return 0;
	}
	const char *p = strncasecmp(s, "SIG", 3) == 0 ? s + 3 : s;
	for (size_t i = 0; i < ELEMENTSOF(signals); i++)
		if (strcasecmp(p, signals[i].name) == 0) {
			*ret = signals[i].sig;
			return 0;
		}
	return -EINVAL;
}

const char *signal_name(int sig)
{
	for (size_t i = 0; i < ELEMENTSOF(signals); i++)
		if (signals[i].sig == sig)
			return signals[i].name;
	return NULL;
}

static bool name_char(char c, bool first)
{
	if (isalnum((unsigned char)c))
		return true;
	return !first && (c == '_' || c == '.' || c == '-');
}

bool name_is_valid(const char *s)
{
	if (!s || !*s || strlen(s) > NAME_MAX_LEN)
		return false;
	for (const char *p = s; *p; p++)
		if (!name_char(*p, p == s))
			return false;
	return true;
}

bool id_is_valid(const char *s)
{
	return id_prefix_is_valid(s) && strlen(s) == CONTAINER_ID_LEN;
}

bool id_prefix_is_valid(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > CONTAINER_ID_LEN)
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

bool env_assignment_is_valid(const char *s)
{
	if (!s)
		return false;
	const char *eq = strchr(s, '=');
	return eq && eq != s;
}

bool image_name_is_valid(const char *s)
{
	if (!s || !*s || strlen(s) > 255)
		return false;
	/* A registry reference by digest ends in @sha256:<64 hex digits>. */
	_cleanup_free_ char *copy = NULL;
	const char *at = strchr(s, '@');
	if (at) {
		const char *hex = at + 1 + strlen("sha256:");
		if (strncmp(at + 1, "sha256:", strlen("sha256:")) != 0 || strlen(hex) != 64 ||
		    hex[strspn(hex, "0123456789abcdef")] != 0 || at == s ||
		    !(copy = strndup(s, (size_t)(at - s))))
			return false;
		s = copy;
	}
	/* Components separated by '/' or ':' must each be valid names. */
	const char *p = s;
	while (*p) {
		size_t n = strcspn(p, "/:");
		if (n == 0 || n > NAME_MAX_LEN)
			return false;
		char comp[NAME_MAX_LEN + 1];
		memcpy(comp, p, n);
		comp[n] = 0;
		if (!name_is_valid(comp) || strcmp(comp, "..") == 0)
			return false;
		p += n;
		if (*p) {
			p++;
			if (!*p)
				return false;
		}
	}
	return true;
}

bool hostname_is_valid(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > 253)
		return false;
	size_t label = 0;
	for (const char *p = s; *p; p++) {
		if (*p == '.') {
			if (label == 0 || p[-1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)*p) && !(*p == '-' && label > 0))
			return false;
		if (++label > 63)
			return false;
	}
	return label > 0 && s[n - 1] != '-';
}

bool cpu_list_is_valid(const char *s)
{
	if (!s || !*s || strlen(s) > 1024)
		return false;
	const char *p = s;
	for (;;) {
		char *end;
		if (*p < '0' || *p > '9')
			return false;
		unsigned long a = strtoul(p, &end, 10), b = a;
		p = end;
		if (*p == '-') {
			p++;
			if (*p < '0' || *p > '9')
				return false;
			b = strtoul(p, &end, 10);
			p = end;
		}
		if (a > 4095 || b > 4095 || b < a)
			return false;
		if (*p == 0)
			return true;
		if (*p != ',')
			return false;
		p++;
	}
}

int parse_devnum(const char *s, uint32_t *ret_major, uint32_t *ret_minor)
{
	const char *colon = s ? strchr(s, ':') : NULL;
	if (!colon || colon == s)
		return -EINVAL;
	char maj[16];
	size_t n = (size_t)(colon - s);
	if (n >= sizeof(maj))
		return -EINVAL;
	memcpy(maj, s, n);
	maj[n] = 0;
	uint32_t a, b;
	if (parse_uint32(maj, &a) < 0 || parse_uint32(colon + 1, &b) < 0)
		return -EINVAL;
	*ret_major = a;
	*ret_minor = b;
	return 0;
}

int generate_name(char *ret, size_t size)
{
	static const char *const adjectives[] = {
		"agile",  "bold",  "brave",  "calm",  "clever", "crisp",  "eager", "fair",
		"gentle", "happy", "keen",   "lucid", "merry",  "nimble", "proud", "quick",
		"quiet",  "sharp", "steady", "swift", "tidy",   "vivid",  "wise",  "zesty",
	};
	static const char *const nouns[] = {
		"babbage",  "bell",     "cerf",    "curie", "dijkstra", "engelbart",
		"hamilton", "hopper",   "kay",     "knuth", "lamport",  "liskov",
		"lovelace", "mccarthy", "noether", "pike",  "ritchie",  "shannon",
		"thompson", "torvalds", "turing",  "wirth", "wozniak",  "yonath",
	};
	uint32_t rnd[3];
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return -errno;
	int n = snprintf(ret, size, "%s_%s_%04x", adjectives[rnd[0] % ELEMENTSOF(adjectives)],
			 nouns[rnd[1] % ELEMENTSOF(nouns)], rnd[2] & 0xffff);
	return n < 0 || (size_t)n >= size ? -ENOBUFS : 0;
}
