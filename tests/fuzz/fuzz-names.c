/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The validators and small number parsers of common/parse.c, each with the
 * promise its callers rely on: a valid name is never a path, a parsed
 * number prints back to the value. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>

#include "fuzz.h"
#include "parse.h"

static bool only_chars(const char *s, const char *allowed)
{
	return s[strspn(s, allowed)] == 0;
}

#define ALNUM "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

static void check_names(const char *s)
{
	size_t n = strlen(s);
	if (name_is_valid(s)) {
		fuzz_check(n >= 1 && n <= NAME_MAX_LEN);
		fuzz_check(only_chars(s, ALNUM "_.-") && strchr(ALNUM, s[0]));
		fuzz_check(strcmp(s, ".") != 0 && strcmp(s, "..") != 0);
	}
	if (id_prefix_is_valid(s))
		fuzz_check(n >= 1 && n <= CONTAINER_ID_LEN && only_chars(s, "0123456789abcdef"));
	if (image_name_is_valid(s)) {
		/* A registry reference by digest ends in @sha256:<64 hex>; what
		 * comes before it is a name like any other. */
		const char *at = strchr(s, '@');
		size_t m = at ? (size_t)(at - s) : n;
		if (at) {
			fuzz_check(strncmp(at, "@sha256:", 8) == 0 && strlen(at + 8) == 64 &&
				   only_chars(at + 8, "0123456789abcdef"));
			fuzz_check(m >= 1);
		}
		char name[256];
		fuzz_check(n <= 255);
		memcpy(name, s, m);
		name[m] = 0;
		fuzz_check(only_chars(name, ALNUM "_.-/:"));
		fuzz_check(strchr(ALNUM, name[0]) && name[m - 1] != '/' && name[m - 1] != ':');
		fuzz_check(!strstr(name, "//") && !strstr(name, "::") && !strstr(name, "/.."));
	}
	if (hostname_is_valid(s)) {
		fuzz_check(n >= 1 && n <= 253 && only_chars(s, ALNUM "-."));
		fuzz_check(s[0] != '-' && s[0] != '.' && s[n - 1] != '-' && s[n - 1] != '.');
		fuzz_check(!strstr(s, "..") && !strstr(s, "-.") && !strstr(s, ".-"));
	}
	if (env_assignment_is_valid(s))
		fuzz_check(s[0] != '=' && strchr(s, '='));
	if (cpu_list_is_valid(s))
		fuzz_check(n >= 1 && n <= 1024 && only_chars(s, "0123456789,-"));
}

static void check_numbers(const char *s)
{
	char buf[64];
	uint64_t u = 0;
	if (parse_uint64(s, &u) == 0) {
		fuzz_check(only_chars(s, "0123456789"));
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)u);
		/* The same number, give or take leading zeros. */
		const char *digits = s + strspn(s, "0");
		fuzz_check(*digits ? strcmp(digits, buf) == 0 : u == 0);
	}

	static const struct {
		long min, max;
	} ranges[] = { { LONG_MIN, LONG_MAX }, { -1, 4194304 }, { 1, 99 }, { 0, 0 } };
	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		long l = 42;
		int r = parse_int_range(s, ranges[i].min, ranges[i].max, &l);
		fuzz_check(r == 0 || r == -EINVAL || r == -ERANGE);
		if (r == 0) {
			fuzz_check(l >= ranges[i].min && l <= ranges[i].max);
			long back;
			snprintf(buf, sizeof(buf), "%ld", l);
			fuzz_check(parse_int_range(buf, LONG_MIN, LONG_MAX, &back) == 0 &&
				   back == l);
		} else
			fuzz_check(l == 42);
	}

	int sig = 0;
	if (parse_signal(s, &sig) == 0) {
		fuzz_check(sig >= 1 && sig <= SIGRTMAX);
		const char *name = signal_name(sig);
		int back = 0;
		if (name)
			fuzz_check(parse_signal(name, &back) == 0 && back == sig);
	}

	uint32_t major = 0, minor = 0;
	if (parse_devnum(s, &major, &minor) == 0) {
		uint32_t major2 = 1, minor2 = 1;
		snprintf(buf, sizeof(buf), "%u:%u", major, minor);
		fuzz_check(parse_devnum(buf, &major2, &minor2) == 0);
		fuzz_check(major2 == major && minor2 == minor);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_strndup(data, size);
	check_names(s);
	check_numbers(s);
	free(s);
	return 0;
}
