/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for cli/resources.c, linked from libcli.a: the resource
 * flags of `run` and `update` read into ResourceOptions (sizes, CPU
 * quotas, ranges, -p as a CPU and not a port), and turned into the spec's
 * resources with the rules between them (swap needs memory, one of
 * shares and weight, one of --pin-cpu and --cpuset-cpus, the disk of an
 * io limit). */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "cgroup.h"
#include "cli-test.h"
#include "resources.h"

/* strdup(s) fails while s is this text (-Wl,--wrap=strdup, cli.mk). */
static const char *strdup_fails_for;

char *__real_strdup(const char *s);
char *__wrap_strdup(const char *s);
char *__wrap_strdup(const char *s)
{
	if (strdup_fails_for && streq(s, strdup_fails_for)) {
		errno = ENOMEM;
		return NULL;
	}
	return __real_strdup(s);
}

static int setup(void **state)
{
	(void)state;
	test_log_catch();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	test_log_release();
	return 0;
}

/* resource_option() for opt with arg, on o. */
static int opt(ResourceOptions *o, int opt, const char *arg)
{
	return resource_option(opt, arg, NULL, o);
}

static ContainerSpec *new_spec(void)
{
	ContainerSpec *s = NULL;
	assert_int_equal(spec_new_default(&s), 0);
	return s;
}

static int first_allowed_cpu(void)
{
	cpu_set_t allowed;
	assert_int_equal(sched_getaffinity(0, sizeof(allowed), &allowed), 0);
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &allowed))
			return c;
	fail();
	return -1;
}

static void test_memory_takes_a_size_of_at_least_4k(void **state)
{
	(void)state;
	ResourceOptions o = { 0 };
	assert_int_equal(opt(&o, 'm', "1G"), 1);
	assert_true(o.has_memory);
	assert_int_equal(o.memory, 1ull << 30);
	assert_int_equal(opt(&o, 'm', "4K"), 1);
	assert_int_equal(o.memory, 4096);
	assert_int_equal(opt(&o, 'm', "4095"), -EINVAL);
	assert_string_equal(logged(), "berth: invalid --mem `4095`: a size such as 50M or 1G, "
				      "at least 4K\n");
	assert_int_equal(opt(&o, 'm', "lots"), -EINVAL);
	assert_non_null(strstr(logged(), "invalid --mem `lots`"));
	/* The value was not changed by the refused ones. */
	assert_int_equal(o.memory, 4096);
}

static void test_memory_beyond_int64_is_refused(void **state)
{
	(void)state;
	ResourceOptions o = { 0 };
	/* 8 EiB is 2^63: memory.max is an int64_t in the spec. */
	assert_int_equal(opt(&o, 'm', "8192P"), -EINVAL);
	assert_int_equal(opt(&o, 'm', "99999999999999999999999"), -EINVAL);
	assert_false(o.has_memory);
	assert_non_null(strstr(logged(), "invalid --mem `8192P`"));
	assert_int_equal(opt(&o, 'm', "8191P"), 1);
	assert_int_equal(o.memory, 8191ull << 50);
}

static void test_memory_swap_is_a_size_or_minus_one(void **state)
{
	(void)state;
	ResourceOptions o = { 0 };
	assert_int_equal(opt(&o, ARG_RES_MEMORY_SWAP, "-1"), 1);
	assert_true(o.has_swap);
	assert_int_equal(o.swap, -1);
	assert_int_equal(opt(&o, ARG_RES_MEMORY_SWAP, "2G"), 1);
	assert_int_equal(o.swap, 2ll << 30);
	assert_int_equal(opt(&o, ARG_RES_MEMORY_SWAP, "-2"), -EINVAL);
	assert_string_equal(logged(), "berth: invalid --memory-swap `-2`: a size (memory + swap), "
				      "or -1 for no cap\n");
	assert_int_equal(opt(&o, ARG_RES_MEMORY_SWAP, "8192P"), -EINVAL);
	logged();
}

