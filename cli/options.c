/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* The argument parsing every command shares: the messages for an option
 * that is wrong, a group's subcommands, and -e. */

#include <stdio.h>
#include <string.h>

#include "log.h"
#include "options.h"
#include "util.h"

extern char **environ;

/* Global options that users also type after the command, where Podman
 * takes them too; and how they are given. */
static const struct {
	const char *name;
	const char *usage;
} global_options[] = {
	{ "root", "--root DIR" },
	{ "debug", "--debug" },
};

static int bad_long_option(const char *arg, size_t len, const struct option *longopts,
			   const char *command, const char *see)
{
	const char *name = arg + 2;
	size_t nlen = len - 2;
	/* getopt_long() takes a prefix of one long option: say which ones
	 * this prefix could mean. */
	char list[256] = "";
	int matches = 0;
	for (const struct option *o = longopts; nlen > 0 && o && o->name; o++)
		if (strncmp(o->name, name, nlen) == 0) {
			size_t used = strlen(list);
			snprintf(list + used, sizeof(list) - used, "%s--%s", matches ? ", " : "",
				 o->name);
			matches++;
		}
	if (matches > 1)
		return log_error_errno(-EINVAL, "option `%.*s` is ambiguous: %s (%s)", (int)len,
				       arg, list, see);
	for (size_t i = 0; command && i < ELEMENTSOF(global_options); i++)
		if (strlen(global_options[i].name) == nlen &&
		    strncmp(global_options[i].name, name, nlen) == 0)
			return log_error_errno(
				-EINVAL,
				"`%.*s` is a global option: give it before the command, "
				"as in `berth %s %s ...`",
				(int)len, arg, global_options[i].usage, command);
	return log_error_errno(-EINVAL, "unknown option `%.*s` (%s)", (int)len, arg, see);
}

int cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts,
	       const char *command)
{
	/* optind 0 asks getopt_long() to start over, at argument 1. */
	int before = optind > 0 ? optind : 1;
	opterr = 0;
	int c = getopt_long(argc, argv, shortopts, longopts, NULL);
	if (c == -1)
		return 0;
	if (c != '?' && c != ':')
		return c;

	char see[80] = "see `berth --help`";
	if (command)
		snprintf(see, sizeof(see), "see `berth %s --help`", command);
	/* A long option is the whole argument getopt_long() just stepped
	 * over. A short one is optopt: it may sit in a group such as `-it`,
	 * where getopt_long() has stepped over nothing yet, and where
	 * argv[optind - 1] is some earlier argument. */
	const char *arg = optind > before ? argv[optind - 1] : NULL;
	if (!arg || !startswith(arg, "--")) {
		if (c == ':')
			return log_error_errno(-EINVAL, "option `-%c` needs a value (%s)", optopt,
					       see);
		return log_error_errno(-EINVAL, "unknown option `-%c` (%s)", optopt, see);
	}
	size_t len = strcspn(arg, "=");
	if (c == ':')
		return log_error_errno(-EINVAL, "option `%.*s` needs a value (%s)", (int)len, arg,
				       see);
	if (optopt != 0) /* a known option, given a value it does not take */
		return log_error_errno(-EINVAL, "option `%.*s` takes no value (%s)", (int)len, arg,
				       see);
	return bad_long_option(arg, len, longopts, command, see);
}

int cli_parse_help_only(int argc, char **argv, const char *command, void (*help)(void))
{
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	int c;
	optind = 0;
	while ((c = cli_getopt(argc, argv, ":h", options, command)) > 0) {
		switch (c) {
		case 'h':
			help();
			return 0;
		}
	}
	return c < 0 ? c : 1;
}

const CliVerb *cli_find_verb(const CliVerb *verbs, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (streq(verbs[i].name, name) || (verbs[i].alias && streq(verbs[i].alias, name)))
			return &verbs[i];
	return NULL;
}

static void group_help(const char *group, const CliVerb *verbs, size_t n)
{
	printf("Usage: berth %s COMMAND [OPTIONS] [ARGS]\n\nCommands:\n", group);
	for (size_t i = 0; i < n; i++)
		printf("  %-12s %s%s%s%s\n", verbs[i].name, verbs[i].summary,
		       verbs[i].alias ? " (alias: " : "", verbs[i].alias ? verbs[i].alias : "",
		       verbs[i].alias ? ")" : "");
	printf("\nRun `berth %s COMMAND --help` for a command's options.\n", group);
}

int cli_run_verb(Cli *cli, int argc, char **argv, const char *group, const CliVerb *verbs,
		 size_t n_verbs)
{
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	optind = 0;
	/* "+": the group's options end at its command, which has its own. */
	int c = cli_getopt(argc, argv, "+:h", options, group);
	if (c < 0)
		return c;
	if (c == 'h') {
		group_help(group, verbs, n_verbs);
		return 0;
	}
	if (optind >= argc) {
		group_help(group, verbs, n_verbs);
		return log_error_errno(-EINVAL, "missing %s command", group);
	}
	const char *name = argv[optind];
	if (streq(name, "help")) {
		group_help(group, verbs, n_verbs);
		return 0;
	}
	const CliVerb *v = cli_find_verb(verbs, n_verbs, name);
	if (!v)
		return log_error_errno(-EINVAL, "unknown %s command `%s` (see `berth %s --help`)",
				       group, name, group);
	return v->run(cli, argc - optind, argv + optind);
}

int cli_env_option(const char *what, const char *arg, char ***env)
{
	const char *eq = strchr(arg, '=');
	size_t klen = eq ? (size_t)(eq - arg) : strlen(arg);
	if (klen == 0)
		return log_error_errno(-EINVAL,
				       "invalid %s `%s`: expected KEY=VALUE, or KEY to take "
				       "the host's value",
				       what, arg);
	if (eq)
		return strv_push(env, arg) < 0 ? log_error_errno(-ENOMEM, "out of memory") : 0;
	if (arg[klen - 1] == '*') {
		for (char **e = environ; e && *e; e++)
			if (strncmp(*e, arg, klen - 1) == 0 && strchr(*e, '=') &&
			    strv_push(env, *e) < 0)
				return log_error_errno(-ENOMEM, "out of memory");
		return 0;
	}
	const char *value = getenv(arg);
	if (!value) {
		log_debug("%s %s: not set here, so not set in the container", what, arg);
		return 0;
	}
	char *kv = NULL;
	if (asprintf(&kv, "%s=%s", arg, value) < 0 || strv_consume(env, kv) < 0)
		return log_error_errno(-ENOMEM, "out of memory");
	return 0;
}
