/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* berth image create|list|rm */

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "log.h"
#include "parse.h"
#include "util.h"

static void image_help(void)
{
	printf("Usage: berth image COMMAND\n"
	       "\n"
	       "Commands:\n"
	       "  create busybox [NAME]   make an image from the host's static busybox\n"
	       "                          (the default image; needs no network)\n"
	       "  list [--format json]    list images (alias: ls)\n"
	       "  rm [-f] NAME...         remove images (-f: remove their containers too)\n");
}

static int image_create(Cli *cli, int argc, char **argv)
{
	if (argc < 2 || streq(argv[1], "--help") || streq(argv[1], "-h")) {
		if (argc < 2)
			return log_error_errno(-EINVAL, "missing image kind: berth image create busybox [NAME]");
		image_help();
		return 0;
	}
	if (!streq(argv[1], "busybox"))
		return log_error_errno(-EINVAL, "unknown image kind `%s` (only `busybox` can be "
						"created; import others with `berth image import`)",
				       argv[1]);
	if (argc > 3)
		return log_error_errno(-EINVAL, "unexpected argument `%s`", argv[3]);
	const char *name = argc > 2 ? argv[2] : "busybox";
	int r = image_create_busybox(cli, name);
	if (r == -EEXIST)
		return r; /* already printed, or lost a race: either way it exists */
	if (r < 0)
		return r;
	printf("%s\n", name);
	return 0;
}

static int image_list(Cli *cli, int argc, char **argv)
{
	bool json = false;
	for (int i = 1; i < argc; i++) {
		if (streq(argv[i], "--format") && i + 1 < argc) {
			i++;
			if (streq(argv[i], "json"))
				json = true;
			else if (!streq(argv[i], "table"))
				return log_error_errno(-EINVAL, "unknown --format `%s`", argv[i]);
		} else if (streq(argv[i], "--format=json"))
			json = true;
		else
			return log_error_errno(-EINVAL, "unexpected argument `%s`", argv[i]);
	}
	sqlite3 *db;
	int r = cli_db(cli, &db);
	if (r < 0)
		return r;
	ImageRow *rows = NULL;
	size_t n = 0;
	r = db_image_list(db, &rows, &n);
	if (r < 0)
		return log_error_errno(r, "read the state DB: %m");
	if (json) {
		printf("[");
		for (size_t i = 0; i < n; i++) {
			printf("%s{\"id\": \"%s\", \"name\": ", i ? ",\n " : "", rows[i].id);
			print_json_string(stdout, rows[i].name);
			printf(", \"layers\": %s, \"source\": ", rows[i].layers);
			print_json_string(stdout, rows[i].source);
			printf(", \"size\": %lld, \"created_at\": \"%s\"}", (long long)rows[i].size,
			       rows[i].created_at);
		}
		printf("]\n");
	} else {
		printf("%-24s  %-12s  %-6s  %-12s  %s\n", "NAME", "ID", "LAYERS", "SIZE", "CREATED");
		for (size_t i = 0; i < n; i++) {
			json_t *l = json_loads(rows[i].layers, 0, NULL);
			printf("%-24s  %.12s  %-6zu  %-12lld  %s\n", rows[i].name, rows[i].id,
			       l ? json_array_size(l) : (size_t)0, (long long)rows[i].size,
			       rows[i].created_at);
			json_decref(l);
		}
	}
	image_rows_free(rows, n);
	return 0;
}

static int image_rm(Cli *cli, int argc, char **argv)
{
	int i = 1;
	bool force = false;
	if (i < argc && (streq(argv[i], "-f") || streq(argv[i], "--force"))) {
		force = true;
		i++;
	}
	if (i >= argc)
		return log_error_errno(-EINVAL, "missing image NAME");
	sqlite3 *db;
	int r = cli_db(cli, &db);
	if (r < 0)
		return r;
	int ret = 0;
	for (; i < argc; i++) {
		const char *name = argv[i];
		ImageRow img;
		r = db_image_get_by_name(db, name, &img);
		if (r < 0) {
			ret = log_error_errno(r, r == -ENOENT ? "no such image: %s" : "look up image %s: %m",
					      name);
			continue;
		}
		int users = db_image_count_users(db, name);
		if (users > 0 && !force) {
			ret = log_error_errno(-EBUSY, "image %s is used by %d container%s (remove "
						      "them first, or use `image rm -f`)",
					      name, users, users == 1 ? "" : "s");
			image_row_done(&img);
			continue;
		}
		if (users > 0) {
			_cleanup_strv_free_ char **ids = NULL;
			r = db_container_list_ids(db, &ids);
			for (size_t k = 0; r >= 0 && ids[k]; k++) {
				ContainerRow c;
				if (db_container_get(db, ids[k], &c) < 0)
					continue;
				if (streq(c.image, name)) {
					char *rm_argv[] = { (char *)"rm", (char *)"-f", c.id, NULL };
					(void)cmd_rm(cli, 3, rm_argv);
				}
				container_row_done(&c);
			}
		}
		/* The row goes first: a folder without a row is never used, a row
		 * without its folder would be. */
		_cleanup_free_ char *dir = path_image_dir(&cli->paths, img.id);
		if ((r = db_image_delete(db, name)) < 0)
			ret = log_error_errno(r, "delete image %s from the state DB: %m", name);
		else if ((r = dir ? rm_rf(dir) : -ENOMEM) < 0)
			ret = log_error_errno(r, "remove `%s`: %m", dir);
		else
			printf("%s\n", name);
		image_row_done(&img);
	}
	return ret;
}

int cmd_image(Cli *cli, int argc, char **argv)
{
	if (argc < 2) {
		image_help();
		return log_error_errno(-EINVAL, "missing image command");
	}
	const char *verb = argv[1];
	if (streq(verb, "create"))
		return image_create(cli, argc - 1, argv + 1);
	if (streq(verb, "list") || streq(verb, "ls"))
		return image_list(cli, argc - 1, argv + 1);
	if (streq(verb, "rm"))
		return image_rm(cli, argc - 1, argv + 1);
	if (streq(verb, "--help") || streq(verb, "-h") || streq(verb, "help")) {
		image_help();
		return 0;
	}
	return log_error_errno(-EINVAL, "unknown image command `%s` (see `berth image --help`)",
			       verb);
}
