/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cgroup-limits.h"
#include "cgroup.h"
#include "log.h"
#include "parse.h"
#include "util.h"

static const struct {
	Controller c;
	const char *name;
} controllers[] = {
	{ CONTROLLER_CPU, "cpu" },       { CONTROLLER_CPUSET, "cpuset" }, { CONTROLLER_IO, "io" },
	{ CONTROLLER_MEMORY, "memory" }, { CONTROLLER_PIDS, "pids" },
};

unsigned cgroup_controllers_needed(const SpecResources *r)
{
	unsigned n = 0;
	if (r->has_memory_limit || r->has_memory_swap)
		n |= CONTROLLER_MEMORY;
	if (r->has_cpu_quota || r->has_cpu_shares || r->has_cpu_weight)
		n |= CONTROLLER_CPU;
	if (r->cpuset_cpus)
		n |= CONTROLLER_CPUSET;
	if (r->has_pids_limit)
		n |= CONTROLLER_PIDS;
	if (r->n_io_read > 0 || r->n_io_write > 0)
		n |= CONTROLLER_IO;
	return n;
}

static bool word_in(const char *list, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = list; (p = strstr(p, word)); p += n)
		if ((p == list || p[-1] == ' ' || p[-1] == '+') &&
		    (p[n] == 0 || p[n] == ' ' || p[n] == '\n'))
			return true;
	return false;
}

static int read_controllers(const char *dir, const char *file, char **ret)
{
	_cleanup_free_ char *p = NULL;
	if (asprintf(&p, "%s/%s", dir, file) < 0)
		return -ENOMEM;
	return read_one_line(p, ret);
}

int cgroup_controllers_check(unsigned needed, char **ret_missing)
{
	/* Those of the hierarchy's root, or of the subtree delegated to a
	 * rootless berth. */
	_cleanup_free_ char *base = NULL, *have = NULL;
	int r = cgroup_berth_base(&base);
	if (r < 0)
		return r;
	r = read_controllers(base, "cgroup.controllers", &have);
	if (r < 0)
		return r;
	char missing[128] = "";
	for (size_t i = 0; i < ELEMENTSOF(controllers); i++)
		if ((needed & controllers[i].c) && !word_in(have, controllers[i].name)) {
			if (*missing)
				strcat(missing, ", ");
			strcat(missing, controllers[i].name);
		}
	if (!*missing)
		return 0;
	if (ret_missing)
		*ret_missing = strdup(missing);
	return -EOPNOTSUPP;
}

int cgroup_controllers_enable(const char *path, unsigned needed)
{
	_cleanup_free_ char *mnt = NULL;
	int r = cgroup_v2_mount(&mnt);
	if (r < 0)
		return r;
	size_t mlen = strlen(mnt);
	if (strncmp(path, mnt, mlen) != 0 || path[mlen] != '/')
		return -EINVAL;

	/* Walk from the root down to the container's parent: a controller
	 * can only be enabled for children where the parent has it. */
	_cleanup_free_ char *dir = strdup(path);
	if (!dir)
		return -ENOMEM;
	char *last = strrchr(dir, '/');
	*last = 0; /* the parent of the container's cgroup */
	for (char *p = dir + mlen;;) {
		char saved = *p;
		*p = 0;
		_cleanup_free_ char *enabled = NULL;
		r = read_controllers(dir, "cgroup.subtree_control", &enabled);
		if (r < 0)
			return r;
		for (size_t i = 0; i < ELEMENTSOF(controllers); i++) {
			if (!(needed & controllers[i].c) || word_in(enabled, controllers[i].name))
				continue;
			_cleanup_free_ char *f = NULL;
			char plus[32];
			if (asprintf(&f, "%s/cgroup.subtree_control", dir) < 0)
				return -ENOMEM;
			snprintf(plus, sizeof(plus), "+%s", controllers[i].name);
			r = write_string_file(f, plus);
			if (r < 0)
				return log_debug_errno(r, "enable %s in %s: %m",
						       controllers[i].name, dir);
		}
		*p = saved;
		if (!saved)
			break;
		p = strchr(p + 1, '/');
		if (!p)
			p = dir + strlen(dir);
	}
	return 0;
}

