/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* berth image create|import|debootstrap|list|inspect|rm */

#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "image-layers.h"
#include "image-unpack.h"
#include "images.h"
#include "log.h"
#include "options.h"
#include "parse.h"
#include "progress.h"
#include "sha256.h"
#include "util.h"

/* The help of each image command; `berth image --help` lists them. */
static void image_create_help(void)
{
	printf("Usage: berth image create [OPTIONS] busybox [NAME]\n"
	       "\n"
	       "Make an image NAME (default: busybox) from the host's static busybox: the\n"
	       "default image, which needs no network.\n"
	       "\n"
	       "Options:\n"
	       "  -h, --help             show this help\n");
}

static void image_import_help(void)
{
	printf("Usage: berth image import [OPTIONS] NAME SOURCE\n"
	       "\n"
	       "Import an image NAME from SOURCE:\n"
	       "  FILE                           a root filesystem tarball (.tar, .tar.gz,\n"
	       "                                 .tar.xz, .tar.zst)\n"
	       "  oci:DIR[:TAG]                  an OCI image layout\n"
	       "  docker-archive:FILE[:REPO:TAG] `docker save` output\n"
	       "\n"
	       "Options:\n"
	       "      --max-files N      refuse archives of more entries (default %" PRIu64 ")\n"
	       "      --max-size SIZE    refuse archives that unpack to more (default %" PRIu64
	       "G)\n"
	       "  -h, --help             show this help\n",
	       UNPACK_MAX_FILES_DEFAULT, UNPACK_MAX_BYTES_DEFAULT >> 30);
}

static void image_debootstrap_help(void)
{
	printf("Usage: berth image debootstrap [OPTIONS] NAME [SUITE]\n"
	       "\n"
	       "Make an image NAME of a Debian system with debootstrap (SUITE: the host's\n"
	       "release by default).\n"
	       "\n"
	       "Options:\n"
	       "      --mirror URL       default: the mirror in /etc/apt/sources.list*\n"
	       "      --variant VARIANT  default: minbase\n"
	       "      --include PKG,...  extra packages\n"
	       "  -h, --help             show this help\n");
}

static int image_create(Cli *cli, int argc, char **argv)
{
	int r = cli_parse_help_only(argc, argv, "image create", image_create_help);
	if (r <= 0)
		return r;
	int n = argc - optind;
	if (n < 1)
		return log_error_errno(-EINVAL,
				       "missing image kind: berth image create busybox [NAME]");
	if (!streq(argv[optind], "busybox"))
		return log_error_errno(-EINVAL,
				       "unknown image kind `%s` (only `busybox` can be "
				       "created; import others with `berth image import`)",
				       argv[optind]);
	if (n > 2)
		return log_error_errno(-EINVAL,
				       "unexpected argument `%s` (see `berth image create "
				       "--help`)",
				       argv[optind + 2]);
	const char *name = n > 1 ? argv[optind + 1] : "busybox";
	r = image_create_busybox(cli, name);
	if (r == -EEXIST)
		return r; /* already printed, or lost a race: either way it exists */
	if (r < 0)
		return r;
	printf("%s\n", name);
	return 0;
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
	while ((c = cli_getopt(argc, argv, ":h", options, "image import")) > 0) {
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
			image_import_help();
			return 0;
		}
	}
	if (c < 0)
		return c;
	if (argc - optind < 2)
		return log_error_errno(-EINVAL,
				       "missing NAME or SOURCE: berth image import NAME SOURCE");
	if (argc - optind > 2)
		return log_error_errno(-EINVAL,
				       "unexpected argument `%s` (see `berth image import "
				       "--help`)",
				       argv[optind + 2]);
	int r = image_import(cli, argv[optind], argv[optind + 1], &limits);
	if (r < 0)
		return r;
	printf("%s\n", argv[optind]);
	return 0;
}

/* ---- registry options, shared by pull, push, login and run --pull ---- */

