/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <getopt.h>
#include <stddef.h>

#include "cli.h"

/* What the argument parsing of every command shares, so that each says
 * the same thing in the same way and nothing acts before all of its
 * arguments are read. */

/* getopt_long() for `berth COMMAND` (command: "run", "image rm"; NULL for
 * the global options). shortopts starts with ":" (or "+:" where the options
 * end at the first argument, as for run and exec, whose command follows).
 * Returns the next option, as getopt_long() does; 0 when the options are
 * over (so long options may not use `flag`); or -EINVAL after one line on
 * stderr that names the option as it was typed (unknown, ambiguous,
 * lacking its value, or given one it does not take) and points to
 * `berth COMMAND --help`. */
int cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts,
	       const char *command);

/* The options of a command that has none but -h, --help: returns 1 to go
 * on (its arguments from argv[optind] on), 0 once help() has printed, or a
 * negative errno after the error. */
int cli_parse_help_only(int argc, char **argv, const char *command, void (*help)(void));

/* A command, or a subcommand of a group such as `berth image`. */
typedef struct {
	const char *name;
	const char *alias;
	int (*run)(Cli *cli, int argc, char **argv);
	const char *summary;
	/* A rootless berth enters its user namespace before the command runs
	 * (cli_userns()), except for a command that does so itself, when it
	 * knows which namespace it needs. */
	bool enters_userns;
} CliVerb;

const CliVerb *cli_find_verb(const CliVerb *verbs, size_t n, const char *name);

/* `berth GROUP [-h|--help] VERB [ARGS...]`: runs VERB with argv from VERB
 * on, or prints the group's help (its verbs and their summaries), or names
 * what is missing or unknown. */
int cli_run_verb(Cli *cli, int argc, char **argv, const char *group, const CliVerb *verbs,
		 size_t n_verbs);

/* -e/--env (and an --env-file line): KEY=VALUE; KEY alone takes the host's
 * value, and is left out when the host has no KEY; KEY* takes every host
 * variable whose name starts with KEY. Podman 4 does the same. Appends to
 * *env; `what` names the option in an error. */
int cli_env_option(const char *what, const char *arg, char ***env);