static void test_cpu_quota_in_microseconds_from_1000(void **state)
{
	(void)state;
	ResourceOptions o = { 0 };
	assert_int_equal(opt(&o, 'C', "20000"), 1);
	assert_true(o.has_quota);
	assert_int_equal(o.quota, 20000);
	assert_int_equal(opt(&o, 'C', "999"), -EINVAL);
	assert_string_equal(logged(), "berth: invalid --cpu `999`: microseconds of CPU per "
				      "100000, at least 1000\n");
	assert_int_equal(opt(&o, 'C', "1024000001"), -EINVAL);
	assert_int_equal(opt(&o, 'C', "20000us"), -EINVAL);
	logged();
	assert_int_equal(o.quota, 20000);
}

static void test_cpus_become_a_quota_per_100ms(void **state)
{
	(void)state;
	ResourceOptions o = { 0 };
	assert_int_equal(opt(&o, ARG_RES_CPUS, "0.5"), 1);
	assert_true(o.has_quota);
	assert_int_equal(o.quota, 50000);
	assert_int_equal(opt(&o, ARG_RES_CPUS, "2"), 1);
	assert_int_equal(o.quota, 200000);
	/* Rounded to the nearest microsecond, not truncated. */
	assert_int_equal(opt(&o, ARG_RES_CPUS, "0.333333339"), 1);
	assert_int_equal(o.quota, 33333);
	assert_int_equal(opt(&o, ARG_RES_CPUS, "0.1234567"), 1);
	assert_int_equal(o.quota, 12346);
	assert_int_equal(opt(&o, ARG_RES_CPUS, "1024"), 1);
	assert_int_equal(o.quota, 102400000);
}

static void test_cpus_out_of_range_or_not_a_number_is_refused(void **state)
{
	(void)state;
	const char *bad[] = { "0", "0.009", "1024.5", "-1", "nan", "inf", "2x", "", "0.5 " };
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		ResourceOptions o = { 0 };
		assert_int_equal(opt(&o, ARG_RES_CPUS, bad[i]), -EINVAL);
		assert_false(o.has_quota);
		char want[128];
		snprintf(want, sizeof(want),
			 "berth: invalid --cpus `%s`: a number of CPUs such as 0.5 or 2\n", bad[i]);
		assert_string_equal(logged(), want);
	}
}

static void test_shares_weight_and_pids_ranges(void **state)
{
	(void)state;
	ResourceOptions o = { 0 };
	assert_int_equal(opt(&o, ARG_RES_CPU_SHARES, "2"), 1);
	assert_int_equal(opt(&o, ARG_RES_CPU_SHARES, "262144"), 1);
	assert_int_equal(o.shares, 262144);
	assert_int_equal(opt(&o, ARG_RES_CPU_SHARES, "1"), -EINVAL);
	assert_string_equal(logged(),
			    "berth: invalid --cpu-shares `1`: a number from 2 to 262144\n");
	assert_int_equal(opt(&o, ARG_RES_CPU_SHARES, "262145"), -EINVAL);
	logged();

	assert_int_equal(opt(&o, ARG_RES_CPU_WEIGHT, "1"), 1);
	assert_int_equal(opt(&o, ARG_RES_CPU_WEIGHT, "10000"), 1);
	assert_int_equal(o.weight, 10000);
	assert_int_equal(opt(&o, ARG_RES_CPU_WEIGHT, "0"), -EINVAL);
	assert_int_equal(opt(&o, ARG_RES_CPU_WEIGHT, "10001"), -EINVAL);
	assert_non_null(strstr(logged(), "invalid --cpu-weight `10001`: a number from 1 to 10000"));

	assert_int_equal(opt(&o, ARG_RES_PIDS, "-1"), 1);
	assert_int_equal(o.pids, -1);
	assert_int_equal(opt(&o, ARG_RES_PIDS, "100"), 1);
	assert_int_equal(o.pids, 100);
	/* 0 would let nothing start: refused, as -2 and beyond pid_max. */
	assert_int_equal(opt(&o, ARG_RES_PIDS, "0"), -EINVAL);
	assert_string_equal(logged(), "berth: invalid --pids-limit `0`: a number of processes, "
				      "or -1 for no limit\n");
	assert_int_equal(opt(&o, ARG_RES_PIDS, "-2"), -EINVAL);
	assert_int_equal(opt(&o, ARG_RES_PIDS, "4194305"), -EINVAL);
	logged();
	assert_int_equal(o.pids, 100);
}