int registry_option_parse(int c, const char *arg, RegistryOptions *o)
{
	switch (c) {
	case ARG_REG_TLS_VERIFY:
		if (!arg || streq(arg, "true"))
			o->tls_verify = 1;
		else if (streq(arg, "false"))
			o->tls_verify = 0;
		else
			return log_error_errno(-EINVAL, "invalid --tls-verify `%s` (true or false)",
					       arg);
		return 1;
	case ARG_REG_CREDS:
		if (!strchr(arg, ':') || arg[0] == ':')
			return log_error_errno(-EINVAL, "invalid --creds: give USER:PASSWORD");
		o->creds = arg;
		return 1;
	case ARG_REG_AUTHFILE:
		if (access(arg, R_OK) < 0)
			return log_error_errno(-errno, "--authfile `%s`: %m", arg);
		o->authfile = arg;
		return 1;
	case ARG_REG_CERT_DIR:
		if (!is_dir(arg))
			return log_error_errno(-ENOTDIR, "--cert-dir `%s` is not a folder", arg);
		o->cert_dir = arg;
		return 1;
	case ARG_REG_PLATFORM: {
		/* OS/ARCH[/VARIANT] */
		static char buf[128];
		if (strlen(arg) >= sizeof(buf))
			return log_error_errno(-EINVAL, "invalid --platform `%s`", arg);
		strcpy(buf, arg);
		char *a = strchr(buf, '/'), *v = a ? strchr(a + 1, '/') : NULL;
		if (!a || a == buf || !a[1] || (v && (!v[1] || strchr(v + 1, '/'))))
			return log_error_errno(-EINVAL,
					       "invalid --platform `%s`: give OS/ARCH[/VARIANT], "
					       "e.g. linux/arm64",
					       arg);
		*a = 0;
		if (v)
			*v = 0;
		o->os = buf;
		o->arch = a + 1;
		o->variant = v ? v + 1 : NULL;
		return 1;
	}
	}
	return 0;
}

static void image_pull_help(void)
{
	printf("Usage: berth image pull [OPTIONS] REFERENCE\n"
	       "\n"
	       "Pull an image from a registry, through skopeo. REFERENCE is\n"
	       "REGISTRY/REPO[:TAG], REGISTRY/REPO@sha256:DIGEST, or a short name that\n"
	       "registries.conf resolves (an alias, else its unqualified-search\n"
	       "registries, in order). Layers the store has are not downloaded again.\n"
	       "Prints the name the image is stored under.\n"
	       "\n"
	       "Options:\n"
	       "      --platform OS/ARCH[/VARIANT]  the image of an index to take\n"
	       "                                    (default: linux and this machine's)\n"
	       "      --tls-verify=false  no HTTPS certificate check (default: as\n"
	       "                         registries.conf says)\n"
	       "      --cert-dir DIR     certificates of the registry (default:\n"
	       "                         /etc/containers/certs.d/HOST:PORT)\n"
	       "      --creds USER:PASS  log in for this pull only\n"
	       "      --authfile FILE    credentials (default: podman's auth.json)\n"
	       "  -q, --quiet            no progress\n"
	       "  -h, --help             show this help\n");
}

