/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for cli/launch.c, linked from libcli.a: finding the
 * supervisor, starting one ($BERTH_SUPERVISOR: a script that writes
 * down how it was started, or a file that cannot be executed), and the
 * CLI's side of the sync socket with the test as the supervisor: the
 * configuration handed over in a memfd, the commit, the abandon that
 * waits for the supervisor to go, every answer of a start (running with
 * a terminal, an error and its exit code, a layer removed meanwhile, an
 * unexpected message, a supervisor gone), and a foreground run relayed
 * until it exits, with signals forwarded. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <libgen.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "cli-test.h"
#include "stdio-relay.h"
#include "sync-msg.h"

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static char *dir;

static int setup(void **state)
{
	(void)state;
	test_log_catch();
	dir = test_make_dir("test-launch");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unsetenv("BERTH_SUPERVISOR");
	test_remove_dir(dir);
	dir = NULL;
	test_log_release();
	return 0;
}

static char *make_file(const char *name, const char *text, mode_t mode)
{
	test_write_file(dir, name, text);
	char *path = test_path(dir, name);
	assert_int_equal(chmod(path, mode), 0);
	return path;
}

/* A process that has ended, as supervisor_start()'s first child has
 * once the supervisor is exec'd: for reap_first(). */
static pid_t ended_child(void)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	return pid;
}

static void pair(int sv[2])
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
}

static void test_find_supervisor_from_the_environment(void **state)
{
	(void)state;
	_cleanup_free_ char *exe = make_file("sup", "#!/bin/sh\n", 0755);
	_cleanup_free_ char *plain = make_file("plain", "", 0644);
	char *found = NULL;
	assert_int_equal(setenv("BERTH_SUPERVISOR", exe, 1), 0);
	assert_int_equal(find_supervisor(&found), 0);
	assert_string_equal(found, exe);
	free(found);
	found = NULL;
	if (geteuid() != 0) {
		assert_int_equal(setenv("BERTH_SUPERVISOR", plain, 1), 0);
		assert_int_equal(find_supervisor(&found), -EACCES);
	}
	_cleanup_free_ char *missing = test_path(dir, "missing");
	assert_int_equal(setenv("BERTH_SUPERVISOR", missing, 1), 0);
	assert_int_equal(find_supervisor(&found), -ENOENT);
	assert_null(found);
}

