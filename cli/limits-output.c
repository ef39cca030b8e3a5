/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* The limits of a container next to what it uses, for `berth status`. */

#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "cgroup-limits.h"
#include "cli.h"
#include "util.h"

static void io_limits(const SpecResources *r, char *buf, size_t size)
{
	buf[0] = 0;
	for (size_t i = 0; i < r->n_io_read; i++) {
		char h[32], part[96];
		format_bytes(r->io_read[i].rate, h, sizeof(h));
		snprintf(part, sizeof(part), "%sread %s/s on %u:%u", *buf ? ", " : "", h,
			 r->io_read[i].major, r->io_read[i].minor);
		strncat(buf, part, size - strlen(buf) - 1);
	}
	for (size_t i = 0; i < r->n_io_write; i++) {
		char h[32], part[96];
		format_bytes(r->io_write[i].rate, h, sizeof(h));
		snprintf(part, sizeof(part), "%swrite %s/s on %u:%u", *buf ? ", " : "", h,
			 r->io_write[i].major, r->io_write[i].minor);
		strncat(buf, part, size - strlen(buf) - 1);
	}
}

void limits_print_text(const ContainerSpec *spec, const CgroupStats *st)
{
	const SpecResources *r = &spec->resources;
	char a[64], b[64], c[64];
	printf("Limits:%s\n", spec_resources_any(r) ? "" : "      none");
	if (r->has_memory_limit) {
		format_bytes((uint64_t)r->memory_limit, a, sizeof(a));
		if (!r->has_memory_swap || r->memory_swap == r->memory_limit)
			printf("  memory:    %s, no swap\n", a);
		else if (r->memory_swap < 0)
			printf("  memory:    %s, swap unlimited\n", a);
		else {
			format_bytes((uint64_t)(r->memory_swap - r->memory_limit), b, sizeof(b));
			printf("  memory:    %s, swap %s\n", a, b);
		}
	}
	if (r->has_cpu_quota)
		printf("  cpu:       %lld us per %llu us (%.0f%% of one CPU)\n",
		       (long long)r->cpu_quota, (unsigned long long)r->cpu_period,
		       100.0 * (double)r->cpu_quota / (double)r->cpu_period);
	if (r->has_cpu_shares)
		printf("  cpu share: %llu (cpu.weight %llu)\n", (unsigned long long)r->cpu_shares,
		       (unsigned long long)cpu_shares_to_weight(r->cpu_shares));
	if (r->has_cpu_weight)
		printf("  cpu.weight: %llu\n", (unsigned long long)r->cpu_weight);
	if (r->cpuset_cpus)
		printf("  cpus:      %s%s\n", r->cpuset_cpus,
		       spec->sched_policy == SCHED_RR ? " (pinned, SCHED_RR)" : "");
	if (spec->sched_policy == SCHED_RR)
		printf("  scheduler: SCHED_RR, priority %d\n", spec->sched_priority);
	if (r->has_pids_limit)
		printf("  pids:      %lld\n", (long long)r->pids_limit);
	if (r->n_io_read || r->n_io_write) {
		char io[256];
		io_limits(r, io, sizeof(io));
		printf("  io:        %s\n", io);
	}
	if (!st)
		return;
	printf("Usage:\n");
	if (st->has_memory) {
		format_bytes(st->memory_current, a, sizeof(a));
		format_bytes(st->memory_peak, b, sizeof(b));
		if (st->memory_max == UINT64_MAX)
			snprintf(c, sizeof(c), "no limit");
		else
			format_bytes(st->memory_max, c, sizeof(c));
		printf("  memory:    %s now, %s peak (memory.max %s), OOM kills %llu\n", a, b, c,
		       (unsigned long long)st->oom_kills);
	}
	if (st->has_cpu)
		printf("  cpu:       %.3f s (user %.3f s, system %.3f s), throttled %.3f s in %llu "
		       "periods\n",
		       (double)st->cpu_usage_usec / 1e6, (double)st->cpu_user_usec / 1e6,
		       (double)st->cpu_system_usec / 1e6, (double)st->cpu_throttled_usec / 1e6,
		       (unsigned long long)st->cpu_nr_throttled);
	if (st->has_pids) {
		if (st->pids_max == UINT64_MAX)
			printf("  pids:      %llu (no limit)\n",
			       (unsigned long long)st->pids_current);
		else
			printf("  pids:      %llu of %llu\n", (unsigned long long)st->pids_current,
			       (unsigned long long)st->pids_max);
	}
	if (st->has_io) {
		format_bytes(st->io_rbytes, a, sizeof(a));
		format_bytes(st->io_wbytes, b, sizeof(b));
		printf("  io:        %s read, %s written%s%s\n", a, b,
		       *st->io_max ? "; io.max " : "", st->io_max);
	}
	if (*st->cpuset)
		printf("  cpuset:    %s\n", st->cpuset);
}

