/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for cli/options.c, linked from libcli.a: -e/--env, a
 * group's verbs, and the one line a wrong option gets. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "options.h"
#include "util.h"

static int pipe_fds[2];

static int setup(void **state)
{
	(void)state;
	if (pipe(pipe_fds) < 0)
		return -1;
	log_setup("berth", LOG_LEVEL_INFO);
	log_set_fd(pipe_fds[1]);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	log_set_fd(STDERR_FILENO);
	close(pipe_fds[0]);
	close(pipe_fds[1]);
	return 0;
}

/* The line the last error wrote. */
static const char *logged(void)
{
	static char buf[512];
	ssize_t n = read(pipe_fds[0], buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	return buf;
}

static void test_env_key_value_is_kept_as_given(void **state)
{
	(void)state;
	_cleanup_strv_free_ char **env = NULL;
	assert_int_equal(cli_env_option("-e", "A=b=c", &env), 0);
	assert_int_equal(cli_env_option("-e", "EMPTY=", &env), 0);
	assert_int_equal(strv_length(env), 2);
	assert_string_equal(env[0], "A=b=c");
	assert_string_equal(env[1], "EMPTY=");
}

static void test_env_key_alone_takes_the_host_value(void **state)
{
	(void)state;
	_cleanup_strv_free_ char **env = NULL;
	assert_int_equal(setenv("BERTH_TEST_HOST", "from host", 1), 0);
	assert_int_equal(cli_env_option("-e", "BERTH_TEST_HOST", &env), 0);
	assert_int_equal(strv_length(env), 1);
	assert_string_equal(env[0], "BERTH_TEST_HOST=from host");
}

static void test_env_key_unset_on_the_host_is_left_out(void **state)
{
	(void)state;
	_cleanup_strv_free_ char **env = NULL;
	assert_int_equal(unsetenv("BERTH_TEST_UNSET"), 0);
	assert_int_equal(cli_env_option("-e", "BERTH_TEST_UNSET", &env), 0);
	assert_int_equal(strv_length(env), 0);
}

static void test_env_key_star_takes_every_host_variable_with_that_prefix(void **state)
{
	(void)state;
	_cleanup_strv_free_ char **env = NULL;
	assert_int_equal(setenv("BERTH_TEST_P_ONE", "1", 1), 0);
	assert_int_equal(setenv("BERTH_TEST_P_TWO", "2", 1), 0);
	assert_int_equal(setenv("BERTH_TEST_Q", "no", 1), 0);
	assert_int_equal(cli_env_option("-e", "BERTH_TEST_P_*", &env), 0);
	assert_int_equal(strv_length(env), 2);
	assert_true(strv_contains(env, "BERTH_TEST_P_ONE=1"));
	assert_true(strv_contains(env, "BERTH_TEST_P_TWO=2"));
}

static void test_env_without_a_key_fails_with_einval(void **state)
{
	(void)state;
	_cleanup_strv_free_ char **env = NULL;
	assert_int_equal(cli_env_option("--env", "=x", &env), -EINVAL);
	assert_null(env);
	assert_non_null(strstr(logged(), "invalid --env `=x`: expected KEY=VALUE"));
}

static int verb_ok(Cli *cli, int argc, char **argv)
{
	(void)cli;
	(void)argc;
	(void)argv;
	return 0;
}

static void test_find_verb_by_name_or_alias(void **state)
{
	(void)state;
	static const CliVerb verbs[] = {
		{ "list", "ls", verb_ok, "list containers" },
		{ "rm", NULL, verb_ok, "remove" },
	};
	assert_ptr_equal(cli_find_verb(verbs, ELEMENTSOF(verbs), "list"), &verbs[0]);
	assert_ptr_equal(cli_find_verb(verbs, ELEMENTSOF(verbs), "ls"), &verbs[0]);
	assert_ptr_equal(cli_find_verb(verbs, ELEMENTSOF(verbs), "rm"), &verbs[1]);
	assert_null(cli_find_verb(verbs, ELEMENTSOF(verbs), "l"));
	assert_null(cli_find_verb(verbs, ELEMENTSOF(verbs), "remove"));
}

static const struct option run_options[] = {
	{ "memory", required_argument, NULL, 'm' },
	{ "memory-swap", required_argument, NULL, 'S' },
	{ "interactive", no_argument, NULL, 'i' },
	{ "tty", no_argument, NULL, 't' },
	{},
};

/* cli_getopt() over argv from "run" on; returns its first result. */
static int getopt_run(char *a1, char *a2)
{
	char *argv[] = { "run", a1, a2, NULL };
	int argc = a2 ? 3 : 2;
	optind = 0;
	return cli_getopt(argc, argv, "+:m:S:it", run_options, "run");
}

static void test_getopt_returns_a_known_option(void **state)
{
	(void)state;
	assert_int_equal(getopt_run("--memory", "64M"), 'm');
	assert_string_equal(optarg, "64M");
	assert_int_equal(getopt_run("-it", NULL), 'i');
}

static void test_getopt_global_option_after_the_command_says_where_it_goes(void **state)
{
	(void)state;
	assert_int_equal(getopt_run("--root", "/x"), -EINVAL);
	assert_string_equal(logged(), "berth: `--root` is a global option: give it before the "
				      "command, as in `berth --root DIR run ...`\n");
}

static void test_getopt_ambiguous_prefix_names_each_option_it_could_be(void **state)
{
	(void)state;
	assert_int_equal(getopt_run("--mem=1G", NULL), -EINVAL);
	assert_string_equal(logged(), "berth: option `--mem` is ambiguous: --memory, --memory-swap "
				      "(see `berth run --help`)\n");
}

static void test_getopt_missing_value_names_the_option_as_typed(void **state)
{
	(void)state;
	assert_int_equal(getopt_run("--memory", NULL), -EINVAL);
	assert_string_equal(logged(), "berth: option `--memory` needs a value "
				      "(see `berth run --help`)\n");
	assert_int_equal(getopt_run("-m", NULL), -EINVAL);
	assert_string_equal(logged(),
			    "berth: option `-m` needs a value (see `berth run --help`)\n");
}

static void test_getopt_unknown_short_option_in_a_group_is_named_alone(void **state)
{
	(void)state;
	char *argv[] = { "run", "-iz", NULL };
	optind = 0;
	assert_int_equal(cli_getopt(2, argv, "+:m:S:it", run_options, "run"), 'i');
	assert_int_equal(cli_getopt(2, argv, "+:m:S:it", run_options, "run"), -EINVAL);
	assert_string_equal(logged(), "berth: unknown option `-z` (see `berth run --help`)\n");
}

static void test_getopt_value_for_a_flag_is_refused(void **state)
{
	(void)state;
	assert_int_equal(getopt_run("--tty=yes", NULL), -EINVAL);
	assert_string_equal(logged(), "berth: option `--tty` takes no value "
				      "(see `berth run --help`)\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_env_key_value_is_kept_as_given),
		cmocka_unit_test(test_env_key_alone_takes_the_host_value),
		cmocka_unit_test(test_env_key_unset_on_the_host_is_left_out),
		cmocka_unit_test(test_env_key_star_takes_every_host_variable_with_that_prefix),
		cmocka_unit_test(test_env_without_a_key_fails_with_einval),
		cmocka_unit_test(test_find_verb_by_name_or_alias),
		cmocka_unit_test(test_getopt_returns_a_known_option),
		cmocka_unit_test(test_getopt_global_option_after_the_command_says_where_it_goes),
		cmocka_unit_test(test_getopt_ambiguous_prefix_names_each_option_it_could_be),
		cmocka_unit_test(test_getopt_missing_value_names_the_option_as_typed),
		cmocka_unit_test(test_getopt_unknown_short_option_in_a_group_is_named_alone),
		cmocka_unit_test(test_getopt_value_for_a_flag_is_refused),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
