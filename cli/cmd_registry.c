/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* berth image push|save|load, berth commit, berth login|logout: images out
 * of the store and back, and the logins skopeo (and podman) use. */

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "image-unpack.h"
#include "images.h"
#include "log.h"
#include "options.h"
#include "skopeo.h"
#include "util.h"

int image_push_cmd(Cli *cli, int argc, char **argv)
{
	enum { ARG_DIGESTFILE = 0x100 };
	static const struct option options[] = {
		REGISTRY_LONG_OPTIONS,
		{ "digestfile", required_argument, NULL, ARG_DIGESTFILE },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	RegistryOptions o = { .tls_verify = -1 };
	const char *digestfile = NULL;
	int c;
	optind = 0;
	while ((c = cli_getopt(argc, argv, ":qh", options, "image push")) > 0) {
		int r = registry_option_parse(c, optarg, &o);
		if (r < 0)
			return r;
		if (r > 0)
			continue;
		switch (c) {
		case ARG_DIGESTFILE:
			digestfile = optarg;
			break;
		case 'q':
			o.quiet = true;
			break;
		case 'h':
			printf("Usage: berth image push [OPTIONS] IMAGE [REGISTRY/REPO[:TAG]]\n"
			       "\n"
			       "Push an image to a registry, through skopeo: to the reference given,\n"
			       "or to the image's own name. Its layers are packed again from the\n"
			       "store (gzip, reproducibly). Prints the digest of the manifest pushed.\n"
			       "\n"
			       "Options:\n"
			       "      --tls-verify=false, --cert-dir DIR, --creds USER:PASS,\n"
			       "      --authfile FILE    as for `berth image pull`\n"
			       "      --digestfile FILE  also write the digest to FILE\n"
			       "  -q, --quiet            no progress\n"
			       "  -h, --help             show this help\n");
			return 0;
		}
	}
	if (c < 0)
		return c;
	if (optind >= argc)
		return log_error_errno(-EINVAL, "missing IMAGE (see `berth image push --help`)");
	if (argc - optind > 2)
		return log_error_errno(-EINVAL,
				       "unexpected argument `%s` (see `berth image push --help`)",
				       argv[optind + 2]);
	if (!isatty(STDERR_FILENO))
		o.quiet = true;
	_cleanup_free_ char *digest = NULL;
	int r = image_push(cli, argv[optind], argc - optind == 2 ? argv[optind + 1] : NULL, &o,
			   &digest);
	if (r < 0)
		return r;
	if (digestfile && (r = write_string_file(digestfile, digest)) < 0)
		return log_error_errno(r, "write `%s`: %m", digestfile);
	printf("%s\n", digest);
	return 0;
}

int image_save_cmd(Cli *cli, int argc, char **argv)
{
	enum { ARG_FORMAT = 0x100 };
	static const struct option options[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, ARG_FORMAT },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *output = NULL, *format = "oci-archive";
	int c;
	optind = 0;
	while ((c = cli_getopt(argc, argv, ":o:h", options, "image save")) > 0) {
		switch (c) {
		case 'o':
			output = optarg;
			break;
		case ARG_FORMAT:
			format = optarg;
			break;
		case 'h':
			printf("Usage: berth image save [OPTIONS] IMAGE -o FILE\n"
			       "\n"
			       "Write an image to a file, which `berth image load`, `podman load` and\n"
			       "`docker load` read. The file is written whole or not at all.\n"
			       "\n"
			       "Options:\n"
			       "  -o, --output FILE      the file (required)\n"
			       "      --format FORMAT    oci-archive (default) or docker-archive\n"
			       "  -h, --help             show this help\n");
			return 0;
		}
	}
	if (c < 0)
		return c;
	if (optind >= argc)
		return log_error_errno(-EINVAL, "missing IMAGE (see `berth image save --help`)");
	if (argc - optind > 1)
		return log_error_errno(-EINVAL,
				       "unexpected argument `%s` (see `berth image save --help`)",
				       argv[optind + 1]);
	if (!output)
		return log_error_errno(-EINVAL, "missing -o FILE: berth image save IMAGE -o FILE");
	if (!streq(format, "oci-archive") && !streq(format, "docker-archive"))
		return log_error_errno(-EINVAL,
				       "unknown --format `%s` (oci-archive or docker-archive)",
				       format);
	return image_save(cli, argv[optind], output, format);
}

int image_load_cmd(Cli *cli, int argc, char **argv)
{
	static const struct option options[] = {
		{ "input", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *input = NULL;
	int c;
	optind = 0;
	while ((c = cli_getopt(argc, argv, ":i:h", options, "image load")) > 0) {
		switch (c) {
		case 'i':
			input = optarg;
			break;
		case 'h':
			printf("Usage: berth image load [OPTIONS] -i FILE [NAME]\n"
			       "\n"
			       "Load an image from a file of `berth image save`, `podman save` or\n"
			       "`docker save` (an OCI or docker archive of one image), under NAME or\n"
			       "the name the archive gives it. Prints the name.\n"
			       "\n"
			       "Options:\n"
			       "  -i, --input FILE       the file (required)\n"
			       "  -h, --help             show this help\n");
			return 0;
		}
	}
	if (c < 0)
		return c;
	if (!input)
		return log_error_errno(-EINVAL, "missing -i FILE: berth image load -i FILE [NAME]");
	if (argc - optind > 1)
		return log_error_errno(-EINVAL,
				       "unexpected argument `%s` (see `berth image load --help`)",
				       argv[optind + 1]);
	ImportLimits limits = { UNPACK_MAX_FILES_DEFAULT, UNPACK_MAX_BYTES_DEFAULT };
	_cleanup_free_ char *name = NULL;
	int r = image_load(cli, input, optind < argc ? argv[optind] : NULL, &limits, &name);
	if (r < 0)
		return r;
	printf("%s\n", name);
	return 0;
}

int cmd_commit(Cli *cli, int argc, char **argv)
{
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	int c;
	optind = 0;
	while ((c = cli_getopt(argc, argv, ":h", options, "commit")) > 0) {
		if (c == 'h') {
			printf("Usage: berth commit [OPTIONS] CONTAINER NAME\n"
			       "\n"
			       "Make an image NAME of a container: its image's layers and its\n"
			       "writable layer on top, with its image's config. A running container\n"
			       "is frozen while its layer is read. Prints the name.\n"
			       "\n"
			       "Options:\n"
			       "  -h, --help             show this help\n");
			return 0;
		}
	}
	if (c < 0)
		return c;
	if (argc - optind < 2)
		return log_error_errno(-EINVAL,
				       "missing CONTAINER or NAME: berth commit CONTAINER NAME");
	if (argc - optind > 2)
		return log_error_errno(-EINVAL,
				       "unexpected argument `%s` (see `berth commit --help`)",
				       argv[optind + 2]);
	int r = image_commit(cli, argv[optind], argv[optind + 1]);
	if (r < 0)
		return r;
	printf("%s\n", argv[optind + 1]);
	return 0;
}

static int login_cmd(Cli *cli, int argc, char **argv, bool login)
{
	(void)cli;
	enum { ARG_PASSWORD_STDIN = 0x100 };
	static const struct option options[] = {
		REGISTRY_LONG_OPTIONS,
		{ "username", required_argument, NULL, 'u' },
		{ "password", required_argument, NULL, 'p' },
		{ "password-stdin", no_argument, NULL, ARG_PASSWORD_STDIN },
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *cmd = login ? "login" : "logout";
	RegistryOptions o = { .tls_verify = -1 };
	const char *user = NULL, *password = NULL;
	bool from_stdin = false, all = false;
	int c;
	optind = 0;
	while ((c = cli_getopt(argc, argv, ":u:p:ah", options, cmd)) > 0) {
		int r = c == ARG_REG_CREDS ? 0 : registry_option_parse(c, optarg, &o);
		if (r < 0)
			return r;
		if (r > 0)
			continue;
		switch (c) {
		case 'u':
			user = optarg;
			break;
		case 'p':
			password = optarg;
			break;
		case ARG_PASSWORD_STDIN:
			from_stdin = true;
			break;
		case 'a':
			all = true;
			break;
		case ARG_REG_CREDS:
			return log_error_errno(-EINVAL, "%s takes --username, not --creds", cmd);
		case 'h':
			if (login)
				printf("Usage: berth login [OPTIONS] REGISTRY\n"
				       "\n"
				       "Log in to a registry, through skopeo. The login is checked, then\n"
				       "kept where podman keeps its own (${XDG_RUNTIME_DIR}/containers/\n"
				       "auth.json, or /run/containers/0/auth.json for root): berth and\n"
				       "podman share logins.\n"
				       "\n"
				       "Options:\n"
				       "  -u, --username USER    the user (asked on a terminal)\n"
				       "  -p, --password PASS    the password (seen by `ps`: prefer\n"
				       "                         --password-stdin)\n"
				       "      --password-stdin   read the password from standard input\n"
				       "      --authfile FILE    keep the login there instead\n"
				       "      --tls-verify=false, --cert-dir DIR  as for `image pull`\n"
				       "  -h, --help             show this help\n");
			else
				printf("Usage: berth logout [OPTIONS] REGISTRY\n"
				       "\n"
				       "Forget the login to a registry (or all of them with --all).\n"
				       "\n"
				       "Options:\n"
				       "      --authfile FILE    the logins' file (default: podman's)\n"
				       "  -a, --all              every registry\n"
				       "  -h, --help             show this help\n");
			return 0;
		}
	}
	if (c < 0)
		return c;
	if (!login && (user || password || from_stdin))
		return log_error_errno(-EINVAL, "logout takes no --username or --password");
	if (!login && (o.tls_verify >= 0 || o.cert_dir))
		return log_error_errno(-EINVAL,
				       "logout takes no --tls-verify or --cert-dir (it does not "
				       "contact the registry)");
	if (login && all)
		return log_error_errno(-EINVAL, "login takes no --all");
	if (all ? optind < argc : argc - optind != 1)
		return log_error_errno(-EINVAL, "%s: give one REGISTRY%s (see `berth %s --help`)",
				       cmd, login ? "" : " or --all", cmd);
	const char *registry = all ? NULL : argv[optind];
	if (registry && (strchr(registry, '/') && !strstr(registry, "://")))
		log_debug("%s: a registry with a path: `%s`", cmd, registry);

	_cleanup_free_ char *pw = NULL;
	if (from_stdin) {
		if (password)
			return log_error_errno(-EINVAL,
					       "give --password or --password-stdin, not both");
		size_t len;
		int r = read_full_fd(STDIN_FILENO, &pw, &len);
		if (r < 0)
			return log_error_errno(r, "read the password from standard input: %m");
		while (len > 0 && (pw[len - 1] == '\n' || pw[len - 1] == '\r'))
			pw[--len] = 0;
		password = pw;
	}
	if (login && (!user || !password) && !isatty(STDIN_FILENO))
		return log_error_errno(-EINVAL,
				       "login: give --username and --password-stdin (standard "
				       "input is no terminal to ask on)");
	_cleanup_strv_free_ char **args = NULL;
	int r = 0;
	if (user && ((r = strv_push(&args, "--username")) < 0 || (r = strv_push(&args, user)) < 0))
		return log_error_errno(r, "out of memory");
	if (password && (r = strv_push(&args, "--password-stdin")) < 0)
		return log_error_errno(r, "out of memory");
	if (all && (r = strv_push(&args, "--all")) < 0)
		return log_error_errno(r, "out of memory");
	if (registry && (r = strv_push(&args, registry)) < 0)
		return log_error_errno(r, "out of memory");
	o.stdin_data = password;
	o.inherit_stdin = login && !password;
	_cleanup_free_ char *what = NULL;
	if (asprintf(&what, "%s %s", cmd, registry ? registry : "(all)") < 0)
		return log_error_errno(-ENOMEM, "out of memory");
	_cleanup_free_ char *out = NULL;
	r = skopeo_run(cmd, &o, NULL, args, what, &out, NULL, 1 << 16);
	if (pw)
		explicit_bzero(pw, strlen(pw));
	if (r == -EACCES)
		return r;
	if (r < 0)
		return r;
	if (login)
		printf("Login Succeeded!\n");
	else
		printf("Removed login credentials for %s\n",
		       registry ? registry : "all registries");
	return 0;
}

int cmd_login(Cli *cli, int argc, char **argv)
{
	return login_cmd(cli, argc, argv, true);
}

int cmd_logout(Cli *cli, int argc, char **argv)
{
	return login_cmd(cli, argc, argv, false);
}
