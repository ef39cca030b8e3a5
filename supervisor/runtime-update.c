/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* berth-runtime update and events (runtime.h): a container's cgroup
 * limits changed while it runs, and its usage read back, in runc's words
 * and JSON. */

#include <getopt.h>
#include <jansson.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup-limits.h"
#include "container-setup.h"
#include "log.h"
#include "oci.h"
#include "parse.h"
#include "runtime.h"
#include "util.h"

/* The container of the command's ID operand, which must have a cgroup and
 * a process in it. */
static int load_live(Runtime *rt, int argc, char **argv, const char *command, sqlite3 **db,
		     RuntimeContainer *ret)
{
	const char *id;
	int r = runtime_id_operand(argc, argv, command, 0, &id);
	if (r < 0)
		return r;
	if ((r = runtime_db(rt, db)) < 0 || (r = runtime_load(rt, *db, id, ret)) < 0)
		return r;
	if (ret->status == RT_STOPPED || ret->status == RT_CREATING)
		return log_error_errno(-ESRCH, "container %s is not running", id);
	if (!ret->row.cgroup)
		return log_error_errno(-EOPNOTSUPP, "container %s has no cgroup of its own", id);
	return 0;
}

enum {
	ARG_RESOURCES = 'r',
	ARG_MEMORY = 0x100,
	ARG_MEMORY_SWAP,
	ARG_CPU_PERIOD,
	ARG_CPU_QUOTA,
	ARG_CPU_SHARE,
	ARG_CPUSET_CPUS,
	ARG_PIDS_LIMIT,
	ARG_UNSUPPORTED, /* and the ones after it */
};

static int read_resources(const char *file, SpecResources *res)
{
	_cleanup_free_ char *data = NULL;
	int r = streq(file, "-") ? read_full_fd(STDIN_FILENO, &data, NULL)
				 : read_full_file(file, &data, NULL);
	if (r < 0)
		return log_error_errno(r, "update: cannot read %s: %m",
				       streq(file, "-") ? "the resources on stdin" : file);
	_cleanup_free_ char *why = NULL;
	r = spec_resources_from_json(data, res, &why);
	if (r < 0)
		return log_error_errno(r, "update: %s: %s", streq(file, "-") ? "stdin" : file,
				       why ? why : "invalid resources");
	return 0;
}

/* A number for a flag: a size for the memory ones (64m), -1 for "none"
 * where runc takes it. */
static int flag_value(const char *name, const char *s, bool size, bool minus_one, int64_t *ret)
{
	uint64_t v;
	if (minus_one && streq(s, "-1")) {
		*ret = -1;
		return 0;
	}
	if ((size ? parse_size(s, &v) : parse_uint64(s, &v)) < 0 || v > INT64_MAX)
		return log_error_errno(-EINVAL, "update: invalid --%s `%s`", name, s);
	*ret = (int64_t)v;
	return 0;
}

