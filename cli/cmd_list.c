/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* berth list, berth status */

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cgroup.h"
#include "cli.h"
#include "log.h"
#include "parse.h"
#include "util.h"

typedef enum { FORMAT_TABLE, FORMAT_JSON } OutputFormat;

static int parse_format(const char *s, OutputFormat *ret)
{
	if (streq(s, "table") || streq(s, "text"))
		*ret = FORMAT_TABLE;
	else if (streq(s, "json"))
		*ret = FORMAT_JSON;
	else
		return log_error_errno(-EINVAL, "unknown --format `%s` (table or json)", s);
	return 0;
}

static void json_field_str(FILE *f, const char *key, const char *value, bool comma)
{
	fprintf(f, "%s\"%s\": ", comma ? ", " : "", key);
	print_json_string(f, value);
}

static void json_field_int(FILE *f, const char *key, bool present, long long v)
{
	if (present)
		fprintf(f, ", \"%s\": %lld", key, v);
	else
		fprintf(f, ", \"%s\": null", key);
}

/* The container's fields, as an object left open for more. */
static void print_row_json_open(FILE *f, const ContainerRow *c)
{
	fputc('{', f);
	json_field_str(f, "id", c->id, false);
	json_field_str(f, "name", c->name, true);
	json_field_str(f, "image", c->image, true);
	fprintf(f, ", \"command\": %s", c->command);
	json_field_str(f, "state", container_state_to_string(c->state), true);
	json_field_int(f, "pid", c->pid > 0, c->pid);
	json_field_str(f, "created_at", c->created_at, true);
	json_field_str(f, "started_at", c->started_at, true);
	json_field_str(f, "finished_at", c->finished_at, true);
	json_field_int(f, "exit_code", c->has_exit_code, c->exit_code);
	json_field_int(f, "exit_signal", c->exit_signal > 0, c->exit_signal);
	fprintf(f, ", \"oom_killed\": %s", c->oom_killed ? "true" : "false");
	json_field_str(f, "error", c->error, true);
	json_field_int(f, "supervisor_pid", c->supervisor_pid > 0, c->supervisor_pid);
	json_field_str(f, "cgroup", c->cgroup, true);
	json_field_str(f, "rootfs", c->rootfs, true);
	json_field_str(f, "bundle", c->bundle, true);
	fprintf(f, ", \"auto_remove\": %s", c->auto_remove ? "true" : "false");
}

static void print_row_json(FILE *f, const ContainerRow *c)
{
	print_row_json_open(f, c);
	fputc('}', f);
}

static void list_help(void)
{
	printf("Usage: berth list [OPTIONS]\n"
	       "\n"
	       "List all containers, running and exited (alias: ls).\n"
	       "\n"
	       "Options:\n"
	       "  -q, --quiet            print only full container ids\n"
	       "      --format FORMAT    table (default) or json\n"
	       "  -h, --help             show this help\n");
}

/* Cuts s to at most width display columns (bytes; ids and most names are
 * ASCII), ending in "..." when cut. */
static void print_cell(const char *s, int width, bool last)
{
	static const char spaces[] = "                                                                ";
	int n = (int)strlen(s);
	if (n > width && width > 3) {
		fwrite(s, 1, (size_t)(width - 3), stdout);
		fputs("...", stdout);
	} else
		fwrite(s, 1, (size_t)n, stdout);
	if (!last) {
		int pad = width - (n > width ? width : n) + 2;
		fwrite(spaces, 1, (size_t)(pad < 64 ? pad : 64), stdout);
	}
}

