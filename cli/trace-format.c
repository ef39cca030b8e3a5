/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* How `berth trace` writes an event: one text line
 *   12:01:02.345 web(3f2a9c1b) exec /bin/sh pid=1234
 * or one JSON object per line, and the row of the events table. The JSON
 * keys and the table's `details` use the same names (docs/state-db.md, "events"). */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "parse.h"
#include "trace-cli.h"
#include "util.h"

static const char *const type_names[TRACE_EV_MAX] = {
	[TRACE_EV_FORK] = "fork",     [TRACE_EV_EXEC] = "exec", [TRACE_EV_EXIT] = "exit",
	[TRACE_EV_CGROUP] = "cgroup", [TRACE_EV_NS] = "ns",     [TRACE_EV_MOUNT] = "mount",
	[TRACE_EV_OOM] = "oom",
};

static const char *const action_names[TRACE_ACT_MAX] = {
	[TRACE_ACT_MKDIR] = "mkdir",           [TRACE_ACT_RMDIR] = "rmdir",
	[TRACE_ACT_CLONE] = "clone",           [TRACE_ACT_UNSHARE] = "unshare",
	[TRACE_ACT_SETNS] = "setns",           [TRACE_ACT_MOUNT] = "mount",
	[TRACE_ACT_MOVE_MOUNT] = "move_mount", [TRACE_ACT_FSMOUNT] = "fsmount",
};

static const struct {
	uint64_t flag;
	const char *name;
} ns_names[] = {
	{ TRACE_CLONE_NEWNS, "mnt" },        { TRACE_CLONE_NEWUTS, "uts" },
	{ TRACE_CLONE_NEWIPC, "ipc" },       { TRACE_CLONE_NEWUSER, "user" },
	{ TRACE_CLONE_NEWPID, "pid" },       { TRACE_CLONE_NEWNET, "net" },
	{ TRACE_CLONE_NEWCGROUP, "cgroup" }, { TRACE_CLONE_NEWTIME, "time" },
};

/* mount(2) flags (uapi/linux/mount.h), for reading; JSON keeps the number. */
static const struct {
	uint64_t flag;
	const char *name;
} mount_flags[] = {
	{ 0x1, "ro" },
	{ 0x2, "nosuid" },
	{ 0x4, "nodev" },
	{ 0x8, "noexec" },
	{ 0x10, "sync" },
	{ 0x20, "remount" },
	{ 0x40, "mand" },
	{ 0x80, "dirsync" },
	{ 0x100, "nosymfollow" },
	{ 0x400, "noatime" },
	{ 0x800, "nodiratime" },
	{ 0x1000, "bind" },
	{ 0x2000, "move" },
	{ 0x4000, "rec" },
	{ 0x8000, "silent" },
	{ 0x10000, "posixacl" },
	{ 0x20000, "unbindable" },
	{ 0x40000, "private" },
	{ 0x80000, "slave" },
	{ 0x100000, "shared" },
	{ 0x200000, "relatime" },
	{ 0x1000000, "strictatime" },
	{ 0x2000000, "lazytime" },
};
/* The magic number old programs put in the upper half of the flags. */
#define MS_MGC_MASK 0xffff0000ULL
#define MS_MGC_VAL 0xc0ed0000ULL

static void print_mount_flags(FILE *f, uint64_t flags)
{
	if ((flags & MS_MGC_MASK) == MS_MGC_VAL)
		flags &= ~MS_MGC_MASK;
	if (!flags)
		return;
	const char *sep = " flags=";
	for (size_t i = 0; i < ELEMENTSOF(mount_flags); i++)
		if (flags & mount_flags[i].flag) {
			fprintf(f, "%s%s", sep, mount_flags[i].name);
			flags &= ~mount_flags[i].flag;
			sep = ",";
		}
	if (flags)
		fprintf(f, "%s0x%llx", sep, (unsigned long long)flags);
}

