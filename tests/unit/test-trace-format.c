/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for cli/trace-format.c, linked from libcli.a (built with
 * eBPF): event type names and --events, one text line per event (each
 * type's fields, a hostile name's control characters escaped, strings
 * never read past the record or an unterminated field), the same event
 * as one JSON object, and the row of the events table. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <signal.h>
#include <time.h>

#include "cli-test.h"
#include "trace-cli.h"

/* 1970-01-02T03:04:05.678Z */
#define REALTIME_NS ((((24 + 3) * 3600 + 4 * 60 + 5) * 1000ull + 678) * 1000000ull)

static int setup(void **state)
{
	(void)state;
	/* The text's clock is local time: UTC here, whatever the host's. */
	setenv("TZ", "UTC", 1);
	tzset();
	test_log_catch();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	test_log_release();
	return 0;
}

static struct berth_event event(enum trace_event_type type, enum trace_event_action action)
{
	struct berth_event e = {
		.cgroup_id = 4242,
		.type = type,
		.action = action,
		.pid = 100,
		.tid = 101,
		.ppid = 1,
	};
	strcpy(e.comm, "sh");
	return e;
}

static const TraceContainer web = {
	.cgroup_id = 4242,
	.id = (char *)"3f2a9c1b77aa0000000000000000000000000000000000000000"
		      "000000000000",
	.name = (char *)"web"
};

typedef struct {
	TraceFormat format;
	const TraceView *v;
} PrintArgs;

static void print(FILE *f, void *arg)
{
	const PrintArgs *a = arg;
	trace_print(f, a->format, a->v);
}

static char *line_of(const struct berth_event *e, size_t size, const TraceContainer *c,
		     TraceFormat format)
{
	TraceView v = { .e = e, .size = size, .realtime_ns = REALTIME_NS, .container = c };
	PrintArgs a = { format, &v };
	return test_capture_file(print, &a);
}

static char *text(const struct berth_event *e, const TraceContainer *c)
{
	return line_of(e, sizeof(*e), c, TRACE_FORMAT_TEXT);
}

static json_t *json(const struct berth_event *e, const TraceContainer *c)
{
	_cleanup_free_ char *s = line_of(e, sizeof(*e), c, TRACE_FORMAT_JSON);
	size_t n = strlen(s);
	/* One line. */
	assert_true(n > 0 && s[n - 1] == '\n');
	assert_null(memchr(s, '\n', n - 1));
	json_error_t err;
	json_t *j = json_loads(s, 0, &err);
	if (!json_is_object(j))
		fail_msg("not a JSON object (%s): %s", err.text, s);
	return j;
}

static void test_type_names_both_ways(void **state)
{
	(void)state;
	const char *names[] = { "fork", "exec", "exit", "cgroup", "ns", "mount", "oom" };
	assert_int_equal(ELEMENTSOF(names), TRACE_EV_MAX);
	for (int t = 0; t < TRACE_EV_MAX; t++) {
		assert_string_equal(trace_type_to_string((enum trace_event_type)t), names[t]);
		assert_int_equal(trace_type_from_string(names[t]), t);
	}
	assert_null(trace_type_to_string(TRACE_EV_MAX));
	/* An int, negative for no type: no cast needed to see it. */
	assert_true(trace_type_from_string("Fork") < 0);
	assert_int_equal(trace_type_from_string("Fork"), -EINVAL);
	assert_int_equal(trace_type_from_string(""), -EINVAL);
}

static void test_parse_events(void **state)
{
	(void)state;
	uint32_t mask = 0;
	assert_int_equal(trace_parse_events("fork,exec", &mask), 0);
	assert_int_equal(mask, (1u << TRACE_EV_FORK) | (1u << TRACE_EV_EXEC));
	assert_int_equal(trace_parse_events("oom,,oom,", &mask), 0);
	assert_int_equal(mask, 1u << TRACE_EV_OOM);
	assert_int_equal(trace_parse_events("all", &mask), 0);
	assert_int_equal(mask, (1u << TRACE_EV_MAX) - 1);
	assert_int_equal(trace_parse_events("exit,all", &mask), 0);
	assert_int_equal(mask, (1u << TRACE_EV_MAX) - 1);
	assert_string_equal(logged(), "");
}

