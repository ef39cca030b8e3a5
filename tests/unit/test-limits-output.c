/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for cli/limits-output.c, linked from libcli.a: a
 * container's limits and usage as `berth status` prints them, in text
 * (each limit a line, swap told apart, "no limit" for the kernel's max)
 * and as JSON members (valid JSON, null for what is not set, unsigned
 * values kept unsigned). */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <sched.h>

#include "cli-test.h"

typedef struct {
	const ContainerSpec *spec;
	const CgroupStats *st;
} Args;

static void print_text(void *arg)
{
	const Args *a = arg;
	limits_print_text(a->spec, a->st);
}

static char *text_of(const ContainerSpec *spec, const CgroupStats *st)
{
	Args a = { spec, st };
	return test_capture_stdout(print_text, &a);
}

static void print_json(FILE *f, void *arg)
{
	const Args *a = arg;
	/* The members follow others in `berth status --format json`. */
	fputs("{\"id\": \"x\"", f);
	limits_print_json(f, a->spec, a->st);
	fputc('}', f);
}

/* The JSON object, parsed: it must be valid. */
static json_t *json_of(const ContainerSpec *spec, const CgroupStats *st)
{
	Args a = { spec, st };
	_cleanup_free_ char *text = test_capture_file(print_json, &a);
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);
	if (!j)
		fail_msg("not JSON (%s): %s", e.text, text);
	return j;
}

static void assert_json_int(json_t *o, const char *key, long long want)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_integer(v))
		fail_msg("%s is not an integer", key);
	assert_int_equal(json_integer_value(v), want);
}

static void assert_json_null(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_null(v))
		fail_msg("%s is not null", key);
}

static void test_text_without_limits_says_none(void **state)
{
	(void)state;
	ContainerSpec spec = { 0 };
	_cleanup_free_ char *t = text_of(&spec, NULL);
	assert_string_equal(t, "Limits:      none\n");
}

static void test_text_memory_and_its_swap(void **state)
{
	(void)state;
	ContainerSpec spec = { .resources = { .has_memory_limit = true,
					      .memory_limit = 64 << 20 } };
	_cleanup_free_ char *a = text_of(&spec, NULL);
	assert_string_equal(a, "Limits:\n  memory:    64.0 MiB, no swap\n");
	spec.resources.has_memory_swap = true;
	spec.resources.memory_swap = 64 << 20;
	_cleanup_free_ char *b = text_of(&spec, NULL);
	assert_string_equal(b, "Limits:\n  memory:    64.0 MiB, no swap\n");
	spec.resources.memory_swap = -1;
	_cleanup_free_ char *c = text_of(&spec, NULL);
	assert_string_equal(c, "Limits:\n  memory:    64.0 MiB, swap unlimited\n");
	/* The OCI value is memory and swap together: the swap is the rest. */
	spec.resources.memory_swap = 96 << 20;
	_cleanup_free_ char *d = text_of(&spec, NULL);
	assert_string_equal(d, "Limits:\n  memory:    64.0 MiB, swap 32.0 MiB\n");
}

static void test_text_every_limit_a_line(void **state)
{
	(void)state;
	SpecIoThrottle rd[] = { { 8, 0, 1 << 20 } },
		       wr[] = { { 8, 16, 10 << 20 }, { 253, 1, 512 } };
	ContainerSpec spec = {
		.resources = { .has_cpu_quota = true,
			       .cpu_quota = 50000,
			       .cpu_period = 100000,
			       .has_cpu_shares = true,
			       .cpu_shares = 1024,
			       .has_pids_limit = true,
			       .pids_limit = 100,
			       .cpuset_cpus = (char *)"1",
			       .io_read = rd,
			       .n_io_read = 1,
			       .io_write = wr,
			       .n_io_write = 2 },
		.sched_policy = SCHED_RR,
		.sched_priority = 5,
	};
	_cleanup_free_ char *t = text_of(&spec, NULL);
	char want[1024];
	snprintf(want, sizeof(want),
		 "Limits:\n"
		 "  cpu:       50000 us per 100000 us (50%% of one CPU)\n"
		 "  cpu share: 1024 (cpu.weight %llu)\n"
		 "  cpus:      1 (pinned, SCHED_RR)\n"
		 "  scheduler: SCHED_RR, priority 5\n"
		 "  pids:      100\n"
		 "  io:        read 1.0 MiB/s on 8:0, write 10.0 MiB/s on 8:16, write 512 B/s on "
		 "253:1\n",
		 (unsigned long long)cpu_shares_to_weight(1024));
	assert_string_equal(t, want);
	/* A cpuset without SCHED_RR is not "pinned"; a weight is its own line. */
	spec.sched_policy = 0;
	spec.resources.has_cpu_shares = false;
	spec.resources.has_cpu_weight = true;
	spec.resources.cpu_weight = 300;
	_cleanup_free_ char *u = text_of(&spec, NULL);
	assert_non_null(strstr(u, "\n  cpus:      1\n"));
	assert_non_null(strstr(u, "\n  cpu.weight: 300\n"));
	assert_null(strstr(u, "SCHED_RR"));
	assert_null(strstr(u, "cpu share"));
}