const char *trace_type_to_string(enum trace_event_type t)
{
	return t < TRACE_EV_MAX ? type_names[t] : NULL;
}

int trace_type_from_string(const char *s)
{
	for (int t = 0; t < TRACE_EV_MAX; t++)
		if (streq(type_names[t], s))
			return t;
	return -EINVAL;
}

/* The action's name; NULL for none (fork, exec, exit, oom) or one this
 * berth does not know. */
static const char *action_name(uint32_t action)
{
	return action < TRACE_ACT_MAX ? action_names[action] : NULL;
}

/* In text, an event of a type that has actions always shows one. */
static const char *action_text(uint32_t action)
{
	const char *n = action_name(action);
	return n ? n : "?";
}

int trace_parse_events(const char *s, uint32_t *ret)
{
	_cleanup_free_ char *copy = strdup(s);
	if (!copy)
		return -ENOMEM;
	uint32_t mask = 0;
	char *save = NULL;
	for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		if (streq(w, "all")) {
			mask |= (1u << TRACE_EV_MAX) - 1;
			continue;
		}
		int t = trace_type_from_string(w);
		if (t < 0)
			return log_error_errno(-EINVAL,
					       "unknown event type `%s` (fork, exec, exit, cgroup, "
					       "ns, mount, oom or all)",
					       w);
		mask |= 1u << t;
	}
	if (mask == 0)
		return log_error_errno(-EINVAL, "--events needs at least one event type");
	*ret = mask;
	return 0;
}

/* A string field of the record, or "" when the record is too short to hold
 * it or it is not terminated: never read past what the kernel sent. */
static const char *field(const TraceView *v, const char *s, size_t len)
{
	size_t end = (size_t)(s - (const char *)v->e) + len;
	if (end > v->size || !memchr(s, 0, len))
		return "";
	return s;
}
#define FIELD(v, name) field((v), (v)->e->name, sizeof((v)->e->name))

/* Text output: control characters of a hostile file name could fake
 * lines in the log, so they are escaped. */
static void put_text(FILE *f, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '\\')
			fprintf(f, "\\x%02x", *p);
		else
			fputc(*p, f);
}

static void ns_list(FILE *f, uint64_t flags, bool json)
{
	bool first = true;
	if (json)
		fputc('[', f);
	for (size_t i = 0; i < ELEMENTSOF(ns_names); i++) {
		if (!(flags & ns_names[i].flag))
			continue;
		if (json)
			fprintf(f, "%s\"%s\"", first ? "" : ",", ns_names[i].name);
		else
			fprintf(f, "%s%s", first ? "" : ",", ns_names[i].name);
		first = false;
	}
	if (json)
		fputc(']', f);
	else if (first)
		fputs("any", f); /* setns with nstype 0 */
}

static const char *errno_name(int error)
{
#if HAVE_STRERRORNAME_NP
	const char *s = strerrorname_np(error);
	if (s)
		return s;
#endif
	static _Thread_local char buf[16];
	snprintf(buf, sizeof(buf), "%d", error);
	return buf;
}

static bool has_result(const struct berth_event *e)
{
	return e->type == TRACE_EV_MOUNT ||
	       (e->type == TRACE_EV_NS && e->action != TRACE_ACT_CLONE);
}

static void print_label(FILE *f, const TraceView *v)
{
	if (v->container) {
		put_text(f, v->container->name ? v->container->name : "?");
		fprintf(f, "(%.8s)", v->container->id);
	} else {
		fputs("host(", f);
		put_text(f, FIELD(v, comm));
		fputc(')', f);
	}
}