static void test_parse_events_refuses_unknown_and_empty(void **state)
{
	(void)state;
	uint32_t mask = 77;
	assert_int_equal(trace_parse_events("fork,clone", &mask), -EINVAL);
	assert_string_equal(logged(), "berth: unknown event type `clone` (fork, exec, exit, "
				      "cgroup, ns, mount, oom or all)\n");
	assert_int_equal(trace_parse_events("", &mask), -EINVAL);
	assert_string_equal(logged(), "berth: --events needs at least one event type\n");
	assert_int_equal(trace_parse_events(",,", &mask), -EINVAL);
	assert_string_equal(logged(), "berth: --events needs at least one event type\n");
	assert_int_equal(mask, 77);
}

static void test_text_fork_exec_and_the_label(void **state)
{
	(void)state;
	struct berth_event e = event(TRACE_EV_FORK, TRACE_ACT_NONE);
	e.arg = 555;
	_cleanup_free_ char *a = text(&e, &web);
	assert_string_equal(a, "03:04:05.678 web(3f2a9c1b) fork child=555 pid=100\n");
	e = event(TRACE_EV_EXEC, TRACE_ACT_NONE);
	strcpy(e.path, "/bin/ls");
	_cleanup_free_ char *b = text(&e, NULL);
	assert_string_equal(b, "03:04:05.678 host(sh) exec /bin/ls pid=100\n");
	/* A container of another state DB has no name. */
	TraceContainer other = web;
	other.name = NULL;
	_cleanup_free_ char *c = text(&e, &other);
	assert_string_equal(c, "03:04:05.678 ?(3f2a9c1b) exec /bin/ls pid=100\n");
}

static void test_text_escapes_control_characters(void **state)
{
	(void)state;
	struct berth_event e = event(TRACE_EV_EXEC, TRACE_ACT_NONE);
	strcpy(e.comm, "a\nb\\");
	strcpy(e.path, "/x\n12:00:00.000 fake\x7f\x1b[0m");
	_cleanup_free_ char *a = text(&e, NULL);
	assert_string_equal(a, "03:04:05.678 host(a\\x0ab\\x5c) exec "
			       "/x\\x0a12:00:00.000 fake\\x7f\\x1b[0m pid=100\n");
	TraceContainer evil = web;
	evil.name = (char *)"n\r";
	_cleanup_free_ char *b = text(&e, &evil);
	assert_true(startswith(b, "03:04:05.678 n\\x0d(3f2a9c1b) exec"));
}

static void test_text_exit_code_signal_and_core(void **state)
{
	(void)state;
	struct berth_event e = event(TRACE_EV_EXIT, TRACE_ACT_NONE);
	e.result = 3 << 8;
	_cleanup_free_ char *a = text(&e, &web);
	assert_string_equal(a, "03:04:05.678 web(3f2a9c1b) exit code=3 pid=100\n");
	e.result = SIGKILL;
	_cleanup_free_ char *b = text(&e, &web);
	assert_string_equal(b, "03:04:05.678 web(3f2a9c1b) exit signal=KILL pid=100\n");
	e.result = SIGSEGV | 0x80;
	_cleanup_free_ char *c = text(&e, &web);
	assert_string_equal(c, "03:04:05.678 web(3f2a9c1b) exit signal=SEGV core pid=100\n");
	/* A real-time signal has no name. */
	e.result = 40;
	_cleanup_free_ char *d = text(&e, &web);
	assert_string_equal(d, "03:04:05.678 web(3f2a9c1b) exit signal=40 pid=100\n");
}