static void test_text_many_io_limits_are_cut_not_overflowed(void **state)
{
	(void)state;
	SpecIoThrottle wr[40];
	for (size_t i = 0; i < ELEMENTSOF(wr); i++)
		wr[i] = (SpecIoThrottle){ 4000000000u, 4000000000u, UINT64_MAX };
	ContainerSpec spec = { .resources = { .io_write = wr, .n_io_write = ELEMENTSOF(wr) } };
	_cleanup_free_ char *t = text_of(&spec, NULL);
	const char *io = strstr(t, "  io:        write ");
	assert_non_null(io);
	/* One line, of at most the 255 characters of its buffer. */
	const char *nl = strchr(io, '\n');
	assert_non_null(nl);
	assert_int_equal(nl[1], '\0');
	assert_true(nl - io <= (long)strlen("  io:        ") + 255);
	assert_non_null(strstr(io, "on 4000000000:4000000000, write "));
}

static void test_text_usage(void **state)
{
	(void)state;
	ContainerSpec spec = { 0 };
	CgroupStats st = {
		.has_memory = true,
		.memory_current = 3 << 20,
		.memory_peak = 5 << 20,
		.memory_max = UINT64_MAX,
		.oom_kills = 2,
		.has_cpu = true,
		.cpu_usage_usec = 1500000,
		.cpu_user_usec = 1000000,
		.cpu_system_usec = 500000,
		.cpu_throttled_usec = 250,
		.cpu_nr_throttled = 3,
		.has_pids = true,
		.pids_current = 4,
		.pids_max = UINT64_MAX,
		.has_io = true,
		.io_rbytes = 1024,
		.io_wbytes = 0,
		.io_max = "8:0 rbps=1048576",
		.cpuset = "0-1",
	};
	_cleanup_free_ char *t = text_of(&spec, &st);
	assert_string_equal(
		t, "Limits:      none\n"
		   "Usage:\n"
		   "  memory:    3.0 MiB now, 5.0 MiB peak (memory.max no limit), OOM "
		   "kills 2\n"
		   "  cpu:       1.500 s (user 1.000 s, system 0.500 s), throttled 0.000 s "
		   "in 3 periods\n"
		   "  pids:      4 (no limit)\n"
		   "  io:        1.0 KiB read, 0 B written; io.max 8:0 rbps=1048576\n"
		   "  cpuset:    0-1\n");
	st.memory_max = 64 << 20;
	st.pids_max = 10;
	st.io_max[0] = '\0';
	st.cpuset[0] = '\0';
	st.has_cpu = false;
	_cleanup_free_ char *u = text_of(&spec, &st);
	assert_non_null(strstr(u, "(memory.max 64.0 MiB)"));
	assert_non_null(strstr(u, "  pids:      4 of 10\n"));
	assert_non_null(strstr(u, "  io:        1.0 KiB read, 0 B written\n"));
	assert_null(strstr(u, "cpuset"));
	assert_null(strstr(u, "  cpu:"));
}

