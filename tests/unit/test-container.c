/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for cli/container.c, linked from libcli.a: the state DB
 * opened under a root (and the errors of one that cannot be, or is
 * damaged), a container looked up by name or id prefix with the one-line
 * errors, its state told honestly (a supervisor gone, a reboot, a start
 * cut short, with --rm too), killing and ending a supervisor, removing
 * its files, its state described, its command line joined, and JSON
 * strings printed. A forked child stands for a supervisor. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "cli-test.h"

static Cli cli;

static int setup(void **state)
{
	(void)state;
	test_log_catch();
	test_cli_init(&cli, "test-container");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	test_cli_done(&cli);
	test_log_release();
	return 0;
}

static sqlite3 *db(void)
{
	sqlite3 *d;
	assert_int_equal(cli_db(&cli, &d), 0);
	return d;
}

/* Inserts a row as `run` and the supervisor would have left it. */
static void insert(const char *id, const char *name, ContainerState state, ContainerRow extra)
{
	ContainerRow row = extra;
	row.id = (char *)id;
	row.name = (char *)name;
	row.image = (char *)"busybox";
	row.command = (char *)"[\"sh\"]";
	row.state = state;
	if (!row.created_at)
		row.created_at = (char *)"2026-01-01T00:00:00.000Z";
	row.rootfs = (char *)"";
	row.bundle = (char *)"";
	assert_int_equal(db_container_insert_recovered(db(), &row), 0);
}

static char *describe(ContainerState state, bool has_code, int64_t code, bool oom, size_t size)
{
	ContainerRow row = {
		.state = state, .has_exit_code = has_code, .exit_code = code, .oom_killed = oom
	};
	char *buf = malloc(size + 8);
	assert_non_null(buf);
	memset(buf, 'X', size + 8);
	container_state_describe(&row, buf, size);
	/* Nothing written past size. */
	for (size_t i = size; i < size + 8; i++)
		assert_int_equal(buf[i], 'X');
	return buf;
}

static void test_state_described(void **state)
{
	(void)state;
	struct {
		ContainerState state;
		bool has_code;
		int64_t code;
		bool oom;
		const char *want;
	} cases[] = {
		{ STATE_RUNNING, false, 0, false, "running" },
		{ STATE_PAUSED, false, 0, false, "paused" },
		{ STATE_CREATED, false, 0, false, "created" },
		{ STATE_STOPPED, false, 0, false, "stopped" },
		{ STATE_EXITED, false, 0, false, "exited (unknown)" },
		{ STATE_EXITED, true, 0, false, "exited (0)" },
		{ STATE_EXITED, true, 137, true, "exited (137, oom)" },
		{ STATE_EXITED, true, -1, false, "exited (?)" },
		{ _STATE_INVALID, false, 0, false, "unknown" },
	};
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		_cleanup_free_ char *s = describe(cases[i].state, cases[i].has_code, cases[i].code,
						  cases[i].oom, 32);
		assert_string_equal(s, cases[i].want);
	}
}

static void test_state_described_into_a_small_buffer_is_cut(void **state)
{
	(void)state;
	_cleanup_free_ char *a = describe(STATE_EXITED, true, 137, true, 12);
	assert_string_equal(a, "exited (137");
	_cleanup_free_ char *b = describe(STATE_EXITED, true, 4294967296, false, 4);
	assert_string_equal(b, "exi");
	_cleanup_free_ char *c = describe(STATE_EXITED, true, 1, false, 10);
	assert_string_equal(c, "exited (1");
}

static char *command_line(const char *json)
{
	ContainerRow row = { .command = (char *)json };
	char *s = container_command_line(&row);
	assert_non_null(s);
	return s;
}