static void print_text(FILE *f, const TraceView *v)
{
	const struct berth_event *e = v->e;
	time_t sec = (time_t)(v->realtime_ns / 1000000000ULL);
	struct tm tm;
	char clock[16] = "??:??:??";
	if (localtime_r(&sec, &tm))
		strftime(clock, sizeof(clock), "%H:%M:%S", &tm);
	fprintf(f, "%s.%03u ", clock, (unsigned)(v->realtime_ns / 1000000ULL % 1000));
	print_label(f, v);
	fprintf(f, " %s", type_names[e->type]);

	switch (e->type) {
	case TRACE_EV_FORK:
		fprintf(f, " child=%u", e->arg);
		break;
	case TRACE_EV_EXEC:
		fputc(' ', f);
		put_text(f, FIELD(v, path));
		break;
	case TRACE_EV_EXIT: {
		int status = (int)e->result, sig = status & 0x7f;
		if (sig) {
			const char *n = signal_name(sig);
			if (n)
				fprintf(f, " signal=%s", n);
			else
				fprintf(f, " signal=%d", sig);
			if (status & 0x80)
				fputs(" core", f);
		} else
			fprintf(f, " code=%d", (status >> 8) & 0xff);
		break;
	}
	case TRACE_EV_CGROUP:
		fprintf(f, " %s ", action_text(e->action));
		put_text(f, FIELD(v, path));
		break;
	case TRACE_EV_NS:
		fprintf(f, " %s ", action_text(e->action));
		ns_list(f, e->flags, false);
		if (e->action == TRACE_ACT_SETNS)
			fprintf(f, " fd=%d", (int)e->arg);
		break;
	case TRACE_EV_MOUNT:
		if (e->action == TRACE_ACT_MOUNT) {
			fputc(' ', f);
			put_text(f, *FIELD(v, source) ? FIELD(v, source) : "none");
			fputs(" on ", f);
			put_text(f, FIELD(v, path));
			if (*FIELD(v, fstype)) {
				fputs(" type ", f);
				put_text(f, FIELD(v, fstype));
			}
			print_mount_flags(f, e->flags);
		} else {
			if (e->action == TRACE_ACT_MOVE_MOUNT) {
				fprintf(f, " move_mount fd=%d", (int)e->arg);
				if (*FIELD(v, source)) {
					fputc(':', f);
					put_text(f, FIELD(v, source));
				}
				fputs(" to ", f);
				put_text(f, FIELD(v, path));
			} else
				fprintf(f, " fsmount fd=%d", (int)e->arg);
			if (e->flags)
				fprintf(f, " flags=0x%llx", (unsigned long long)e->flags);
		}
		break;
	case TRACE_EV_OOM:
		fputs(" killed", f);
		if (*FIELD(v, comm) && v->container) {
			fputs(" comm=", f);
			put_text(f, FIELD(v, comm));
		}
		break;
	default:
		break;
	}
	fprintf(f, " pid=%u", e->pid);
	if (has_result(e) && e->result < 0)
		fprintf(f, " err=%s", errno_name((int)-e->result));
	fputc('\n', f);
}

/* The type-specific JSON members, each preceded by ", " (JSON output)
 * or the whole `details` object of the events table. */
