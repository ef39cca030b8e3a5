/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* berth image create|import|debootstrap|list|inspect|rm */

#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "image-unpack.h"
#include "images.h"
#include "log.h"
#include "parse.h"
#include "progress.h"
#include "sha256.h"
#include "util.h"

static void image_help(void)
{
	printf("Usage: berth image COMMAND\n"
	       "\n"
	       "Commands:\n"
	       "  create busybox [NAME]        make an image from the host's static busybox\n"
	       "                               (the default image; needs no network)\n"
	       "  import [OPTIONS] NAME SOURCE\n"
	       "                               import an image from SOURCE:\n"
	       "                                 FILE                  a root filesystem tarball (.tar,\n"
	       "                                                       .tar.gz, .tar.xz, .tar.zst)\n"
	       "                                 oci:DIR[:TAG]         an OCI image layout\n"
	       "                                 docker-archive:FILE[:REPO:TAG]\n"
	       "                                                       `docker save` output\n"
	       "      --max-files N            refuse archives of more entries (default %" PRIu64 ")\n"
	       "      --max-size SIZE          refuse archives that unpack to more (default %" PRIu64
	       "G)\n"
	       "  debootstrap [OPTIONS] NAME [SUITE]\n"
	       "                               a Debian system made by debootstrap (SUITE: the\n"
	       "                               host's release by default)\n"
	       "      --mirror URL             default: the mirror in /etc/apt/sources.list*\n"
	       "      --variant VARIANT        default: minbase\n"
	       "      --include PKG,...        extra packages\n"
	       "  list [--format json]         list images (alias: ls)\n"
	       "  inspect NAME                 everything about an image, as JSON\n"
	       "  rm [-f] NAME...              remove images (-f: remove their containers too)\n",
	       UNPACK_MAX_FILES_DEFAULT, UNPACK_MAX_BYTES_DEFAULT >> 30);
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

static int bad_option(int c, char **argv, const char *cmd)
{
	if (c == ':')
		return log_error_errno(-EINVAL, "option `%s` needs a value", argv[optind - 1]);
	return log_error_errno(-EINVAL, "unknown option `%s` (see `berth image --help`)",
			       argv[optind - 1]);
}

static int image_import_cmd(Cli *cli, int argc, char **argv)
{
	enum { ARG_MAX_FILES = 0x100, ARG_MAX_SIZE };
	static const struct option options[] = {
		{ "max-files", required_argument, NULL, ARG_MAX_FILES },
		{ "max-size", required_argument, NULL, ARG_MAX_SIZE },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	ImportLimits limits = { UNPACK_MAX_FILES_DEFAULT, UNPACK_MAX_BYTES_DEFAULT };
	int c;
	optind = 0;
	while ((c = getopt_long(argc, argv, "+:h", options, NULL)) >= 0) {
		switch (c) {
		case ARG_MAX_FILES:
			if (parse_uint64(optarg, &limits.max_files) < 0 || limits.max_files == 0)
				return log_error_errno(-EINVAL, "invalid --max-files `%s`", optarg);
			break;
		case ARG_MAX_SIZE:
			if (parse_size(optarg, &limits.max_bytes) < 0 || limits.max_bytes == 0)
				return log_error_errno(-EINVAL, "invalid --max-size `%s`", optarg);
			break;
		case 'h':
			image_help();
			return 0;
		default:
			return bad_option(c, argv, "import");
		}
	}
	if (argc - optind != 2)
		return log_error_errno(-EINVAL, argc - optind < 2
						       ? "missing NAME or SOURCE: berth image import NAME SOURCE"
						       : "unexpected argument `%s`",
				       argv[argc - 1]);
	int r = image_import(cli, argv[optind], argv[optind + 1], &limits);
	if (r < 0)
		return r;
	printf("%s\n", argv[optind]);
	return 0;
}

static int image_debootstrap_cmd(Cli *cli, int argc, char **argv)
{
	enum { ARG_MIRROR = 0x100, ARG_VARIANT, ARG_INCLUDE };
	static const struct option options[] = {
		{ "mirror", required_argument, NULL, ARG_MIRROR },
		{ "variant", required_argument, NULL, ARG_VARIANT },
		{ "include", required_argument, NULL, ARG_INCLUDE },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	DebootstrapOptions o = { 0 };
	int c;
	optind = 0;
	while ((c = getopt_long(argc, argv, "+:h", options, NULL)) >= 0) {
		switch (c) {
		case ARG_MIRROR:
			o.mirror = optarg;
			break;
		case ARG_VARIANT:
			if (!name_is_valid(optarg))
				return log_error_errno(-EINVAL, "invalid --variant `%s`", optarg);
			o.variant = optarg;
			break;
		case ARG_INCLUDE:
			if (strspn(optarg, "abcdefghijklmnopqrstuvwxyz0123456789+-.,:") != strlen(optarg))
				return log_error_errno(-EINVAL, "invalid --include `%s`", optarg);
			o.include = optarg;
			break;
		case 'h':
			image_help();
			return 0;
		default:
			return bad_option(c, argv, "debootstrap");
		}
	}
	int n = argc - optind;
	if (n < 1 || n > 2)
		return log_error_errno(-EINVAL, n < 1 ? "missing NAME: berth image debootstrap NAME "
						       "[SUITE]"
						      : "unexpected argument `%s`",
				       argv[argc - 1]);
	o.suite = n == 2 ? argv[optind + 1] : NULL;
	int r = image_debootstrap(cli, argv[optind], &o);
	if (r < 0)
		return r;
	printf("%s\n", argv[optind]);
	return 0;
}

static size_t layer_count(const char *layers_json)
{
	json_t *l = json_loads(layers_json, 0, NULL);
	size_t n = json_is_array(l) ? json_array_size(l) : 0;
	json_decref(l);
	return n;
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
		json_t *a = json_array();
		for (size_t i = 0; a && i < n; i++) {
			json_t *layers = json_loads(rows[i].layers, 0, NULL);
			json_array_append_new(
				a, json_pack("{ss ss so? ss ss? sI ss}", "id", rows[i].id, "name",
					     rows[i].name, "layers", layers, "source", rows[i].source,
					     "digest", rows[i].digest, "size", (json_int_t)rows[i].size,
					     "created_at", rows[i].created_at));
		}
		_cleanup_free_ char *s = a ? json_dumps(a, JSON_INDENT(1)) : NULL;
		json_decref(a);
		if (s)
			printf("%s\n", s);
		else
			r = log_error_errno(-ENOMEM, "out of memory");
	} else {
		printf("%-24s  %-12s  %-6s  %-10s  %s\n", "NAME", "ID", "LAYERS", "SIZE", "CREATED");
		for (size_t i = 0; i < n; i++) {
			char size[32];
			format_bytes((uint64_t)rows[i].size, size, sizeof(size));
			printf("%-24s  %.12s  %-6zu  %-10s  %s\n", rows[i].name, rows[i].id,
			       layer_count(rows[i].layers), size, rows[i].created_at);
		}
	}
	image_rows_free(rows, n);
	return r;
}

static json_t *inspect_layers(const ImageRow *img, const LayerRow *layers, size_t n)
{
	json_t *dirs = json_loads(img->layers, 0, NULL), *out = json_array(), *d;
	size_t i;
	json_array_foreach(dirs, i, d) {
		const char *path = json_string_value(d);
		const char *base = path ? strrchr(path, '/') : NULL;
		json_t *o = json_pack("{ss*}", "path", path);
		for (size_t k = 0; base && k < n; k++)
			if (streq(digest_hex(layers[k].digest) ?: "", base + 1)) {
				json_object_set_new(o, "digest", json_string(layers[k].digest));
				json_object_set_new(o, "size", json_integer(layers[k].size));
				break;
			}
		if (n == 0)
			json_object_set_new(o, "size", json_integer(img->size));
		json_array_append_new(out, o);
	}
	json_decref(dirs);
	return out;
}

static int image_inspect(Cli *cli, int argc, char **argv)
{
	if (argc != 2)
		return log_error_errno(-EINVAL, argc < 2 ? "missing image NAME"
							 : "unexpected argument `%s`",
				       argv[argc - 1]);
	sqlite3 *db;
	int r = cli_db(cli, &db);
	if (r < 0)
		return r;
	ImageRow img;
	r = db_image_get_by_name(db, argv[1], &img);
	if (r < 0)
		return log_error_errno(r, r == -ENOENT ? "no such image: %s" : "look up image %s: %m",
				       argv[1]);
	LayerRow *layers = NULL;
	size_t n = 0;
	r = db_image_get_layers(db, img.id, &layers, &n);
	if (r < 0) {
		image_row_done(&img);
		return log_error_errno(r, "read the state DB: %m");
	}
	json_t *config = img.config ? json_loads(img.config, 0, NULL) : NULL;
	json_t *o = json_pack("{ss ss ss ss? ss sI so so?}", "id", img.id, "name", img.name, "source",
			      img.source, "digest", img.digest, "created_at", img.created_at, "size",
			      (json_int_t)img.size, "layers", inspect_layers(&img, layers, n),
			      "config", config);
	_cleanup_free_ char *s = o ? json_dumps(o, JSON_INDENT(2)) : NULL;
	json_decref(o);
	layer_rows_free(layers, n);
	image_row_done(&img);
	if (!s)
		return log_error_errno(-ENOMEM, "out of memory");
	printf("%s\n", s);
	return 0;
}

static int remove_users(Cli *cli, sqlite3 *db, const char *name)
{
	_cleanup_strv_free_ char **ids = NULL;
	int r = db_container_list_ids(db, &ids);
	if (r < 0)
		return log_error_errno(r, "read the state DB: %m");
	/* One `rm -f` of them all, which kills them at once: it prints their
	 * names, as `berth rm` does. */
	_cleanup_strv_free_ char **rm_argv = NULL;
	if (strv_push(&rm_argv, "rm") < 0 || strv_push(&rm_argv, "-f") < 0)
		return log_error_errno(-ENOMEM, "out of memory");
	for (size_t k = 0; ids[k]; k++) {
		ContainerRow c;
		if (db_container_get(db, ids[k], &c) < 0)
			continue;
		r = streq(c.image, name) ? strv_push(&rm_argv, c.id) : 0;
		container_row_done(&c);
		if (r < 0)
			return log_error_errno(r, "out of memory");
	}
	size_t n = strv_length(rm_argv);
	return n > 2 ? cmd_rm(cli, (int)n, rm_argv) : 0;
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
		if (users > 0 && (r = remove_users(cli, db, name)) < 0) {
			ret = r;
			image_row_done(&img);
			continue;
		}
		r = image_remove(cli, &img);
		if (r < 0)
			ret = r;
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
	if (streq(verb, "import"))
		return image_import_cmd(cli, argc - 1, argv + 1);
	if (streq(verb, "debootstrap"))
		return image_debootstrap_cmd(cli, argc - 1, argv + 1);
	if (streq(verb, "list") || streq(verb, "ls"))
		return image_list(cli, argc - 1, argv + 1);
	if (streq(verb, "inspect"))
		return image_inspect(cli, argc - 1, argv + 1);
	if (streq(verb, "rm"))
		return image_rm(cli, argc - 1, argv + 1);
	if (streq(verb, "--help") || streq(verb, "-h") || streq(verb, "help")) {
		image_help();
		return 0;
	}
	return log_error_errno(-EINVAL, "unknown image command `%s` (see `berth image --help`)",
			       verb);
}