static void test_command_line_joins_the_json_array(void **state)
{
	(void)state;
	struct {
		const char *json, *want;
	} cases[] = {
		{ "[\"sh\",\"-c\",\"echo \\\"hi\\\"\"]", "sh -c echo \"hi\"" },
		{ "[ \"a\" , \"b\" ]", "a b" },
		{ "[]", "" },
		{ "[\"\"]", "" },
		{ "[\"\",\"x\"]", " x" },
		{ "[\"a\\\\b\\/c\\nd\\te\"]", "a\\b/c\nd\te" },
		/* What the small scanner leaves to jansson. */
		{ "[\"caf\\u00e9\"]", "caf\xc3\xa9" },
		{ "[\"\\r\"]", "\r" },
		{ "[\"a\", 1, null, \"b\"]", "a b" },
		/* Not an array of strings at all: shown as it is. */
		{ "{\"a\": 1}", "{\"a\": 1}" },
		{ "[\"unterminated", "[\"unterminated" },
		{ "[\"a\",]", "[\"a\",]" },
		{ "sh -c true", "sh -c true" },
		{ "", "" },
	};
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		_cleanup_free_ char *s = command_line(cases[i].json);
		assert_string_equal(s, cases[i].want);
	}
}

static void print_string(FILE *f, void *arg)
{
	print_json_string(f, arg);
}

static void assert_json_string(const char *s, const char *want_text)
{
	_cleanup_free_ char *out = test_capture_file(print_string, (void *)s);
	assert_string_equal(out, want_text);
	/* Whatever it is, it is one JSON value. */
	json_t *j = json_loads(out, JSON_DECODE_ANY, NULL);
	if (!j)
		fail_msg("not JSON: %s", out);
	json_decref(j);
}

static void test_json_strings(void **state)
{
	(void)state;
	assert_json_string(NULL, "null");
	assert_json_string("plain/path-1.2", "\"plain/path-1.2\"");
	assert_json_string("", "\"\"");
	assert_json_string("say \"hi\"\\", "\"say \\\"hi\\\"\\\\\"");
	assert_json_string("line\nnext\x01", "\"line\\nnext\\u0001\"");
	assert_json_string("caf\xc3\xa9", "\"caf\xc3\xa9\"");
	/* Not UTF-8 (a hostile file name): every byte escaped, still JSON. */
	assert_json_string("a\xff"
			   "b",
			   "\"\\u0061\\u00ff\\u0062\"");
}