int cmd_list(Cli *cli, int argc, char **argv)
{
	enum { ARG_FORMAT = 0x100 };
	static const struct option options[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ "format", required_argument, NULL, ARG_FORMAT },
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	bool quiet = false;
	OutputFormat format = FORMAT_TABLE;
	int c, r;
	optind = 0;
	while ((c = getopt_long(argc, argv, ":qah", options, NULL)) >= 0) {
		switch (c) {
		case 'q':
			quiet = true;
			break;
		case 'a':
			break; /* all containers are always listed; accepted for habit */
		case ARG_FORMAT:
			if ((r = parse_format(optarg, &format)) < 0)
				return r;
			break;
		case 'h':
			list_help();
			return 0;
		case ':':
			return log_error_errno(-EINVAL, "option `%s` needs a value", argv[optind - 1]);
		default:
			return log_error_errno(-EINVAL, "unknown option `%s` (see `berth list --help`)",
					       argv[optind - 1]);
		}
	}
	if (optind < argc)
		return log_error_errno(-EINVAL, "unexpected argument `%s`", argv[optind]);

	sqlite3 *db;
	if ((r = cli_db(cli, &db)) < 0)
		return r;
	ContainerRow *rows = NULL;
	size_t n = 0;
	r = db_container_list(db, &rows, &n);
	if (r < 0)
		return log_error_errno(r, "read the state DB: %m");
	for (size_t i = 0; i < n; i++)
		(void)container_refresh(cli, &rows[i]);

	if (quiet) {
		for (size_t i = 0; i < n; i++)
			printf("%s\n", rows[i].id);
	} else if (format == FORMAT_JSON) {
		printf("[");
		for (size_t i = 0; i < n; i++) {
			printf(i ? ",\n " : "");
			print_row_json(stdout, &rows[i]);
		}
		printf("]\n");
	} else {
		printf("%-12s  %-20s  %-16s  %-22s  %-18s  %-8s  %s\n", "ID", "NAME", "IMAGE",
		       "COMMAND", "STATE", "PID", "CREATED");
		uint64_t now = now_usec();
		for (size_t i = 0; i < n; i++) {
			const ContainerRow *row = &rows[i];
			char state[64], pidbuf[21], created[64] = "";
			const char *pid = row->pid > 0 ? format_u64(pidbuf, (uint64_t)row->pid) : "-";
			container_state_describe(row, state, sizeof(state));
			uint64_t t;
			if (parse_iso8601(row->created_at, &t) == 0)
				format_ago(t, now, created, sizeof(created));
			_cleanup_free_ char *cmd = container_command_line(row);
			char shortid[13] = "";
			strncat(shortid, row->id, 12);
			print_cell(shortid, 12, false);
			print_cell(row->name, 20, false);
			print_cell(row->image, 16, false);
			print_cell(cmd ? cmd : "", 22, false);
			print_cell(state, 18, false);
			print_cell(pid, 8, false);
			print_cell(created, 20, true);
			putchar('\n');
		}
	}
	container_rows_free(rows, n);
	return fflush(stdout) == 0 ? 0 : log_error_errno(-errno, "write output: %m");
}

/* The container's processes, from its cgroup: host pid and command. */
static void print_processes(const char *cgroup)
{
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;
	if (cgroup_read_procs(cgroup, &pids, &n) < 0)
		return;
	printf("Processes:   %zu\n", n);
	for (size_t i = 0; i < n && i < 50; i++) {
		char path[64];
		_cleanup_free_ char *cmd = NULL;
		snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pids[i]);
		size_t len = 0;
		if (read_full_file(path, &cmd, &len) == 0) {
			for (size_t k = 0; k + 1 < len; k++)
				if (cmd[k] == 0)
					cmd[k] = ' ';
		}
		printf("  %8d  %.70s\n", (int)pids[i], cmd ? cmd : "?");
	}
	if (n > 50)
		printf("  ... and %zu more\n", n - 50);
}

static void status_help(void)
{
	printf("Usage: berth status [OPTIONS] CONTAINER\n"
	       "\n"
	       "Show everything known about a container (by name or id prefix).\n"
	       "\n"
	       "Options:\n"
	       "      --format FORMAT    text (default) or json\n"
	       "  -h, --help             show this help\n");
}