static void test_io_rates_and_podmans_device_colon_rate(void **state)
{
	(void)state;
	ResourceOptions o = { 0 };
	assert_int_equal(opt(&o, 'w', "10M"), 1);
	assert_true(o.has_write_bps);
	assert_int_equal(o.write_bps, 10u << 20);
	assert_null(o.io_device);
	assert_int_equal(opt(&o, 'r', "/dev/vda:1048576"), 1);
	assert_true(o.has_read_bps);
	assert_int_equal(o.read_bps, 1048576);
	assert_string_equal(o.io_device, "/dev/vda");
	/* The same disk again is fine, another one is not. */
	assert_int_equal(opt(&o, 'w', "/dev/vda:2M"), 1);
	assert_int_equal(o.write_bps, 2u << 20);
	assert_int_equal(opt(&o, 'w', "/dev/vdb:2M"), -EINVAL);
	assert_string_equal(logged(),
			    "berth: invalid --io-write-bps `/dev/vdb:2M`: one disk at a time\n");
	assert_string_equal(o.io_device, "/dev/vda");
	resource_options_done(&o);
	assert_null(o.io_device_owned);
}

static void test_io_rate_zero_or_junk_is_refused(void **state)
{
	(void)state;
	ResourceOptions o = { 0 };
	assert_int_equal(opt(&o, 'r', "0"), -EINVAL);
	assert_string_equal(logged(), "berth: invalid --io-read-bps `0`: bytes per second such as "
				      "1048576 or 10M\n");
	assert_int_equal(opt(&o, 'w', "/dev/vda:"), -EINVAL);
	assert_string_equal(logged(), "berth: invalid --io-write-bps `/dev/vda:`: bytes per "
				      "second such as 1048576 or 10M\n");
	assert_false(o.has_read_bps || o.has_write_bps);
	/* Nor was the disk of a refused one taken. */
	assert_null(o.io_device);
	resource_options_done(&o);
}

static void test_w_with_a_path_says_it_is_not_workdir(void **state)
{
	(void)state;
	ResourceOptions o = { 0 };
	assert_int_equal(opt(&o, 'w', "/srv/app"), -EINVAL);
	assert_string_equal(logged(), "berth: invalid --io-write-bps `/srv/app`: -w is berth's "
				      "--io-write-bps; the working directory is --workdir\n");
	/* -r with a path has no such meaning elsewhere: a bad rate. */
	assert_int_equal(opt(&o, 'r', "/srv/app"), -EINVAL);
	assert_non_null(strstr(logged(), "bytes per second"));
}

static void test_pin_cpu_attached_or_the_least_loaded(void **state)
{
	(void)state;
	ResourceOptions o = { 0 };
	assert_int_equal(resource_option('p', NULL, NULL, &o), 1);
	assert_true(o.pin);
	assert_int_equal(o.pin_cpu, -1);
	char cpu[16];
	snprintf(cpu, sizeof(cpu), "%d", first_allowed_cpu());
	assert_int_equal(resource_option('p', cpu, NULL, &o), 1);
	assert_int_equal(o.pin_cpu, first_allowed_cpu());
	/* A following argument that is not port-shaped is the image. */
	assert_int_equal(resource_option('p', NULL, "busybox", &o), 1);
	assert_int_equal(o.pin_cpu, -1);
	assert_int_equal(resource_option('p', "x", NULL, &o), -EINVAL);
	assert_string_equal(logged(), "berth: invalid --pin-cpu `x`: a CPU number\n");
	assert_int_equal(resource_option('p', "1024", NULL, &o), -EINVAL);
	logged();
}