static void test_json_limits_set_and_unset(void **state)
{
	(void)state;
	SpecIoThrottle rd[] = { { 8, 0, 1 << 20 } };
	ContainerSpec spec = {
		.resources = { .has_memory_limit = true,
			       .memory_limit = 64 << 20,
			       .has_memory_swap = true,
			       .memory_swap = -1,
			       .has_cpu_shares = true,
			       .cpu_shares = 2048,
			       .io_read = rd,
			       .n_io_read = 1 },
	};
	json_t *j = json_of(&spec, NULL);
	json_t *l = json_object_get(j, "limits");
	assert_true(json_is_object(l));
	assert_json_int(l, "memory_max", 64 << 20);
	assert_json_int(l, "memory_swap", -1);
	assert_json_null(l, "cpu_quota");
	assert_json_null(l, "cpu_period");
	assert_json_int(l, "cpu_shares", 2048);
	/* The weight the shares become. */
	assert_json_int(l, "cpu_weight", (long long)cpu_shares_to_weight(2048));
	assert_json_null(l, "pids_max");
	assert_json_int(l, "io_read_bps", 1 << 20);
	assert_json_null(l, "io_write_bps");
	assert_json_null(l, "cpuset_cpus");
	assert_json_null(l, "sched_policy");
	assert_json_null(l, "rt_priority");
	assert_json_null(j, "usage");
	assert_string_equal(json_string_value(json_object_get(j, "id")), "x");
	json_decref(j);
}

static void test_json_pinned_cpu(void **state)
{
	(void)state;
	ContainerSpec spec = {
		.resources = { .cpuset_cpus = (char *)"3",
			       .has_cpu_quota = true,
			       .cpu_quota = 20000,
			       .cpu_period = 100000,
			       .has_cpu_weight = true,
			       .cpu_weight = 77 },
		.sched_policy = SCHED_RR,
		.sched_priority = 9,
	};
	json_t *j = json_of(&spec, NULL);
	json_t *l = json_object_get(j, "limits");
	assert_string_equal(json_string_value(json_object_get(l, "cpuset_cpus")), "3");
	assert_string_equal(json_string_value(json_object_get(l, "sched_policy")), "SCHED_RR");
	assert_json_int(l, "rt_priority", 9);
	assert_json_int(l, "cpu_quota", 20000);
	assert_json_int(l, "cpu_period", 100000);
	assert_json_null(l, "cpu_shares");
	assert_json_int(l, "cpu_weight", 77);
	json_decref(j);
}

static void test_json_usage(void **state)
{
	(void)state;
	ContainerSpec spec = { 0 };
	CgroupStats st = { .has_memory = true,
			   .memory_current = 1000,
			   .memory_peak = 2000,
			   .oom_kills = 1,
			   .has_pids = true,
			   .pids_current = 3,
			   .cpuset = "0-3" };
	json_t *j = json_of(&spec, &st);
	json_t *u = json_object_get(j, "usage");
	assert_true(json_is_object(u));
	assert_json_int(u, "memory_current", 1000);
	assert_json_int(u, "memory_peak", 2000);
	assert_json_int(u, "oom_kills", 1);
	assert_json_null(u, "cpu_usage_usec");
	assert_json_null(u, "cpu_throttled_usec");
	assert_json_null(u, "cpu_nr_throttled");
	assert_json_int(u, "pids_current", 3);
	assert_json_null(u, "io_read_bytes");
	assert_json_null(u, "io_write_bytes");
	assert_string_equal(json_string_value(json_object_get(u, "cpuset_effective")), "0-3");
	json_decref(j);
	st.cpuset[0] = '\0';
	j = json_of(&spec, &st);
	assert_json_null(json_object_get(j, "usage"), "cpuset_effective");
	json_decref(j);
}

/* An io rate is a u64 (io.max takes up to 2^64-1, which -w accepts): not
 * to be shown as a negative number. */
static void test_json_unsigned_values_stay_unsigned(void **state)
{
	(void)state;
	SpecIoThrottle wr[] = { { 8, 0, UINT64_MAX } };
	ContainerSpec spec = { .resources = { .io_write = wr, .n_io_write = 1 } };
	CgroupStats st = { .has_io = true, .io_rbytes = UINT64_MAX, .io_wbytes = 1 };
	Args a = { &spec, &st };
	_cleanup_free_ char *text = test_capture_file(print_json, &a);
	assert_non_null(strstr(text, "\"io_write_bps\": 18446744073709551615"));
	assert_non_null(strstr(text, "\"io_read_bytes\": 18446744073709551615"));
	assert_null(strstr(text, "-1"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_without_limits_says_none),
		cmocka_unit_test(test_text_memory_and_its_swap),
		cmocka_unit_test(test_text_every_limit_a_line),
		cmocka_unit_test(test_text_many_io_limits_are_cut_not_overflowed),
		cmocka_unit_test(test_text_usage),
		cmocka_unit_test(test_json_limits_set_and_unset),
		cmocka_unit_test(test_json_pinned_cpu),
		cmocka_unit_test(test_json_usage),
		cmocka_unit_test(test_json_unsigned_values_stay_unsigned),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
