/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* berth-runtime's main(): runc's global options, then one command
 * (runtime.h). Every error is one line on stderr, and in --log too; the
 * exit status is then 1, as runc's. */

#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroup.h"
#include "log.h"
#include "oci.h"
#include "runtime.h"
#include "util.h"

#define RUNTIME_DEFAULT_ROOT "/run/berth-runtime"

static const struct {
	const char *name;
	RuntimeCommand fn;
} commands[] = {
	{ "create", runtime_create }, { "start", runtime_start },
	{ "run", runtime_run },       { "state", runtime_state },
	{ "kill", runtime_kill },     { "delete", runtime_delete },
	{ "list", runtime_list },     { "ps", runtime_ps },
	{ "pause", runtime_pause },   { "resume", runtime_resume },
	{ "spec", runtime_spec },     { "features", runtime_features },
	{ "exec", runtime_exec },     { "update", runtime_update },
	{ "events", runtime_events },
};

static void help(void)
{
	printf("Usage: berth-runtime [GLOBAL OPTIONS] COMMAND [OPTIONS] [ARGS]\n"
	       "\n"
	       "berth as an OCI runtime, with runc's command line (berth-runtime(8)).\n"
	       "\n"
	       "Commands:\n"
	       "  create [-b BUNDLE] [--console-socket S] [--pid-file F] ID\n"
	       "  start ID                 run the created container's process\n"
	       "  run [-b BUNDLE] [-d] ID  create and start (in the foreground)\n"
	       "  state ID                 the runtime spec's state, as JSON\n"
	       "  kill [--all] ID [SIGNAL] delete [-f] ID   list   ps ID\n"
	       "  exec [-d] [-t] [--process F] ID [COMMAND...]\n"
	       "                           one more process in a running container\n"
	       "  update [--resources F|-] [--memory M] [--cpu-quota Q] [--pids-limit N] ... ID\n"
	       "                           change a running container's limits\n"
	       "  events [--stats] [--interval 5s] ID\n"
	       "                           its usage, as runc's stats events\n"
	       "  pause ID   resume ID     spec   features\n"
	       "\n"
	       "Global options:\n"
	       "  --root DIR               state (default " RUNTIME_DEFAULT_ROOT ")\n"
	       "  --log FILE               also log there\n"
	       "  --log-format text|json   how --log is written (text)\n"
	       "  --debug                  log more\n"
	       "  --systemd-cgroup         cgroupsPath is slice:prefix:name\n"
	       "  --rootless true|false|auto\n"
	       "  -v, --version   -h, --help\n");
}

int main(int argc, char **argv)
{
	enum {
		ARG_ROOT = 0x100,
		ARG_LOG,
		ARG_LOG_FORMAT,
		ARG_DEBUG,
		ARG_SYSTEMD,
		ARG_ROOTLESS,
		ARG_CRIU
	};
	static const struct option options[] = {
		{ "root", required_argument, NULL, ARG_ROOT },
		{ "log", required_argument, NULL, ARG_LOG },
		{ "log-format", required_argument, NULL, ARG_LOG_FORMAT },
		{ "debug", no_argument, NULL, ARG_DEBUG },
		{ "systemd-cgroup", no_argument, NULL, ARG_SYSTEMD },
		{ "rootless", required_argument, NULL, ARG_ROOTLESS },
		{ "version", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	log_setup("berth-runtime", LOG_LEVEL_INFO);
	/* The core writes to pipes of an init that may have died
	 * (container-setup.h); the init resets every signal. */
	signal(SIGPIPE, SIG_IGN);
	Runtime rt = { .argv0 = argv[0] };
	const char *root = RUNTIME_DEFAULT_ROOT, *logfile = NULL, *format = "text";
	int c;
	while ((c = runtime_getopt(argc, argv, "vh", options, NULL)) >= 0) {
		switch (c) {
		case ARG_ROOT:
			root = optarg;
			break;
		case ARG_LOG:
			logfile = optarg;
			break;
		case ARG_LOG_FORMAT:
			if (!streq(optarg, "text") && !streq(optarg, "json")) {
				log_error("invalid --log-format `%s`: text or json", optarg);
				return 1;
			}
			format = optarg;
			break;
		case ARG_DEBUG:
			rt.debug = true;
			log_setup(NULL, LOG_LEVEL_DEBUG);
			break;
		case ARG_SYSTEMD:
			rt.systemd_cgroup = true;
			break;
		case ARG_ROOTLESS:
			if (!streq(optarg, "true") && !streq(optarg, "false") &&
			    !streq(optarg, "auto")) {
				log_error("invalid --rootless `%s`: true, false or auto", optarg);
				return 1;
			}
			break;
		case 'v':
			printf("berth-runtime version %s\nspec: %s\n", PACKAGE_VERSION,
			       OCI_VERSION);
			return 0;
		case 'h':
			help();
			return 0;
		}
	}
	if (c < -1)
		return 1;
	if (logfile) {
		int fd = open(logfile, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0) {
			log_error_errno(-errno, "cannot open the log %s: %m", logfile);
			return 1;
		}
		log_set_file(fd, streq(format, "json"));
	}
	if (optind >= argc) {
		log_error("missing a command (see berth-runtime --help)");
		return 1;
	}
	const char *name = argv[optind];
	RuntimeCommand fn = NULL;
	for (size_t i = 0; i < ELEMENTSOF(commands); i++)
		if (streq(commands[i].name, name))
			fn = commands[i].fn;
	if (!fn) {
		log_error("unknown command `%s` (see berth-runtime --help)", name);
		return 1;
	}
	if (paths_init(&rt.paths, root) < 0) {
		log_error("out of memory");
		return 1;
	}
	/* The command's own options start after its name. */
	int r = fn(&rt, argc - optind, argv + optind);
	paths_done(&rt.paths);
	return r < 0 ? 1 : r;
}
