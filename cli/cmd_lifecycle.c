/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* berth stop, start, freeze, thaw */

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "bulk.h"
#include "cgroup.h"
#include "ctr-lock.h"
#include "cli.h"
#include "log.h"
#include "options.h"
#include "parse.h"
#include "util.h"

#define DEFAULT_STOP_TIMEOUT_S 10
#define FREEZE_TIMEOUT_MS 10000

/* ---- stop ---- */

/* The supervisor does not take the request: stop the container without
 * it. The supervisor still sees the exit and records it. */
static void stop_without_supervisor(const ContainerRow *row, int r)
{
	log_debug("control socket of %s: %s; killing its cgroup", row->name, strerror(-r));
	/* Its supervisor did not answer: not asked again. */
	(void)container_kill_all(NULL, row);
}

static int stop_begin(Cli *cli, BulkJob *job, const void *arg)
{
	uint64_t timeout_ms = *(const uint64_t *)arg;
	ContainerRow *row = &job->row;
	if (row->state != STATE_RUNNING && row->state != STATE_PAUSED) {
		/* Not an error: the container is where the user wants it. */
		fprintf(stderr, "berth: container %s is not running\n", row->name);
		return 0;
	}

	_cleanup_close_ int sup = -EBADF;
	int r = pidfd_open_checked((pid_t)row->supervisor_pid, (uint64_t)row->supervisor_start_time,
				   &sup);
	if (r < 0)
		return container_refresh(cli, row);

	/* The supervisor runs the grace period; its answer is read in
	 * stop_answered(), after the requests to the others went out. */
	CtlRequest req = { .type = CTL_STOP, .timeout_ms = (uint32_t)timeout_ms };
	log_debug("ask the supervisor of %s (pid %lld) to stop it: the stop signal, then "
		  "cgroup.kill after %llu ms",
		  row->name, (long long)row->supervisor_pid, (unsigned long long)timeout_ms);
	r = ctl_send(cli, row->id, &req, &job->ctl_fd);
	if (r < 0)
		stop_without_supervisor(row, r);
	/* Done when the supervisor has exited: it does so only after it
	 * recorded the end in the DB and removed the cgroup. */
	log_debug("wait for the supervisor of %s to record the end and exit", row->name);
	job->pidfd = TAKE_FD(sup);
	job->timeout_ms = (int)(timeout_ms + 15000);
	return 0;
}

static void stop_answered(Cli *cli, BulkJob *job, int r, const void *arg)
{
	(void)cli;
	(void)arg;
	CtlReply reply;
	if (r >= 0)
		r = ctl_receive(job->ctl_fd, &reply);
	if (r >= 0 && reply.error < 0)
		r = reply.error;
	if (r < 0)
		stop_without_supervisor(&job->row, r);
}

static int stop_end(Cli *cli, BulkJob *job, int wait_r, const void *arg)
{
	(void)arg;
	if (wait_r == -ETIMEDOUT) {
		log_warning("the supervisor of %s does not finish; killing it", job->row.name);
		int r = container_end_supervisor(cli, &job->row, job->pidfd);
		if (r < 0)
			return r;
	}
	printf("%s\n", job->row.name);
	return 0;
}

/* --all: the running and paused ones, as the DB has them. One whose
 * supervisor is gone is found so by the refresh that follows, and told
 * "not running". */
static bool stop_want(Cli *cli, ContainerRow *row, const void *arg)
{
	(void)cli;
	(void)arg;
	return row->state == STATE_RUNNING || row->state == STATE_PAUSED;
}

static const BulkOps stop_ops = {
	.want = stop_want,
	.begin = stop_begin,
	.answered = stop_answered,
	.end = stop_end,
};

