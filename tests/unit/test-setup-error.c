/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for SetupError (supervisor/setup-error.c), the one error
 * carrier of the set-up path: what test-container-setup.c does not
 * already prove of setup_err(): the exit code always reset to 125, a
 * message cut exactly at its size and always terminated over whatever was
 * there, %m for an unknown errno and more than once, a literal %%m. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "container-setup.h"

static void test_the_exit_code_is_always_125(void **state)
{
	SetupError e = { .error = -ENOENT, .exit_code = EXIT_NOT_FOUND };
	assert_int_equal(setup_err(&e, -EPERM, "x"), -EPERM);
	assert_int_equal(e.exit_code, EXIT_BERTH_ERROR);
	assert_int_equal(e.error, -EPERM);
}

static void test_a_message_that_fits_exactly_is_kept_whole(void **state)
{
	SetupError e;
	char text[sizeof(e.msg) + 1];
	memset(text, 'a', sizeof(text));
	text[sizeof(e.msg) - 1] = 0; /* 511 characters: fits */
	setup_err(&e, -EIO, "%s", text);
	assert_string_equal(e.msg, text);
	text[sizeof(e.msg) - 1] = 'b'; /* 512: the last is cut */
	text[sizeof(e.msg)] = 0;
	setup_err(&e, -EIO, "%s", text);
	assert_int_equal(strlen(e.msg), sizeof(e.msg) - 1);
	assert_int_equal(e.msg[sizeof(e.msg) - 2], 'a');
}

static void test_the_message_is_terminated_over_what_was_there(void **state)
{
	SetupError e;
	memset(e.msg, 'z', sizeof(e.msg));
	setup_err(&e, -EIO, "short");
	assert_string_equal(e.msg, "short");
}

static void test_m_names_an_unknown_errno_and_can_come_twice(void **state)
{
	SetupError e;
	setup_err(&e, -4242, "%s: %m (%m)", "step");
	assert_string_equal(e.msg, "step: Unknown error 4242 (Unknown error 4242)");
	assert_int_equal(e.error, -4242);
}

static void test_a_literal_percent_m_is_no_error_text(void **state)
{
	SetupError e;
	errno = 0;
	setup_err(&e, -ENOENT, "100%%m of %d", 3);
	assert_string_equal(e.msg, "100%m of 3");
	assert_int_equal(errno, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_the_exit_code_is_always_125),
		cmocka_unit_test(test_a_message_that_fits_exactly_is_kept_whole),
		cmocka_unit_test(test_the_message_is_terminated_over_what_was_there),
		cmocka_unit_test(test_m_names_an_unknown_errno_and_can_come_twice),
		cmocka_unit_test(test_a_literal_percent_m_is_no_error_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
