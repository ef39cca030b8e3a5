/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <ctype.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>

#include "cgroup-limits.h"
#include "cgroup.h"
#include "log.h"
#include "parse.h"
#include "resources.h"
#include "rootless.h"
#include "util.h"

#define CPU_PERIOD_USEC 100000

static int bad(const char *opt, const char *arg, const char *why)
{
	return log_error_errno(-EINVAL, "invalid %s `%s`: %s", opt, arg, why);
}

/* Docker's -p (--publish): [IP:][HOST_PORT:]PORT[-END][/PROTOCOL], such as
 * 8080:80, 80/tcp, 127.0.0.1:8080:80 or [::1]:80:80; also a bare number. */
static bool port_mapping_shaped(const char *s)
{
	const char *slash = strchr(s, '/');
	if (slash && !streq(slash + 1, "tcp") && !streq(slash + 1, "udp") &&
	    !streq(slash + 1, "sctp"))
		return false;
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	const char *port = s;
	for (const char *p = s; p < s + n; p++)
		if (*p == ':')
			port = p + 1;
	size_t plen = (size_t)(s + n - port);
	if (plen == 0 || !isdigit((unsigned char)*port) || strspn(port, "0123456789-") < plen)
		return false;
	/* Before the container's port: a host port, after an IPv4 address
	 * or an IPv6 one in brackets. */
	const char *p = s;
	if (*p == '[') {
		const char *end = memchr(p, ']', (size_t)(port - p));
		if (!end || strspn(p + 1, "0123456789abcdefABCDEF:.") != (size_t)(end - p - 1))
			return false;
		p = end + 1;
	}
	return strspn(p, "0123456789.:-") >= (size_t)(port - p);
}

static bool is_our_cpu(const char *s)
{
	long l;
	cpu_set_t allowed;
	return parse_int_range(s, 0, CPU_SETSIZE - 1, &l) == 0 &&
	       sched_getaffinity(0, sizeof(allowed), &allowed) == 0 && CPU_ISSET((int)l, &allowed);
}

/* The seeds' -p pins to a CPU; Docker's and Podman's publishes a port. */
static int pin_cpu_not_publish(const char *value)
{
	return log_error_errno(-EINVAL,
			       "-p is berth's --pin-cpu, not --publish: `%s` is not a CPU "
			       "here; publish a port with --publish",
			       value);
}