static void test_p_with_a_port_mapping_says_it_is_not_publish(void **state)
{
	(void)state;
	const char *ports[] = { "8080:80", "80/tcp", "127.0.0.1:8080:80", "[::1]:80:80",
				"8000-8010:80-90/udp" };
	for (size_t i = 0; i < ELEMENTSOF(ports); i++) {
		ResourceOptions o = { 0 };
		char want[256];
		snprintf(want, sizeof(want),
			 "berth: -p is berth's --pin-cpu, not --publish: `%s` is not a CPU here; "
			 "publish a port with --publish\n",
			 ports[i]);
		assert_int_equal(resource_option('p', ports[i], NULL, &o), -EINVAL);
		assert_string_equal(logged(), want);
		/* Separate, as Docker's -p takes it: the same. */
		assert_int_equal(resource_option('p', NULL, ports[i], &o), -EINVAL);
		assert_string_equal(logged(), want);
	}
	/* Not port-shaped: a bad protocol, a bracket never closed. */
	ResourceOptions o = { 0 };
	assert_int_equal(resource_option('p', NULL, "80/icmp", &o), 1);
	assert_int_equal(resource_option('p', NULL, "[::1:80", &o), 1);
	assert_int_equal(resource_option('p', "80/icmp", NULL, &o), -EINVAL);
	assert_string_equal(logged(), "berth: invalid --pin-cpu `80/icmp`: a CPU number\n");
}

static void test_p_then_one_of_our_cpus_says_to_attach_it(void **state)
{
	(void)state;
	ResourceOptions o = { 0 };
	char cpu[16], want[256];
	snprintf(cpu, sizeof(cpu), "%d", first_allowed_cpu());
	assert_int_equal(resource_option('p', NULL, cpu, &o), -EINVAL);
	snprintf(want, sizeof(want),
		 "berth: -p/--pin-cpu takes its CPU attached: -p%s or --pin-cpu=%s (a bare -p "
		 "takes the least loaded CPU)\n",
		 cpu, cpu);
	assert_string_equal(logged(), want);
	/* Attached, the same number is a CPU. */
	assert_int_equal(resource_option('p', cpu, NULL, &o), 1);
	assert_int_equal(o.pin_cpu, atoi(cpu));
}

static void test_rt_priority_and_cpuset(void **state)
{
	(void)state;
	ResourceOptions o = { 0 };
	assert_int_equal(opt(&o, ARG_RES_RT_PRIORITY, "99"), 1);
	assert_int_equal(o.rt_priority, 99);
	assert_int_equal(opt(&o, ARG_RES_RT_PRIORITY, "0"), -EINVAL);
	assert_string_equal(logged(), "berth: invalid --rt-priority `0`: a SCHED_RR priority from "
				      "1 to 99\n");
	assert_int_equal(opt(&o, ARG_RES_RT_PRIORITY, "100"), -EINVAL);
	logged();
	assert_int_equal(opt(&o, ARG_RES_CPUSET, "0-3,6"), 1);
	assert_string_equal(o.cpuset, "0-3,6");
	assert_int_equal(opt(&o, ARG_RES_CPUSET, "0-3,x"), -EINVAL);
	assert_string_equal(logged(),
			    "berth: invalid --cpuset-cpus `0-3,x`: a CPU list such as 0-3,6\n");
	assert_string_equal(o.cpuset, "0-3,6");
}

static void test_other_options_are_not_resource_options(void **state)
{
	(void)state;
	ResourceOptions o = { 0 };
	assert_int_equal(opt(&o, 'd', "x"), 0);
	assert_int_equal(opt(&o, 'i', NULL), 0);
	assert_false(resource_options_any(&o));
	assert_string_equal(logged(), "");
}

static void test_any_is_true_for_each_option_alone(void **state)
{
	(void)state;
	struct {
		int opt;
		const char *arg;
	} each[] = {
		{ 'm', "1G" },
		{ ARG_RES_MEMORY_SWAP, "-1" },
		{ 'C', "1000" },
		{ ARG_RES_CPU_SHARES, "2" },
		{ ARG_RES_CPU_WEIGHT, "1" },
		{ ARG_RES_PIDS, "5" },
		{ 'w', "1M" },
		{ 'r', "1M" },
		{ ARG_RES_IO_DEVICE, "8:0" },
		{ 'p', NULL },
		{ ARG_RES_RT_PRIORITY, "5" },
		{ ARG_RES_CPUSET, "0" },
	};
	ResourceOptions none = { 0 };
	assert_false(resource_options_any(&none));
	for (size_t i = 0; i < ELEMENTSOF(each); i++) {
		ResourceOptions o = { 0 };
		assert_int_equal(opt(&o, each[i].opt, each[i].arg), 1);
		assert_true(resource_options_any(&o));
	}
}

