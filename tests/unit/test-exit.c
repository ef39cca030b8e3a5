/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for what the supervisor writes down (supervisor/exit.c): the
 * running record, the end of a run (exit code, OOM from memory.events,
 * SYNC_EXITED to a foreground CLI), a --rm container's row and files
 * taken away (or its folder kept as a spare), a start that failed, and
 * the one-line errors when the DB or the row is not there. Against a
 * state DB and a --root of the test's own. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "parse.h"
#include "supervisor.h"
#include "sync-msg.h"
#include "util.h"

typedef struct {
	char root[64];
	char id[CONTAINER_ID_LEN + 1];
	char log_path[PATH_MAX];
	int log_fd;
	Supervisor s;
} Fixture;

static bool exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

static void touch(const char *dir, const char *name, const char *text)
{
	_cleanup_free_ char *p = NULL;
	assert_true(asprintf(&p, "%s/%s", dir, name) > 0);
	assert_int_equal(write_file(p, text, strlen(text), O_CREAT | O_TRUNC, 0600), 0);
}

static int setup(void **state)
{
	Fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	snprintf(f->root, sizeof(f->root), "/tmp/test-exit.XXXXXX");
	assert_non_null(mkdtemp(f->root));
	memset(f->id, 'a', CONTAINER_ID_LEN);
	memcpy(f->id, "c0ffee", 6);

	Supervisor *s = &f->s;
	assert_int_equal(paths_init(&s->paths, f->root), 0);
	assert_int_equal(paths_ensure(&s->paths, NULL, NULL), 0);
	s->id = f->id;
	s->db_path = path_db(&s->paths);
	s->bundle = path_container_dir(&s->paths, f->id);
	assert_non_null(s->db_path);
	assert_non_null(s->bundle);
	assert_int_equal(mkdir(s->bundle, 0700), 0);
	assert_int_equal(bundle_make_subdirs(s->bundle), 0);
	touch(s->bundle, "config.json", "{}");
	touch(s->bundle, "supervisor.log", "started\n");
	_cleanup_free_ char *run = path_container_run_dir(&s->paths, f->id);
	assert_int_equal(mkdir_p(run, 0700), 0);
	touch(run, "ctl.sock", "");

	s->sync_fd = s->mnt_ns_fd = s->pidfd = s->log.fd = s->ev.ctl_fd = -EBADF;
	s->self_log_fd = s->tty_master = s->cgroup_fd = -EBADF;

	char created[32];
	format_iso8601(now_usec(), created);
	ContainerRow row = {
		.id = f->id,
		.name = (char *)"web",
		.image = (char *)"busybox",
		.command = (char *)"[\"true\"]",
		.state = STATE_CREATED,
		.created_at = created,
		.rootfs = (char *)"rootfs",
		.bundle = s->bundle,
	};
	_cleanup_db_ sqlite3 *db = NULL;
	assert_int_equal(db_open(s->db_path, &db), 0);
	assert_int_equal(db_container_insert(db, &row), 0);

	/* What the module logs, to read back. */
	snprintf(f->log_path, sizeof(f->log_path), "%s/log", f->root);
	f->log_fd = open(f->log_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(f->log_fd >= 0);
	log_set_fd(f->log_fd);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	Fixture *f = *state;
	log_set_fd(STDERR_FILENO);
	safe_close(f->log_fd);
	safe_close(f->s.sync_fd);
	f->s.db = db_close(f->s.db);
	assert_int_equal(rm_rf(f->root), 0);
	free(f->s.db_path);
	free(f->s.bundle);
	paths_done(&f->s.paths);
	free(f);
	return 0;
}

static char *logged(Fixture *f)
{
	char *text = NULL;
	assert_int_equal(read_full_file(f->log_path, &text, NULL), 0);
	return text;
}

/* 0 and the row, or the error of db_container_get(). */
static int get_row(Fixture *f, ContainerRow *ret)
{
	_cleanup_db_ sqlite3 *db = NULL;
	assert_int_equal(db_open_existing(f->s.db_path, &db), 0);
	return db_container_get(db, f->id, ret);
}

static void set_state(Fixture *f, ContainerState to)
{
	_cleanup_db_ sqlite3 *db = NULL;
	assert_int_equal(db_open_existing(f->s.db_path, &db), 0);
	assert_int_equal(db_container_set_state(db, f->id, to, NULL), 0);
}

static void test_the_running_record_holds_pids_start_times_and_cgroup(void **state)
{
	Fixture *f = *state;
	Supervisor *s = &f->s;
	s->pid = 4242;
	s->pid_start_time = 777;
	s->self_start_time = 888;
	snprintf(s->boot_id, sizeof(s->boot_id), "0f0f0f0f-1111-2222-3333-444444444444");
	s->cgroup = (char *)"/sys/fs/cgroup/berth/c0ffee";
	assert_int_equal(supervisor_record_running(s), 0);
	/* The connection is kept for the next record, until released. */
	assert_non_null(s->db);
	supervisor_release_db(s);
	assert_null(s->db);

	ContainerRow c;
	assert_int_equal(get_row(f, &c), 0);
	assert_int_equal(c.state, STATE_RUNNING);
	assert_int_equal(c.pid, 4242);
	assert_int_equal(c.pid_start_time, 777);
	assert_int_equal(c.supervisor_pid, getpid());
	assert_int_equal(c.supervisor_start_time, 888);
	assert_string_equal(c.boot_id, s->boot_id);
	assert_string_equal(c.cgroup, s->cgroup);
	uint64_t started;
	assert_int_equal(parse_iso8601(c.started_at, &started), 0);
	assert_true(started <= now_usec() && started + 60 * 1000000ULL > now_usec());
	container_row_done(&c);
}

static void test_the_running_record_of_a_row_in_another_state_fails_and_says_so(void **state)
{
	Fixture *f = *state;
	set_state(f, STATE_REMOVING);
	assert_int_equal(supervisor_record_running(&f->s), -ESTALE);
	assert_null(f->s.db);
	_cleanup_free_ char *log = logged(f);
	char want[256];
	snprintf(want, sizeof(want), "record container %s as running: Stale file handle\n", f->id);
	assert_non_null(strstr(log, want));
}

static void test_without_its_db_a_record_names_the_db(void **state)
{
	Fixture *f = *state;
	assert_int_equal(unlink(f->s.db_path), 0);
	assert_true(supervisor_record_running(&f->s) < 0);
	_cleanup_free_ char *log = logged(f);
	char want[PATH_MAX + 64];
	snprintf(want, sizeof(want), "open the state DB `%s`: ", f->s.db_path);
	assert_non_null(strstr(log, want));
	/* One line. */
	assert_ptr_equal(strchr(log, '\n'), log + strlen(log) - 1);
}

static void test_the_end_is_recorded_and_told_to_a_foreground_cli(void **state)
{
	Fixture *f = *state;
	Supervisor *s = &f->s;
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	s->sync_fd = sv[0];
	s->end.exited = true;
	s->end.exit_code = 128 + 15;
	s->end.exit_signal = 15;
	s->log.dropped = 99;
	char pidfile[PATH_MAX];
	snprintf(pidfile, sizeof(pidfile), "%s/pid", f->root);
	touch(f->root, "pid", "1\n");
	s->pidfile = pidfile;

	supervisor_finish(s);
	assert_null(s->db);

	SyncMsg m;
	assert_int_equal(sync_recv(sv[1], &m, NULL), 0);
	close(sv[1]);
	assert_int_equal(m.type, SYNC_EXITED);
	assert_int_equal(m.exit_code, 143);
	assert_int_equal(m.signal, 15);
	assert_false(m.oom_killed);

	ContainerRow c;
	assert_int_equal(get_row(f, &c), 0);
	assert_int_equal(c.state, STATE_EXITED);
	assert_true(c.has_exit_code);
	assert_int_equal(c.exit_code, 143);
	assert_int_equal(c.exit_signal, 15);
	assert_false(c.oom_killed);
	assert_null(c.error);
	assert_int_equal(c.log_dropped, 99);
	assert_non_null(c.finished_at);
	container_row_done(&c);

	/* The pid file and the run folder (control socket) go; a kept
	 * container keeps its folder. */
	assert_false(exists(pidfile));
	_cleanup_free_ char *run = path_container_run_dir(&s->paths, f->id);
	assert_false(exists(run));
	assert_true(exists(s->bundle));
	_cleanup_free_ char *log = logged(f);
	assert_string_equal(log, "");
}

static void end_with_memory_events(Fixture *f, const char *events, bool want_oom)
{
	Supervisor *s = &f->s;
	char cg[PATH_MAX];
	snprintf(cg, sizeof(cg), "%s/cgroup", f->root);
	assert_int_equal(mkdir(cg, 0700), 0);
	touch(cg, "memory.events", events);
	s->cgroup = cg;
	s->end.exited = true;
	s->end.exit_code = 137;
	s->end.exit_signal = 9;
	supervisor_finish(s);
	assert_int_equal(s->end.oom_killed, want_oom);
	ContainerRow c;
	assert_int_equal(get_row(f, &c), 0);
	assert_int_equal(c.oom_killed, want_oom);
	assert_int_equal(c.exit_signal, 9);
	container_row_done(&c);
}

static void test_an_oom_kill_in_memory_events_is_recorded(void **state)
{
	end_with_memory_events(*state,
			       "low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\noom_group_kill 0\n", true);
}

static void test_no_oom_kill_in_memory_events_is_no_oom(void **state)
{
	/* The group kill is not ours to read as one; oom alone (the limit
	 * reached) killed nothing. */
	end_with_memory_events(*state,
			       "low 0\nhigh 0\nmax 4\noom 3\noom_kill 0\noom_group_kill 1\n",
			       false);
}

static void test_a_row_claimed_by_rm_is_left_alone_without_a_word(void **state)
{
	Fixture *f = *state;
	set_state(f, STATE_REMOVING);
	f->s.end.exited = true;
	f->s.end.exit_code = 1;
	supervisor_finish(&f->s);
	ContainerRow c;
	assert_int_equal(get_row(f, &c), 0);
	assert_int_equal(c.state, STATE_REMOVING);
	assert_false(c.has_exit_code);
	container_row_done(&c);
	_cleanup_free_ char *log = logged(f);
	assert_string_equal(log, "");
}

static void test_the_end_of_an_rm_container_takes_its_row_and_files(void **state)
{
	Fixture *f = *state;
	Supervisor *s = &f->s;
	s->auto_remove = true;
	s->end.exited = true;
	touch(s->bundle, "upper/left-by-the-command", "x");
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	s->sync_fd = sv[0];

	supervisor_finish(s);

	SyncMsg m;
	assert_int_equal(sync_recv(sv[1], &m, NULL), 0);
	close(sv[1]);
	assert_int_equal(m.type, SYNC_EXITED);
	ContainerRow c;
	assert_int_equal(get_row(f, &c), -ENOENT);
	assert_false(exists(s->bundle));
	/* Through the trash, which it leaves empty. */
	_cleanup_free_ char *trash = path_trash_dir(&s->paths);
	char moved[PATH_MAX];
	snprintf(moved, sizeof(moved), "%s/%s", trash, f->id);
	assert_false(exists(moved));
	/* Not as we made it (upper/ has a file): no spare. */
	_cleanup_free_ char *spare = path_spare_dir(&s->paths);
	char slot[PATH_MAX];
	snprintf(slot, sizeof(slot), "%s/0", spare);
	assert_false(exists(slot));
	_cleanup_free_ char *log = logged(f);
	assert_string_equal(log, "");
}

static void test_the_folder_of_an_rm_container_we_made_is_kept_as_a_spare(void **state)
{
	Fixture *f = *state;
	Supervisor *s = &f->s;
	s->auto_remove = true;
	s->start.made_bundle = true;
	s->end.exited = true;
	supervisor_finish(s);

	ContainerRow c;
	assert_int_equal(get_row(f, &c), -ENOENT);
	assert_false(exists(s->bundle));
	_cleanup_free_ char *spare = path_spare_dir(&s->paths);
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/0/rootfs", spare);
	assert_true(exists(p));
	snprintf(p, sizeof(p), "%s/0/supervisor.log", spare);
	struct stat st;
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_size, 0);
}