static void test_db_opened_under_the_root(void **state)
{
	(void)state;
	sqlite3 *a = db(), *b = db();
	/* Once, then kept. */
	assert_ptr_equal(a, b);
	_cleanup_free_ char *path = path_db(&cli.paths);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(stat(cli.paths.state_dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_string_equal(logged(), "");
}

static void test_db_root_that_cannot_be_made_is_named(void **state)
{
	(void)state;
	Cli c = { .argv0 = "berth" };
	_cleanup_free_ char *root = test_path(cli.paths.state_dir, "file/root");
	test_write_file(cli.paths.state_dir, "file", "");
	assert_int_equal(paths_init(&c.paths, root), 0);
	sqlite3 *d = NULL;
	assert_int_equal(cli_db(&c, &d), -ENOTDIR);
	assert_null(d);
	char want[PATH_MAX + 64];
	snprintf(want, sizeof(want), "berth: create `%s`: Not a directory\n", root);
	assert_string_equal(logged(), want);
	paths_done(&c.paths);
}

static void test_db_root_of_another_user_is_refused(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip(); /* chown to another user */
	Cli c;
	test_cli_init(&c, "test-container-owner");
	assert_int_equal(chown(c.paths.state_dir, 1, 1), 0);
	sqlite3 *d = NULL;
	assert_int_equal(cli_db(&c, &d), -EPERM);
	const char *l = logged();
	char want[PATH_MAX + 64];
	snprintf(want, sizeof(want), "berth: the root `%s` belongs to uid 1", c.paths.state_dir);
	assert_true(startswith(l, want));
	assert_non_null(strstr(l, ", not to uid 0, which runs berth: refused\n"));
	assert_null(c.db);
	test_cli_done(&c);
}

static void test_db_error_names_damage_once(void **state)
{
	(void)state;
	Cli c;
	test_cli_init(&c, "test-container-dberr");
	_cleanup_free_ char *path = path_db(&c.paths);
	char want[PATH_MAX + 160];
	/* Damaged, and not there (or not empty). */
	assert_int_equal(cli_db_error(&c, -EBADMSG, "list %s", "containers"), -EBADMSG);
	snprintf(want, sizeof(want),
		 "berth: the state DB `%s` is damaged (list containers: corrupted data); see "
		 "`berth system check`\n",
		 path);
	assert_string_equal(logged(), want);
	assert_int_equal(cli_db_error(&c, -EPROTONOSUPPORT, "open"), -EPROTONOSUPPORT);
	snprintf(want, sizeof(want), "berth: the state DB `%s` was written by a newer berth\n",
		 path);
	assert_string_equal(logged(), want);
	assert_int_equal(cli_db_error(&c, -EIO, "update container %s", "web"), -EIO);
	assert_string_equal(logged(), "berth: update container web: Input/output error\n");
	/* An empty file is a damaged DB, not a new one: said so on open. */
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(cli_db_error(&c, -EBADMSG, "open"), -EBADMSG);
	snprintf(want, sizeof(want),
		 "berth: the state DB `%s` is empty (0 bytes): damaged, not new; see `berth "
		 "system check`\n",
		 path);
	assert_string_equal(logged(), want);
	test_cli_done(&c);
}

#define ID_A "aaaa000000000000000000000000000000000000000000000000000000000001"
#define ID_B "aaaa000000000000000000000000000000000000000000000000000000000002"
#define ID_C "cccc000000000000000000000000000000000000000000000000000000000003"

static void test_lookup_by_name_or_unique_prefix(void **state)
{
	(void)state;
	insert(ID_A, "first", STATE_EXITED, (ContainerRow){ .has_exit_code = true });
	insert(ID_B, "second", STATE_EXITED, (ContainerRow){ 0 });
	insert(ID_C, "aaaa", STATE_EXITED, (ContainerRow){ 0 });
	ContainerRow row;
	assert_int_equal(cli_lookup_container(&cli, "second", &row), 0);
	assert_string_equal(row.id, ID_B);
	container_row_done(&row);
	assert_int_equal(cli_lookup_container(&cli, "cc", &row), 0);
	assert_string_equal(row.name, "aaaa");
	container_row_done(&row);
	/* A name wins over an id prefix. */
	assert_int_equal(cli_lookup_container(&cli, "aaaa", &row), 0);
	assert_string_equal(row.id, ID_C);
	container_row_done(&row);
	assert_int_equal(cli_lookup_container(&cli, ID_A, &row), 0);
	assert_string_equal(row.name, "first");
	container_row_done(&row);
	assert_string_equal(logged(), "");
}

static void test_lookup_errors_are_one_line(void **state)
{
	(void)state;
	insert(ID_A, "first", STATE_EXITED, (ContainerRow){ 0 });
	insert(ID_B, "second", STATE_EXITED, (ContainerRow){ 0 });
	ContainerRow row;
	assert_int_equal(cli_lookup_container(&cli, "aaa", &row), -ENOTUNIQ);
	assert_string_equal(logged(), "berth: `aaa` matches several containers: aaaa00000000, "
				      "aaaa00000000\n");
	assert_int_equal(cli_lookup_container(&cli, "nope", &row), -ENOENT);
	assert_string_equal(logged(), "berth: no such container: nope\n");
	const char *bad[] = { "../x", "", "a b", "-rf" };
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		char want[64];
		assert_int_equal(cli_lookup_container(&cli, bad[i], &row), -EINVAL);
		snprintf(want, sizeof(want), "berth: invalid container name or id `%s`\n", bad[i]);
		assert_string_equal(logged(), want);
	}
}

static void test_running_without_its_supervisor_is_shown_exited(void **state)
{
	(void)state;
	char boot[37];
	assert_int_equal(boot_id(boot), 0);
	/* A pid that exists (ours) but started at another time: not it. */
	insert(ID_A, "lost", STATE_RUNNING,
	       (ContainerRow){ .pid = getpid(),
			       .pid_start_time = 1,
			       .supervisor_pid = getpid(),
			       .supervisor_start_time = 1,
			       .boot_id = boot,
			       .started_at = (char *)"2026-01-01T00:00:01.000Z" });
	ContainerRow row;
	assert_int_equal(cli_lookup_container(&cli, "lost", &row), 0);
	assert_int_equal(row.state, STATE_EXITED);
	assert_false(row.has_exit_code);
	assert_string_equal(row.error, "its supervisor is gone");
	assert_int_equal(row.supervisor_pid, 0);
	assert_non_null(row.finished_at);
	container_row_done(&row);
	/* And so recorded. */
	assert_int_equal(db_container_get(db(), ID_A, &row), 0);
	assert_int_equal(row.state, STATE_EXITED);
	assert_string_equal(row.error, "its supervisor is gone");
	container_row_done(&row);
	assert_string_equal(logged(), "");
}

static void test_running_from_before_a_reboot_is_shown_exited(void **state)
{
	(void)state;
	uint64_t start;
	assert_int_equal(proc_start_time(getpid(), &start), 0);
	/* Even with a supervisor that looks alive. */
	insert(ID_A, "old", STATE_RUNNING,
	       (ContainerRow){ .pid = getpid(),
			       .pid_start_time = (int64_t)start,
			       .supervisor_pid = getpid(),
			       .supervisor_start_time = (int64_t)start,
			       .boot_id = (char *)"00000000-0000-0000-0000-000000000000" });
	ContainerRow row;
	assert_int_equal(cli_lookup_container(&cli, "old", &row), 0);
	assert_int_equal(row.state, STATE_EXITED);
	assert_string_equal(row.error, "the machine rebooted while the container ran");
	container_row_done(&row);
}

static void test_running_with_its_supervisor_stays_running(void **state)
{
	(void)state;
	uint64_t start;
	assert_int_equal(proc_start_time(getpid(), &start), 0);
	char boot[37];
	assert_int_equal(boot_id(boot), 0);
	insert(ID_A, "alive", STATE_RUNNING,
	       (ContainerRow){ .pid = getpid(),
			       .pid_start_time = (int64_t)start,
			       .supervisor_pid = getpid(),
			       .supervisor_start_time = (int64_t)start,
			       .boot_id = boot });
	ContainerRow row;
	assert_int_equal(cli_lookup_container(&cli, "alive", &row), 0);
	assert_int_equal(row.state, STATE_RUNNING);
	assert_null(row.error);
	/* Nor has its main process ended. */
	assert_false(container_ended_unrecorded(&row));
	container_row_done(&row);
}

static void test_ended_unrecorded(void **state)
{
	(void)state;
	uint64_t start;
	assert_int_equal(proc_start_time(getpid(), &start), 0);
	ContainerRow row = { .state = STATE_RUNNING,
			     .pid = getpid(),
			     .pid_start_time = 1, /* gone */
			     .supervisor_pid = getpid(),
			     .supervisor_start_time = (int64_t)start };
	assert_true(container_ended_unrecorded(&row));
	row.state = STATE_PAUSED;
	assert_true(container_ended_unrecorded(&row));
	/* Its supervisor gone too: that is a lost container, not this. */
	row.supervisor_start_time = 1;
	assert_false(container_ended_unrecorded(&row));
	row.supervisor_start_time = (int64_t)start;
	row.pid_start_time = (int64_t)start;
	assert_false(container_ended_unrecorded(&row));
	row.state = STATE_EXITED;
	row.pid_start_time = 1;
	assert_false(container_ended_unrecorded(&row));
}

static void test_start_cut_short_is_recorded(void **state)
{
	(void)state;
	/* `created` long ago, and nobody holds its folder's lock. */
	insert(ID_A, "stuck", STATE_CREATED, (ContainerRow){ 0 });
	ContainerRow row;
	assert_int_equal(cli_lookup_container(&cli, "stuck", &row), 0);
	assert_int_equal(row.state, STATE_EXITED);
	assert_string_equal(row.error, "its start was cut short: its supervisor ended before the "
				       "container ran");
	container_row_done(&row);
	/* A young one is left alone: its `run` is still at work. */
	char now[32];
	format_iso8601(now_usec(), now);
	insert(ID_B, "young", STATE_CREATED, (ContainerRow){ .created_at = now });
	assert_int_equal(cli_lookup_container(&cli, "young", &row), 0);
	assert_int_equal(row.state, STATE_CREATED);
	container_row_done(&row);
}

static void test_start_cut_short_with_rm_removes_it(void **state)
{
	(void)state;
	insert(ID_A, "gone-rm", STATE_CREATED, (ContainerRow){ .auto_remove = true });
	_cleanup_free_ char *bundle = path_container_dir(&cli.paths, ID_A);
	test_write_file(bundle, "config.json", "{}");
	ContainerRow row;
	assert_int_equal(cli_lookup_container(&cli, "gone-rm", &row), -ENOENT);
	assert_string_equal(logged(), "berth: no such container: gone-rm\n");
	assert_int_equal(db_container_get(db(), ID_A, &row), -ENOENT);
	assert_int_equal(access(bundle, F_OK), -1);
}

static void test_remove_files(void **state)
{
	(void)state;
	_cleanup_free_ char *bundle = path_container_dir(&cli.paths, ID_A);
	_cleanup_free_ char *run = path_container_run_dir(&cli.paths, ID_A);
	test_write_file(bundle, "upper/etc/x", "x");
	test_write_file(run, "ctl.sock", "");
	assert_int_equal(container_remove_files(&cli, ID_A), 0);
	assert_int_equal(access(bundle, F_OK), -1);
	assert_int_equal(access(run, F_OK), -1);
	/* None there: nothing to do. */
	assert_int_equal(container_remove_files(&cli, ID_A), 0);
}

/* A child that stands for a supervisor, until killed. */
static pid_t fake_supervisor(uint64_t *ret_start)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		for (;;)
			pause();
	}
	/* Its start time is final once it runs. */
	for (int i = 0; i < 100 && proc_start_time(pid, ret_start) < 0; i++)
		usleep(1000);
	return pid;
}