static void test_apply_fills_the_spec(void **state)
{
	(void)state;
	_cleanup_(spec_freep) ContainerSpec *s = new_spec();
	ResourceOptions o = { 0 };
	assert_int_equal(opt(&o, 'm', "64M"), 1);
	assert_int_equal(opt(&o, ARG_RES_MEMORY_SWAP, "128M"), 1);
	assert_int_equal(opt(&o, ARG_RES_CPUS, "1.5"), 1);
	assert_int_equal(opt(&o, ARG_RES_CPU_SHARES, "512"), 1);
	assert_int_equal(opt(&o, ARG_RES_PIDS, "-1"), 1);
	assert_int_equal(opt(&o, ARG_RES_CPUSET, "0"), 1);
	assert_int_equal(resource_options_apply(&o, "/", s), 0);
	const SpecResources *r = &s->resources;
	assert_true(r->has_memory_limit);
	assert_int_equal(r->memory_limit, 64 << 20);
	assert_true(r->has_memory_swap);
	assert_int_equal(r->memory_swap, 128 << 20);
	assert_true(r->has_cpu_quota);
	assert_int_equal(r->cpu_quota, 150000);
	assert_int_equal(r->cpu_period, 100000);
	assert_true(r->has_cpu_shares);
	assert_int_equal(r->cpu_shares, 512);
	assert_false(r->has_cpu_weight);
	assert_true(r->has_pids_limit);
	assert_int_equal(r->pids_limit, -1);
	assert_string_equal(r->cpuset_cpus, "0");
	assert_int_equal(s->sched_policy, 0);
	assert_int_equal(r->n_io_read + r->n_io_write, 0);
	assert_string_equal(logged(), "");
}

static void test_apply_swap_below_memory_or_without_it_fails(void **state)
{
	(void)state;
	_cleanup_(spec_freep) ContainerSpec *s = new_spec();
	ResourceOptions o = { 0 };
	assert_int_equal(opt(&o, 'm', "64M"), 1);
	assert_int_equal(opt(&o, ARG_RES_MEMORY_SWAP, "32M"), 1);
	assert_int_equal(resource_options_apply(&o, "/", s), -EINVAL);
	assert_string_equal(logged(), "berth: --memory-swap must be at least --mem (it is memory "
				      "and swap together)\n");

	_cleanup_(spec_freep) ContainerSpec *s2 = new_spec();
	ResourceOptions no_mem = { 0 };
	assert_int_equal(opt(&no_mem, ARG_RES_MEMORY_SWAP, "-1"), 1);
	assert_int_equal(resource_options_apply(&no_mem, "/", s2), -EINVAL);
	assert_string_equal(logged(), "berth: --memory-swap needs --mem\n");

	/* -1 with a memory limit: swap without a cap. */
	_cleanup_(spec_freep) ContainerSpec *s3 = new_spec();
	ResourceOptions unl = { 0 };
	assert_int_equal(opt(&unl, 'm', "64M"), 1);
	assert_int_equal(opt(&unl, ARG_RES_MEMORY_SWAP, "-1"), 1);
	assert_int_equal(resource_options_apply(&unl, "/", s3), 0);
	assert_int_equal(s3->resources.memory_swap, -1);
}

