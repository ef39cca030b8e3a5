/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for a detached container's log (supervisor/ctr-log.c): each
 * line stamped and marked full (F) or partial (P), the cap and its
 * rotation, and output the log cannot take counted rather than lost
 * without a trace. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "supervisor.h"
#include "util.h"

static char *read_log(const char *dir, const char *name)
{
	_cleanup_free_ char *path = NULL;
	char *text = NULL;
	assert_true(asprintf(&path, "%s/%s", dir, name) >= 0);
	return read_full_file(path, &text, NULL) < 0 ? NULL : text;
}

static int make_dir(void **state)
{
	char tmpl[] = "/tmp/test-ctr-log.XXXXXX";
	assert_non_null(mkdtemp(tmpl));
	*state = strdup(tmpl);
	return 0;
}

static int remove_dir(void **state)
{
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", (char *)*state);
	assert_int_equal(system(cmd), 0);
	free(*state);
	return 0;
}

static Supervisor *supervisor(char *bundle)
{
	Supervisor *s = calloc(1, sizeof(*s));
	assert_non_null(s);
	s->bundle = bundle;
	s->log.fd = -EBADF;
	return s;
}

static void test_each_line_is_stamped_and_marked_full_or_partial(void **state)
{
	Supervisor *s = supervisor(*state);
	assert_int_equal(ctr_log_open(s), 0);
	ctr_log_write(s, "stdout", "one\ntwo", 7);
	ctr_log_write(s, "stderr", "three\n", 6);
	_cleanup_free_ char *log = read_log(*state, CTR_LOG_NAME);
	assert_non_null(log);
	/* 2026-12-06T02:50:05.123456789Z stdout F one */
	char ts[64], stream[16], mark[4], text[16];
	const char *p = log;
	const char *want[3][3] = { { "stdout", "F", "one" },
				   { "stdout", "P", "two" },
				   { "stderr", "F", "three" } };
	for (int i = 0; i < 3; i++) {
		assert_int_equal(sscanf(p, "%63s %15s %3s %15s", ts, stream, mark, text), 4);
		assert_int_equal(strlen(ts), strlen("2026-12-06T02:50:05.123456789Z"));
		assert_int_equal(ts[strlen(ts) - 1], 'Z');
		assert_string_equal(stream, want[i][0]);
		assert_string_equal(mark, want[i][1]);
		assert_string_equal(text, want[i][2]);
		p = strchr(p, '\n') + 1;
	}
	assert_string_equal(p, "");
	assert_int_equal(s->log.size, strlen(log));
	assert_int_equal(s->log.dropped, 0);
	safe_close(s->log.fd);
	free(s);
}

static void test_past_its_cap_the_log_rotates_once(void **state)
{
	Supervisor *s = supervisor(*state);
	s->log.max_size = 200;
	assert_int_equal(ctr_log_open(s), 0);
	for (int i = 0; i < 20; i++)
		ctr_log_write(s, "stdout", "a line of output\n", 17);
	_cleanup_free_ char *cur = read_log(*state, CTR_LOG_NAME);
	_cleanup_free_ char *old = read_log(*state, CTR_LOG_NAME ".1");
	assert_non_null(cur);
	assert_non_null(old);
	/* Each file holds less than the cap and one line more; there are
	 * two at most, so a chatty container takes at most twice the cap. */
	assert_true(strlen(old) >= 200 && strlen(old) < 200 + 60);
	assert_true(strlen(cur) < 200);
	_cleanup_free_ char *two = read_log(*state, CTR_LOG_NAME ".2");
	assert_null(two);
	safe_close(s->log.fd);
	free(s);
}

static void test_output_the_log_cannot_take_is_counted(void **state)
{
	char gone[PATH_MAX];
	snprintf(gone, sizeof(gone), "%s/gone", (char *)*state);
	Supervisor *s = supervisor(gone);
	ctr_log_write(s, "stdout", "a\nb\nc\n", 6);
	assert_int_equal(s->log.dropped, 6);
	assert_int_equal(s->log.dropped_lines, 3);
	assert_int_equal(s->log.drop_error, -ENOENT);
	/* Once the folder is there, the next output goes in, and the loss
	 * is told (supervisor.log) and forgotten until the next one. */
	assert_int_equal(mkdir(gone, 0700), 0);
	ctr_log_write(s, "stdout", "d\n", 2);
	_cleanup_free_ char *log = read_log(gone, CTR_LOG_NAME);
	assert_non_null(log);
	assert_non_null(strstr(log, " stdout F d\n"));
	assert_int_equal(s->log.drop_since_usec, 0);
	assert_int_equal(s->log.dropped, 6);
	safe_close(s->log.fd);
	free(s);
}

int main(void)
{
	/* What ctr_log_report_drops() says goes to stderr, not to the test's
	 * TAP output. */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_each_line_is_stamped_and_marked_full_or_partial, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_past_its_cap_the_log_rotates_once, make_dir,
						remove_dir),
		cmocka_unit_test_setup_teardown(test_output_the_log_cannot_take_is_counted,
						make_dir, remove_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