static void print_details(FILE *f, const TraceView *v)
{
	const struct berth_event *e = v->e;
	switch (e->type) {
	case TRACE_EV_FORK:
		fprintf(f, ", \"child_pid\": %u", e->arg);
		break;
	case TRACE_EV_EXEC:
		fputs(", \"filename\": ", f);
		print_json_string(f, FIELD(v, path));
		break;
	case TRACE_EV_EXIT: {
		int status = (int)e->result, sig = status & 0x7f;
		if (sig)
			fprintf(f, ", \"exit_code\": null, \"signal\": %d, \"core_dumped\": %s",
				sig, status & 0x80 ? "true" : "false");
		else
			fprintf(f, ", \"exit_code\": %d, \"signal\": null", (status >> 8) & 0xff);
		break;
	}
	case TRACE_EV_CGROUP:
		fputs(", \"path\": ", f);
		print_json_string(f, FIELD(v, path));
		break;
	case TRACE_EV_NS:
		fputs(", \"namespaces\": ", f);
		ns_list(f, e->flags, true);
		if (e->action == TRACE_ACT_SETNS)
			fprintf(f, ", \"fd\": %d", (int)e->arg);
		break;
	case TRACE_EV_MOUNT:
		if (e->action == TRACE_ACT_MOUNT) {
			fputs(", \"source\": ", f);
			print_json_string(f, FIELD(v, source));
			fputs(", \"target\": ", f);
			print_json_string(f, FIELD(v, path));
			fputs(", \"fstype\": ", f);
			print_json_string(f, FIELD(v, fstype));
		} else if (e->action == TRACE_ACT_MOVE_MOUNT) {
			fprintf(f, ", \"from_fd\": %d, \"from_path\": ", (int)e->arg);
			print_json_string(f, FIELD(v, source));
			fputs(", \"target\": ", f);
			print_json_string(f, FIELD(v, path));
		} else
			fprintf(f, ", \"fd\": %d", (int)e->arg);
		fprintf(f, ", \"flags\": %llu", (unsigned long long)e->flags);
		break;
	default:
		break;
	}
	if (has_result(e)) {
		fprintf(f, ", \"result\": %lld, \"error\": ", (long long)e->result);
		print_json_string(f, e->result < 0 ? errno_name((int)-e->result) : NULL);
	}
}

static void print_json(FILE *f, const TraceView *v)
{
	const struct berth_event *e = v->e;
	char time[32];
	format_iso8601(v->realtime_ns / 1000, time);
	fprintf(f, "{\"time\": \"%s\", \"type\": \"%s\", \"action\": ", time, type_names[e->type]);
	print_json_string(f, action_name(e->action));
	fputs(", \"container_id\": ", f);
	print_json_string(f, v->container ? v->container->id : NULL);
	fputs(", \"container_name\": ", f);
	print_json_string(f, v->container ? v->container->name : NULL);
	fprintf(f, ", \"cgroup_id\": %llu, \"pid\": %u, \"tid\": %u, \"ppid\": %u, \"comm\": ",
		(unsigned long long)e->cgroup_id, e->pid, e->tid, e->ppid);
	print_json_string(f, FIELD(v, comm));
	print_details(f, v);
	fputs("}\n", f);
}

void trace_print(FILE *f, TraceFormat format, const TraceView *v)
{
	if (format == TRACE_FORMAT_JSON)
		print_json(f, v);
	else
		print_text(f, v);
}

static char *strdup_or_null(const char *s)
{
	return s && *s ? strdup(s) : NULL;
}

int trace_event_row(const TraceView *v, EventRow *ret)
{
	const struct berth_event *e = v->e;
	EventRow row = {
		.type = type_names[e->type],
		.action = action_name(e->action),
		.cgroup_id = e->cgroup_id,
		.pid = e->pid,
		.tid = e->tid,
		.ppid = e->ppid,
		.comm = strdup(FIELD(v, comm)),
		.time = malloc(32),
	};
	if (v->container) {
		row.container_id = strdup(v->container->id);
		row.container_name = strdup_or_null(v->container->name);
	}
	if (e->type == TRACE_EV_EXEC || e->type == TRACE_EV_CGROUP || e->type == TRACE_EV_MOUNT)
		row.path = strdup_or_null(FIELD(v, path));

	/* details: the JSON members print_details() writes, as one object. */
	size_t len = 0;
	FILE *m = open_memstream(&row.details, &len);
	if (m) {
		fputc('{', m);
		print_details(m, v);
		fputc('}', m);
		if (fclose(m) != 0) {
			free(row.details);
			row.details = NULL;
		}
	}
	if (!row.comm || !row.time || !row.details || (v->container && !row.container_id)) {
		event_row_done(&row);
		return -ENOMEM;
	}
	/* "{, \"a\": 1}" → "{\"a\": 1}" */
	if (startswith(row.details, "{, "))
		memmove(row.details + 1, row.details + 3, strlen(row.details + 3) + 1);
	format_iso8601(v->realtime_ns / 1000, row.time);
	*ret = row;
	return 0;
}