static void test_apply_refuses_options_that_set_the_same_thing(void **state)
{
	(void)state;
	struct {
		int opt1;
		const char *arg1;
		int opt2;
		const char *arg2;
		const char *error;
	} pairs[] = {
		{ ARG_RES_CPU_SHARES, "2", ARG_RES_CPU_WEIGHT, "1",
		  "berth: --cpu-shares and --cpu-weight set the same thing; give one\n" },
		{ 'p', "0", ARG_RES_CPUSET, "0",
		  "berth: --pin-cpu and --cpuset-cpus both choose the CPUs; give one\n" },
		{ ARG_RES_RT_PRIORITY, "5", ARG_RES_CPUSET, "0",
		  "berth: --rt-priority needs --pin-cpu\n" },
		{ ARG_RES_IO_DEVICE, "8:0", ARG_RES_PIDS, "5",
		  "berth: --io-device needs --io-write-bps or --io-read-bps\n" },
	};
	for (size_t i = 0; i < ELEMENTSOF(pairs); i++) {
		_cleanup_(spec_freep) ContainerSpec *s = new_spec();
		ResourceOptions o = { 0 };
		assert_int_equal(opt(&o, pairs[i].opt1, pairs[i].arg1), 1);
		assert_int_equal(opt(&o, pairs[i].opt2, pairs[i].arg2), 1);
		assert_int_equal(resource_options_apply(&o, "/", s), -EINVAL);
		assert_string_equal(logged(), pairs[i].error);
	}
}

static void test_apply_pin_cpu_sets_sched_rr(void **state)
{
	(void)state;
	int cpu = first_allowed_cpu();
	char arg[16], want[16];
	snprintf(arg, sizeof(arg), "%d", cpu);
	_cleanup_(spec_freep) ContainerSpec *s = new_spec();
	ResourceOptions o = { 0 };
	assert_int_equal(opt(&o, 'p', arg), 1);
	assert_int_equal(resource_options_apply(&o, "/", s), 0);
	snprintf(want, sizeof(want), "%d", cpu);
	assert_string_equal(s->resources.cpuset_cpus, want);
	assert_int_equal(s->sched_policy, SCHED_RR);
	assert_int_equal(s->sched_priority, 1);

	_cleanup_(spec_freep) ContainerSpec *s2 = new_spec();
	assert_int_equal(opt(&o, ARG_RES_RT_PRIORITY, "42"), 1);
	assert_int_equal(resource_options_apply(&o, "/", s2), 0);
	assert_int_equal(s2->sched_priority, 42);
}

static void test_apply_bare_pin_takes_one_of_our_cpus(void **state)
{
	(void)state;
	_cleanup_(spec_freep) ContainerSpec *s = new_spec();
	ResourceOptions o = { 0 };
	assert_int_equal(resource_option('p', NULL, NULL, &o), 1);
	assert_int_equal(resource_options_apply(&o, "/", s), 0);
	assert_non_null(s->resources.cpuset_cpus);
	cpu_set_t allowed;
	assert_int_equal(sched_getaffinity(0, sizeof(allowed), &allowed), 0);
	char *end;
	long cpu = strtol(s->resources.cpuset_cpus, &end, 10);
	assert_int_equal(*end, '\0');
	assert_true(cpu >= 0 && cpu < CPU_SETSIZE);
	assert_true(CPU_ISSET((int)cpu, &allowed));
	assert_int_equal(s->sched_policy, SCHED_RR);
}

/* A number that is not one of our CPUs is refused as soon as it is read
 * (test_p_with_a_port_mapping_says_it_is_not_publish); apply() checks
 * again, for options filled otherwise. */
static void test_apply_pin_to_a_cpu_we_do_not_have_fails(void **state)
{
	(void)state;
	cpu_set_t allowed;
	assert_int_equal(sched_getaffinity(0, sizeof(allowed), &allowed), 0);
	int missing = CPU_SETSIZE - 1;
	while (missing >= 0 && CPU_ISSET(missing, &allowed))
		missing--;
	assert_true(missing >= 0);
	char arg[16], want[160];
	snprintf(arg, sizeof(arg), "%d", missing);
	ResourceOptions o = { 0 };
	assert_int_equal(resource_option('p', arg, NULL, &o), -EINVAL);
	snprintf(want, sizeof(want),
		 "berth: -p is berth's --pin-cpu, not --publish: `%d` is not a CPU here; "
		 "publish a port with --publish\n",
		 missing);
	assert_string_equal(logged(), want);

	_cleanup_(spec_freep) ContainerSpec *s = new_spec();
	o = (ResourceOptions){ .pin = true, .pin_cpu = missing };
	assert_int_equal(resource_options_apply(&o, "/", s), -EINVAL);
	snprintf(want, sizeof(want), "berth: --pin-cpu %d: no such CPU here\n", missing);
	assert_string_equal(logged(), want);
	assert_int_equal(s->sched_policy, 0);
	assert_null(s->resources.cpuset_cpus);
}