static void test_a_failed_start_is_recorded_with_its_message(void **state)
{
	Fixture *f = *state;
	assert_int_equal(supervisor_record_start_failure(&f->s, 127,
							 "`nope`: executable file not "
							 "found in $PATH"),
			 0);
	ContainerRow c;
	assert_int_equal(get_row(f, &c), 0);
	assert_int_equal(c.state, STATE_EXITED);
	assert_int_equal(c.exit_code, 127);
	assert_int_equal(c.exit_signal, 0);
	assert_string_equal(c.error, "`nope`: executable file not found in $PATH");
	container_row_done(&c);
	assert_true(exists(f->s.bundle));
}

static void test_a_failed_start_of_an_rm_container_leaves_nothing(void **state)
{
	Fixture *f = *state;
	f->s.auto_remove = true;
	assert_int_equal(supervisor_record_start_failure(&f->s, 125, "no"), 0);
	ContainerRow c;
	assert_int_equal(get_row(f, &c), -ENOENT);
	assert_false(exists(f->s.bundle));
	_cleanup_free_ char *run = path_container_run_dir(&f->s.paths, f->id);
	assert_false(exists(run));
}

static void test_a_failed_start_without_a_row_is_no_error_to_log(void **state)
{
	Fixture *f = *state;
	{
		_cleanup_db_ sqlite3 *db = NULL;
		assert_int_equal(db_open_existing(f->s.db_path, &db), 0);
		assert_int_equal(db_container_delete(db, f->id), 0);
	}
	assert_int_equal(supervisor_record_start_failure(&f->s, 125, "no"), -ESTALE);
	_cleanup_free_ char *log = logged(f);
	assert_string_equal(log, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_the_running_record_holds_pids_start_times_and_cgroup, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_the_running_record_of_a_row_in_another_state_fails_and_says_so, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_without_its_db_a_record_names_the_db, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_the_end_is_recorded_and_told_to_a_foreground_cli, setup, teardown),
		cmocka_unit_test_setup_teardown(test_an_oom_kill_in_memory_events_is_recorded,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_oom_kill_in_memory_events_is_no_oom, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_a_row_claimed_by_rm_is_left_alone_without_a_word, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_the_end_of_an_rm_container_takes_its_row_and_files, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_the_folder_of_an_rm_container_we_made_is_kept_as_a_spare, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_a_failed_start_is_recorded_with_its_message,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_a_failed_start_of_an_rm_container_leaves_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_a_failed_start_without_a_row_is_no_error_to_log, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