static int image_pull_cmd(Cli *cli, int argc, char **argv)
{
	static const struct option options[] = {
		REGISTRY_LONG_OPTIONS,
		{ "platform", required_argument, NULL, ARG_REG_PLATFORM },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	PullOptions o = { .reg = { .tls_verify = -1 },
			  .limits = { UNPACK_MAX_FILES_DEFAULT, UNPACK_MAX_BYTES_DEFAULT } };
	int c;
	optind = 0;
	while ((c = cli_getopt(argc, argv, ":qh", options, "image pull")) > 0) {
		int r = registry_option_parse(c, optarg, &o.reg);
		if (r < 0)
			return r;
		if (r > 0)
			continue;
		switch (c) {
		case 'q':
			o.reg.quiet = true;
			break;
		case 'h':
			image_pull_help();
			return 0;
		}
	}
	if (c < 0)
		return c;
	if (optind >= argc)
		return log_error_errno(-EINVAL,
				       "missing REFERENCE (see `berth image pull --help`)");
	if (optind + 1 < argc)
		return log_error_errno(-EINVAL,
				       "unexpected argument `%s` (see `berth image pull --help`)",
				       argv[optind + 1]);
	if (!isatty(STDERR_FILENO))
		o.reg.quiet = true;
	_cleanup_free_ char *name = NULL;
	int r = image_pull(cli, argv[optind], &o, &name);
	if (r < 0)
		return r;
	printf("%s\n", name);
	return 0;
}

static void image_tag_help(void)
{
	printf("Usage: berth image tag [OPTIONS] NAME NEWNAME...\n"
	       "\n"
	       "Give image NAME more names. The image is stored once; `berth image rm\n"
	       "NEWNAME` takes a name off again, and removes the image with its last name.\n"
	       "\n"
	       "Options:\n"
	       "  -h, --help             show this help\n");
}

static int image_tag_cmd(Cli *cli, int argc, char **argv)
{
	int r = cli_parse_help_only(argc, argv, "image tag", image_tag_help);
	if (r <= 0)
		return r;
	if (argc - optind < 2)
		return log_error_errno(-EINVAL,
				       "missing NAME or NEWNAME: berth image tag NAME NEWNAME");
	const char *name = argv[optind];
	for (int i = optind + 1; i < argc; i++)
		if (!image_name_is_valid(argv[i]) || argv[i][0] == '.' || argv[i][0] == '/')
			return log_error_errno(-EINVAL, "invalid image name `%s`", argv[i]);
	sqlite3 *db;
	if ((r = cli_db(cli, &db)) < 0)
		return r;
	ImageRow img;
	r = db_image_get_by_name(db, name, &img);
	if (r < 0)
		return log_error_errno(r,
				       r == -ENOENT ? "no such image: %s" : "look up image %s: %m",
				       name);
	for (int i = optind + 1; r >= 0 && i < argc; i++) {
		r = db_image_add_name(db, img.id, argv[i]);
		if (r == -EEXIST) {
			ImageRow other;
			bool same = false;
			if (db_image_get_by_name(db, argv[i], &other) >= 0) {
				same = streq(other.id, img.id);
				image_row_done(&other);
			}
			if (same)
				r = 0; /* already its name */
			else
				r = log_error_errno(r,
						    "image name %s is taken (berth image rm %s "
						    "first)",
						    argv[i], argv[i]);
		} else if (r < 0)
			r = cli_db_error(cli, r, "name image %s", name);
	}
	image_row_done(&img);
	return r;
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
	while ((c = cli_getopt(argc, argv, ":h", options, "image debootstrap")) > 0) {
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
			if (strspn(optarg, "abcdefghijklmnopqrstuvwxyz0123456789+-.,:") !=
			    strlen(optarg))
				return log_error_errno(-EINVAL, "invalid --include `%s`", optarg);
			o.include = optarg;
			break;
		case 'h':
			image_debootstrap_help();
			return 0;
		}
	}
	if (c < 0)
		return c;
	int n = argc - optind;
	if (n < 1)
		return log_error_errno(-EINVAL,
				       "missing NAME: berth image debootstrap NAME [SUITE]");
	if (n > 2)
		return log_error_errno(-EINVAL,
				       "unexpected argument `%s` (see `berth image "
				       "debootstrap --help`)",
				       argv[optind + 2]);
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

/* Every name of the image, images.name first. */
static json_t *names_json(sqlite3 *db, const ImageRow *img)
{
	_cleanup_strv_free_ char **extra = NULL;
	json_t *a = json_array();
	json_array_append_new(a, json_string(img->name));
	if (db_image_names(db, img->id, &extra) >= 0)
		for (size_t k = 0; extra[k]; k++)
			json_array_append_new(a, json_string(extra[k]));
	return a;
}

static int image_list(Cli *cli, int argc, char **argv)
{
	enum { ARG_FORMAT = 0x100 };
	static const struct option options[] = {
		{ "format", required_argument, NULL, ARG_FORMAT },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	bool json = false;
	int c;
	optind = 0;
	while ((c = cli_getopt(argc, argv, ":h", options, "image list")) > 0) {
		switch (c) {
		case ARG_FORMAT:
			if (streq(optarg, "json"))
				json = true;
			else if (streq(optarg, "table"))
				json = false;
			else
				return log_error_errno(-EINVAL,
						       "unknown --format `%s` (table or json)",
						       optarg);
			break;
		case 'h':
			printf("Usage: berth image list [OPTIONS]\n"
			       "\n"
			       "List images: name, id, layers, size, creation time (alias: ls).\n"
			       "\n"
			       "Options:\n"
			       "      --format FORMAT    table (default) or json\n"
			       "  -h, --help             show this help\n");
			return 0;
		}
	}
	if (c < 0)
		return c;
	if (optind < argc)
		return log_error_errno(-EINVAL,
				       "unexpected argument `%s` (see `berth image list "
				       "--help`)",
				       argv[optind]);
	sqlite3 *db;
	int r = cli_db(cli, &db);
	if (r < 0)
		return r;
	ImageRow *rows = NULL;
	size_t n = 0;
	r = db_image_list(db, &rows, &n);
	if (r < 0)
		return cli_db_error(cli, r, "read the state DB");
	if (json) {
		json_t *a = json_array();
		for (size_t i = 0; a && i < n; i++) {
			json_t *layers = image_layer_paths(cli, rows[i].layers);
			json_array_append_new(a, json_pack("{ss ss so so? ss ss? sI ss}", "id",
							   rows[i].id, "name", rows[i].name,
							   "names", names_json(db, &rows[i]),
							   "layers", layers, "source",
							   rows[i].source, "digest", rows[i].digest,
							   "size", (json_int_t)rows[i].size,
							   "created_at", rows[i].created_at));
		}
		_cleanup_free_ char *s = a ? json_dumps(a, JSON_INDENT(1)) : NULL;
		json_decref(a);
		if (s)
			printf("%s\n", s);
		else
			r = log_error_errno(-ENOMEM, "out of memory");
	} else {
		printf("%-24s  %-12s  %-6s  %-10s  %s\n", "NAME", "ID", "LAYERS", "SIZE",
		       "CREATED");
		for (size_t i = 0; i < n; i++) {
			char size[32];
			format_bytes((uint64_t)rows[i].size, size, sizeof(size));
			_cleanup_strv_free_ char **extra = NULL;
			(void)db_image_names(db, rows[i].id, &extra);
			/* One line per name, as podman lists tags. */
			for (size_t k = 0; k == 0 || (extra && extra[k - 1]); k++)
				printf("%-24s  %.12s  %-6zu  %-10s  %s\n",
				       k == 0 ? rows[i].name : extra[k - 1], rows[i].id,
				       layer_count(rows[i].layers), size, rows[i].created_at);
		}
	}
	image_rows_free(rows, n);
	return r;
}

/* The manifest's descriptor of the layer whose diff_id is digest: the
 * blob as the registry has it (compressed). */
static json_t *blob_of(json_t *manifest, json_t *cfg, const char *digest)
{
	json_t *ids = json_object_get(json_object_get(cfg, "rootfs"), "diff_ids"), *d;
	size_t i;
	json_array_foreach(ids, i, d)
		if (json_is_string(d) && streq(json_string_value(d), digest))
			return json_array_get(json_object_get(manifest, "layers"), i);
	return NULL;
}

static json_t *inspect_layers(Cli *cli, const ImageRow *img, const LayerRow *layers, size_t n,
			      json_t *manifest, json_t *cfg)
{
	json_t *dirs = image_layer_paths(cli, img->layers), *out = json_array(), *d;
	size_t i;
	json_array_foreach(dirs, i, d) {
		const char *path = json_string_value(d);
		const char *base = path ? strrchr(path, '/') : NULL;
		json_t *o = json_pack("{ss*}", "path", path);
		for (size_t k = 0; base && k < n; k++)
			if (streq(digest_hex(layers[k].digest) ?: "", base + 1)) {
				json_object_set_new(o, "digest", json_string(layers[k].digest));
				json_object_set_new(o, "size", json_integer(layers[k].size));
				json_t *b = blob_of(manifest, cfg, layers[k].digest);
				if (b) {
					json_object_set(o, "blob_digest",
							json_object_get(b, "digest"));
					json_object_set(o, "blob_size", json_object_get(b, "size"));
					json_object_set(o, "media_type",
							json_object_get(b, "mediaType"));
				}
				break;
			}
		if (n == 0)
			json_object_set_new(o, "size", json_integer(img->size));
		json_array_append_new(out, o);
	}
	json_decref(dirs);
	return out;
}

static void image_inspect_help(void)
{
	printf("Usage: berth image inspect [OPTIONS] NAME\n"
	       "\n"
	       "Print everything about an image as JSON: its layers, source, digest, size\n"
	       "and config.\n"
	       "\n"
	       "Options:\n"
	       "  -h, --help             show this help\n");
}

static int image_inspect(Cli *cli, int argc, char **argv)
{
	int r = cli_parse_help_only(argc, argv, "image inspect", image_inspect_help);
	if (r <= 0)
		return r;
	if (optind >= argc)
		return log_error_errno(-EINVAL,
				       "missing image NAME (see `berth image inspect --help`)");
	if (optind + 1 < argc)
		return log_error_errno(-EINVAL,
				       "unexpected argument `%s` (see `berth image inspect "
				       "--help`)",
				       argv[optind + 1]);
	const char *name = argv[optind];
	sqlite3 *db;
	r = cli_db(cli, &db);
	if (r < 0)
		return r;
	ImageRow img;
	r = db_image_get_by_name(db, name, &img);
	if (r < 0)
		return log_error_errno(r,
				       r == -ENOENT ? "no such image: %s" : "look up image %s: %m",
				       name);
	LayerRow *layers = NULL;
	size_t n = 0;
	r = db_image_get_layers(db, img.id, &layers, &n);
	if (r < 0) {
		image_row_done(&img);
		return cli_db_error(cli, r, "read the state DB");
	}
	json_t *config = img.config ? json_loads(img.config, 0, NULL) : NULL;
	json_t *manifest = img.manifest ? json_loads(img.manifest, 0, NULL) : NULL;
	json_t *cfg = img.image_config ? json_loads(img.image_config, 0, NULL) : NULL;
	json_t *o =
		json_pack("{ss ss so ss ss? ss sI so so?}", "id", img.id, "name", img.name, "names",
			  names_json(db, &img), "source", img.source, "digest", img.digest,
			  "created_at", img.created_at, "size", (json_int_t)img.size, "layers",
			  inspect_layers(cli, &img, layers, n, manifest, cfg), "config", config);
	/* What the image says of itself (docs/man/berth-image-inspect.1.md). */
	json_t *digests = json_object();
	if (img.digest)
		json_object_set_new(digests, "manifest", json_string(img.digest));
	if (img.image_config) {
		char hex[SHA256_HEX_LEN + 1], d[80];
		if (sha256_data(img.image_config, strlen(img.image_config), hex) >= 0) {
			snprintf(d, sizeof(d), "sha256:%s", hex);
			json_object_set_new(digests, "config", json_string(d));
		}
	}
	json_object_set_new(o, "digests", digests);
	json_t *ports = json_array(), *labels = json_object_get(config, "Labels");
	const char *key;
	json_t *v;
	json_object_foreach(json_object_get(config, "ExposedPorts"), key, v)
		json_array_append_new(ports, json_string(key));
	json_object_set_new(o, "labels",
			    json_is_object(labels) ? json_incref(labels) : json_object());
	json_object_set_new(o, "exposed_ports", ports);
	const char *os = json_object_get_string(cfg, "os"),
		   *arch = json_object_get_string(cfg, "architecture");
	if (os)
		json_object_set_new(o, "os", json_string(os));
	if (arch)
		json_object_set_new(o, "architecture", json_string(arch));
	json_t *history = json_object_get(cfg, "history");
	json_object_set_new(o, "history",
			    json_is_array(history) ? json_incref(history) : json_array());
	json_decref(manifest);
	json_decref(cfg);
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
		return cli_db_error(cli, r, "read the state DB");
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
	static const struct option options[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	bool force = false;
	int c;
	optind = 0;
	while ((c = cli_getopt(argc, argv, ":fh", options, "image rm")) > 0) {
		switch (c) {
		case 'f':
			force = true;
			break;
		case 'h':
			printf("Usage: berth image rm [OPTIONS] NAME...\n"
			       "\n"
			       "Remove images. An image that containers use is refused, unless -f.\n"
			       "\n"
			       "Options:\n"
			       "  -f, --force            remove the containers that use it first\n"
			       "  -h, --help             show this help\n");
			return 0;
		}
	}
	if (c < 0)
		return c;
	if (optind >= argc)
		return log_error_errno(-EINVAL, "missing image NAME (see `berth image rm --help`)");
	/* remove_users() runs `berth rm`, whose parsing starts getopt over. */
	int first = optind;
	sqlite3 *db;
	int r = cli_db(cli, &db);
	if (r < 0)
		return r;
	int ret = 0;
	for (int i = first; i < argc; i++) {
		const char *name = argv[i];
		ImageRow img;
		/* An image of several names loses only this one, as with
		 * podman's untag. */
		r = db_image_untag(db, name);
		if (r > 0) {
			printf("%s\n", name);
			continue;
		}
		if (r < 0) {
			ret = cli_db_error(cli, r, "remove image %s", name);
			continue;
		}
		r = db_image_get_by_name(db, name, &img);
		if (r < 0) {
			ret = log_error_errno(r,
					      r == -ENOENT ? "no such image: %s"
							   : "look up image %s: %m",
					      name);
			continue;
		}
		int users = db_image_count_users(db, name);
		if (users > 0 && !force) {
			ret = log_error_errno(-EBUSY,
					      "image %s is used by %d container%s (remove "
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
	static const CliVerb verbs[] = {
		{ "create", NULL, image_create, "make an image from the host's static busybox" },
		{ "import", NULL, image_import_cmd,
		  "import a rootfs tarball, an OCI layout or `docker save` output" },
		{ "debootstrap", NULL, image_debootstrap_cmd,
		  "make a Debian image with debootstrap" },
		{ "pull", NULL, image_pull_cmd, "pull an image from a registry" },
		{ "push", NULL, image_push_cmd, "push an image to a registry" },
		{ "tag", NULL, image_tag_cmd, "give an image another name" },
		{ "save", NULL, image_save_cmd, "write an image to an OCI or docker archive" },
		{ "load", NULL, image_load_cmd, "load an image from an archive" },
		{ "list", "ls", image_list, "list images" },
		{ "inspect", NULL, image_inspect, "everything about an image, as JSON" },
		{ "rm", NULL, image_rm, "remove images" },
	};
	return cli_run_verb(cli, argc, argv, "image", verbs, ELEMENTSOF(verbs));
}
