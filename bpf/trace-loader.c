/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* Before the skeleton: its calls go through the pointers too. */
#include "dl-bpf.h"

/* Loads bpf/trace.bpf.c through its generated skeleton: open → set rodata
 * → load → attach, each step returning a negative errno. */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"
#include "trace.h"
#include "trace.skel.h"

#define VMLINUX_BTF_PATH "/sys/kernel/btf/vmlinux"

struct TraceBpf {
	struct trace_bpf *skel;
	struct ring_buffer *rb;
	TraceEventFn fn;
	void *userdata;
	uint32_t available; /* types this kernel can report, 1 << type */
};

static void trace_bpf_destroyp(struct trace_bpf **s)
{
	trace_bpf__destroy(*s);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* libbpf explains failures at length (verifier logs); one line from
	 * us says what went wrong, its story is for --debug. */
	if (log_get_level() < LOG_LEVEL_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/* Which mark_victim this kernel has: 1 for (struct task_struct *, uid_t)
 * (Linux 6.8 and later), 0 for (int pid), -ENOENT for none. A tp_btf
 * program reads its arguments as the kernel declares them, so the loader
 * has to pick the program written for this kernel's declaration. */
static int mark_victim_takes_task(void)
{
	struct btf *btf = btf__load_vmlinux_btf();
	if (!btf)
		return -errno;
	int r = -ENOENT;
	__s32 id = btf__find_by_name_kind(btf, "btf_trace_mark_victim", BTF_KIND_TYPEDEF);
	if (id < 0)
		goto out;
	const struct btf_type *t = btf__type_by_id(btf, btf__type_by_id(btf, id)->type);
	if (!t || !btf_is_ptr(t))
		goto out;
	t = btf__type_by_id(btf, t->type);
	if (!t || !btf_is_func_proto(t) || btf_vlen(t) < 2)
		goto out;
	/* Parameter 0 is the tracepoint's private data pointer. */
	int arg = btf__resolve_type(btf, btf_params(t)[1].type);
	const struct btf_type *a = arg < 0 ? NULL : btf__type_by_id(btf, arg);
	if (a)
		r = btf_is_ptr(a) ? 1 : 0;
out:
	btf__free(btf);
	return r;
}

static int on_record(void *ctx, void *data, size_t size)
{
	TraceBpf *t = ctx;
	if (size < TRACE_SIZE_SMALL)
		return 0; /* cannot happen; never read past a record */
	return t->fn(data, size, t->userdata);
}

static bool wants(const TraceBpfOptions *o, enum trace_event_type type)
{
	return o->event_mask & (1u << type);
}

int trace_bpf_open(const TraceBpfOptions *o, TraceEventFn fn, void *userdata, TraceBpf **ret,
		   TraceFailure *ret_failure)
{
	int r = dl_bpf_load();
	if (r < 0) {
		*ret_failure = TRACE_FAIL_LIBRARY;
		return r;
	}
	libbpf_set_print(libbpf_print);

	/* CO-RE needs the running kernel's BTF; say so rather than let
	 * libbpf fail later with a less obvious error. */
	if (access(VMLINUX_BTF_PATH, R_OK) < 0) {
		*ret_failure = errno == ENOENT ? TRACE_FAIL_NO_BTF : TRACE_FAIL_LOAD;
		return -errno;
	}

	_cleanup_(trace_bpf_destroyp) struct trace_bpf *skel = trace_bpf__open();
	if (!skel) {
		*ret_failure = TRACE_FAIL_OPEN;
		return -errno;
	}

	skel->rodata->trace_all = o->all;
	skel->rodata->trace_berth_comm = o->berth_comm && !o->all;
	skel->rodata->event_mask = o->event_mask;
	skel->rodata->self_tgid = (uint32_t)getpid();
	skel->rodata->nr_unshare = SYS_unshare;
	skel->rodata->nr_setns = SYS_setns;
	skel->rodata->nr_mount = SYS_mount;
#ifdef SYS_move_mount
	skel->rodata->nr_move_mount = SYS_move_mount;
#endif
#ifdef SYS_fsmount
	skel->rodata->nr_fsmount = SYS_fsmount;
#endif
	if (o->ringbuf_size > 0) {
		r = bpf_map__set_max_entries(skel->maps.events, (uint32_t)o->ringbuf_size);
		if (r < 0) {
			*ret_failure = TRACE_FAIL_OPEN;
			return r;
		}
	}
	/* Wake the reader when an eighth of the ring is used: it has seven
	 * eighths left while it catches up. */
	skel->rodata->wakeup_bytes = bpf_map__max_entries(skel->maps.events) / 8;

	/* Load only what the events asked for need: each attached program
	 * costs a little on every fork, exec or syscall of the machine. The
	 * cgroup programs always run: they name new containers. */
	uint32_t available = o->event_mask | (1u << TRACE_EV_CGROUP);
	bool fork = wants(o, TRACE_EV_FORK) || wants(o, TRACE_EV_NS);
	bool sys = wants(o, TRACE_EV_NS) || wants(o, TRACE_EV_MOUNT);
	/* fork and exit also keep the list of berth's helper processes. */
	bool lineage = skel->rodata->trace_berth_comm;
	bpf_program__set_autoload(skel->progs.handle_fork, fork || lineage);
	bpf_program__set_autoload(skel->progs.handle_exec, wants(o, TRACE_EV_EXEC));
	bpf_program__set_autoload(skel->progs.handle_exit,
				  wants(o, TRACE_EV_EXIT) || sys || lineage);
	bpf_program__set_autoload(skel->progs.handle_sys_enter, sys);
	bpf_program__set_autoload(skel->progs.handle_sys_exit, sys);
	int task = wants(o, TRACE_EV_OOM) ? mark_victim_takes_task() : -ENOENT;
	if (wants(o, TRACE_EV_OOM) && task < 0) {
		log_warning("this kernel has no BTF for the mark_victim tracepoint: "
			    "OOM kills will not be reported");
		available &= ~(1u << TRACE_EV_OOM);
	}
	bpf_program__set_autoload(skel->progs.handle_oom_task, task == 1);
	bpf_program__set_autoload(skel->progs.handle_oom_pid, task == 0);

	r = trace_bpf__load(skel);
	if (r < 0) {
		*ret_failure = TRACE_FAIL_LOAD;
		return r;
	}
	r = trace_bpf__attach(skel);
	if (r < 0) {
		*ret_failure = TRACE_FAIL_ATTACH;
		return r;
	}

	_cleanup_free_ TraceBpf *t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->fn = fn;
	t->userdata = userdata;
	t->available = available;
	t->rb = ring_buffer__new(bpf_map__fd(skel->maps.events), on_record, t, NULL);
	if (!t->rb) {
		*ret_failure = TRACE_FAIL_RINGBUF;
		return -errno;
	}
	t->skel = TAKE_PTR(skel);
	*ret = TAKE_PTR(t);
	return 0;
}

TraceBpf *trace_bpf_free(TraceBpf *t)
{
	if (!t)
		return NULL;
	ring_buffer__free(t->rb);
	trace_bpf__destroy(t->skel);
	free(t);
	return NULL;
}

int trace_bpf_fd(TraceBpf *t)
{
	return ring_buffer__epoll_fd(t->rb);
}

int trace_bpf_consume(TraceBpf *t)
{
	return ring_buffer__consume(t->rb);
}

int trace_bpf_track_cgroup(TraceBpf *t, uint64_t cgroup_id, bool track)
{
	__u64 key = cgroup_id;
	__u8 one = 1;
	if (track)
		return bpf_map__update_elem(t->skel->maps.cgroups, &key, sizeof(key), &one,
					    sizeof(one), BPF_ANY);
	int r = bpf_map__delete_elem(t->skel->maps.cgroups, &key, sizeof(key), 0);
	return r == -ENOENT ? 0 : r;
}

int trace_bpf_drops(TraceBpf *t, uint64_t ret[static TRACE_EV_MAX])
{
	int ncpus = libbpf_num_possible_cpus();
	if (ncpus < 0)
		return ncpus;
	_cleanup_free_ __u64 *values = calloc((size_t)ncpus, sizeof(__u64));
	if (!values)
		return -ENOMEM;
	for (__u32 type = 0; type < TRACE_EV_MAX; type++) {
		int r = bpf_map__lookup_elem(t->skel->maps.drops, &type, sizeof(type), values,
					     (size_t)ncpus * sizeof(__u64), 0);
		if (r < 0)
			return r;
		ret[type] = 0;
		for (int cpu = 0; cpu < ncpus; cpu++)
			ret[type] += values[cpu];
	}
	return 0;
}

bool trace_bpf_type_available(TraceBpf *t, enum trace_event_type type)
{
	return t->available & (1u << type);
}