static void test_kill_then_end_a_supervisor(void **state)
{
	(void)state;
	/* No zombie: an ended child is gone at once, as a real supervisor
	 * (not our child) is for its CLI. */
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	assert_int_equal(sigaction(SIGCHLD, &ign, &old), 0);
	uint64_t start = 0;
	pid_t sup = fake_supervisor(&start);
	char boot[37];
	assert_int_equal(boot_id(boot), 0);
	insert(ID_A, "victim", STATE_RUNNING,
	       (ContainerRow){ .pid = sup,
			       .pid_start_time = (int64_t)start,
			       .supervisor_pid = sup,
			       .supervisor_start_time = (int64_t)start,
			       .boot_id = boot });
	ContainerRow row;
	assert_int_equal(cli_lookup_container(&cli, "victim", &row), 0);
	assert_int_equal(row.state, STATE_RUNNING);
	int pidfd = -1;
	assert_int_equal(container_kill(&cli, &row, &pidfd), 0);
	assert_true(pidfd >= 0);
	/* It did not end by itself: the caller ends it. */
	assert_int_equal(container_end_supervisor(&cli, &row, pidfd), 0);
	close(pidfd);
	assert_int_equal(kill(sup, 0), -1);
	assert_int_equal(row.state, STATE_EXITED);
	assert_string_equal(row.error, "its supervisor is gone");
	/* Killed again: no supervisor any more, nothing to wait for. */
	assert_int_equal(container_kill(&cli, &row, &pidfd), 0);
	assert_int_equal(pidfd, -EBADF);
	container_row_done(&row);
	assert_int_equal(sigaction(SIGCHLD, &old, NULL), 0);
	assert_string_equal(logged(), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_described),
		cmocka_unit_test(test_state_described_into_a_small_buffer_is_cut),
		cmocka_unit_test(test_command_line_joins_the_json_array),
		cmocka_unit_test(test_json_strings),
		cmocka_unit_test_setup_teardown(test_db_opened_under_the_root, setup, teardown),
		cmocka_unit_test_setup_teardown(test_db_root_that_cannot_be_made_is_named, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_db_root_of_another_user_is_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_db_error_names_damage_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lookup_by_name_or_unique_prefix, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_lookup_errors_are_one_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_running_without_its_supervisor_is_shown_exited,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_running_from_before_a_reboot_is_shown_exited,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_running_with_its_supervisor_stays_running,
						setup, teardown),
		cmocka_unit_test(test_ended_unrecorded),
		cmocka_unit_test_setup_teardown(test_start_cut_short_is_recorded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_start_cut_short_with_rm_removes_it, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_remove_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kill_then_end_a_supervisor, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