static void num(FILE *f, const char *key, bool has, long long v, bool *first)
{
	fprintf(f, "%s\"%s\": ", *first ? "" : ", ", key);
	*first = false;
	if (has)
		fprintf(f, "%lld", v);
	else
		fputs("null", f);
}

/* The same for a u64 (a rate, a count): one past INT64_MAX is not -1. */
static void unum(FILE *f, const char *key, bool has, uint64_t v, bool *first)
{
	fprintf(f, "%s\"%s\": ", *first ? "" : ", ", key);
	*first = false;
	if (has)
		fprintf(f, "%llu", (unsigned long long)v);
	else
		fputs("null", f);
}

void limits_print_json(FILE *f, const ContainerSpec *spec, const CgroupStats *st)
{
	const SpecResources *r = &spec->resources;
	bool first = true;
	fputs(", \"limits\": {", f);
	num(f, "memory_max", r->has_memory_limit, r->memory_limit, &first);
	num(f, "memory_swap", r->has_memory_swap, r->memory_swap, &first);
	num(f, "cpu_quota", r->has_cpu_quota, r->cpu_quota, &first);
	unum(f, "cpu_period", r->has_cpu_quota, r->cpu_period, &first);
	unum(f, "cpu_shares", r->has_cpu_shares, r->cpu_shares, &first);
	unum(f, "cpu_weight", r->has_cpu_weight || r->has_cpu_shares,
	     r->has_cpu_weight ? r->cpu_weight : cpu_shares_to_weight(r->cpu_shares), &first);
	num(f, "pids_max", r->has_pids_limit, r->pids_limit, &first);
	unum(f, "io_read_bps", r->n_io_read > 0, r->n_io_read ? r->io_read[0].rate : 0, &first);
	unum(f, "io_write_bps", r->n_io_write > 0, r->n_io_write ? r->io_write[0].rate : 0, &first);
	fputs(", \"cpuset_cpus\": ", f);
	print_json_string(f, r->cpuset_cpus);
	fprintf(f, ", \"sched_policy\": %s, \"rt_priority\": ",
		spec->sched_policy == SCHED_RR ? "\"SCHED_RR\"" : "null");
	if (spec->sched_policy == SCHED_RR)
		fprintf(f, "%d}", spec->sched_priority);
	else
		fputs("null}", f);
	if (!st) {
		fputs(", \"usage\": null", f);
		return;
	}
	first = true;
	fputs(", \"usage\": {", f);
	unum(f, "memory_current", st->has_memory, st->memory_current, &first);
	unum(f, "memory_peak", st->has_memory, st->memory_peak, &first);
	unum(f, "oom_kills", st->has_memory, st->oom_kills, &first);
	unum(f, "cpu_usage_usec", st->has_cpu, st->cpu_usage_usec, &first);
	unum(f, "cpu_throttled_usec", st->has_cpu, st->cpu_throttled_usec, &first);
	unum(f, "cpu_nr_throttled", st->has_cpu, st->cpu_nr_throttled, &first);
	unum(f, "pids_current", st->has_pids, st->pids_current, &first);
	unum(f, "io_read_bytes", st->has_io, st->io_rbytes, &first);
	unum(f, "io_write_bytes", st->has_io, st->io_wbytes, &first);
	fputs(", \"cpuset_effective\": ", f);
	print_json_string(f, *st->cpuset ? st->cpuset : NULL);
	fputc('}', f);
}