static void test_text_cgroup_and_namespaces(void **state)
{
	(void)state;
	struct berth_event e = event(TRACE_EV_CGROUP, TRACE_ACT_MKDIR);
	strcpy(e.path, "/berth/abc");
	_cleanup_free_ char *a = text(&e, NULL);
	assert_string_equal(a, "03:04:05.678 host(sh) cgroup mkdir /berth/abc pid=100\n");
	e = event(TRACE_EV_NS, TRACE_ACT_CLONE);
	e.flags = TRACE_CLONE_NEWNET | TRACE_CLONE_NEWNS | TRACE_CLONE_NEWPID;
	/* A clone has no result to report, even a negative one. */
	e.result = -1;
	_cleanup_free_ char *b = text(&e, &web);
	assert_string_equal(b, "03:04:05.678 web(3f2a9c1b) ns clone mnt,pid,net pid=100\n");
	e = event(TRACE_EV_NS, TRACE_ACT_SETNS);
	e.arg = 7;
	e.result = -EPERM;
	_cleanup_free_ char *c = text(&e, &web);
	assert_string_equal(c, "03:04:05.678 web(3f2a9c1b) ns setns any fd=7 pid=100 err=EPERM\n");
	e = event(TRACE_EV_NS, TRACE_ACT_UNSHARE);
	e.flags = TRACE_CLONE_NEW_ALL;
	_cleanup_free_ char *d = text(&e, &web);
	assert_string_equal(d, "03:04:05.678 web(3f2a9c1b) ns unshare "
			       "mnt,uts,ipc,user,pid,net,cgroup,time pid=100\n");
}

static void test_text_cgroup_or_namespace_event_without_a_known_action(void **state)
{
	(void)state;
	struct berth_event e = event(TRACE_EV_CGROUP, TRACE_ACT_NONE);
	strcpy(e.path, "/berth/abc");
	_cleanup_free_ char *a = text(&e, NULL);
	assert_string_equal(a, "03:04:05.678 host(sh) cgroup ? /berth/abc pid=100\n");
	e = event(TRACE_EV_NS, TRACE_ACT_NONE);
	e.flags = TRACE_CLONE_NEWNS;
	_cleanup_free_ char *b = text(&e, &web);
	assert_string_equal(b, "03:04:05.678 web(3f2a9c1b) ns ? mnt pid=100\n");
	/* From a newer BPF program: not taken for another action's name. */
	e = event(TRACE_EV_CGROUP, (enum trace_event_action)(TRACE_ACT_MAX + TRACE_ACT_MKDIR));
	strcpy(e.path, "/x");
	_cleanup_free_ char *c = text(&e, NULL);
	assert_string_equal(c, "03:04:05.678 host(sh) cgroup ? /x pid=100\n");
	json_t *j = json(&e, NULL);
	assert_true(json_is_null(json_object_get(j, "action")));
	json_decref(j);
	TraceView v = { .e = &e, .size = sizeof(e), .realtime_ns = REALTIME_NS };
	EventRow row;
	assert_int_equal(trace_event_row(&v, &row), 0);
	assert_null(row.action);
	event_row_done(&row);
}

static void test_text_mounts(void **state)
{
	(void)state;
	struct berth_event e = event(TRACE_EV_MOUNT, TRACE_ACT_MOUNT);
	strcpy(e.source, "/dev/vda1");
	strcpy(e.path, "/mnt");
	strcpy(e.fstype, "ext4");
	/* The old magic number in the upper half is dropped; unknown bits
	 * are shown as a number. */
	e.flags = 0xc0ed0000ull | 0x1 | 0x4000 | 0x1000 | 0x200;
	_cleanup_free_ char *a = text(&e, NULL);
	assert_string_equal(a, "03:04:05.678 host(sh) mount /dev/vda1 on /mnt type ext4 "
			       "flags=ro,bind,rec,0x200 pid=100\n");
	/* Without the magic number, the upper half is flags too. */
	e.flags = 0x2000000 | 0x10000000;
	_cleanup_free_ char *a2 = text(&e, NULL);
	assert_non_null(strstr(a2, " flags=lazytime,0x10000000 pid=100\n"));
	e.source[0] = e.fstype[0] = '\0';
	e.flags = 0;
	e.result = -ENOENT;
	_cleanup_free_ char *b = text(&e, NULL);
	assert_string_equal(b, "03:04:05.678 host(sh) mount none on /mnt pid=100 err=ENOENT\n");
	e = event(TRACE_EV_MOUNT, TRACE_ACT_MOVE_MOUNT);
	e.arg = 3;
	strcpy(e.source, "/from");
	strcpy(e.path, "/to");
	e.flags = 0x44;
	_cleanup_free_ char *c = text(&e, NULL);
	assert_string_equal(c, "03:04:05.678 host(sh) mount move_mount fd=3:/from to /to "
			       "flags=0x44 pid=100\n");
	e = event(TRACE_EV_MOUNT, TRACE_ACT_FSMOUNT);
	e.arg = 5;
	_cleanup_free_ char *d = text(&e, NULL);
	assert_string_equal(d, "03:04:05.678 host(sh) mount fsmount fd=5 pid=100\n");
}

