/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <fcntl.h>

/* berth: the command-line tool. It keeps no state of its own between
 * calls: everything is in the state DB, the kernel and the supervisors. */

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "log.h"
#include "options.h"
#include "util.h"

static char *arg_root = NULL;
static bool arg_debug = false;

static const CliVerb commands[] = {
	{ "run", NULL, cmd_run, "run a command in a new container", true },
	{ "list", "ls", cmd_list, "list containers" },
	{ "status", NULL, cmd_status, "show everything about a container" },
	{ "inspect", NULL, cmd_inspect, "print containers' state and OCI config as JSON" },
	{ "stop", NULL, cmd_stop, "stop running containers" },
	{ "start", NULL, cmd_start, "start stopped containers again" },
	{ "freeze", NULL, cmd_freeze, "suspend every process of containers" },
	{ "thaw", NULL, cmd_thaw, "resume frozen containers" },
	{ "exec", NULL, cmd_exec, "run a command in a running container", true },
	{ "update", NULL, cmd_update, "change the resource limits of a container" },
	{ "logs", NULL, cmd_logs, "print the output of a detached container" },
	{ "rm", NULL, cmd_rm, "remove containers" },
	{ "prune", NULL, cmd_prune, "remove every exited container" },
	{ "generate", NULL, cmd_generate, "generate a systemd unit for a container" },
	{ "image", NULL, cmd_image,
	  "manage images (pull, push, tag, save, load, import, list, inspect, rm, ...)" },
	{ "commit", NULL, cmd_commit, "make an image of a container" },
	{ "login", NULL, cmd_login, "log in to a registry" },
	{ "logout", NULL, cmd_logout, "log out of a registry" },
	{ "network", NULL, cmd_network, "manage networks (create, ls, inspect, rm, prune)" },
	{ "system", NULL, cmd_system, "check the state DB and what it describes" },
	{ "trace", NULL, cmd_trace, "show kernel events of containers (eBPF)" },
};

static void help(void)
{
	printf("Usage: berth [GLOBAL OPTIONS] COMMAND [OPTIONS] [ARGS]\n"
	       "\n"
	       "berth runs Linux containers without a daemon: one small supervisor per\n"
	       "container, state in an SQLite database anyone can query.\n"
	       "\n"
	       "Commands:\n");
	for (size_t i = 0; i < ELEMENTSOF(commands); i++)
		printf("  %-10s %s%s%s%s\n", commands[i].name, commands[i].summary,
		       commands[i].alias ? " (alias: " : "",
		       commands[i].alias ? commands[i].alias : "", commands[i].alias ? ")" : "");
	printf("\n"
	       "Global options:\n"
	       "      --root DIR     keep state in DIR and runtime files in DIR/run\n"
	       "                     (default /var/lib/berth and /run/berth; also $BERTH_ROOT)\n"
	       "      --debug        show each step a command takes, on stderr (also\n"
	       "                     $BERTH_DEBUG=1); a container's supervisor writes its\n"
	       "                     own to supervisor.log in the container's folder\n"
	       "  -v, --version      print the version\n"
	       "  -h, --help         show this help\n"
	       "\n"
	       "Run `berth COMMAND --help` for a command's options.\n");
}

static int parse_global(int argc, char **argv)
{
	enum { ARG_ROOT = 0x100, ARG_DEBUG };
	static const struct option options[] = {
		{ "root", required_argument, NULL, ARG_ROOT },
		{ "debug", no_argument, NULL, ARG_DEBUG },
		{ "version", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	int c;
	/* "+": the global options end at the command, which has its own. */
	while ((c = cli_getopt(argc, argv, "+:vh", options, NULL)) > 0) {
		switch (c) {
		case ARG_ROOT:
			if (!*optarg)
				return log_error_errno(-EINVAL, "--root needs a directory");
			arg_root = optarg;
			break;
		case ARG_DEBUG:
			arg_debug = true;
			break;
		case 'v':
			printf("berth %s\n", PACKAGE_VERSION);
			return 0;
		case 'h':
			help();
			return 0;
		}
	}
	return c < 0 ? c : 1;
}

/* BERTH_DEBUG=1 does what --debug does, for a berth that a script or a
 * systemd unit runs; empty or 0 leaves it off. */
static bool debug_from_env(void)
{
	const char *e = getenv("BERTH_DEBUG");
	return e && *e && !streq(e, "0");
}

/* A caller that closed our stdin, stdout or stderr (`berth run -d … >&-`)
 * would let the next file we open take that number: the DB's reserve, a
 * container's config.json, a socket given to the supervisor as its
 * stdio, and an error message would be written into it. /dev/null takes
 * their place, as systemd and crun do. */
static void open_missing_stdio(void)
{
	for (int fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		int null = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
		if (null >= 0 && null != fd) {
			(void)dup2(null, fd);
			close(null);
		}
	}
}

int main(int argc, char *argv[])
{
	open_missing_stdio();
	log_setup("berth", LOG_LEVEL_INFO);
	arg_debug = debug_from_env();

	int r = parse_global(argc, argv);
	if (r <= 0)
		return r < 0 ? EXIT_BERTH_ERROR : 0;
	if (arg_debug)
		log_setup(NULL, LOG_LEVEL_DEBUG);
	if (optind >= argc) {
		help();
		log_error("missing command");
		return EXIT_BERTH_ERROR;
	}

	const char *name = argv[optind];
	const CliVerb *cmd = cli_find_verb(commands, ELEMENTSOF(commands), name);
	if (!cmd) {
		log_error("unknown command `%s` (see `berth --help`)", name);
		return EXIT_BERTH_ERROR;
	}

	Cli cli = { .debug = arg_debug, .argv0 = argv[0] };
	r = paths_init(&cli.paths, arg_root);
	if (r == -ENOMEM)
		log_error_errno(r, "out of memory");
	if (r < 0)
		return EXIT_BERTH_ERROR;
	/* A user who is not root: from here on in a user namespace of the
	 * user's own (common/rootless.h). */
	if (!cmd->enters_userns && cli_userns(&cli, NULL) < 0) {
		paths_done(&cli.paths);
		return EXIT_BERTH_ERROR;
	}
	log_debug("berth %s, %s: state in %s, runtime files in %s", PACKAGE_VERSION, cmd->name,
		  cli.paths.state_dir, cli.paths.run_dir);
	r = cmd->run(&cli, argc - optind, argv + optind);
	db_close(cli.db);
	paths_done(&cli.paths);
	if (fflush(stdout) != 0 && r >= 0)
		r = log_error_errno(-errno, "write output: %m");
	int status = r < 0 || r > 255 ? EXIT_BERTH_ERROR : r;
	log_debug("%s: exit status %d", cmd->name, status);
	return status;
}
