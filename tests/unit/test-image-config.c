/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for cli/image-config.c, linked from libcli.a: an image's run
 * defaults (Entrypoint, Cmd, Env, WorkingDir, User) read from the
 * images.config column, where anything of the wrong type, or an Env entry
 * that is no KEY=VALUE, makes the whole document damaged. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <jansson.h>
#include <string.h>

#include "images.h"
#include "util.h"

static void test_strv_from_json_takes_arrays_of_strings_or_null(void **state)
{
	(void)state;
	char **l = (char **)1;
	assert_int_equal(strv_from_json(NULL, &l), 0);
	assert_null(l);
	json_t *j = json_null();
	assert_int_equal(strv_from_json(j, &l), 0);
	assert_null(l);
	json_decref(j);

	j = json_loads("[\"a\", \"b c\", \"\"]", 0, NULL);
	assert_int_equal(strv_from_json(j, &l), 0);
	assert_int_equal(strv_length(l), 3);
	assert_string_equal(l[0], "a");
	assert_string_equal(l[1], "b c");
	assert_string_equal(l[2], "");
	strv_free(l);
	json_decref(j);

	/* An empty list is a list: `Entrypoint: []` clears the default. */
	j = json_array();
	assert_int_equal(strv_from_json(j, &l), 0);
	assert_non_null(l);
	assert_int_equal(strv_length(l), 0);
	strv_free(l);
	json_decref(j);
}

static void test_strv_from_json_refuses_other_types(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"\"a\"", "{}", "[\"a\", 1]", "[null]", "[[\"a\"]]", "7"
	};
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		json_t *j = json_loads(bad[i], JSON_DECODE_ANY, NULL);
		assert_non_null(j);
		char **l = (char **)1;
		assert_int_equal(strv_from_json(j, &l), -EBADMSG);
		assert_null(l);
		json_decref(j);
	}
}

static void test_defaults_are_read_from_the_config(void **state)
{
	(void)state;
	ImageDefaults d;
	assert_int_equal(image_defaults_parse("{\"Entrypoint\":[\"/init\"],\"Cmd\":[\"-v\",\"x\"],"
					      "\"Env\":[\"PATH=/bin\",\"EMPTY=\"],"
					      "\"WorkingDir\":\"/srv\",\"User\":\"1000:1000\","
					      "\"Labels\":{\"a\":\"b\"}}",
					      &d),
			 0);
	assert_int_equal(strv_length(d.entrypoint), 1);
	assert_string_equal(d.entrypoint[0], "/init");
	assert_int_equal(strv_length(d.cmd), 2);
	assert_string_equal(d.cmd[1], "x");
	assert_int_equal(strv_length(d.env), 2);
	assert_string_equal(d.env[1], "EMPTY=");
	assert_string_equal(d.workdir, "/srv");
	assert_string_equal(d.user, "1000:1000");
	image_defaults_done(&d);
	assert_null(d.entrypoint);
	assert_null(d.cmd);
	assert_null(d.env);
	assert_null(d.workdir);
	assert_null(d.user);
}

static void test_missing_or_empty_fields_are_no_defaults(void **state)
{
	(void)state;
	ImageDefaults d;
	assert_int_equal(image_defaults_parse(NULL, &d), 0);
	assert_null(d.entrypoint);
	assert_null(d.cmd);
	assert_null(d.workdir);
	assert_int_equal(image_defaults_parse("{}", &d), 0);
	assert_null(d.env);
	assert_null(d.user);
	assert_int_equal(
		image_defaults_parse("{\"WorkingDir\":\"\",\"User\":\"\",\"Cmd\":null}", &d), 0);
	assert_null(d.workdir);
	assert_null(d.user);
	assert_null(d.cmd);
	image_defaults_done(&d);
}

static void test_damaged_config_is_refused_whole(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"",
		"not json",
		"[]",
		"\"Cmd\"",
		"{\"Cmd\":\"sh -c x\"}",
		"{\"Entrypoint\":[1]}",
		"{\"Env\":{\"A\":\"b\"}}",
		"{\"Env\":[\"NOEQUALS\"]}",
		"{\"Env\":[\"=value\"]}",
		"{\"Cmd\":[\"ok\"],\"Env\":[\"A=1\",\"bad\"]}",
		"{\"WorkingDir\":[\"/\"]}",
		"{\"User\":0}",
	};
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		ImageDefaults d = { .workdir = (char *)"stale" };
		assert_int_equal(image_defaults_parse(bad[i], &d), -EBADMSG);
		/* Nothing half-parsed is handed back. */
		assert_null(d.cmd);
		assert_null(d.env);
		assert_null(d.workdir);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strv_from_json_takes_arrays_of_strings_or_null),
		cmocka_unit_test(test_strv_from_json_refuses_other_types),
		cmocka_unit_test(test_defaults_are_read_from_the_config),
		cmocka_unit_test(test_missing_or_empty_fields_are_no_defaults),
		cmocka_unit_test(test_damaged_config_is_refused_whole),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