int resource_option(int opt, const char *arg, const char *next, ResourceOptions *o)
{
	long l;
	switch (opt) {
	case 'm': {
		uint64_t v;
		if (parse_size(arg, &v) < 0 || v < 4096 || v > INT64_MAX)
			return bad("--mem", arg, "a size such as 50M or 1G, at least 4K");
		o->has_memory = true;
		o->memory = v;
		return 1;
	}
	case ARG_RES_MEMORY_SWAP: {
		uint64_t v;
		if (streq(arg, "-1"))
			o->swap = -1;
		else if (parse_size(arg, &v) == 0 && v <= INT64_MAX)
			o->swap = (int64_t)v;
		else
			return bad("--memory-swap", arg,
				   "a size (memory + swap), or -1 for no cap");
		o->has_swap = true;
		return 1;
	}
	case 'C':
		if (parse_int_range(arg, 1000, 1000000 * 1024L, &l) < 0)
			return bad("--cpu", arg, "microseconds of CPU per 100000, at least 1000");
		o->has_quota = true;
		o->quota = l;
		return 1;
	case ARG_RES_CPUS: {
		char *end;
		double d = strtod(arg, &end);
		if (end == arg || *end || !(d >= 0.01 && d <= 1024))
			return bad("--cpus", arg, "a number of CPUs such as 0.5 or 2");
		o->has_quota = true;
		o->quota = (int64_t)(d * CPU_PERIOD_USEC + 0.5);
		return 1;
	}
	case ARG_RES_CPU_SHARES:
		if (parse_int_range(arg, 2, 262144, &l) < 0)
			return bad("--cpu-shares", arg, "a number from 2 to 262144");
		o->has_shares = true;
		o->shares = (uint64_t)l;
		return 1;
	case ARG_RES_CPU_WEIGHT:
		if (parse_int_range(arg, 1, 10000, &l) < 0)
			return bad("--cpu-weight", arg, "a number from 1 to 10000");
		o->has_weight = true;
		o->weight = (uint64_t)l;
		return 1;
	case ARG_RES_PIDS:
		if (parse_int_range(arg, -1, 4194304, &l) < 0 || l == 0)
			return bad("--pids-limit", arg,
				   "a number of processes, or -1 for no limit");
		o->has_pids = true;
		o->pids = l;
		return 1;
	case 'w':
	case 'r': {
		uint64_t v;
		const char *name = opt == 'w' ? "--io-write-bps" : "--io-read-bps";
		/* Podman's --device-write-bps DEVICE:RATE names the disk too. */
		const char *colon = strrchr(arg, ':');
		/* The seeds' -w is Docker's and Podman's -w (--workdir) too. */
		if (opt == 'w' && arg[0] == '/' && !colon)
			return bad(
				"--io-write-bps", arg,
				"-w is berth's --io-write-bps; the working directory is --workdir");
		const char *rate = colon && arg[0] == '/' ? colon + 1 : arg;
		/* The whole argument in the error, not only what follows the
		 * colon; and a refused one leaves the disk as it was. */
		if (parse_size(rate, &v) < 0 || v == 0)
			return bad(name, arg, "bytes per second such as 1048576 or 10M");
		if (rate != arg) {
			_cleanup_free_ char *dev = strndup(arg, (size_t)(colon - arg));
			if (!dev)
				return -ENOMEM;
			if (o->io_device && !streq(o->io_device, dev))
				return bad(name, arg, "one disk at a time");
			free(o->io_device_owned);
			o->io_device = o->io_device_owned = TAKE_PTR(dev);
		}
		if (opt == 'w') {
			o->has_write_bps = true;
			o->write_bps = v;
		} else {
			o->has_read_bps = true;
			o->read_bps = v;
		}
		return 1;
	}
	case ARG_RES_IO_DEVICE:
		o->io_device = arg;
		return 1;
	case 'p':
		o->pin = true;
		o->pin_cpu = -1;
		if (arg) {
			if (port_mapping_shaped(arg) && !is_our_cpu(arg))
				return pin_cpu_not_publish(arg);
			if (parse_int_range(arg, 0, CPU_SETSIZE - 1, &l) < 0)
				return bad("--pin-cpu", arg, "a CPU number");
			o->pin_cpu = (int)l;
		} else if (next && port_mapping_shaped(next)) {
			/* The value of an optional argument is attached or absent:
			 * `-p 8080:80 IMAGE` is -p, then an IMAGE `8080:80`, and
			 * `-p 1 IMAGE` an IMAGE `1`. Neither can be what was meant. */
			if (is_our_cpu(next))
				return log_error_errno(
					-EINVAL,
					"-p/--pin-cpu takes its CPU attached: -p%s or "
					"--pin-cpu=%s (a bare -p takes the least "
					"loaded CPU)",
					next, next);
			return pin_cpu_not_publish(next);
		}
		return 1;
	case ARG_RES_RT_PRIORITY:
		if (parse_int_range(arg, 1, 99, &l) < 0)
			return bad("--rt-priority", arg, "a SCHED_RR priority from 1 to 99");
		o->has_rt_priority = true;
		o->rt_priority = (int)l;
		return 1;
	case ARG_RES_CPUSET:
		if (!cpu_list_is_valid(arg))
			return bad("--cpuset-cpus", arg, "a CPU list such as 0-3,6");
		o->cpuset = arg;
		return 1;
	default:
		return 0;
	}
}

bool resource_options_any(const ResourceOptions *o)
{
	return o->has_memory || o->has_swap || o->has_quota || o->has_shares || o->has_weight ||
	       o->has_pids || o->has_write_bps || o->has_read_bps || o->pin || o->cpuset ||
	       o->has_rt_priority || o->io_device;
}