int runtime_update(Runtime *rt, int argc, char **argv)
{
	static const struct option options[] = {
		{ "resources", required_argument, NULL, ARG_RESOURCES },
		{ "memory", required_argument, NULL, ARG_MEMORY },
		{ "memory-swap", required_argument, NULL, ARG_MEMORY_SWAP },
		{ "cpu-period", required_argument, NULL, ARG_CPU_PERIOD },
		{ "cpu-quota", required_argument, NULL, ARG_CPU_QUOTA },
		{ "cpu-share", required_argument, NULL, ARG_CPU_SHARE },
		{ "cpuset-cpus", required_argument, NULL, ARG_CPUSET_CPUS },
		{ "pids-limit", required_argument, NULL, ARG_PIDS_LIMIT },
		{ "blkio-weight", required_argument, NULL, ARG_UNSUPPORTED + 0 },
		{ "cpu-rt-period", required_argument, NULL, ARG_UNSUPPORTED + 1 },
		{ "cpu-rt-runtime", required_argument, NULL, ARG_UNSUPPORTED + 2 },
		{ "cpuset-mems", required_argument, NULL, ARG_UNSUPPORTED + 3 },
		{ "kernel-memory", required_argument, NULL, ARG_UNSUPPORTED + 4 },
		{ "kernel-memory-tcp", required_argument, NULL, ARG_UNSUPPORTED + 5 },
		{ "memory-reservation", required_argument, NULL, ARG_UNSUPPORTED + 6 },
		{ "l3-cache-schema", required_argument, NULL, ARG_UNSUPPORTED + 7 },
		{ "mem-bw-schema", required_argument, NULL, ARG_UNSUPPORTED + 8 },
		{},
	};
	const char *file = NULL;
	_cleanup_(spec_resources_done) SpecResources flags = { 0 };
	bool any_flag = false, has_period = false;
	uint64_t period = 0;
	int64_t v;
	int c, r;
	optind = 0;
	while ((c = runtime_getopt(argc, argv, "r:", options, "update")) >= 0) {
		const char *name = NULL;
		for (size_t i = 0; options[i].name && !name; i++)
			if (options[i].val == c)
				name = options[i].name;
		any_flag |= c != ARG_RESOURCES;
		switch (c) {
		case ARG_RESOURCES:
			file = optarg;
			break;
		case ARG_MEMORY:
			if (flag_value(name, optarg, true, false, &v) < 0)
				return -EINVAL;
			flags.has_memory_limit = true;
			flags.memory_limit = v;
			break;
		case ARG_MEMORY_SWAP:
			if (flag_value(name, optarg, true, true, &v) < 0)
				return -EINVAL;
			flags.has_memory_swap = true;
			flags.memory_swap = v;
			break;
		case ARG_CPU_PERIOD:
			if (flag_value(name, optarg, false, false, &v) < 0)
				return -EINVAL;
			if (v < 1000 || v > 1000000)
				return log_error_errno(-EINVAL,
						       "update: --cpu-period must be from 1000 to "
						       "1000000 (µs)");
			has_period = true;
			period = (uint64_t)v;
			break;
		case ARG_CPU_QUOTA:
			if (flag_value(name, optarg, false, true, &v) < 0)
				return -EINVAL;
			flags.has_cpu_quota = true;
			flags.cpu_quota = v;
			break;
		case ARG_CPU_SHARE:
			if (flag_value(name, optarg, false, false, &v) < 0)
				return -EINVAL;
			if (v < 2 || v > 262144)
				return log_error_errno(
					-EINVAL, "update: --cpu-share must be from 2 to 262144");
			flags.has_cpu_shares = true;
			flags.cpu_shares = (uint64_t)v;
			break;
		case ARG_CPUSET_CPUS:
			if (!cpu_list_is_valid(optarg))
				return log_error_errno(-EINVAL,
						       "update: invalid --cpuset-cpus `%s`",
						       optarg);
			free(flags.cpuset_cpus);
			flags.cpuset_cpus = strdup(optarg);
			if (!flags.cpuset_cpus)
				return log_error_errno(-ENOMEM, "out of memory");
			break;
		case ARG_PIDS_LIMIT:
			if (flag_value(name, optarg, false, true, &v) < 0)
				return -EINVAL;
			flags.has_pids_limit = true;
			flags.pids_limit = v;
			break;
		default:
			/* runc's flags that berth does not set: refused by
			 * name, never ignored. */
			return log_error_errno(-EOPNOTSUPP,
					       "update: --%s is not supported by berth-runtime",
					       name);
		}
	}
	_cleanup_(spec_resources_done) SpecResources res = { 0 };
	_cleanup_db_ sqlite3 *db = NULL;
	_cleanup_(runtime_container_done) RuntimeContainer ct = { .pidfd = -EBADF };
	if (c < -1 || (r = load_live(rt, argc, argv, "update", &db, &ct)) < 0 ||
	    (file && (r = read_resources(file, &res)) < 0))
		return c < -1 ? c : r;
	/* The flags over the file, as runc takes them. */
	if (flags.has_memory_limit)
		res.has_memory_limit = true, res.memory_limit = flags.memory_limit;
	if (flags.has_memory_swap)
		res.has_memory_swap = true, res.memory_swap = flags.memory_swap;
	if (flags.has_cpu_quota)
		res.has_cpu_quota = true, res.cpu_quota = flags.cpu_quota;
	if (flags.has_cpu_shares)
		res.has_cpu_shares = true, res.cpu_shares = flags.cpu_shares;
	if (flags.has_pids_limit)
		res.has_pids_limit = true, res.pids_limit = flags.pids_limit;
	if (flags.cpuset_cpus) {
		free(res.cpuset_cpus);
		res.cpuset_cpus = TAKE_PTR(flags.cpuset_cpus);
	}
	if (has_period) {
		res.cpu_period = period;
		if (!res.has_cpu_quota) {
			/* The period alone: the quota the cgroup has now. */
			CgroupStats st;
			(void)cgroup_read_stats(ct.row.cgroup, &st);
			res.has_cpu_quota = true;
			res.cpu_quota = st.cpu_quota;
		}
	} else if (res.has_cpu_quota && !res.cpu_period)
		res.cpu_period = 100000;
	if (!file && !any_flag)
		return log_error_errno(-EINVAL,
				       "update: nothing to change (--resources FILE|- or a limit "
				       "flag)");

	/* The same checks and writes as create's. */
	ContainerSpec spec = { .resources = res };
	SetupError e;
	r = setup_limits(&spec, ct.row.cgroup, &e);
	if (r < 0)
		return log_error_errno(r, "update: %s", e.msg);
	return 0;
}

/* runc's stats event (its types.Stats), from the cgroup's files; cgroup v2
 * has no per-CPU usage, so percpu is left out. */