/* A whole disk of this machine as MAJ:MIN, from /sys/dev/block. */
static bool some_whole_disk(char ret[static NAME_MAX + 1])
{
	DIR *d = opendir("/sys/dev/block");
	if (!d)
		return false;
	bool found = false;
	for (struct dirent *de; !found && (de = readdir(d));) {
		char part[PATH_MAX];
		if (de->d_name[0] == '.')
			continue;
		snprintf(part, sizeof(part), "/sys/dev/block/%s/partition", de->d_name);
		if (access(part, F_OK) < 0) {
			snprintf(ret, NAME_MAX + 1, "%s", de->d_name);
			found = true;
		}
	}
	closedir(d);
	return found;
}

static void test_apply_io_limits_on_a_named_disk(void **state)
{
	(void)state;
	char disk[NAME_MAX + 1];
	if (!some_whole_disk(disk))
		skip();
	unsigned major, minor;
	assert_int_equal(sscanf(disk, "%u:%u", &major, &minor), 2);
	_cleanup_(spec_freep) ContainerSpec *s = new_spec();
	ResourceOptions o = { 0 };
	assert_int_equal(opt(&o, ARG_RES_IO_DEVICE, disk), 1);
	assert_int_equal(opt(&o, 'w', "10M"), 1);
	assert_int_equal(opt(&o, 'r', "1M"), 1);
	assert_int_equal(resource_options_apply(&o, "/nonexistent-storage", s), 0);
	const SpecResources *r = &s->resources;
	assert_int_equal(r->n_io_write, 1);
	assert_int_equal(r->io_write[0].major, major);
	assert_int_equal(r->io_write[0].minor, minor);
	assert_int_equal(r->io_write[0].rate, 10u << 20);
	assert_int_equal(r->n_io_read, 1);
	assert_int_equal(r->io_read[0].major, major);
	assert_int_equal(r->io_read[0].rate, 1u << 20);
}

static void test_apply_io_device_errors_name_the_device(void **state)
{
	(void)state;
	struct {
		const char *device, *storage, *error;
		int r;
	} cases[] = {
		{ "/nonexistent/disk", "/", "berth: --io-device `/nonexistent/disk`: ", -ENOENT },
		{ "/dev/null", "/", "berth: --io-device `/dev/null` is not a block device\n",
		  -ENOTBLK },
		{ "4095:1048575", "/",
		  "berth: block device 4095:1048575 is not in /sys/dev/block\n", -ENODEV },
		{ NULL, "/nonexistent/storage", "berth: `/nonexistent/storage`: ", -ENOENT },
		/* /proc is on no block device (major 0). */
		{ NULL, "/proc",
		  "berth: `/proc` is not on a block device; name the disk to throttle with "
		  "--io-device PATH|MAJ:MIN\n",
		  -ENODEV },
	};
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		_cleanup_(spec_freep) ContainerSpec *s = new_spec();
		ResourceOptions o = { 0 };
		if (cases[i].device)
			assert_int_equal(opt(&o, ARG_RES_IO_DEVICE, cases[i].device), 1);
		assert_int_equal(opt(&o, 'r', "1M"), 1);
		assert_int_equal(resource_options_apply(&o, cases[i].storage, s), cases[i].r);
		assert_true(startswith(logged(), cases[i].error));
		assert_int_equal(s->resources.n_io_read, 0);
	}
}

static void test_check_without_limits_needs_no_controller(void **state)
{
	(void)state;
	SpecResources r = { 0 };
	assert_int_equal(resource_options_check(&r), 0);
	assert_string_equal(logged(), "");
}

/* Both ways: this host has a memory controller in its v2 hierarchy
 * (then the check passes) or not (then it names it, and the way out). */
