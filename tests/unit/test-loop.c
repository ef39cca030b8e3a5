/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for the supervisor's event loop (supervisor/loop.c), from a
 * container started by supervisor_spawn() (container-fixture.h, root
 * only) to its end recorded in a state DB of the test's own: a detached
 * container's output in its log, line by line and stream by stream; the
 * exit code, or the signal a foreground CLI passed on; a CLI that goes
 * away while the container carries on; SIGTERM to the supervisor as a
 * stop; and the loop closing clean (0) every time. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "container-fixture.h"
#include "parse.h"
#include "supervisor.h"
#include "sync-msg.h"
#include "root-tests.h"

typedef struct {
	ContainerFixture c;
	Supervisor s;
	char id[CONTAINER_ID_LEN + 1];
	int cli; /* the CLI's end of the sync socket */
	pid_t killer;
} Fixture;

static int setup(void **state)
{
	Fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	Supervisor *s = &f->s;
	s->cgroup_fd = s->pidfd = s->mnt_ns_fd = s->log.fd = -EBADF;
	s->out_pipe[0] = s->out_pipe[1] = s->err_pipe[0] = s->err_pipe[1] = -EBADF;
	s->tty_master = s->start.stage_fd = s->self_log_fd = -EBADF;
	s->ev.ctl_fd = s->start.start_lock_fd = s->sync_fd = -EBADF;
	f->cli = -EBADF;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	Fixture *f = *state;
	Supervisor *s = &f->s;
	if (f->killer > 0) {
		kill(f->killer, SIGKILL);
		waitpid(f->killer, NULL, 0);
	}
	if (s->pidfd >= 0) {
		(void)syscall(SYS_pidfd_send_signal, s->pidfd, SIGKILL, NULL, 0);
		siginfo_t si;
		(void)waitid(P_PIDFD, (id_t)s->pidfd, &si, WEXITED);
	}
	safe_close(s->pidfd);
	safe_close(s->mnt_ns_fd);
	safe_close(s->ev.ctl_fd);
	safe_close(s->sync_fd);
	safe_close(s->log.fd);
	safe_close(f->cli);
	close_pairp(&s->out_pipe);
	close_pairp(&s->err_pipe);
	s->db = db_close(s->db);
	spec_free(s->spec);
	free(s->db_path);
	paths_done(&s->paths);
	cf_done(&f->c);
	free(f);
	return 0;
}

/* A container whose row is in the DB, started by supervisor_spawn(). */
static void start(Fixture *f, const char *args, bool foreground)
{
	cf_make(&f->c);
	Supervisor *s = &f->s;
	_cleanup_free_ char *root = cf_join(f->c.dir, "root");
	assert_int_equal(paths_init(&s->paths, root), 0);
	assert_int_equal(paths_ensure(&s->paths, NULL, NULL), 0);
	memset(f->id, 'b', CONTAINER_ID_LEN);
	s->id = f->id;
	s->bundle = f->c.bundle;
	s->db_path = path_db(&s->paths);
	s->cgroup = f->c.cgroup;
	s->cgroup_fd = f->c.cgroup_fd;
	s->foreground = foreground;
	s->stop_signal = SIGTERM;
	s->spec = cf_spec(args, "", "", "");

	char created[32];
	format_iso8601(now_usec(), created);
	ContainerRow row = { .id = f->id,
			     .name = (char *)"loop",
			     .image = (char *)"busybox",
			     .command = (char *)"[]",
			     .state = STATE_CREATED,
			     .created_at = created,
			     .rootfs = (char *)"rootfs",
			     .bundle = f->c.bundle };
	_cleanup_db_ sqlite3 *db = NULL;
	assert_int_equal(db_open(s->db_path, &db), 0);
	assert_int_equal(db_container_insert(db, &row), 0);

	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	s->sync_fd = sv[0];
	f->cli = sv[1];
	SyncMsg m = { .type = SYNC_COMMIT };
	assert_int_equal(sync_send(f->cli, &m), 0);
	SetupError e;
	if (supervisor_spawn(s, &e) < 0)
		fail_msg("%s", e.msg);
	assert_int_equal(supervisor_record_running(s), 0);
	supervisor_release_db(s);
	if (!foreground) /* as main.c: a detached run's CLI has its answer */
		s->sync_fd = safe_close(s->sync_fd);
	/* The loop owns the cgroup's end now (exit.c removes it). */
	f->c.cgroup_fd = s->cgroup_fd = safe_close(s->cgroup_fd);
}

static ContainerRow row_of(Fixture *f)
{
	_cleanup_db_ sqlite3 *db = NULL;
	assert_int_equal(db_open_existing(f->s.db_path, &db), 0);
	ContainerRow c;
	assert_int_equal(db_container_get(db, f->id, &c), 0);
	return c;
}

