/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for what berth-runtime's commands share
 * (supervisor/runtime-state.c): the ids it takes, a command's options and
 * operands and the one line a wrong one gets, and a container's status as
 * `state` reports it, from its row in a state DB of the test's own. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "runtime.h"
#include "util.h"

static int log_pipe[2];
static char *dir;

static int setup(void **state)
{
	(void)state;
	if (pipe(log_pipe) < 0)
		return -1;
	log_setup("berth-runtime", LOG_LEVEL_INFO);
	log_set_fd(log_pipe[1]);
	char tmpl[] = "/tmp/test-runtime-state.XXXXXX";
	if (!mkdtemp(tmpl))
		return -1;
	dir = strdup(tmpl);
	return dir ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	log_set_fd(STDERR_FILENO);
	close(log_pipe[0]);
	close(log_pipe[1]);
	(void)rm_rf(dir);
	free(dir);
	return 0;
}

/* The line the last error wrote. */
static const char *logged(void)
{
	static char buf[1024];
	ssize_t n = read(log_pipe[0], buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = 0;
	return buf;
}

static void test_ids(void **state)
{
	(void)state;
	static const char *const good[] = { "a", "podman-abc_1.2+3", "0123456789abcdef" };
	for (size_t i = 0; i < ELEMENTSOF(good); i++)
		assert_int_equal(runtime_check_id(good[i]), 0);
	static const char *const bad[] = { "", ".", "..", "a/b", "a\nb", "a b", "é" };
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		assert_int_equal(runtime_check_id(bad[i]), -EINVAL);
		const char *line = logged();
		assert_non_null(strstr(line, " ID"));
		/* One line, whatever the id held. */
		assert_int_equal(strchr(line, '\n') - line, (long)strlen(line) - 1);
	}
	char *longest = malloc(1026);
	assert_non_null(longest);
	memset(longest, 'a', 1025);
	longest[1025] = 0;
	assert_int_equal(runtime_check_id(longest), -EINVAL);
	assert_non_null(strstr(logged(), "longer than 1024"));
	longest[1024] = 0;
	assert_int_equal(runtime_check_id(longest), 0);
	free(longest);
}

static void test_operands(void **state)
{
	(void)state;
	const char *id = NULL;
	char *one[] = { (char *)"start", (char *)"c1", NULL };
	assert_int_equal(runtime_one_id(2, one, "start", &id), 0);
	assert_string_equal(id, "c1");

	char *none[] = { (char *)"start", NULL };
	assert_int_equal(runtime_one_id(1, none, "start", &id), -EINVAL);
	assert_non_null(strstr(logged(), "start: missing the container's ID"));

	char *two[] = { (char *)"state", (char *)"c1", (char *)"c2", NULL };
	assert_int_equal(runtime_one_id(3, two, "state", &id), -EINVAL);
	assert_non_null(strstr(logged(), "state: too many operands, from `c2` on"));

	char *flag[] = { (char *)"state", (char *)"--bogus", (char *)"c1", NULL };
	assert_int_equal(runtime_one_id(3, flag, "state", &id), -EINVAL);
	assert_non_null(strstr(logged(), "state: unknown option --bogus"));

	/* kill ID SIGNAL: one operand more is allowed, two are not. */
	char *kill2[] = { (char *)"kill", (char *)"c1", (char *)"KILL", NULL };
	optind = 1;
	assert_int_equal(runtime_id_operand(3, kill2, "kill", 1, &id), 0);
	char *kill3[] = { (char *)"kill", (char *)"c1", (char *)"KILL", (char *)"x", NULL };
	optind = 1;
	assert_int_equal(runtime_id_operand(4, kill3, "kill", 1, &id), -EINVAL);
	assert_non_null(strstr(logged(), "from `x` on"));

	static const struct option opts[] = { { "log", required_argument, NULL, 'l' }, {} };
	char *missing[] = { (char *)"berth-runtime", (char *)"--log", NULL };
	optind = 0;
	assert_int_equal(runtime_getopt(2, missing, "", opts, NULL), -EINVAL);
	assert_non_null(strstr(logged(), "global option --log needs a value"));
}

static void test_status_of_rows(void **state)
{
	(void)state;
	Runtime rt = { 0 };
	_cleanup_free_ char *root = NULL;
	assert_true(asprintf(&root, "%s/root", dir) > 0);
	assert_int_equal(paths_init(&rt.paths, root), 0);
	_cleanup_db_ sqlite3 *db = NULL;
	assert_int_equal(runtime_db(&rt, &db), 0);

	RuntimeContainer c;
	assert_int_equal(runtime_load(&rt, db, "nosuch", &c), -ENOENT);
	assert_non_null(strstr(logged(), "container nosuch does not exist"));

	/* A row whose create is this process: creating. One whose create is
	 * gone, without a pid: stopped. */
	uint64_t self_start;
	assert_int_equal(proc_start_time(getpid(), &self_start), 0);
	ContainerRow row = { .id = (char *)"c1",
			     .name = (char *)"c1",
			     .image = (char *)"img",
			     .command = (char *)"[\"sh\"]",
			     .state = STATE_CREATED,
			     .created_at = (char *)"2026-12-06T00:00:00.000Z",
			     .supervisor_pid = getpid(),
			     .supervisor_start_time = (int64_t)self_start,
			     .rootfs = (char *)"/r",
			     .bundle = (char *)"/b" };
	assert_int_equal(db_container_insert_recovered(db, &row), 0);
	assert_int_equal(runtime_load(&rt, db, "c1", &c), 0);
	assert_int_equal(c.status, RT_CREATING);
	runtime_container_done(&c);
	row.id = row.name = (char *)"c2";
	row.supervisor_start_time = (int64_t)self_start + 1; /* another process */
	assert_int_equal(db_container_insert_recovered(db, &row), 0);
	assert_int_equal(runtime_load(&rt, db, "c2", &c), 0);
	assert_int_equal(c.status, RT_STOPPED);

	/* The state a stopped container reports: pid 0, its bundle. */
	json_t *j = runtime_state_json(&rt, &c);
	assert_string_equal(json_string_value(json_object_get(j, "status")), "stopped");
	assert_int_equal(json_integer_value(json_object_get(j, "pid")), 0);
	assert_string_equal(json_string_value(json_object_get(j, "bundle")), "/b");
	json_decref(j);
	runtime_container_done(&c);

	/* With a live init (us) and its FIFO: created; without the FIFO:
	 * running. */
	row.id = row.name = (char *)"c3";
	row.pid = getpid();
	row.pid_start_time = (int64_t)self_start;
	assert_int_equal(db_container_insert_recovered(db, &row), 0);
	_cleanup_free_ char *run = runtime_run_dir(&rt, "c3"), *fifo = runtime_fifo_path(&rt, "c3");
	assert_int_equal(mkdir_p(run, 0700), 0);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(runtime_load(&rt, db, "c3", &c), 0);
	assert_int_equal(c.status, RT_CREATED);
	assert_true(c.pidfd >= 0);
	runtime_container_done(&c);
	assert_int_equal(unlink(fifo), 0);
	assert_int_equal(runtime_load(&rt, db, "c3", &c), 0);
	assert_int_equal(c.status, RT_RUNNING);
	runtime_container_done(&c);
	paths_done(&rt.paths);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ids),
		cmocka_unit_test(test_operands),
		cmocka_unit_test(test_status_of_rows),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
