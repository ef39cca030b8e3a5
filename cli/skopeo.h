/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Registries through skopeo (Debian's): it reads registries.conf,
 * policy.json, certs.d and auth.json, and speaks the registry protocol.
 * berth runs it as a program and never talks HTTP itself. */

#include <stdbool.h>
#include <stddef.h>

typedef struct {
	int tls_verify;                  /* -1: as registries.conf says; 0 or 1: --tls-verify */
	const char *creds;               /* USER[:PASS] or NULL */
	const char *authfile;            /* or NULL: skopeo's default, shared with podman */
	const char *cert_dir;            /* or NULL: /etc/containers/certs.d/HOST:PORT */
	const char *os, *arch, *variant; /* --platform, or NULL: the host's */
	bool quiet;                      /* no progress, even on a terminal */
	/* Set by the caller: the registry (HOST[:PORT]) that creds are for. */
	const char *registry;
	/* Set by the caller: a failure is not printed, only kept for
	 * skopeo_last_error() (trying the registries of a short name). */
	bool silent;
	/* Set by the caller: skopeo's standard input, else /dev/null (or ours,
	 * with inherit_stdin: skopeo login asks on the terminal). */
	const char *stdin_data;
	bool inherit_stdin;
} RegistryOptions;

/* $BERTH_SKOPEO, else "skopeo" in PATH. */
const char *skopeo_path(void);

/* Runs `skopeo VERB [the options for role] ARGS...`. role is "src", "dest"
 * or NULL (inspect, login: no prefix). With out, its standard output is
 * read into *out (at most max bytes: more is -EFBIG); without, it goes to
 * our standard error (progress bars) unless quiet. A failure is printed
 * here as one line, "WHAT: skopeo's message", and returned as -EIO
 * (-ENOENT when skopeo is missing, -EACCES for a refused login). */
int skopeo_run(const char *verb, const RegistryOptions *o, const char *role, char *const *args,
	       const char *what, char **out, size_t *out_len, size_t max);

/* The error of the last skopeo_run that failed, for callers that try
 * several registries and report them all. */
const char *skopeo_last_error(void);
