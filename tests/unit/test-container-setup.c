/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for the container-setup core's parts that run without root
 * (supervisor/container-setup.h): the one error carrier, setup_err(), and
 * what the init gets prepared before clone(), init_plan_prepare(): the
 * overlay's options, the root's path, the mounts' options and the
 * errors that name what is wrong. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>

#include "init-plan.h"
#include "oci.h"
#include "util.h"

#define PROCESS_OK "\"process\": {\"args\": [\"/bin/true\"], \"cwd\": \"/\"}"
#define ROOT_OK "\"root\": {\"path\": \"rootfs\"}"
#define TOP(x) "{\"ociVersion\": \"1.1.0\", " PROCESS_OK ", " ROOT_OK x "}"
#define OVERLAY(lower)                                                                           \
	", \"annotations\": {\"" ANNOTATION_LOWERDIR "\": \"" lower "\", \"" ANNOTATION_UPPERDIR \
	"\": \"upper\", \"" ANNOTATION_WORKDIR "\": \"work\"}"

static ContainerSpec *spec(const char *json)
{
	ContainerSpec *s = NULL;
	_cleanup_free_ char *error = NULL;
	if (spec_from_json(json, &s, &error) < 0)
		fail_msg("spec_from_json: %s\n%s", error, json);
	return s;
}

static void test_setup_err_fills_the_error_and_leaves_errno_alone(void **state)
{
	SetupError e;
	errno = EAGAIN;
	assert_int_equal(setup_err(&e, -ENOENT, "open `%s`: %m", "/x"), -ENOENT);
	assert_int_equal(errno, EAGAIN);
	assert_int_equal(e.error, -ENOENT);
	assert_int_equal(e.exit_code, 125);
	assert_string_equal(e.msg, "open `/x`: No such file or directory");
}

static void test_setup_err_takes_errno_before_formatting(void **state)
{
	/* The argument is evaluated first: what a failed call left. */
	SetupError e;
	errno = EPERM;
	setup_err(&e, -errno, "setuid %u: %m", 1000u);
	assert_string_equal(e.msg, "setuid 1000: Operation not permitted");
}

static void test_setup_err_cuts_a_long_message_to_one_message(void **state)
{
	SetupError e;
	char big[2 * sizeof(e.msg)];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	setup_err(&e, -E2BIG, "%s", big);
	assert_int_equal(strlen(e.msg), sizeof(e.msg) - 1);
}

static void test_the_plan_resolves_the_root_and_the_overlay_against_the_bundle(void **state)
{
	_cleanup_(spec_freep) ContainerSpec *s =
		spec(TOP(OVERLAY("../../layers/a:../../layers/b")));
	InitPlan plan;
	SetupError e;
	assert_int_equal(init_plan_prepare(&plan, s, "/r/containers/c", false, &e), 0);
	assert_string_equal(plan.rootfs, "/r/containers/c/rootfs");
	assert_string_equal(plan.overlay_data, "lowerdir=/r/layers/a:/r/layers/b,"
					       "upperdir=/r/containers/c/upper,"
					       "workdir=/r/containers/c/work");
	assert_int_equal(plan.overlay_volatile, 0);
	/* Descriptors are setup_spawn()'s: none yet. */
	assert_int_equal(plan.error_fd, -EBADF);
	assert_int_equal(plan.release_fd, -EBADF);
	assert_int_equal(plan.stage_fd, -EBADF);
	init_plan_done(&plan);
	assert_null(plan.rootfs);
	assert_int_equal(plan.stdio[0], -EBADF);
}

static void test_a_throwaway_container_gets_a_volatile_overlay(void **state)
{
	_cleanup_(spec_freep) ContainerSpec *s = spec(TOP(OVERLAY("/l")));
	InitPlan plan;
	SetupError e;
	assert_int_equal(init_plan_prepare(&plan, s, "/b", true, &e), 0);
	assert_string_equal(plan.overlay_data,
			    "lowerdir=/l,upperdir=/b/upper,workdir=/b/work,volatile");
	assert_string_equal(plan.overlay_data + plan.overlay_volatile, ",volatile");
	init_plan_done(&plan);
}