static void test_text_oom_names_the_process_of_a_container_only(void **state)
{
	(void)state;
	struct berth_event e = event(TRACE_EV_OOM, TRACE_ACT_NONE);
	strcpy(e.comm, "hog");
	_cleanup_free_ char *a = text(&e, &web);
	assert_string_equal(a, "03:04:05.678 web(3f2a9c1b) oom killed comm=hog pid=100\n");
	_cleanup_free_ char *b = text(&e, NULL);
	assert_string_equal(b, "03:04:05.678 host(hog) oom killed pid=100\n");
}

static void test_strings_are_not_read_past_the_record(void **state)
{
	(void)state;
	/* A record that ends before path: exactly that many bytes. */
	struct berth_event full = event(TRACE_EV_EXEC, TRACE_ACT_NONE);
	strcpy(full.path, "/never/read");
	struct berth_event *small = malloc(TRACE_SIZE_SMALL);
	assert_non_null(small);
	memcpy(small, &full, TRACE_SIZE_SMALL);
	_cleanup_free_ char *a = line_of(small, TRACE_SIZE_SMALL, NULL, TRACE_FORMAT_TEXT);
	assert_string_equal(a, "03:04:05.678 host(sh) exec  pid=100\n");
	_cleanup_free_ char *b = line_of(small, TRACE_SIZE_SMALL, NULL, TRACE_FORMAT_JSON);
	assert_non_null(strstr(b, "\"filename\": \"\""));
	free(small);
	/* A field without its NUL. */
	memset(full.path, 'A', sizeof(full.path));
	memset(full.comm, 'B', sizeof(full.comm));
	_cleanup_free_ char *c = text(&full, NULL);
	assert_string_equal(c, "03:04:05.678 host() exec  pid=100\n");
}

static void test_json_fields(void **state)
{
	(void)state;
	struct berth_event e = event(TRACE_EV_EXIT, TRACE_ACT_NONE);
	e.result = SIGKILL | 0x80;
	json_t *j = json(&e, &web);
	assert_string_equal(json_string_value(json_object_get(j, "time")),
			    "1970-01-02T03:04:05.678Z");
	assert_string_equal(json_string_value(json_object_get(j, "type")), "exit");
	assert_true(json_is_null(json_object_get(j, "action")));
	assert_string_equal(json_string_value(json_object_get(j, "container_id")), web.id);
	assert_string_equal(json_string_value(json_object_get(j, "container_name")), "web");
	assert_int_equal(json_integer_value(json_object_get(j, "cgroup_id")), 4242);
	assert_int_equal(json_integer_value(json_object_get(j, "pid")), 100);
	assert_int_equal(json_integer_value(json_object_get(j, "tid")), 101);
	assert_int_equal(json_integer_value(json_object_get(j, "ppid")), 1);
	assert_string_equal(json_string_value(json_object_get(j, "comm")), "sh");
	assert_true(json_is_null(json_object_get(j, "exit_code")));
	assert_int_equal(json_integer_value(json_object_get(j, "signal")), SIGKILL);
	assert_true(json_is_true(json_object_get(j, "core_dumped")));
	/* Only mounts and namespace changes other than clone have a result. */
	assert_null(json_object_get(j, "result"));
	json_decref(j);

	e = event(TRACE_EV_MOUNT, TRACE_ACT_MOUNT);
	strcpy(e.comm, "bad\"\n");
	strcpy(e.source, "src");
	strcpy(e.path, "/t");
	e.flags = 0x4001;
	e.result = -EBUSY;
	j = json(&e, NULL);
	assert_string_equal(json_string_value(json_object_get(j, "action")), "mount");
	assert_true(json_is_null(json_object_get(j, "container_id")));
	assert_true(json_is_null(json_object_get(j, "container_name")));
	assert_string_equal(json_string_value(json_object_get(j, "comm")), "bad\"\n");
	assert_string_equal(json_string_value(json_object_get(j, "source")), "src");
	assert_string_equal(json_string_value(json_object_get(j, "target")), "/t");
	assert_string_equal(json_string_value(json_object_get(j, "fstype")), "");
	assert_int_equal(json_integer_value(json_object_get(j, "flags")), 0x4001);
	assert_int_equal(json_integer_value(json_object_get(j, "result")), -EBUSY);
	assert_string_equal(json_string_value(json_object_get(j, "error")), "EBUSY");
	json_decref(j);

	e = event(TRACE_EV_NS, TRACE_ACT_SETNS);
	e.flags = TRACE_CLONE_NEWUSER | TRACE_CLONE_NEWTIME;
	e.arg = 9;
	j = json(&e, NULL);
	json_t *ns = json_object_get(j, "namespaces");
	assert_int_equal(json_array_size(ns), 2);
	assert_string_equal(json_string_value(json_array_get(ns, 0)), "user");
	assert_string_equal(json_string_value(json_array_get(ns, 1)), "time");
	assert_int_equal(json_integer_value(json_object_get(j, "fd")), 9);
	assert_int_equal(json_integer_value(json_object_get(j, "result")), 0);
	assert_true(json_is_null(json_object_get(j, "error")));
	json_decref(j);
}

