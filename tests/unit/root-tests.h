/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Running a unit test whose some tests need root (or more: a real
 * container, container-fixture.h). Each such test calls skip() itself
 * without it; but cmocka 1.1.5 reports a skipped test in TAP as
 * "not ok N # SKIP", which automake's tap-driver.sh counts as a failure.
 * So without what they need they are left out of the run, and a TAP
 * comment says how many and why; with nothing left, the plan "1..0 #
 * SKIP" skips the whole program. Include after cmocka.h. */

#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* why_not: NULL when the privileged tests can run, else the reason. */
static inline int run_unit_tests(const char *name, const struct CMUnitTest *tests, size_t n,
				 const struct CMUnitTest *privileged, size_t n_privileged,
				 const char *why_not, CMFixtureFunction setup,
				 CMFixtureFunction teardown)
{
	struct CMUnitTest all[n + n_privileged + 1];
	if (n > 0)
		memcpy(all, tests, n * sizeof(*tests));
	size_t k = n;
	if (!why_not) {
		memcpy(all + n, privileged, n_privileged * sizeof(*privileged));
		k += n_privileged;
	} else if (n_privileged > 0)
		printf("# %zu tests left out: %s\n", n_privileged, why_not);
	if (k == 0) {
		printf("1..0 # SKIP %s\n", why_not);
		return 0;
	}
	return _cmocka_run_group_tests(name, all, k, setup, teardown);
}

#define RUN_UNIT_TESTS(tests, privileged, why_not, setup, teardown)                   \
	run_unit_tests(#tests, tests, sizeof(tests) / sizeof((tests)[0]), privileged, \
		       sizeof(privileged) / sizeof((privileged)[0]), why_not, setup, teardown)

static inline const char *unless_root(void)
{
	return geteuid() == 0 ? NULL : "not root";
}