/* The whole disk of a block device: io.max takes disks, not partitions. */
static int whole_disk(uint32_t *major, uint32_t *minor)
{
	char p[128], real[4096];
	snprintf(p, sizeof(p), "/sys/dev/block/%u:%u", *major, *minor);
	if (!realpath(p, real))
		return -ENODEV;
	char part[4200];
	snprintf(part, sizeof(part), "%s/partition", real);
	if (access(part, F_OK) < 0)
		return 0;
	char *slash = strrchr(real, '/');
	if (!slash)
		return -ENODEV;
	*slash = 0;
	snprintf(part, sizeof(part), "%s/dev", real);
	_cleanup_free_ char *dev = NULL;
	int r = read_one_line(part, &dev);
	if (r < 0)
		return r;
	return parse_devnum(dev, major, minor);
}

static int io_device(const char *spec, const char *storage, uint32_t *major, uint32_t *minor)
{
	/* MAJ:MIN is checked, and taken to its disk, as a path is: io.max
	 * would refuse a partition, or a device that is not there, only once
	 * the container starts, with the supervisor's words. */
	bool devnum = spec && parse_devnum(spec, major, minor) == 0;
	struct stat st;
	if (spec && !devnum) {
		if (stat(spec, &st) < 0)
			return log_error_errno(-errno, "--io-device `%s`: %m", spec);
		if (!S_ISBLK(st.st_mode))
			return log_error_errno(-ENOTBLK, "--io-device `%s` is not a block device",
					       spec);
		*major = major(st.st_rdev);
		*minor = minor(st.st_rdev);
	} else if (!spec) {
		if (stat(storage, &st) < 0)
			return log_error_errno(-errno, "`%s`: %m", storage);
		*major = major(st.st_dev);
		*minor = minor(st.st_dev);
		if (*major == 0)
			return log_error_errno(-ENODEV,
					       "`%s` is not on a block device; name the disk to "
					       "throttle with --io-device PATH|MAJ:MIN",
					       storage);
	}
	int r = whole_disk(major, minor);
	if (r < 0)
		return log_error_errno(r, "block device %u:%u is not in /sys/dev/block", *major,
				       *minor);
	return 0;
}

/* The allowed CPU that was idle the most over a short sample. */
static int least_loaded_cpu(void)
{
	cpu_set_t allowed;
	if (sched_getaffinity(0, sizeof(allowed), &allowed) < 0)
		return 0;
	static uint64_t idle[2][CPU_SETSIZE];
	for (int pass = 0; pass < 2; pass++) {
		FILE *f = fopen("/proc/stat", "re");
		if (!f)
			return 0;
		char line[512];
		while (fgets(line, sizeof(line), f)) {
			unsigned cpu;
			unsigned long long u, n, s, i;
			if (sscanf(line, "cpu%u %llu %llu %llu %llu", &cpu, &u, &n, &s, &i) == 5 &&
			    cpu < CPU_SETSIZE)
				idle[pass][cpu] = i;
		}
		fclose(f);
		if (pass == 0)
			nanosleep(&(struct timespec){ .tv_nsec = 50 * 1000000 }, NULL);
	}
	int best = -1;
	uint64_t best_idle = 0;
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &allowed) && (best < 0 || idle[1][c] - idle[0][c] > best_idle)) {
			best = c;
			best_idle = idle[1][c] - idle[0][c];
		}
	return best < 0 ? 0 : best;
}