static void test_check_names_a_controller_the_host_lacks(void **state)
{
	(void)state;
	_cleanup_free_ char *mnt = NULL, *path = NULL, *have = NULL;
	SpecResources r = { .has_memory_limit = true, .memory_limit = 1 << 30 };
	if (cgroup_v2_mount(&mnt) < 0) {
		assert_true(resource_options_check(&r) < 0);
		assert_true(startswith(logged(), "berth: cannot enforce these limits: no cgroup "
						 "v2 hierarchy: "));
		return;
	}
	assert_true(asprintf(&path, "%s/cgroup.controllers", mnt) > 0);
	assert_int_equal(read_full_file(path, &have, NULL), 0);
	if (strstr(have, "memory")) {
		assert_int_equal(resource_options_check(&r), 0);
		assert_string_equal(logged(), "");
		return;
	}
	assert_int_equal(resource_options_check(&r), -EOPNOTSUPP);
	char want[512];
	snprintf(want, sizeof(want),
		 "berth: cannot enforce these limits: the cgroup v2 hierarchy at %s has no "
		 "memory controller (on a hybrid cgroup host they belong to cgroup v1; boot "
		 "with systemd.unified_cgroup_hierarchy=1)\n",
		 mnt);
	assert_string_equal(logged(), want);
}

/* Out of memory while naming the missing controller: said so, in one
 * line, rather than a crash. */
static void test_check_out_of_memory_is_one_line(void **state)
{
	(void)state;
	_cleanup_free_ char *mnt = NULL, *path = NULL, *have = NULL;
	SpecResources r = { .has_memory_limit = true, .memory_limit = 1 << 30 };
	strdup_fails_for = "memory";
	int k = resource_options_check(&r);
	strdup_fails_for = NULL;
	if (cgroup_v2_mount(&mnt) < 0) {
		assert_true(k < 0);
		(void)logged();
		return;
	}
	assert_true(asprintf(&path, "%s/cgroup.controllers", mnt) > 0);
	assert_int_equal(read_full_file(path, &have, NULL), 0);
	if (strstr(have, "memory")) {
		/* Nothing missing, nothing to copy. */
		assert_int_equal(k, 0);
		assert_string_equal(logged(), "");
		return;
	}
	assert_int_equal(k, -ENOMEM);
	assert_string_equal(logged(), "berth: out of memory\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memory_takes_a_size_of_at_least_4k),
		cmocka_unit_test(test_memory_beyond_int64_is_refused),
		cmocka_unit_test(test_memory_swap_is_a_size_or_minus_one),
		cmocka_unit_test(test_cpu_quota_in_microseconds_from_1000),
		cmocka_unit_test(test_cpus_become_a_quota_per_100ms),
		cmocka_unit_test(test_cpus_out_of_range_or_not_a_number_is_refused),
		cmocka_unit_test(test_shares_weight_and_pids_ranges),
		cmocka_unit_test(test_io_rates_and_podmans_device_colon_rate),
		cmocka_unit_test(test_io_rate_zero_or_junk_is_refused),
		cmocka_unit_test(test_w_with_a_path_says_it_is_not_workdir),
		cmocka_unit_test(test_pin_cpu_attached_or_the_least_loaded),
		cmocka_unit_test(test_p_with_a_port_mapping_says_it_is_not_publish),
		cmocka_unit_test(test_p_then_one_of_our_cpus_says_to_attach_it),
		cmocka_unit_test(test_rt_priority_and_cpuset),
		cmocka_unit_test(test_other_options_are_not_resource_options),
		cmocka_unit_test(test_any_is_true_for_each_option_alone),
		cmocka_unit_test(test_apply_fills_the_spec),
		cmocka_unit_test(test_apply_swap_below_memory_or_without_it_fails),
		cmocka_unit_test(test_apply_refuses_options_that_set_the_same_thing),
		cmocka_unit_test(test_apply_pin_cpu_sets_sched_rr),
		cmocka_unit_test(test_apply_bare_pin_takes_one_of_our_cpus),
		cmocka_unit_test(test_apply_pin_to_a_cpu_we_do_not_have_fails),
		cmocka_unit_test(test_apply_io_limits_on_a_named_disk),
		cmocka_unit_test(test_apply_io_device_errors_name_the_device),
		cmocka_unit_test(test_check_without_limits_needs_no_controller),
		cmocka_unit_test(test_check_names_a_controller_the_host_lacks),
		cmocka_unit_test(test_check_out_of_memory_is_one_line),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