static int write_limit(const char *path, const char *file, const char *value, const char **what)
{
	_cleanup_free_ char *f = NULL;
	if (asprintf(&f, "%s/%s", path, file) < 0)
		return -ENOMEM;
	int r = write_string_file(f, value);
	if (r < 0 && what)
		*what = file;
	return r;
}

static int write_io(const char *path, const SpecIoThrottle *t, size_t n, const char *key,
		    const char **what)
{
	for (size_t i = 0; i < n; i++) {
		char v[96];
		snprintf(v, sizeof(v), "%u:%u %s=%llu", t[i].major, t[i].minor, key,
			 (unsigned long long)t[i].rate);
		int r = write_limit(path, "io.max", v, what);
		if (r < 0)
			return r;
	}
	return 0;
}

int cgroup_apply_resources(const char *path, const SpecResources *res, const char **ret_what)
{
	char v[64];
	int r;
	if (res->has_memory_limit) {
		snprintf(v, sizeof(v), "%lld", (long long)res->memory_limit);
		if ((r = write_limit(path, "memory.max", v, ret_what)) < 0)
			return r;
		/* No swap unless asked: a limit that swap could stretch is no
		 * limit (as with Docker's --memory-swap equal to --memory). */
		if (!res->has_memory_swap || res->memory_swap == res->memory_limit)
			snprintf(v, sizeof(v), "0");
		else if (res->memory_swap < 0)
			snprintf(v, sizeof(v), "max");
		else
			snprintf(v, sizeof(v), "%lld",
				 (long long)(res->memory_swap - res->memory_limit));
		/* Without swap accounting the file is missing: nothing to limit. */
		r = write_limit(path, "memory.swap.max", v, ret_what);
		if (r < 0 && r != -ENOENT)
			return r;
	}
	if (res->has_cpu_quota) {
		if (res->cpu_quota < 0)
			snprintf(v, sizeof(v), "max %llu", (unsigned long long)res->cpu_period);
		else
			snprintf(v, sizeof(v), "%lld %llu", (long long)res->cpu_quota,
				 (unsigned long long)res->cpu_period);
		if ((r = write_limit(path, "cpu.max", v, ret_what)) < 0)
			return r;
	}
	if (res->has_cpu_weight || res->has_cpu_shares) {
		uint64_t w = res->has_cpu_weight ? res->cpu_weight
						 : cpu_shares_to_weight(res->cpu_shares);
		snprintf(v, sizeof(v), "%llu", (unsigned long long)w);
		if ((r = write_limit(path, "cpu.weight", v, ret_what)) < 0)
			return r;
	}
	if (res->cpuset_cpus &&
	    (r = write_limit(path, "cpuset.cpus", res->cpuset_cpus, ret_what)) < 0)
		return r;
	if (res->has_pids_limit) {
		if (res->pids_limit < 0)
			snprintf(v, sizeof(v), "max");
		else
			snprintf(v, sizeof(v), "%lld", (long long)res->pids_limit);
		if ((r = write_limit(path, "pids.max", v, ret_what)) < 0)
			return r;
	}
	if ((r = write_io(path, res->io_read, res->n_io_read, "rbps", ret_what)) < 0 ||
	    (r = write_io(path, res->io_write, res->n_io_write, "wbps", ret_what)) < 0)
		return r;
	return 0;
}

/* ---- usage ---- */

static int read_u64(const char *path, const char *file, uint64_t *ret)
{
	_cleanup_free_ char *f = NULL, *s = NULL;
	if (asprintf(&f, "%s/%s", path, file) < 0)
		return -ENOMEM;
	int r = read_one_line(f, &s);
	if (r < 0)
		return r;
	if (streq(s, "max")) {
		*ret = UINT64_MAX;
		return 0;
	}
	return parse_uint64(s, ret);
}