static void test_an_overlay_longer_than_a_page_is_refused_by_name(void **state)
{
	/* mount(2) takes one page of options. */
	_cleanup_free_ char *lower = NULL, *json = NULL;
	size_t n = 0;
	for (int i = 0; i < 400; i++) {
		char layer[32];
		snprintf(layer, sizeof(layer), "%s/layers/%04d", i ? ":" : "", i);
		assert_non_null(lower = realloc(lower, n + strlen(layer) + 1));
		strcpy(lower + n, layer);
		n += strlen(layer);
	}
	assert_true(asprintf(&json,
			     TOP(", \"annotations\": {\"%s\": \"%s\", \"%s\": \"u\", "
				 "\"%s\": \"w\"}"),
			     ANNOTATION_LOWERDIR, lower, ANNOTATION_UPPERDIR,
			     ANNOTATION_WORKDIR) >= 0);
	_cleanup_(spec_freep) ContainerSpec *s = spec(json);
	InitPlan plan;
	SetupError e;
	assert_int_equal(init_plan_prepare(&plan, s, "/b", false, &e), -E2BIG);
	assert_int_equal(e.error, -E2BIG);
	assert_non_null(strstr(e.msg, "longer than a page"));
	init_plan_done(&plan);
}

static void test_an_unknown_mount_option_is_refused_by_name(void **state)
{
	_cleanup_(spec_freep) ContainerSpec *s =
		spec(TOP(", \"mounts\": [{\"destination\": \"/x\", \"type\": \"bind\", \"source\": "
			 "\"/tmp\", \"options\": [\"rbind\", \"frobnicate\"]}]"));
	InitPlan plan;
	SetupError e;
	assert_int_equal(init_plan_prepare(&plan, s, "/b", false, &e), -EINVAL);
	assert_string_equal(e.msg,
			    "mount at `/x`: option `frobnicate` is not known for a bind mount");
	init_plan_done(&plan);
}

static void test_a_bind_mount_is_recursive_unless_it_says_bind(void **state)
{
	_cleanup_(spec_freep) ContainerSpec *s = spec(TOP(
		", \"mounts\": [{\"destination\": \"/a\", \"type\": \"bind\", \"source\": "
		"\"/tmp\"}, {\"destination\": \"/b\", \"type\": \"bind\", \"source\": \"/tmp\", "
		"\"options\": [\"bind\", \"ro\"]}, {\"destination\": \"/sys/fs/cgroup\", "
		"\"type\": \"cgroup\", \"source\": \"cgroup\"}]"));
	InitPlan plan;
	SetupError e;
	assert_int_equal(init_plan_prepare(&plan, s, "/b", false, &e), 0);
	assert_int_equal(plan.n_mounts, 3);
	assert_true(plan.mounts[0].opts.flags & MS_REC);
	assert_false(plan.mounts[1].opts.flags & MS_REC);
	assert_true(plan.mounts[1].opts.flags & MS_RDONLY);
	assert_string_equal(plan.mounts[2].fstype, "cgroup2");
	init_plan_done(&plan);
}

static void test_the_root_is_a_slave_unless_the_spec_says_otherwise(void **state)
{
	_cleanup_(spec_freep) ContainerSpec *s = spec(TOP(""));
	InitPlan plan;
	SetupError e;
	assert_int_equal(init_plan_prepare(&plan, s, "/b", false, &e), 0);
	assert_int_equal(plan.propagation, MS_SLAVE | MS_REC);
	init_plan_done(&plan);

	_cleanup_(spec_freep) ContainerSpec *p =
		spec("{\"ociVersion\": \"1.1.0\", " PROCESS_OK ", " ROOT_OK
		     ", \"linux\": {\"rootfsPropagation\": \"private\"}}");
	assert_int_equal(init_plan_prepare(&plan, p, "/b", false, &e), 0);
	assert_int_equal(plan.propagation & (MS_PRIVATE | MS_SLAVE | MS_SHARED), MS_PRIVATE);
	init_plan_done(&plan);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_setup_err_fills_the_error_and_leaves_errno_alone),
		cmocka_unit_test(test_setup_err_takes_errno_before_formatting),
		cmocka_unit_test(test_setup_err_cuts_a_long_message_to_one_message),
		cmocka_unit_test(
			test_the_plan_resolves_the_root_and_the_overlay_against_the_bundle),
		cmocka_unit_test(test_a_throwaway_container_gets_a_volatile_overlay),
		cmocka_unit_test(test_an_overlay_longer_than_a_page_is_refused_by_name),
		cmocka_unit_test(test_an_unknown_mount_option_is_refused_by_name),
		cmocka_unit_test(test_a_bind_mount_is_recursive_unless_it_says_bind),
		cmocka_unit_test(test_the_root_is_a_slave_unless_the_spec_says_otherwise),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
