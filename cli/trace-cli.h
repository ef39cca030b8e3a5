/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* `berth trace` in user space: which container a cgroup id is
 * (trace-attrib.c) and how an event is written (trace-format.c). */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cli.h"
#include "trace.h"

/* A container cgroup seen by the tracer. */
typedef struct {
	uint64_t cgroup_id;
	char *id;   /* the full container id, from the DB or the cgroup's name */
	char *name; /* NULL for a container of another state DB (--root) */
	bool selected;
	uint64_t named_at; /* when its row was last looked for, while it has no name */
} TraceContainer;

typedef struct TraceAttrib TraceAttrib;

/* selected: full container ids to report (NULL: all). */
int trace_attrib_new(sqlite3 *db, char **selected, TraceAttrib **ret);
TraceAttrib *trace_attrib_free(TraceAttrib *a);
static inline void trace_attrib_freep(TraceAttrib **a)
{
	trace_attrib_free(*a);
}
/* Reads the state DB and the container cgroups that exist now. */
int trace_attrib_refresh(TraceAttrib *a);
/* The container whose cgroup has this id, NULL for any other cgroup. An
 * id never seen makes it re-read the DB (a container that appeared since),
 * at most every few hundred milliseconds. */
const TraceContainer *trace_attrib_find(TraceAttrib *a, uint64_t cgroup_id);
/* A cgroup made at path (relative to the v2 root): if it is a container's
 * (".../berth/<id>"), records it and returns it, else NULL. */
const TraceContainer *trace_attrib_learn(TraceAttrib *a, uint64_t cgroup_id, const char *path);
/* Calls fn for every container cgroup known (to seed the kernel's map). */
int trace_attrib_foreach(TraceAttrib *a, int (*fn)(const TraceContainer *c, void *userdata),
			 void *userdata);

/* Formatting. */
typedef enum {
	TRACE_FORMAT_TEXT,
	TRACE_FORMAT_JSON,
	_TRACE_FORMAT_MAX,
	_TRACE_FORMAT_INVALID = -22,
} TraceFormat;

typedef struct {
	const struct berth_event *e;
	size_t size;                     /* of the record: bounds the string fields */
	uint64_t realtime_ns;            /* e->ts_ns on the wall clock */
	const TraceContainer *container; /* NULL: not a container's */
} TraceView;

const char *trace_type_to_string(enum trace_event_type t);
/* The type named s (>= 0), or -EINVAL. */
int trace_type_from_string(const char *s);
/* "fork,exec" → a mask of 1 << type; "all" for every type. */
int trace_parse_events(const char *s, uint32_t *ret);

/* One line, ending in a newline. */
void trace_print(FILE *f, TraceFormat format, const TraceView *v);
/* A row for the events table; strings are copies. */
int trace_event_row(const TraceView *v, EventRow *ret);
