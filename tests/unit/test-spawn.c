/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for the supervisor's start of its container
 * (supervisor/spawn.c): the CLI's commit awaited (or its absence), and
 * supervisor_spawn() in a real container (container-fixture.h, root
 * only): a detached container's stdio pipes, its config.json written in
 * place, what the running record needs, the control socket listening,
 * its mount namespace held unless host files are bound in; a run the CLI
 * called off leaving no process, and a command that cannot run leaving
 * no socket. */
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
#include "supervisor.h"
#include "sync-msg.h"
#include "root-tests.h"

typedef struct {
	ContainerFixture c;
	Supervisor s;
	int cli; /* the CLI's end of the sync socket */
} Fixture;

static void supervisor_init(Supervisor *s)
{
	/* As main.c does. */
	*s = (Supervisor){ 0 };
	s->cgroup_fd = s->pidfd = s->mnt_ns_fd = s->log.fd = -EBADF;
	s->out_pipe[0] = s->out_pipe[1] = s->err_pipe[0] = s->err_pipe[1] = -EBADF;
	s->tty_master = s->start.stage_fd = s->self_log_fd = -EBADF;
	s->ev.ctl_fd = s->start.start_lock_fd = s->sync_fd = -EBADF;
}

static int setup(void **state)
{
	Fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	supervisor_init(&f->s);
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	f->s.sync_fd = sv[0];
	f->cli = sv[1];
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	Fixture *f = *state;
	Supervisor *s = &f->s;
	if (s->pidfd >= 0) {
		(void)syscall(SYS_pidfd_send_signal, s->pidfd, SIGKILL, NULL, 0);
		siginfo_t si;
		(void)waitid(P_PIDFD, (id_t)s->pidfd, &si, WEXITED);
	}
	if (s->paths.run_dir)
		control_stop(s);
	safe_close(s->pidfd);
	safe_close(s->mnt_ns_fd);
	safe_close(s->ev.ctl_fd);
	safe_close(s->sync_fd);
	safe_close(f->cli);
	close_pairp(&s->out_pipe);
	close_pairp(&s->err_pipe);
	s->db = db_close(s->db);
	spec_free(s->spec);
	free(s->start.config);
	paths_done(&s->paths);
	cf_done(&f->c);
	free(f);
	return 0;
}

static void send_msg(Fixture *f, int type)
{
	SyncMsg m = { .type = type };
	assert_int_equal(sync_send(f->cli, &m), 0);
}

static void test_a_commit_lets_the_run_go_on(void **state)
{
	Fixture *f = *state;
	send_msg(f, SYNC_COMMIT);
	assert_int_equal(supervisor_await_commit(&f->s), 1);
	assert_true(f->s.start.committed);
	/* Once: nothing more is read. */
	send_msg(f, SYNC_SIGNAL);
	assert_int_equal(supervisor_await_commit(&f->s), 1);
	SyncMsg m;
	assert_int_equal(sync_recv(f->s.sync_fd, &m, NULL), 0);
	assert_int_equal(m.type, SYNC_SIGNAL);
}

static void test_anything_but_a_commit_calls_the_run_off(void **state)
{
	Fixture *f = *state;
	send_msg(f, SYNC_SIGNAL);
	assert_int_equal(supervisor_await_commit(&f->s), 0);
	assert_false(f->s.start.committed);
	f->cli = safe_close(f->cli);
	assert_int_equal(supervisor_await_commit(&f->s), 0);
	assert_false(f->s.start.committed);
}

/* The container, its spec and a --root of the test's own. */
static void make(Fixture *f, const char *args, const char *top)
{
	cf_make(&f->c);
	Supervisor *s = &f->s;
	_cleanup_free_ char *root = cf_join(f->c.dir, "root");
	assert_int_equal(paths_init(&s->paths, root), 0);
	s->id = (char *)"feedfacefeedfacefeedfacefeedfacefeedfacefeedfacefeedfacefeedface";
	s->bundle = f->c.bundle;
	s->db_path = (char *)"/nonexistent/state.db"; /* the records are exit.c's */
	s->cgroup_fd = f->c.cgroup_fd;
	s->spec = cf_spec(args, "", "", top);
}