static void test_a_detached_containers_output_goes_to_its_log_and_its_end_to_the_db(void **state)
{
	Fixture *f = *state;
	start(f, "[\"sh\", \"-c\", \"echo out; echo err >&2; printf part; exit 3\"]", false);
	assert_int_equal(supervisor_loop(&f->s), 0);
	assert_true(f->s.end.exited);
	assert_int_equal(f->s.end.exit_code, 3);

	_cleanup_free_ char *path = cf_join(f->c.bundle, CTR_LOG_NAME);
	_cleanup_free_ char *log = NULL;
	assert_int_equal(read_full_file(path, &log, NULL), 0);
	assert_non_null(strstr(log, " stdout F out\n"));
	assert_non_null(strstr(log, " stderr F err\n"));
	assert_non_null(strstr(log, " stdout P part\n"));

	ContainerRow c = row_of(f);
	assert_int_equal(c.state, STATE_EXITED);
	assert_int_equal(c.exit_code, 3);
	assert_int_equal(c.exit_signal, 0);
	container_row_done(&c);
	/* The cgroup and the control socket are gone with it. */
	assert_int_equal(access(f->c.cgroup, F_OK), -1);
	_cleanup_free_ char *run = path_container_run_dir(&f->s.paths, f->id);
	assert_false(is_dir(run));
}

static void test_a_signal_the_cli_passes_on_ends_an_init_without_a_handler(void **state)
{
	Fixture *f = *state;
	start(f, "[\"sleep\", \"30\"]", true);
	SyncMsg m = { .type = SYNC_SIGNAL, .signal = SIGTERM };
	assert_int_equal(sync_send(f->cli, &m), 0);
	assert_int_equal(supervisor_loop(&f->s), 0);
	/* Killed, and recorded as the signal passed on. */
	assert_int_equal(f->s.end.exit_signal, SIGTERM);
	assert_int_equal(f->s.end.exit_code, 128 + SIGTERM);
	assert_int_equal(sync_recv(f->cli, &m, NULL), 0);
	assert_int_equal(m.type, SYNC_EXITED);
	assert_int_equal(m.exit_code, 128 + SIGTERM);
	assert_int_equal(m.signal, SIGTERM);
	ContainerRow c = row_of(f);
	assert_int_equal(c.exit_code, 128 + SIGTERM);
	assert_int_equal(c.exit_signal, SIGTERM);
	container_row_done(&c);
}

static void test_junk_on_the_sync_socket_is_a_cli_gone_and_the_container_goes_on(void **state)
{
	Fixture *f = *state;
	start(f, "[\"sh\", \"-c\", \"sleep 0.3; exit 5\"]", true);
	/* Not a SyncMsg: the CLI is taken as gone. */
	assert_int_equal(send(f->cli, "junk", 4, 0), 4);
	assert_int_equal(supervisor_loop(&f->s), 0);
	assert_int_equal(f->s.sync_fd, -EBADF);
	assert_int_equal(f->s.end.exit_code, 5);
	ContainerRow c = row_of(f);
	assert_int_equal(c.exit_code, 5);
	container_row_done(&c);
}

static void test_sigterm_to_the_supervisor_stops_the_container(void **state)
{
	Fixture *f = *state;
	start(f, "[\"sleep\", \"30\"]", false);
	/* Its stop signal, here one the init cannot ignore. */
	f->s.stop_signal = SIGKILL;
	pid_t me = getpid();
	f->killer = fork();
	assert_true(f->killer >= 0);
	if (f->killer == 0) {
		usleep(300 * 1000);
		kill(me, SIGTERM);
		_exit(0);
	}
	assert_int_equal(supervisor_loop(&f->s), 0);
	assert_int_equal(f->s.end.exit_signal, SIGKILL);
	assert_true(f->s.ev.stopping);
	ContainerRow c = row_of(f);
	assert_int_equal(c.exit_code, 128 + SIGKILL);
	container_row_done(&c);
}

int main(void)
{
	cf_init();
#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
	const struct CMUnitTest privileged[] = {
		T(test_a_detached_containers_output_goes_to_its_log_and_its_end_to_the_db),
		T(test_a_signal_the_cli_passes_on_ends_an_init_without_a_handler),
		T(test_junk_on_the_sync_socket_is_a_cli_gone_and_the_container_goes_on),
		T(test_sigterm_to_the_supervisor_stops_the_container),
	};
	return run_unit_tests("privileged", NULL, 0, privileged, ELEMENTSOF(privileged),
			      cf_unusable(), NULL, NULL);
}