static void test_find_supervisor_next_to_the_program(void **state)
{
	(void)state;
	unsetenv("BERTH_SUPERVISOR");
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	assert_true(n > 0);
	self[n] = '\0';
	_cleanup_free_ char *next = test_path(dirname(self), "berth-supervisor");
	/* An empty $BERTH_SUPERVISOR counts as none. */
	assert_int_equal(setenv("BERTH_SUPERVISOR", "", 1), 0);
	char *found = NULL;
	if (access(next, F_OK) == 0) {
		/* Someone's berth-supervisor is there already: that one. */
		assert_int_equal(find_supervisor(&found), 0);
		assert_string_equal(found, next);
		free(found);
		return;
	}
	int fd = open(next, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
	if (fd < 0 && (errno == EACCES || errno == EROFS))
		skip(); /* not root, or a read-only build folder */
	assert_true(fd >= 0);
	close(fd);
	int r = find_supervisor(&found);
	(void)unlink(next);
	assert_int_equal(r, 0);
	assert_string_equal(found, next);
	free(found);
}

/* The supervisor's stand-in writes down its argv and what its fds 0
 * and 3 are, then goes, without a word on the sync socket. */
#define RECORDER                                                \
	"#!/bin/sh\n"                                           \
	"{ printf '%%s\\n' \"$0\" \"$@\"\n"                     \
	"  printf 'fd0 %%s\\n' \"$(readlink /proc/$$/fd/0)\"\n" \
	"  printf 'fd3 %%s\\n' \"$(readlink /proc/$$/fd/3)\"\n" \
	"} > %s/argv.new && mv %s/argv.new %s/argv\n"

static char *wait_for_record(void)
{
	_cleanup_free_ char *path = test_path(dir, "argv");
	for (int i = 0; i < 500 && access(path, F_OK) < 0; i++)
		usleep(10000);
	char *text = NULL;
	assert_int_equal(read_full_file(path, &text, NULL), 0);
	return text;
}

static void test_start_passes_what_the_supervisor_needs(void **state)
{
	(void)state;
	char script[2048];
	snprintf(script, sizeof(script), RECORDER, dir, dir, dir);
	_cleanup_free_ char *exe = make_file("sup.sh", script, 0755);
	assert_int_equal(setenv("BERTH_SUPERVISOR", exe, 1), 0);
	Cli cli = { .argv0 = "berth", .debug = true };
	_cleanup_free_ char *root = test_path(dir, "root");
	assert_int_equal(paths_init(&cli.paths, root), 0);
	LaunchParams p = { .id = ID,
			   .auto_remove = true,
			   .pidfile = "/run/x.pid",
			   .make_bundle = true,
			   .rootfs = "" };
	int sync_fd = -1;
	pid_t pid = 0;
	assert_int_equal(supervisor_start(&cli, &p, &sync_fd, &pid), 0);
	assert_true(sync_fd >= 0);
	assert_true(pid > 0);
	_cleanup_free_ char *rec = wait_for_record();
	char want[2048];
	snprintf(want, sizeof(want),
		 "%s\n--root\n%s\n--id\n%s\n--sync-fd\n3\n--rm\n--debug\n--pidfile\n/run/x.pid\n"
		 "--make-bundle\nfd0 /dev/null\n",
		 exe, root, ID);
	/* $0 is the script's path; the name in argv[0] is berth-supervisor's. */
	assert_true(startswith(rec, want));
	assert_true(startswith(rec + strlen(want), "fd3 socket:["));
	/* It said nothing and went: that is the error the start reports. */
	int tty = 0, code = 0;
	assert_int_equal(supervisor_wait_started(&p, sync_fd, pid, &tty, &code), -EPIPE);
	assert_int_equal(code, EXIT_BERTH_ERROR);
	assert_int_equal(tty, -EBADF);
	assert_string_equal(logged(), "berth: the supervisor ended before the container started\n");
	close(sync_fd);
	paths_done(&cli.paths);
}

static void test_start_of_a_file_that_is_no_program_says_why(void **state)
{
	(void)state;
	_cleanup_free_ char *exe = make_file("garbage", "not a program\n", 0755);
	assert_int_equal(setenv("BERTH_SUPERVISOR", exe, 1), 0);
	Cli cli = { .argv0 = "berth" };
	_cleanup_free_ char *root = test_path(dir, "root");
	assert_int_equal(paths_init(&cli.paths, root), 0);
	LaunchParams p = { .id = ID, .rootfs = "" };
	int sync_fd = -1;
	pid_t pid = 0;
	assert_int_equal(supervisor_start(&cli, &p, &sync_fd, &pid), 0);
	int tty = 0, code = 0;
	assert_int_equal(supervisor_wait_started(&p, sync_fd, pid, &tty, &code), -ENOEXEC);
	assert_int_equal(code, EXIT_BERTH_ERROR);
	char want[PATH_MAX + 64];
	snprintf(want, sizeof(want), "berth: start %s: Exec format error\n", exe);
	assert_string_equal(logged(), want);
	close(sync_fd);
	paths_done(&cli.paths);
}

static void test_start_without_a_supervisor_fails_at_once(void **state)
{
	(void)state;
	_cleanup_free_ char *missing = test_path(dir, "nope");
	assert_int_equal(setenv("BERTH_SUPERVISOR", missing, 1), 0);
	Cli cli = { .argv0 = "berth" };
	assert_int_equal(paths_init(&cli.paths, dir), 0);
	LaunchParams p = { .id = ID };
	int sync_fd = -7;
	pid_t pid = -7;
	assert_int_equal(supervisor_start(&cli, &p, &sync_fd, &pid), -ENOENT);
	assert_int_equal(sync_fd, -7);
	assert_string_equal(logged(), "berth: cannot find berth-supervisor (set BERTH_SUPERVISOR "
				      "or reinstall berth): No such file or directory\n");
	paths_done(&cli.paths);
}

static void test_config_goes_in_a_memfd_with_our_affinity(void **state)
{
	(void)state;
	int sv[2];
	pair(sv);
	const char *config = "{\"ociVersion\": \"1.1.0\"}";
	assert_int_equal(supervisor_send_config(sv[0], config), 0);
	SyncMsg m;
	int fd = -1;
	assert_int_equal(sync_recv(sv[1], &m, &fd), 0);
	assert_int_equal(m.type, SYNC_GO);
	assert_true(fd >= 0);
	char buf[128] = "";
	assert_int_equal(pread(fd, buf, sizeof(buf) - 1, 0), (ssize_t)strlen(config));
	assert_string_equal(buf, config);
	close(fd);
	cpu_set_t ours;
	assert_int_equal(sched_getaffinity(0, sizeof(ours), &ours), 0);
	assert_int_equal(m.affinity, 1);
	assert_memory_equal(m.msg, &ours, sizeof(ours));
	/* `start`: no configuration, the supervisor reads config.json. */
	assert_int_equal(supervisor_send_config(sv[0], NULL), 0);
	assert_int_equal(sync_recv(sv[1], &m, &fd), 0);
	assert_int_equal(m.type, SYNC_GO);
	assert_int_equal(fd, -EBADF);
	supervisor_commit(sv[0]);
	assert_int_equal(sync_recv(sv[1], &m, NULL), 0);
	assert_int_equal(m.type, SYNC_COMMIT);
	close(sv[0]);
	close(sv[1]);
}

static void test_abandon_waits_until_the_supervisor_is_gone(void **state)
{
	(void)state;
	int sv[2];
	pair(sv);
	pid_t sup = fork();
	assert_true(sup >= 0);
	if (sup == 0) {
		close(sv[0]);
		/* It sees our end shut, takes down what it made, then goes. */
		char b[sizeof(SyncMsg)];
		int clean = recv(sv[1], b, sizeof(b), 0) == 0;
		usleep(200000);
		_exit(clean ? 0 : 1);
	}
	close(sv[1]);
	uint64_t t0 = now_mono_usec();
	supervisor_abandon(sv[0], ended_child());
	assert_true(now_mono_usec() - t0 >= 190000);
	int status;
	assert_int_equal(waitpid(sup, &status, 0), sup);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	close(sv[0]);
}

/* supervisor_wait_started() after the test, as the supervisor, sent m
 * (or nothing when m is NULL; with a terminal when tty). */
static int wait_started(const LaunchParams *p, const SyncMsg *m, bool tty, int *ret_tty,
			int *ret_code)
{
	int sv[2];
	pair(sv);
	if (m && tty) {
		int t = open("/dev/null", O_RDWR | O_CLOEXEC);
		assert_true(t >= 0);
		assert_int_equal(sync_send_fd(sv[1], m, t), 0);
		close(t);
	} else if (m)
		assert_int_equal(sync_send(sv[1], m), 0);
	close(sv[1]);
	int r = supervisor_wait_started(p, sv[0], ended_child(), ret_tty, ret_code);
	close(sv[0]);
	return r;
}

static void test_wait_started_running_with_a_terminal(void **state)
{
	(void)state;
	LaunchParams p = { .id = ID, .rootfs = dir };
	SyncMsg m = { .type = SYNC_RUNNING, .pid = 4242 };
	int tty = -1, code = -1;
	assert_int_equal(wait_started(&p, &m, true, &tty, &code), 0);
	assert_int_equal(code, 0);
	assert_true(tty >= 0);
	struct stat st;
	assert_int_equal(fstat(tty, &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	close(tty);
	assert_int_equal(wait_started(&p, &m, false, &tty, &code), 0);
	assert_int_equal(tty, -EBADF);
	assert_string_equal(logged(), "");
}

static void test_wait_started_error_keeps_its_exit_code_and_line(void **state)
{
	(void)state;
	LaunchParams p = { .id = ID, .rootfs = dir };
	SyncMsg m = { .type = SYNC_ERROR, .error = -ENOENT, .exit_code = 127 };
	snprintf(m.msg, sizeof(m.msg), "exec `nosuch`: No such file or directory");
	int tty = -1, code = -1;
	/* Even with a terminal passed along: closed. */
	assert_int_equal(wait_started(&p, &m, true, &tty, &code), -ENOENT);
	assert_int_equal(code, 127);
	assert_int_equal(tty, -EBADF);
	assert_string_equal(logged(), "berth: exec `nosuch`: No such file or directory\n");
	/* No errno, no exit code: EIO and 125. A message that fills its
	 * buffer, unterminated, is cut there. */
	m = (SyncMsg){ .type = SYNC_ERROR };
	memset(m.msg, 'x', sizeof(m.msg));
	assert_int_equal(wait_started(&p, &m, false, &tty, &code), -EIO);
	assert_int_equal(code, EXIT_BERTH_ERROR);
	assert_int_equal(strlen(logged()), strlen("berth: \n") + sizeof(m.msg) - 1);
}

static void test_wait_started_names_a_layer_removed_meanwhile(void **state)
{
	(void)state;
	_cleanup_free_ char *gone = test_path(dir, "layers/gone");
	_cleanup_free_ char *here = test_path(dir, "layers/here");
	test_write_file(here, "bin/sh", "");
	char rootfs[2 * PATH_MAX];
	snprintf(rootfs, sizeof(rootfs), "%s:%s", here, gone);
	LaunchParams p = { .id = ID, .rootfs = rootfs };
	SyncMsg m = { .type = SYNC_ERROR, .error = -ENOENT, .exit_code = 127 };
	snprintf(m.msg, sizeof(m.msg), "exec `sh`: not found");
	int tty = -1, code = -1;
	assert_int_equal(wait_started(&p, &m, false, &tty, &code), -ENOENT);
	char want[PATH_MAX + 128];
	snprintf(want, sizeof(want),
		 "berth: the layer `%s` of the container's image was removed while the "
		 "container started\n",
		 gone);
	assert_string_equal(logged(), want);
	/* Or the supervisor died of it. */
	assert_int_equal(wait_started(&p, NULL, false, &tty, &code), -ENOENT);
	assert_string_equal(logged(), want);
}

static void test_wait_started_supervisor_gone_or_unexpected_message(void **state)
{
	(void)state;
	LaunchParams p = { .id = ID, .rootfs = "" };
	int tty = -1, code = -1;
	assert_int_equal(wait_started(&p, NULL, false, &tty, &code), -EPIPE);
	assert_int_equal(code, EXIT_BERTH_ERROR);
	assert_string_equal(logged(), "berth: the supervisor ended before the container started "
				      "(see `berth status 0123456789ab`)\n");
	SyncMsg m = { .type = SYNC_COMMIT };
	assert_int_equal(wait_started(&p, &m, false, &tty, &code), -EPROTO);
	assert_string_equal(logged(), "berth: unexpected message 6 from the supervisor\n");
}

static void test_attach_relays_and_forwards_until_the_exit(void **state)
{
	(void)state;
	/* The caller's stdio: an empty input, an output file. */
	_cleanup_free_ char *out_path = test_path(dir, "out");
	int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int out = open(out_path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_true(in >= 0 && out >= 0);
	StdioRelay relay = STDIO_RELAY_INIT;
	assert_int_equal(stdio_relay_open(&relay, in, out, out), 0);
	int sv[2];
	pair(sv);
	cli_block_forwarded_signals();
	pid_t sup = fork();
	assert_true(sup >= 0);
	if (sup == 0) {
		/* The supervisor: the container writes, gets a signal, exits 3. */
		close(sv[0]);
		if (write(relay.child[STDIO_OUT], "hello\n", 6) != 6)
			_exit(10);
		kill(getppid(), SIGUSR1);
		SyncMsg m;
		if (sync_recv(sv[1], &m, NULL) < 0 || m.type != SYNC_SIGNAL || m.signal != SIGUSR1)
			_exit(11);
		m = (SyncMsg){ .type = SYNC_EXITED, .exit_code = 3 };
		if (sync_send(sv[1], &m) < 0)
			_exit(12);
		_exit(0);
	}
	close(sv[1]);
	stdio_relay_close_child(&relay);
	assert_int_equal(attach_wait(sv[0], &relay), 3);
	int status;
	assert_int_equal(waitpid(sup, &status, 0), sup);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	_cleanup_free_ char *text = NULL;
	assert_int_equal(read_full_file(out_path, &text, NULL), 0);
	assert_string_equal(text, "hello\n");
	close(sv[0]);
	close(in);
	close(out);
	sigset_t none;
	sigemptyset(&none);
	assert_int_equal(sigprocmask(SIG_SETMASK, &none, NULL), 0);
}

static void test_attach_reports_a_supervisor_lost(void **state)
{
	(void)state;
	int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int out = open("/dev/null", O_WRONLY | O_CLOEXEC);
	StdioRelay relay = STDIO_RELAY_INIT;
	assert_int_equal(stdio_relay_open(&relay, in, out, out), 0);
	stdio_relay_close_child(&relay);
	int sv[2];
	pair(sv);
	close(sv[1]);
	assert_int_equal(attach_wait(sv[0], &relay), -EPIPE);
	assert_string_equal(logged(), "berth: lost the supervisor while the container ran\n");
	close(sv[0]);
	close(in);
	close(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find_supervisor_from_the_environment),
		cmocka_unit_test(test_find_supervisor_next_to_the_program),
		cmocka_unit_test(test_start_passes_what_the_supervisor_needs),
		cmocka_unit_test(test_start_of_a_file_that_is_no_program_says_why),
		cmocka_unit_test(test_start_without_a_supervisor_fails_at_once),
		cmocka_unit_test(test_config_goes_in_a_memfd_with_our_affinity),
		cmocka_unit_test(test_abandon_waits_until_the_supervisor_is_gone),
		cmocka_unit_test(test_wait_started_running_with_a_terminal),
		cmocka_unit_test(test_wait_started_error_keeps_its_exit_code_and_line),
		cmocka_unit_test(test_wait_started_names_a_layer_removed_meanwhile),
		cmocka_unit_test(test_wait_started_supervisor_gone_or_unexpected_message),
		cmocka_unit_test(test_attach_relays_and_forwards_until_the_exit),
		cmocka_unit_test(test_attach_reports_a_supervisor_lost),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
