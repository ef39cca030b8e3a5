/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The user-space side of bpf/trace.bpf.c: loads and attaches the programs
 * and hands each event from the ring buffer to a callback. It knows nothing
 * of containers; cli/cmd_trace.c turns cgroup ids into them. */

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trace-events.h"

typedef struct TraceBpf TraceBpf;

/* Called for each record; size is the record's (see TRACE_SIZE_*). A
 * negative return stops the current trace_bpf_consume() with that error. */
typedef int (*TraceEventFn)(const struct berth_event *e, size_t size, void *userdata);

typedef struct {
	bool all;            /* every process on the machine */
	bool berth_comm;     /* processes named berth or berth-*, as well as containers */
	uint32_t event_mask; /* 1 << enum trace_event_type */
	size_t ringbuf_size; /* bytes, a power of 2 of at least a page; 0: default */
} TraceBpfOptions;

/* Why trace_bpf_open() failed, for a message that says what is missing. */
typedef enum {
	TRACE_FAIL_LIBRARY, /* libbpf could not be loaded (logged already) */
	TRACE_FAIL_NO_BTF,  /* the kernel has no /sys/kernel/btf/vmlinux */
	TRACE_FAIL_OPEN,    /* the embedded object did not parse */
	TRACE_FAIL_LOAD,    /* bpf(BPF_PROG_LOAD) or a map creation failed */
	TRACE_FAIL_ATTACH,  /* a tracepoint could not be attached */
	TRACE_FAIL_RINGBUF, /* the ring buffer could not be mapped */
	_TRACE_FAIL_MAX,
	_TRACE_FAIL_INVALID = -22,
} TraceFailure;

/* Opens, configures, loads and attaches everything: open → set rodata →
 * load → attach. On failure returns a negative errno and says at which
 * step in ret_failure. Warnings for optional parts that this kernel lacks
 * (such as OOM events) are logged. libbpf's own messages are shown at
 * debug level only. */
int trace_bpf_open(const TraceBpfOptions *o, TraceEventFn fn, void *userdata, TraceBpf **ret,
		   TraceFailure *ret_failure);
TraceBpf *trace_bpf_free(TraceBpf *t);
static inline void trace_bpf_freep(TraceBpf **t)
{
	trace_bpf_free(*t);
}

/* An fd that polls readable when many events wait. The kernel side wakes
 * its reader only once a batch has piled up: poll it with a timeout of at
 * most TRACE_BPF_POLL_MSEC and consume on the timeout too. */
#define TRACE_BPF_POLL_MSEC 50
int trace_bpf_fd(TraceBpf *t);
/* Hands every waiting event to the callback; returns how many, or the
 * callback's error. */
int trace_bpf_consume(TraceBpf *t);
/* Traces (or stops tracing) the processes of a cgroup, by cgroup id. */
int trace_bpf_track_cgroup(TraceBpf *t, uint64_t cgroup_id, bool track);
/* Events the kernel dropped because the ring buffer was full, by type. */
int trace_bpf_drops(TraceBpf *t, uint64_t ret[static TRACE_EV_MAX]);
/* false for a requested type this kernel cannot report (OOM kills
 * without a mark_victim tracepoint); trace_bpf_open() warned about it. */
bool trace_bpf_type_available(TraceBpf *t, enum trace_event_type type);