int resource_options_apply(const ResourceOptions *o, const char *storage, ContainerSpec *s)
{
	SpecResources *r = &s->resources;
	if (o->has_memory) {
		r->has_memory_limit = true;
		r->memory_limit = (int64_t)o->memory;
	}
	if (o->has_swap) {
		if (o->swap >= 0 && r->has_memory_limit && o->swap < r->memory_limit)
			return log_error_errno(-EINVAL,
					       "--memory-swap must be at least --mem (it is "
					       "memory and swap together)");
		if (!r->has_memory_limit)
			return log_error_errno(-EINVAL, "--memory-swap needs --mem");
		r->has_memory_swap = true;
		r->memory_swap = o->swap;
	}
	if (o->has_quota) {
		r->has_cpu_quota = true;
		r->cpu_quota = o->quota;
		r->cpu_period = CPU_PERIOD_USEC;
	}
	if (o->has_shares && o->has_weight)
		return log_error_errno(-EINVAL, "--cpu-shares and --cpu-weight set the same thing; "
						"give one");
	if (o->has_shares) {
		r->has_cpu_shares = true;
		r->cpu_shares = o->shares;
	}
	if (o->has_weight) {
		r->has_cpu_weight = true;
		r->cpu_weight = o->weight;
	}
	if (o->has_pids) {
		r->has_pids_limit = true;
		r->pids_limit = o->pids;
	}
	if (o->has_write_bps || o->has_read_bps) {
		uint32_t major, minor;
		int k = io_device(o->io_device, storage, &major, &minor);
		if (k < 0)
			return k;
		SpecIoThrottle t = { major, minor, 0 };
		if (o->has_write_bps) {
			free(r->io_write);
			r->io_write = malloc(sizeof(t));
			if (!r->io_write)
				return -ENOMEM;
			t.rate = o->write_bps;
			r->io_write[0] = t;
			r->n_io_write = 1;
		}
		if (o->has_read_bps) {
			free(r->io_read);
			r->io_read = malloc(sizeof(t));
			if (!r->io_read)
				return -ENOMEM;
			t.rate = o->read_bps;
			r->io_read[0] = t;
			r->n_io_read = 1;
		}
	} else if (o->io_device)
		return log_error_errno(-EINVAL,
				       "--io-device needs --io-write-bps or --io-read-bps");
	if (o->pin && o->cpuset)
		return log_error_errno(-EINVAL, "--pin-cpu and --cpuset-cpus both choose the CPUs; "
						"give one");
	if (o->has_rt_priority && !o->pin)
		return log_error_errno(-EINVAL, "--rt-priority needs --pin-cpu");
	if (o->pin) {
		int cpu = o->pin_cpu >= 0 ? o->pin_cpu : least_loaded_cpu();
		cpu_set_t allowed;
		if (sched_getaffinity(0, sizeof(allowed), &allowed) == 0 &&
		    !CPU_ISSET(cpu, &allowed))
			return log_error_errno(-EINVAL, "--pin-cpu %d: no such CPU here", cpu);
		free(r->cpuset_cpus);
		if (asprintf(&r->cpuset_cpus, "%d", cpu) < 0)
			return -ENOMEM;
		s->sched_policy = SCHED_RR;
		s->sched_priority = o->has_rt_priority ? o->rt_priority : 1;
	}
	if (o->cpuset) {
		free(r->cpuset_cpus);
		r->cpuset_cpus = strdup(o->cpuset);
		if (!r->cpuset_cpus)
			return -ENOMEM;
	}
	return 0;
}

int resource_options_check(const SpecResources *r)
{
	unsigned needed = cgroup_controllers_needed(r);
	if (!needed)
		return 0;
	_cleanup_free_ char *missing = NULL, *mnt = NULL;
	int k = cgroup_controllers_check(needed, &missing);
	/* The list of missing controllers is a copy: none when it could not
	 * be made. */
	if (k == -ENOMEM || (k == -EOPNOTSUPP && !missing))
		return log_error_errno(-ENOMEM, "out of memory");
	if (k == -ENOMEDIUM && rootless())
		return log_error_errno(k,
				       "cannot enforce these limits: a rootless container gets a "
				       "cgroup of its own only in a delegated cgroup v2 subtree, "
				       "and berth runs in none (docs/rootless.md)");
	if (k == -EOPNOTSUPP && rootless()) {
		(void)cgroup_berth_base(&mnt);
		return log_error_errno(k,
				       "cannot enforce these limits: the cgroup v2 subtree "
				       "delegated to you%s%s has no %s controller%s (see "
				       "docs/rootless.md)",
				       mnt ? ", " : "", mnt ? mnt : "", missing,
				       strchr(missing, ',') ? "s" : "");
	}
	if (k == -EOPNOTSUPP) {
		(void)cgroup_v2_mount(&mnt);
		return log_error_errno(
			k,
			"cannot enforce these limits: the cgroup v2 hierarchy%s%s has "
			"no %s controller%s (on a hybrid cgroup host they belong to "
			"cgroup v1; boot with systemd.unified_cgroup_hierarchy=1)",
			mnt ? " at " : "", mnt ? mnt : "", missing,
			strchr(missing, ',') ? "s" : "");
	}
	if (k < 0)
		return log_error_errno(k,
				       "cannot enforce these limits: no cgroup v2 hierarchy: %m");
	return 0;
}