static json_t *stats_json(const char *id, const CgroupStats *st)
{
	json_t *data = json_object();
	if (st->has_cpu)
		json_object_set_new(data, "cpu",
				    json_pack("{s:{s:I,s:I,s:I},s:{s:I,s:I}}", "usage", "total",
					      (json_int_t)(st->cpu_usage_usec * 1000), "user",
					      (json_int_t)(st->cpu_user_usec * 1000), "kernel",
					      (json_int_t)(st->cpu_system_usec * 1000),
					      "throttling", "throttledPeriods",
					      (json_int_t)st->cpu_nr_throttled, "throttledTime",
					      (json_int_t)(st->cpu_throttled_usec * 1000)));
	if (st->has_memory) {
		/* "max" is UINT64_MAX, as runc says it; JSON integers here are
		 * signed, so it goes as a real-valued number only when set. */
		json_t *limit = st->memory_max == UINT64_MAX
					? json_real(18446744073709551615.0)
					: json_integer((json_int_t)st->memory_max);
		json_object_set_new(data, "memory",
				    json_pack("{s:{s:o,s:I,s:I},s:{s:I}}", "usage", "limit", limit,
					      "usage", (json_int_t)st->memory_current, "max",
					      (json_int_t)st->memory_peak, "raw", "oom_kill",
					      (json_int_t)st->oom_kills));
	}
	if (st->has_pids)
		json_object_set_new(
			data, "pids",
			json_pack("{s:I,s:I}", "current", (json_int_t)st->pids_current, "limit",
				  (json_int_t)(st->pids_max == UINT64_MAX ? 0 : st->pids_max)));
	if (st->has_io)
		json_object_set_new(data, "blkio",
				    json_pack("{s:[{s:s,s:I},{s:s,s:I}]}",
					      "ioServiceBytesRecursive", "op", "Read", "value",
					      (json_int_t)st->io_rbytes, "op", "Write", "value",
					      (json_int_t)st->io_wbytes));
	return json_pack("{s:s,s:s,s:o}", "type", "stats", "id", id, "data", data);
}

static int print_event(json_t *ev)
{
	if (!ev)
		return log_error_errno(-ENOMEM, "out of memory");
	char *s = json_dumps(ev, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(ev);
	if (!s)
		return log_error_errno(-ENOMEM, "out of memory");
	puts(s);
	free(s);
	return fflush(stdout) == 0 ? 0 : log_error_errno(-errno, "write the events: %m");
}

/* A Go duration, as runc's --interval takes it: 5s, 500ms, 1m, 1m30s. */
static int parse_interval(const char *s, uint64_t *ret_ms)
{
	uint64_t total = 0;
	const char *p = s;
	if (!*p)
		return -EINVAL;
	while (*p) {
		char *end;
		errno = 0;
		double v = strtod(p, &end);
		if (end == p || errno || v < 0)
			return -EINVAL;
		p = end;
		double unit = startswith(p, "ms") ? (p += 2, 1)
			      : *p == 's'         ? (p++, 1000)
			      : *p == 'm'         ? (p++, 60000)
			      : *p == 'h'         ? (p++, 3600000)
						  : -1;
		if (unit < 0)
			return -EINVAL;
		total += (uint64_t)(v * unit);
	}
	if (total == 0 || total > 24 * 3600000)
		return -EINVAL;
	*ret_ms = total;
	return 0;
}

int runtime_events(Runtime *rt, int argc, char **argv)
{
	static const struct option options[] = {
		{ "stats", no_argument, NULL, 's' },
		{ "interval", required_argument, NULL, 'i' },
		{},
	};
	bool once = false;
	uint64_t interval_ms = 5000;
	int c, r;
	optind = 0;
	while ((c = runtime_getopt(argc, argv, "", options, "events")) >= 0) {
		if (c == 's')
			once = true;
		else if (parse_interval(optarg, &interval_ms) < 0)
			return log_error_errno(-EINVAL,
					       "events: invalid --interval `%s` (a duration: 5s, "
					       "500ms, 1m)",
					       optarg);
	}
	_cleanup_db_ sqlite3 *db = NULL;
	_cleanup_(runtime_container_done) RuntimeContainer ct = { .pidfd = -EBADF };
	if (c < -1 || (r = load_live(rt, argc, argv, "events", &db, &ct)) < 0)
		return c < -1 ? c : r;
	const char *id = ct.row.id;
	CgroupStats st;
	if ((r = cgroup_read_stats(ct.row.cgroup, &st)) < 0)
		return log_error_errno(r, "events: cannot read the cgroup %s: %m", ct.row.cgroup);
	if (once)
		return print_event(stats_json(id, &st));
	/* Until the container's init ends: its stats every interval, and an
	 * "oom" event whenever the kernel OOM-killed in it meanwhile. */
	uint64_t ooms = st.oom_kills;
	for (;;) {
		if ((r = print_event(stats_json(id, &st))) < 0)
			return r;
		struct pollfd p = { .fd = ct.pidfd, .events = POLLIN };
		int n = poll(&p, 1, (int)interval_ms);
		if (n < 0 && errno != EINTR)
			return log_error_errno(-errno, "events: poll: %m");
		if (cgroup_read_stats(ct.row.cgroup, &st) < 0)
			return 0; /* the cgroup went with the container */
		if (st.oom_kills > ooms &&
		    (r = print_event(json_pack("{s:s,s:s}", "type", "oom", "id", id))) < 0)
			return r;
		ooms = st.oom_kills;
		if (n > 0)
			return 0;
	}
}