static void test_a_detached_container_runs_with_pipes_and_its_records_ready(void **state)
{
	Fixture *f = *state;
	make(f, "[\"sh\", \"-c\", \"cat; echo out; echo err >&2\"]", "");
	Supervisor *s = &f->s;
	s->start.config = strdup("{\"ociVersion\": \"1.1.0\"}");
	send_msg(f, SYNC_COMMIT);
	SetupError e;
	int r = supervisor_spawn(s, &e);
	if (r < 0)
		fail_msg("%s", e.msg);
	assert_true(s->pid > 0);
	assert_true(s->pidfd >= 0);
	assert_true(s->pid_start_time > 0);
	assert_true(s->self_start_time > 0);
	assert_int_equal(strlen(s->boot_id), 36);
	assert_true(s->mnt_ns_fd >= 0);
	/* The container's ends are its own. */
	assert_int_equal(s->out_pipe[1], -EBADF);
	assert_int_equal(s->err_pipe[1], -EBADF);
	/* config.json, written; the copy given back. */
	assert_null(s->start.config);
	_cleanup_free_ char *cfg = cf_join(f->c.bundle, "config.json");
	_cleanup_free_ char *text = NULL;
	assert_int_equal(read_full_file(cfg, &text, NULL), 0);
	assert_string_equal(text, "{\"ociVersion\": \"1.1.0\"}");
	/* The control socket, before `running` is told. */
	assert_true(s->ev.ctl_fd >= 0);
	_cleanup_free_ char *run = path_container_run_dir(&s->paths, s->id);
	_cleanup_free_ char *sock = cf_join(run, CTL_SOCKET_NAME);
	assert_int_equal(access(sock, F_OK), 0);
	/* Its output (stdin was at its end: cat returned). */
	char out[64], err[64];
	cf_read_all(s->out_pipe[0], out, sizeof(out));
	cf_read_all(s->err_pipe[0], err, sizeof(err));
	assert_string_equal(out, "out\n");
	assert_string_equal(err, "err\n");
	siginfo_t si = { 0 };
	assert_int_equal(waitid(P_PIDFD, (id_t)s->pidfd, &si, WEXITED), 0);
	assert_int_equal(si.si_code, CLD_EXITED);
	assert_int_equal(si.si_status, 0);
	s->pidfd = safe_close(s->pidfd);
}

static void test_a_container_with_host_files_bound_in_has_its_namespace_let_go(void **state)
{
	Fixture *f = *state;
	make(f, "[\"true\"]", "");
	SpecMount *m = reallocarray(f->s.spec->mounts, f->s.spec->n_mounts + 1, sizeof(*m));
	assert_non_null(m);
	f->s.spec->mounts = m;
	m[f->s.spec->n_mounts++] = (SpecMount){ .destination = strdup("/host-bin"),
						.type = strdup("bind"),
						.source = strdup("/bin"),
						.options = calloc(1, sizeof(char *)) };
	send_msg(f, SYNC_COMMIT);
	SetupError e;
	int r = supervisor_spawn(&f->s, &e);
	if (r < 0)
		fail_msg("%s", e.msg);
	assert_int_equal(f->s.mnt_ns_fd, -EBADF);
}

static void test_a_run_called_off_leaves_no_process(void **state)
{
	Fixture *f = *state;
	make(f, "[\"sleep\", \"30\"]", "");
	f->cli = safe_close(f->cli); /* the CLI went away before its commit */
	SetupError e;
	assert_int_equal(supervisor_spawn(&f->s, &e), -ECANCELED);
	assert_int_equal(f->s.pid, 0);
	assert_int_equal(f->s.pidfd, -EBADF);
	assert_int_equal(f->s.mnt_ns_fd, -EBADF);
	_cleanup_free_ char *procs_file = cf_join(f->c.cgroup, "cgroup.procs");
	_cleanup_free_ char *procs = NULL;
	assert_int_equal(read_full_file(procs_file, &procs, NULL), 0);
	assert_string_equal(procs, "");
}

static void test_a_command_that_cannot_run_leaves_no_socket(void **state)
{
	Fixture *f = *state;
	make(f, "[\"no-such-command\"]", "");
	send_msg(f, SYNC_COMMIT);
	SetupError e;
	assert_int_equal(supervisor_spawn(&f->s, &e), -ENOENT);
	assert_int_equal(e.exit_code, EXIT_NOT_FOUND);
	assert_string_equal(e.msg, "`no-such-command`: executable file not found in $PATH");
	assert_int_equal(f->s.ev.ctl_fd, -EBADF);
	_cleanup_free_ char *run = path_container_run_dir(&f->s.paths, f->s.id);
	assert_false(is_dir(run));
	assert_int_equal(f->s.mnt_ns_fd, -EBADF);
	assert_int_equal(f->s.pidfd, -EBADF);
}

static void test_a_stage_made_ahead_is_taken(void **state)
{
	Fixture *f = *state;
	make(f, "[\"true\"]", "");
	assert_int_equal(stage_memfd(&f->s.start.stage_fd), 0);
	int stage = f->s.start.stage_fd;
	send_msg(f, SYNC_COMMIT);
	SetupError e;
	int r = supervisor_spawn(&f->s, &e);
	if (r < 0)
		fail_msg("%s", e.msg);
	assert_int_equal(f->s.start.stage_fd, -EBADF);
	/* And closed: ours no more. */
	assert_int_equal(fcntl(stage, F_GETFD), -1);
}

int main(void)
{
	cf_init();
#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_a_commit_lets_the_run_go_on),
		T(test_anything_but_a_commit_calls_the_run_off),
	};
	const struct CMUnitTest privileged[] = {
		T(test_a_detached_container_runs_with_pipes_and_its_records_ready),
		T(test_a_container_with_host_files_bound_in_has_its_namespace_let_go),
		T(test_a_run_called_off_leaves_no_process),
		T(test_a_command_that_cannot_run_leaves_no_socket),
		T(test_a_stage_made_ahead_is_taken),
	};
	return RUN_UNIT_TESTS(tests, privileged, cf_unusable(), NULL, NULL);
}