int cmd_stop(Cli *cli, int argc, char **argv)
{
	static const struct option options[] = {
		{ "time", required_argument, NULL, 't' },
		{ "timeout", required_argument, NULL, 't' },
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	uint64_t timeout_s = DEFAULT_STOP_TIMEOUT_S;
	bool all = false;
	int c;
	optind = 0;
	while ((c = cli_getopt(argc, argv, ":t:ah", options, "stop")) > 0) {
		switch (c) {
		case 't':
			if (parse_uint64(optarg, &timeout_s) < 0 || timeout_s > 24 * 3600)
				return log_error_errno(-EINVAL,
						       "invalid timeout `%s`: seconds from 0 "
						       "to 86400",
						       optarg);
			break;
		case 'a':
			all = true;
			break;
		case 'h':
			printf("Usage: berth stop [OPTIONS] CONTAINER...\n"
			       "\n"
			       "Stop containers: send the stop signal (SIGTERM, or --stop-signal given at\n"
			       "run), wait, then kill every process left in the container's cgroup.\n"
			       "Returns when the containers are gone.\n"
			       "\n"
			       "Options:\n"
			       "  -t, --time SECONDS     grace period before the kill (default %d)\n"
			       "  -a, --all              stop every running container\n"
			       "  -h, --help             show this help\n",
			       DEFAULT_STOP_TIMEOUT_S);
			return 0;
		}
	}
	if (c < 0)
		return c;
	if (!all && optind >= argc)
		return log_error_errno(-EINVAL, "missing CONTAINER (see `berth stop --help`)");
	if (all && optind < argc)
		return log_error_errno(-EINVAL, "--all takes no CONTAINER");
	uint64_t timeout_ms = timeout_s * 1000;
	return bulk_run(cli, argv + optind, (size_t)(argc - optind), all, &stop_ops, &timeout_ms);
}

/* ---- start ---- */

static int start_one(Cli *cli, const char *key, bool attach, int *ret_exit)
{
	ContainerRow row;
	int r = cli_lookup_container(cli, key, &row);
	if (r < 0)
		return r;
	if (row.state == STATE_RUNNING || row.state == STATE_PAUSED) {
		fprintf(stderr, "berth: container %s is already %s\n", row.name,
			container_state_to_string(row.state));
		container_row_done(&row);
		return attach ? log_error_errno(-EBUSY, "cannot attach to a running container") : 0;
	}
	if (row.state == STATE_REMOVING) {
		r = log_error_errno(-EBUSY, "container %s is being removed", row.name);
		container_row_done(&row);
		return r;
	}
	/* At work on it until the supervisor has recorded the run (ctr-lock.h);
	 * then the claim: of two starts at once, one goes on. */
	_cleanup_free_ char *bundle = path_container_dir(&cli->paths, row.id);
	_cleanup_close_ int lock = -EBADF;
	r = bundle ? ctr_lock(bundle, LOCK_SH, 0, &lock) : -ENOMEM;
	if (r == -EBUSY)
		r = log_error_errno(r, "container %s is being removed", row.name);
	else if (r == -ENOENT)
		r = log_error_errno(r, "container %s has no folder `%s` (see `berth system check`)",
				    row.name, bundle);
	else if (r < 0)
		r = log_error_errno(r, "lock `%s`: %m", bundle);
	if (r >= 0) {
		r = db_container_claim_start(cli->db, row.id);
		if (r == -ESTALE)
			r = log_error_errno(r,
					    "container %s is being started or removed by another "
					    "command",
					    row.name);
		else if (r < 0)
			r = log_error_errno(r, "claim container %s for the start: %m", row.name);
	}
	if (r < 0) {
		container_row_done(&row);
		return r;
	}
	if (attach)
		cli_block_forwarded_signals();
	log_debug("start %s under a new supervisor, %s", row.name,
		  attach ? "attached" : "detached");
	_cleanup_free_ char *rootfs = path_list_from_state(&cli->paths, row.rootfs);
	_cleanup_(stdio_relay_end) StdioRelay stdio = STDIO_RELAY_INIT;
	LaunchParams lp = { .id = row.id,
			    .foreground = attach,
			    .auto_remove = row.auto_remove,
			    .rootfs = rootfs,
			    .stdio = attach ? &stdio : NULL };
	_cleanup_close_ int sync_fd = -EBADF, tty = -EBADF;
	int exit_code = EXIT_BERTH_ERROR;
	pid_t pid;
	/* The same steps as `run` (cli.h); its row exists and is claimed, so
	 * the command may run as soon as the supervisor has set it up. */
	r = supervisor_start(cli, &lp, &sync_fd, &pid);
	if (r >= 0) {
		(void)supervisor_send_config(sync_fd, NULL); /* no memfd: cannot fail */
		supervisor_commit(sync_fd);
		r = supervisor_wait_started(&lp, sync_fd, pid, &tty, &exit_code);
	}
	if (r < 0) {
		stdio_relay_flush(&stdio);
		/* A supervisor that ran has recorded its failure itself; one
		 * that never did (not found, or killed) leaves that to us. */
		char now[32];
		format_iso8601(now_usec(), now);
		(void)db_container_mark_unstarted(
			cli->db, row.id, now, "its supervisor ended before the container started");
		*ret_exit = exit_code;
		container_row_done(&row);
		return r;
	}
	lock = safe_close(lock);
	if (attach) {
		fflush(stdout);
		if (tty >= 0) {
			/* Its stdio is its terminal (cmd_run.c says more). */
			stdio_relay_flush(&stdio);
			stdio_relay_end(&stdio);
			r = attach_tty(sync_fd, TAKE_FD(tty));
		} else
			r = attach_wait(sync_fd, &stdio);
		if (r >= 0) {
			*ret_exit = r;
			r = 0;
		}
	} else
		printf("%s\n", row.name);
	container_row_done(&row);
	return r;
}

int cmd_start(Cli *cli, int argc, char **argv)
{
	static const struct option options[] = {
		{ "attach", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	bool attach = false;
	int c;
	optind = 0;
	while ((c = cli_getopt(argc, argv, ":ah", options, "start")) > 0) {
		switch (c) {
		case 'a':
			attach = true;
			break;
		case 'h':
			printf("Usage: berth start [OPTIONS] CONTAINER...\n"
			       "\n"
			       "Start stopped containers again, under a new supervisor, on the same\n"
			       "writable layer: files written before the stop are still there.\n"
			       "\n"
			       "Options:\n"
			       "  -a, --attach           run in the foreground like `berth run` (one container)\n"
			       "  -h, --help             show this help\n");
			return 0;
		}
	}
	if (c < 0)
		return c;
	if (optind >= argc)
		return log_error_errno(-EINVAL, "missing CONTAINER (see `berth start --help`)");
	if (attach && argc - optind > 1)
		return log_error_errno(-EINVAL, "--attach takes one container");
	int ret = 0;
	for (int i = optind; i < argc; i++) {
		int exit_code = 0;
		int r = start_one(cli, argv[i], attach, &exit_code);
		if (attach)
			return r < 0 ? (exit_code > 0 && exit_code != EXIT_BERTH_ERROR ? exit_code
										       : r)
				     : exit_code;
		if (r < 0 && ret == 0)
			ret = r;
	}
	return ret;
}

/* ---- freeze, thaw ---- */

static int freeze_one(Cli *cli, const char *key, bool freeze)
{
	ContainerRow row;
	int r = cli_lookup_container(cli, key, &row);
	if (r < 0)
		return r;
	ContainerState want = freeze ? STATE_RUNNING : STATE_PAUSED;
	if (row.state != want) {
		r = log_error_errno(-EBUSY, "container %s is %s, not %s", row.name,
				    container_state_to_string(row.state),
				    container_state_to_string(want));
		goto out;
	}
	if (!row.cgroup) {
		r = log_error_errno(-EOPNOTSUPP,
				    "container %s has no cgroup of its own, which %s needs: a "
				    "rootless container gets one only in a delegated cgroup v2 "
				    "subtree (docs/rootless.md)",
				    row.name, freeze ? "freeze" : "thaw");
		goto out;
	}
	/* cgroup.freeze, then wait until cgroup.events says frozen 1 (or 0):
	 * only then is every process really stopped (or running again). */
	log_debug("write %d to cgroup.freeze of %s and wait for cgroup.events to agree", freeze,
		  row.cgroup);
	r = cgroup_freeze(row.cgroup, freeze, FREEZE_TIMEOUT_MS);
	if (r < 0) {
		r = log_error_errno(r, "%s container %s: %m", freeze ? "freeze" : "thaw", row.name);
		goto out;
	}
	ContainerState from[] = { want, _STATE_INVALID };
	log_debug("record %s as %s", row.name, freeze ? "paused" : "running");
	r = db_container_set_state(cli->db, row.id, freeze ? STATE_PAUSED : STATE_RUNNING, from);
	if (r == -ESTALE || r == -ENOENT) {
		r = log_error_errno(r, "container %s ended meanwhile", row.name);
		goto out;
	}
	if (r < 0) {
		r = log_error_errno(r, "record container %s as %s: %m", row.name,
				    freeze ? "paused" : "running");
		goto out;
	}
	printf("%s\n", row.name);
out:
	container_row_done(&row);
	return r;
}

static void freeze_help(void)
{
	printf("Usage: berth freeze [OPTIONS] CONTAINER...\n"
	       "\n"
	       "Suspend every process of running containers (cgroup.freeze); their\n"
	       "state is kept in memory and `berth thaw` resumes them.\n"
	       "\n"
	       "Options:\n"
	       "  -h, --help             show this help\n");
}

static void thaw_help(void)
{
	printf("Usage: berth thaw [OPTIONS] CONTAINER...\n"
	       "\n"
	       "Resume frozen containers exactly where they were.\n"
	       "\n"
	       "Options:\n"
	       "  -h, --help             show this help\n");
}

static int freeze_cmd(Cli *cli, int argc, char **argv, bool freeze)
{
	const char *name = freeze ? "freeze" : "thaw";
	int r = cli_parse_help_only(argc, argv, name, freeze ? freeze_help : thaw_help);
	if (r <= 0)
		return r;
	if (optind >= argc)
		return log_error_errno(-EINVAL, "missing CONTAINER (see `berth %s --help`)", name);
	int ret = 0;
	for (int i = optind; i < argc; i++) {
		r = freeze_one(cli, argv[i], freeze);
		if (r < 0 && ret == 0)
			ret = r;
	}
	return ret;
}

int cmd_freeze(Cli *cli, int argc, char **argv)
{
	return freeze_cmd(cli, argc, argv, true);
}

int cmd_thaw(Cli *cli, int argc, char **argv)
{
	return freeze_cmd(cli, argc, argv, false);
}
