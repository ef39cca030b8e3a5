/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* berth exec: checks the container and the arguments, then becomes
 * `berth-supervisor exec`, which joins the container and runs the command
 * (see supervisor/exec.c). */

#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "log.h"
#include "rootless.h"
#include "options.h"
#include "parse.h"
#include "user.h"
#include "util.h"

extern char **environ;

static void exec_help(void)
{
	printf("Usage: berth exec [OPTIONS] CONTAINER COMMAND [ARG...]\n"
	       "\n"
	       "Run COMMAND in a running container: its namespaces, cgroup, root and\n"
	       "environment. The exit status is COMMAND's (126/127 as for run). Its\n"
	       "stdin, stdout and stderr are pipes relayed to berth's, until it ends.\n"
	       "\n"
	       "Options:\n"
	       "  -e, --env KEY=VALUE    set an environment variable (repeatable); KEY or\n"
	       "                         KEY* takes the host's value, as for run\n"
	       "      --workdir DIR      working directory (default: the container's)\n"
	       "  -u, --user USER[:GROUP] run as this user (name or uid, from the\n"
	       "                         container's /etc/passwd)\n"
	       "  -d, --detach           start COMMAND and return at once (its stdio is\n"
	       "                         /dev/null)\n"
	       "  -t, --tty              give COMMAND a terminal\n"
	       "  -i, --interactive      accepted for Docker's `exec -it`: COMMAND always\n"
	       "                         reads berth's stdin\n"
	       "  -h, --help             show this help\n");
}

int cmd_exec(Cli *cli, int argc, char **argv)
{
	enum { ARG_WORKDIR = 0x100 };
	static const struct option options[] = {
		{ "env", required_argument, NULL, 'e' },
		{ "workdir", required_argument, NULL, ARG_WORKDIR },
		{ "user", required_argument, NULL, 'u' },
		{ "detach", no_argument, NULL, 'd' },
		{ "tty", no_argument, NULL, 't' },
		{ "interactive", no_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	_cleanup_strv_free_ char **sargv = NULL, **env = NULL;
	bool detach = false;
	const char *user = NULL;
	int c, r;
	optind = 0;
	/* Build the supervisor's command line as we go. */
	if (strv_push(&sargv, "berth-supervisor") < 0 || strv_push(&sargv, "exec") < 0)
		return log_error_errno(-ENOMEM, "out of memory");
	/* "+": options end at CONTAINER; what follows belongs to the command. */
	while ((c = cli_getopt(argc, argv, "+:e:u:dtih", options, "exec")) > 0) {
		switch (c) {
		case 'e':
			if ((r = cli_env_option("--env", optarg, &env)) < 0)
				return r;
			break;
		case ARG_WORKDIR:
			if (optarg[0] != '/')
				return log_error_errno(-EINVAL,
						       "--workdir `%s` must be an absolute path",
						       optarg);
			if (strv_push(&sargv, "--workdir") < 0 || strv_push(&sargv, optarg) < 0)
				return log_error_errno(-ENOMEM, "out of memory");
			break;
		case 'u':
			user = optarg;
			break;
		case 'd':
			detach = true;
			break;
		case 't':
			if (strv_push(&sargv, "--tty") < 0)
				return log_error_errno(-ENOMEM, "out of memory");
			break;
		case 'i':
			break; /* stdin is always passed on */
		case 'h':
			exec_help();
			return 0;
		}
	}
	if (c < 0)
		return c;
	for (size_t i = 0; env && env[i]; i++)
		if (strv_push(&sargv, "--env") < 0 || strv_push(&sargv, env[i]) < 0)
			return log_error_errno(-ENOMEM, "out of memory");
	if (optind >= argc)
		return log_error_errno(-EINVAL, "missing CONTAINER (see `berth exec --help`)");
	if (optind + 1 >= argc)
		return log_error_errno(-EINVAL, "missing COMMAND to run in `%s`", argv[optind]);

	ContainerRow row;
	r = cli_lookup_container(cli, argv[optind], &row);
	if (r < 0)
		return r;
	if (row.state != STATE_RUNNING) {
		r = log_error_errno(-EBUSY, "container %s is %s: exec needs a running container%s",
				    row.name, container_state_to_string(row.state),
				    row.state == STATE_PAUSED ? " (thaw it first)" : "");
		container_row_done(&row);
		return r;
	}
	/* A rootless container's namespaces are its user namespace's. */
	r = cli_userns(cli, &row);
	if (r < 0) {
		container_row_done(&row);
		return r;
	}
	if (user) {
		/* Resolved in the container's own /etc/passwd, through its root. */
		char rootpath[64], ug[32];
		snprintf(rootpath, sizeof(rootpath), "/proc/%lld/root", (long long)row.pid);
		_cleanup_close_ int rootfd = open(rootpath, O_PATH | O_DIRECTORY | O_CLOEXEC);
		ResolvedUser u;
		r = rootfd < 0 ? log_error_errno(-errno, "open the container's root: %m")
			       : user_resolve_at(rootfd, user, &u);
		if (r < 0) {
			container_row_done(&row);
			return r;
		}
		snprintf(ug, sizeof(ug), "%u:%u", u.uid, u.gid);
		resolved_user_done(&u);
		if (strv_push(&sargv, "--user") < 0 || strv_push(&sargv, ug) < 0) {
			container_row_done(&row);
			return log_error_errno(-ENOMEM, "out of memory");
		}
	}
	char pid[24], start[24];
	snprintf(pid, sizeof(pid), "%lld", (long long)row.pid);
	snprintf(start, sizeof(start), "%lld", (long long)row.pid_start_time);
	if (strv_push(&sargv, "--root") < 0 || strv_push(&sargv, cli->paths.state_dir) < 0 ||
	    strv_push(&sargv, "--id") < 0 || strv_push(&sargv, row.id) < 0 ||
	    (rootless() &&
	     (strv_push(&sargv, "--run-root") < 0 || strv_push(&sargv, cli->paths.run_dir) < 0)) ||
	    strv_push(&sargv, "--pid") < 0 || strv_push(&sargv, pid) < 0 ||
	    strv_push(&sargv, "--pid-start") < 0 || strv_push(&sargv, start) < 0 ||
	    (row.cgroup &&
	     (strv_push(&sargv, "--cgroup") < 0 || strv_push(&sargv, row.cgroup) < 0)) ||
	    (detach && strv_push(&sargv, "--detach") < 0) || strv_push(&sargv, "--") < 0) {
		container_row_done(&row);
		return log_error_errno(-ENOMEM, "out of memory");
	}
	container_row_done(&row);
	for (int i = optind + 1; i < argc; i++)
		if (strv_push(&sargv, argv[i]) < 0)
			return log_error_errno(-ENOMEM, "out of memory");

	_cleanup_free_ char *sup = NULL;
	r = find_supervisor(&sup);
	if (r < 0)
		return log_error_errno(r, "cannot find berth-supervisor: %m");
	log_debug("become `%s exec` to run the command in container %s (pid %s)", sup, argv[optind],
		  pid);
	db_close(cli->db);
	cli->db = NULL;
	fflush(stdout);
	execve(sup, sargv, environ);
	return log_error_errno(-errno, "execute %s: %m", sup);
}