/* "key value" lines (memory.events, cpu.stat). */
static uint64_t keyed(const char *data, const char *key)
{
	size_t n = strlen(key);
	for (const char *p = data; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, key, n) == 0 && p[n] == ' ')
			return strtoull(p + n + 1, NULL, 10);
	return 0;
}

static char *read_file_in(const char *path, const char *file)
{
	_cleanup_free_ char *f = NULL;
	char *s = NULL;
	if (asprintf(&f, "%s/%s", path, file) < 0)
		return NULL;
	return read_full_file(f, &s, NULL) < 0 ? NULL : s;
}

int cgroup_read_stats(const char *path, CgroupStats *st)
{
	*st = (CgroupStats){ .cpu_quota = -1, .memory_max = UINT64_MAX, .pids_max = UINT64_MAX };
	if (read_u64(path, "memory.current", &st->memory_current) == 0) {
		st->has_memory = true;
		(void)read_u64(path, "memory.peak", &st->memory_peak);
		(void)read_u64(path, "memory.max", &st->memory_max);
		if (read_u64(path, "memory.swap.max", &st->memory_swap_max) < 0)
			st->memory_swap_max = UINT64_MAX;
		_cleanup_free_ char *ev = read_file_in(path, "memory.events");
		if (ev)
			st->oom_kills = keyed(ev, "oom_kill");
	}
	_cleanup_free_ char *cpu = read_file_in(path, "cpu.stat");
	if (cpu) {
		st->has_cpu = true;
		st->cpu_usage_usec = keyed(cpu, "usage_usec");
		st->cpu_user_usec = keyed(cpu, "user_usec");
		st->cpu_system_usec = keyed(cpu, "system_usec");
		st->cpu_throttled_usec = keyed(cpu, "throttled_usec");
		st->cpu_nr_throttled = keyed(cpu, "nr_throttled");
		_cleanup_free_ char *max = read_file_in(path, "cpu.max");
		if (max) {
			unsigned long long period = 100000;
			if (startswith(max, "max"))
				sscanf(max, "max %llu", &period);
			else {
				long long q;
				if (sscanf(max, "%lld %llu", &q, &period) == 2)
					st->cpu_quota = q;
			}
			st->cpu_period = period;
		}
		(void)read_u64(path, "cpu.weight", &st->cpu_weight);
	}
	if (read_u64(path, "pids.current", &st->pids_current) == 0) {
		st->has_pids = true;
		(void)read_u64(path, "pids.max", &st->pids_max);
	}
	_cleanup_free_ char *io = read_file_in(path, "io.stat");
	if (io) {
		st->has_io = true;
		for (char *p = io; p && *p;) {
			char *rb = strstr(p, "rbytes="), *wb = strstr(p, "wbytes=");
			char *nl = strchr(p, '\n');
			if (rb && (!nl || rb < nl))
				st->io_rbytes += strtoull(rb + 7, NULL, 10);
			if (wb && (!nl || wb < nl))
				st->io_wbytes += strtoull(wb + 7, NULL, 10);
			p = nl ? nl + 1 : NULL;
		}
		_cleanup_free_ char *max = read_file_in(path, "io.max");
		if (max) {
			snprintf(st->io_max, sizeof(st->io_max), "%s", max);
			for (char *c = st->io_max; *c; c++)
				if (*c == '\n')
					*c = ';';
			size_t n = strlen(st->io_max);
			if (n && st->io_max[n - 1] == ';')
				st->io_max[n - 1] = 0;
		}
	}
	_cleanup_free_ char *cs = read_file_in(path, "cpuset.cpus.effective");
	if (cs) {
		cs[strcspn(cs, "\n")] = 0;
		snprintf(st->cpuset, sizeof(st->cpuset), "%s", cs);
	}
	return 0;
}
