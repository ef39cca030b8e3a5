/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for the argument parsing of cli/cmd_run.c (parse_run_argv()),
 * linked from libcli.a and reached through cmd_run(): every refused
 * argument is one line and returns before anything is started; an
 * accepted command line goes on to start the supervisor, which
 * $BERTH_SUPERVISOR names as missing here, so that no container is ever
 * made: that error is the proof that the parse let it through. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "cli-test.h"
#include "parse.h"

static Cli cli;
static char *no_supervisor;

#define NOT_STARTED                                                                       \
	"berth: cannot find berth-supervisor (set BERTH_SUPERVISOR or reinstall berth): " \
	"No such file or directory\n"

static int setup(void **state)
{
	(void)state;
	test_log_catch();
	test_cli_init(&cli, "test-cmd-run");
	no_supervisor = test_path(cli.paths.state_dir, "no-supervisor");
	assert_int_equal(setenv("BERTH_SUPERVISOR", no_supervisor, 1), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unsetenv("BERTH_SUPERVISOR");
	free(no_supervisor);
	test_cli_done(&cli);
	test_log_release();
	return 0;
}

/* cmd_run() on "run" and up to 30 arguments. */
static int run_va(const char *first, va_list ap)
{
	char *argv[32] = { (char *)"run" };
	int argc = 1;
	for (const char *a = first; a; a = va_arg(ap, const char *)) {
		assert_true(argc < 31);
		argv[argc++] = (char *)a;
	}
	argv[argc] = NULL;
	return cmd_run(&cli, argc, argv);
}

static int run(const char *first, ...)
{
	va_list ap;
	va_start(ap, first);
	int r = run_va(first, ap);
	va_end(ap);
	return r;
}

/* The arguments (NULL-terminated) are refused with this line (a
 * beginning of it when it does not end in a newline), or, for
 * NOT_STARTED, accepted. */
static void refused(const char *line, const char *first, ...)
{
	va_list ap;
	va_start(ap, first);
	int r = run_va(first, ap);
	va_end(ap);
	assert_true(r < 0);
	const char *l = logged();
	if (line[strlen(line) - 1] == '\n')
		assert_string_equal(l, line);
	else if (!startswith(l, line))
		fail_msg("\"%s\" does not start with \"%s\"", l, line);
}

static void test_missing_image(void **state)
{
	(void)state;
	refused("berth: missing IMAGE (see `berth run --help`)\n", NULL);
	refused("berth: missing IMAGE (see `berth run --help`)\n", "-d", "--rm", NULL);
}

static void test_unknown_or_misplaced_options(void **state)
{
	(void)state;
	refused("berth: unknown option `-z` (see `berth run --help`)\n", "-z", "busybox", NULL);
	refused("berth: option `--name` needs a value (see `berth run --help`)\n", "--name", NULL);
	refused("berth: option `--rm` takes no value (see `berth run --help`)\n", "--rm=yes",
		"busybox", NULL);
}

static void test_names_and_hostnames(void **state)
{
	(void)state;
	char want[256];
	snprintf(want, sizeof(want),
		 "berth: invalid container name `../x`: use letters, digits and _.- (at most %d), "
		 "starting with a letter or digit\n",
		 NAME_MAX_LEN);
	refused(want, "--name", "../x", "busybox", NULL);
	char long_name[NAME_MAX_LEN + 2];
	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	assert_true(run("--name", long_name, "busybox", NULL) < 0);
	assert_true(startswith(logged(), "berth: invalid container name `aaaa"));
	refused("berth: invalid hostname `-bad`\n", "--hostname", "-bad", "busybox", NULL);
	refused("berth: --workdir `srv` must be an absolute path\n", "--workdir", "srv", "busybox",
		NULL);
}

static void test_namespaces(void **state)
{
	(void)state;
	refused("berth: invalid --ipc `shared`: private, host or container:NAME\n", "--ipc",
		"shared", "busybox", NULL);
	refused("berth: invalid --ipc `container:../x`: private, host or container:NAME\n", "--ipc",
		"container:../x", "busybox", NULL);
	refused("berth: invalid --net `a/b`: `a/b` is no network name\n", "--network", "a/b",
		"busybox", NULL);
	refused("berth: --publish needs a network: add --net bridge (or --net NAME)\n", "--publish",
		"8080:80", "busybox", NULL);
	refused("berth: invalid --publish `8080`: expected [HOSTIP:]HOSTPORT:CTRPORT[/tcp|udp]\n",
		"--net", "bridge", "--publish", "8080", "busybox", NULL);
	refused("berth: invalid --uts `none`: private or host\n", "--uts", "none", "busybox", NULL);
	refused("berth: invalid --pid `container:a`: private or host\n", "--pid", "container:a",
		"busybox", NULL);
	/* Each accepted: the run goes on to start. */
	refused(NOT_STARTED, "--ipc", "container:web", "--net", "none", "--uts", "host", "--pid",
		"private", "busybox", NULL);
}

static void test_security(void **state)
{
	(void)state;
	refused("berth: unknown capability `NOPE`\n", "--cap-add", "NOPE", "busybox", NULL);
	refused("berth: unknown capability `cap_`\n", "--cap-drop", "cap_", "busybox", NULL);
	refused("berth: unsupported --security-opt `apparmor=x` (seccomp=unconfined|FILE)\n",
		"--security-opt", "apparmor=x", "busybox", NULL);
	refused("berth: unsupported --security-opt `seccomp=` (seccomp=unconfined|FILE)\n",
		"--security-opt", "seccomp=", "busybox", NULL);
	refused("berth: seccomp profile `/nonexistent.json`: No such file or directory\n",
		"--security-opt", "seccomp=/nonexistent.json", "busybox", NULL);
	refused(NOT_STARTED, "--cap-add", "all", "--cap-drop", "CAP_NET_RAW", "--cap-drop",
		"sys_admin", "--security-opt", "seccomp=unconfined", "busybox", NULL);
}

static void test_user_namespaces(void **state)
{
	(void)state;
	refused("berth: invalid --userns `nope`: auto, host or keep-id\n", "--userns", "nope",
		"busybox", NULL);
	refused("berth: --userns keep-id is for a rootless berth: root's uid is root's already\n",
		"--userns", "keep-id", "busybox", NULL);
	refused("berth: invalid --uidmap `0:1`: expected CONTAINER:HOST:SIZE\n", "--uidmap", "0:1",
		"busybox", NULL);
	refused("berth: invalid --gidmap `0:1:0`: expected CONTAINER:HOST:SIZE\n", "--gidmap",
		"0:1:0", "busybox", NULL);
	refused(NOT_STARTED, "--uidmap", "0:100000:1000", "--uidmap", "1000:200000:10", "--gidmap",
		"0:100000:65536", "busybox", NULL);
}

static void test_signals_sizes_and_resources(void **state)
{
	(void)state;
	refused("berth: invalid --stop-signal `KILL`\n", "--stop-signal", "KILL", "busybox", NULL);
	refused("berth: invalid --stop-signal `999`\n", "--stop-signal", "999", "busybox", NULL);
	refused("berth: invalid --log-max-size `big`\n", "--log-max-size", "big", "busybox", NULL);
	/* Resource options reach resources.c, with the argument after -p. */
	refused("berth: invalid --mem `1`: a size such as 50M or 1G, at least 4K\n", "-m", "1",
		"busybox", NULL);
	refused("berth: -p is berth's --pin-cpu, not --publish: `8080:80` is not a CPU here; "
		"publish a port with --publish\n",
		"-p", "8080:80", "busybox", NULL);
	refused(NOT_STARTED, "--stop-signal", "SIGUSR1", "--log-max-size", "1M", "-m", "64M",
		"--cpus", "0.5", "--pids-limit", "10", "busybox", NULL);
}

static void test_env_file(void **state)
{
	(void)state;
	_cleanup_free_ char *missing = test_path(cli.paths.state_dir, "missing.env");
	char want[PATH_MAX + 128];
	snprintf(want, sizeof(want), "berth: --env-file `%s`: No such file or directory\n",
		 missing);
	refused(want, "--env-file", missing, "busybox", NULL);

	test_write_file(cli.paths.state_dir, "bad.env", "# comment\n\nA=1\n  =2\n");
	_cleanup_free_ char *bad = test_path(cli.paths.state_dir, "bad.env");
	snprintf(want, sizeof(want), "berth: --env-file `%s`: line 4 is not KEY=VALUE\n", bad);
	refused(want, "--env-file", bad, "busybox", NULL);

	/* A line longer than the 64 KiB buffer. */
	char *huge = malloc(70000);
	assert_non_null(huge);
	memset(huge, 'x', 69998);
	memcpy(huge, "K=", 2);
	huge[69998] = '\n';
	huge[69999] = '\0';
	test_write_file(cli.paths.state_dir, "huge.env", huge);
	free(huge);
	_cleanup_free_ char *big = test_path(cli.paths.state_dir, "huge.env");
	snprintf(want, sizeof(want), "berth: --env-file `%s`: line 1 is longer than 65535 bytes\n",
		 big);
	refused(want, "--env-file", big, "busybox", NULL);

	test_write_file(cli.paths.state_dir, "good.env", "# ok\nA=1\r\n\tB=two words\n");
	_cleanup_free_ char *good = test_path(cli.paths.state_dir, "good.env");
	refused(NOT_STARTED, "--env-file", good, "-e", "C=3", "busybox", NULL);
}

/* A file of the text before, a line of len bytes ("K=xxx..."), and the
 * text after. */
static char *env_file_of_line(const char *name, const char *before, size_t len, const char *after)
{
	size_t m = strlen(before), n = strlen(after);
	char *text = malloc(m + len + n + 1);
	assert_non_null(text);
	memcpy(text, before, m);
	memset(text + m, 'x', len);
	memcpy(text + m, "K=", 2);
	memcpy(text + m + len, after, n + 1);
	test_write_file(cli.paths.state_dir, name, text);
	free(text);
	return test_path(cli.paths.state_dir, name);
}

static void test_env_file_line_of_65535_bytes_is_taken_65536_is_not(void **state)
{
	(void)state;
	/* The last line, complete without a newline. */
	_cleanup_free_ char *last = env_file_of_line("last.env", "", 65535, "");
	refused(NOT_STARTED, "--env-file", last, "busybox", NULL);
	_cleanup_free_ char *ended = env_file_of_line("ended.env", "", 65535, "\nB=2\n");
	refused(NOT_STARTED, "--env-file", ended, "busybox", NULL);

	char want[PATH_MAX + 128];
	_cleanup_free_ char *over = env_file_of_line("over.env", "", 65536, "");
	snprintf(want, sizeof(want), "berth: --env-file `%s`: line 1 is longer than 65535 bytes\n",
		 over);
	refused(want, "--env-file", over, "busybox", NULL);
	/* Counted as one line, not as two halves. */
	_cleanup_free_ char *second = env_file_of_line("second.env", "A=1\n", 65536, "\nB=2\n");
	snprintf(want, sizeof(want), "berth: --env-file `%s`: line 2 is longer than 65535 bytes\n",
		 second);
	refused(want, "--env-file", second, "busybox", NULL);
}

static void test_mounts_are_checked_while_parsing(void **state)
{
	(void)state;
	refused("berth: -v: source `/nonexistent-src`: No such file or directory\n", "-v",
		"/nonexistent-src:/data", "busybox", NULL);
	refused("berth: invalid --tmpfs `relative`: ", "--tmpfs", "relative", "busybox", NULL);
}

static void test_options_end_at_the_image(void **state)
{
	(void)state;
	/* What follows IMAGE is the command's, even what looks like ours. */
	refused(NOT_STARTED, "busybox", "ls", "--name", "../x", "-z", NULL);
}

static void test_i_with_t_warns_that_i_shares_ipc(void **state)
{
	(void)state;
	assert_true(run("-it", "busybox", "sh", NULL) < 0);
	assert_string_equal(
		logged(),
		"berth: -i is berth's --share-ipc: this container shares the "
		"host's IPC namespace; -t alone gives an interactive shell\n" NOT_STARTED);
}

static void test_pidfile_folder_must_exist(void **state)
{
	(void)state;
	refused("berth: --pidfile `/nonexistent/x.pid`: its folder does not exist\n", "--pidfile",
		"/nonexistent/x.pid", "busybox", NULL);
}

static void print_help(void *arg)
{
	(void)arg;
	assert_int_equal(run("--help", NULL), 0);
}

static void test_help(void **state)
{
	(void)state;
	_cleanup_free_ char *out = test_capture_stdout(print_help, NULL);
	assert_true(startswith(out, "Usage: berth run [OPTIONS] IMAGE COMMAND [ARG...]\n"));
	/* The resource options' lines too. */
	assert_non_null(strstr(out, "  -m, --mem SIZE"));
	assert_non_null(strstr(out, "20%"));
	assert_null(strstr(out, "%%"));
	assert_string_equal(logged(), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_missing_image),
		cmocka_unit_test(test_unknown_or_misplaced_options),
		cmocka_unit_test(test_names_and_hostnames),
		cmocka_unit_test(test_namespaces),
		cmocka_unit_test(test_security),
		cmocka_unit_test(test_user_namespaces),
		cmocka_unit_test(test_signals_sizes_and_resources),
		cmocka_unit_test(test_env_file),
		cmocka_unit_test(test_env_file_line_of_65535_bytes_is_taken_65536_is_not),
		cmocka_unit_test(test_mounts_are_checked_while_parsing),
		cmocka_unit_test(test_options_end_at_the_image),
		cmocka_unit_test(test_i_with_t_warns_that_i_shares_ipc),
		cmocka_unit_test(test_pidfile_folder_must_exist),
		cmocka_unit_test(test_help),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