int cmd_status(Cli *cli, int argc, char **argv)
{
	enum { ARG_FORMAT = 0x100 };
	static const struct option options[] = {
		{ "format", required_argument, NULL, ARG_FORMAT },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	OutputFormat format = FORMAT_TABLE;
	int c, r;
	optind = 0;
	while ((c = getopt_long(argc, argv, ":h", options, NULL)) >= 0) {
		switch (c) {
		case ARG_FORMAT:
			if ((r = parse_format(optarg, &format)) < 0)
				return r;
			break;
		case 'h':
			status_help();
			return 0;
		case ':':
			return log_error_errno(-EINVAL, "option `%s` needs a value", argv[optind - 1]);
		default:
			return log_error_errno(-EINVAL,
					       "unknown option `%s` (see `berth status --help`)",
					       argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return log_error_errno(-EINVAL, "missing CONTAINER (see `berth status --help`)");
	if (optind + 1 < argc)
		return log_error_errno(-EINVAL, "status takes one container");

	ContainerRow row;
	r = cli_lookup_container(cli, argv[optind], &row);
	if (r < 0)
		return r;

	/* Limits come from the container's config.json, usage from its cgroup
	 * while it runs. */
	_cleanup_(spec_freep) ContainerSpec *spec = NULL;
	_cleanup_free_ char *config = path_container_file(&cli->paths, row.id, "config.json");
	if (config)
		(void)spec_read_file(config, &spec, NULL);
	CgroupStats stats;
	bool live = (row.state == STATE_RUNNING || row.state == STATE_PAUSED) && row.cgroup &&
		    cgroup_read_stats(row.cgroup, &stats) == 0;

	if (format == FORMAT_JSON) {
		print_row_json_open(stdout, &row);
		if (spec)
			limits_print_json(stdout, spec, live ? &stats : NULL);
		printf("}\n");
	} else {
		char state[64];
		container_state_describe(&row, state, sizeof(state));
		_cleanup_free_ char *cmd = container_command_line(&row);
		printf("ID:          %s\n", row.id);
		printf("Name:        %s\n", row.name);
		printf("Image:       %s\n", row.image);
		printf("Command:     %s\n", cmd ? cmd : row.command);
		printf("State:       %s\n", state);
		if (row.pid > 0)
			printf("PID:         %lld\n", (long long)row.pid);
		if (row.supervisor_pid > 0)
			printf("Supervisor:  %lld\n", (long long)row.supervisor_pid);
		uint64_t started;
		if ((row.state == STATE_RUNNING || row.state == STATE_PAUSED) && row.started_at &&
		    parse_iso8601(row.started_at, &started) == 0) {
			char up[64];
			format_ago(started, now_usec(), up, sizeof(up));
			/* "3 minutes ago" reads as an uptime of "3 minutes". */
			char *ago = strstr(up, " ago");
			if (ago)
				*ago = 0;
			printf("Uptime:      %s\n", up);
		}
		printf("Created:     %s\n", row.created_at);
		if (row.started_at)
			printf("Started:     %s\n", row.started_at);
		if (row.finished_at)
			printf("Finished:    %s\n", row.finished_at);
		if (row.state == STATE_EXITED) {
			if (row.has_exit_code)
				printf("Exit code:   %lld\n", (long long)row.exit_code);
			else
				printf("Exit code:   unknown\n");
			if (row.exit_signal > 0) {
				const char *sn = signal_name((int)row.exit_signal);
				printf("Signal:      %lld%s%s\n", (long long)row.exit_signal,
				       sn ? " SIG" : "", sn ? sn : "");
			}
			printf("OOM killed:  %s\n", row.oom_killed ? "yes" : "no");
		}
		if (row.error)
			printf("Error:       %s\n", row.error);
		if (row.cgroup)
			printf("Cgroup:      %s\n", row.cgroup);
		if ((row.state == STATE_RUNNING || row.state == STATE_PAUSED) && row.cgroup)
			print_processes(row.cgroup);
		printf("Rootfs:      %s\n", row.rootfs);
		printf("Bundle:      %s\n", row.bundle);
		if (spec)
			limits_print_text(spec, live ? &stats : NULL);
		printf("Auto-remove: %s\n", row.auto_remove ? "yes" : "no");
	}
	container_row_done(&row);
	return fflush(stdout) == 0 ? 0 : log_error_errno(-errno, "write output: %m");
}

int cmd_inspect(Cli *cli, int argc, char **argv)
{
	if (argc >= 2 && (streq(argv[1], "--help") || streq(argv[1], "-h"))) {
		printf("Usage: berth inspect CONTAINER...\n"
		       "\n"
		       "Print, as a JSON array, each container's state (as `status --format json`)\n"
		       "and its OCI runtime spec (config.json), the document its supervisor runs.\n");
		return 0;
	}
	if (argc < 2)
		return log_error_errno(-EINVAL, "missing CONTAINER (see `berth inspect --help`)");
	int ret = 0;
	bool first = true;
	printf("[");
	for (int i = 1; i < argc; i++) {
		ContainerRow row;
		int r = cli_lookup_container(cli, argv[i], &row);
		if (r < 0) {
			ret = r;
			continue;
		}
		_cleanup_free_ char *config = path_container_file(&cli->paths, row.id, "config.json");
		_cleanup_free_ char *data = NULL;
		_cleanup_(spec_freep) ContainerSpec *spec = NULL;
		if (config && read_full_file(config, &data, NULL) >= 0)
			(void)spec_from_json(data, &spec, NULL);
		CgroupStats stats;
		bool live = (row.state == STATE_RUNNING || row.state == STATE_PAUSED) && row.cgroup &&
			    cgroup_read_stats(row.cgroup, &stats) == 0;
		printf("%s\n{\"state\": ", first ? "" : ",");
		first = false;
		print_row_json_open(stdout, &row);
		if (spec)
			limits_print_json(stdout, spec, live ? &stats : NULL);
		printf("}, \"config\": %s}", data && spec ? data : "null");
		container_row_done(&row);
	}
	printf("]\n");
	return ret;
}