static void test_event_row(void **state)
{
	(void)state;
	struct berth_event e = event(TRACE_EV_EXEC, TRACE_ACT_NONE);
	strcpy(e.path, "/bin/true");
	TraceView v = { .e = &e, .size = sizeof(e), .realtime_ns = REALTIME_NS, .container = &web };
	EventRow row;
	assert_int_equal(trace_event_row(&v, &row), 0);
	assert_string_equal(row.time, "1970-01-02T03:04:05.678Z");
	assert_string_equal(row.type, "exec");
	assert_null(row.action);
	assert_string_equal(row.container_id, web.id);
	assert_string_equal(row.container_name, "web");
	assert_int_equal(row.cgroup_id, 4242);
	assert_int_equal(row.pid, 100);
	assert_int_equal(row.tid, 101);
	assert_int_equal(row.ppid, 1);
	assert_string_equal(row.comm, "sh");
	assert_string_equal(row.path, "/bin/true");
	/* The members of the JSON line, as one object. */
	assert_string_equal(row.details, "{\"filename\": \"/bin/true\"}");
	event_row_done(&row);

	e = event(TRACE_EV_OOM, TRACE_ACT_NONE);
	v.container = NULL;
	assert_int_equal(trace_event_row(&v, &row), 0);
	assert_string_equal(row.details, "{}");
	assert_null(row.container_id);
	assert_null(row.container_name);
	assert_null(row.path);
	event_row_done(&row);

	e = event(TRACE_EV_CGROUP, TRACE_ACT_RMDIR);
	e.path[0] = '\0';
	TraceContainer unnamed = web;
	unnamed.name = NULL;
	v.container = &unnamed;
	assert_int_equal(trace_event_row(&v, &row), 0);
	assert_string_equal(row.action, "rmdir");
	assert_null(row.container_name);
	assert_null(row.path); /* "" is stored as NULL */
	json_t *d = json_loads(row.details, 0, NULL);
	assert_true(json_is_object(d));
	assert_string_equal(json_string_value(json_object_get(d, "path")), "");
	json_decref(d);
	event_row_done(&row);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_type_names_both_ways),
		cmocka_unit_test(test_parse_events),
		cmocka_unit_test(test_parse_events_refuses_unknown_and_empty),
		cmocka_unit_test(test_text_fork_exec_and_the_label),
		cmocka_unit_test(test_text_escapes_control_characters),
		cmocka_unit_test(test_text_exit_code_signal_and_core),
		cmocka_unit_test(test_text_cgroup_and_namespaces),
		cmocka_unit_test(test_text_cgroup_or_namespace_event_without_a_known_action),
		cmocka_unit_test(test_text_mounts),
		cmocka_unit_test(test_text_oom_names_the_process_of_a_container_only),
		cmocka_unit_test(test_strings_are_not_read_past_the_record),
		cmocka_unit_test(test_json_fields),
		cmocka_unit_test(test_event_row),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
