/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* --mount, -v, --tmpfs, -M/--propagate-mount and --layers: what the user
 * asks to see in the container, checked on the host side and turned into
 * OCI mounts (and overlay lower dirs). Where a destination ends up inside
 * the container is resolved by the supervisor inside the container's root
 * (openat2 RESOLVE_IN_ROOT), so symlinks in the image cannot redirect it. */

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "cli.h"
#include "log.h"
#include "mounts.h"
#include "parse.h"
#include "util.h"

/* A destination must be absolute and have no "." or ".." component:
 * those could only be an attempt to leave the container's root. */
static int check_destination(const char *opt, const char *dst)
{
	if (dst[0] != '/')
		return log_error_errno(-EINVAL, "%s: destination `%s` must be an absolute path", opt,
				       dst);
	if (strlen(dst) >= PATH_MAX)
		return log_error_errno(-ENAMETOOLONG, "%s: destination is too long", opt);
	for (const char *p = dst; *p;) {
		while (*p == '/')
			p++;
		size_t n = strcspn(p, "/");
		if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return log_error_errno(-EINVAL, "%s: destination `%s` may not contain `.` or "
							"`..`",
					       opt, dst);
		p += n;
	}
	if (streq(dst, "/"))
		return log_error_errno(-EINVAL, "%s: cannot mount over the container's root", opt);
	return 0;
}

static int add_bind(MountRequests *m, const char *opt, const char *src, const char *dst,
		    bool ro, const char *propagation)
{
	char real[PATH_MAX];
	if (!realpath(src, real))
		return log_error_errno(-errno, "%s: source `%s`: %m", opt, src);
	int r = check_destination(opt, dst);
	if (r < 0)
		return r;
	BindRequest *b = realloc(m->binds, sizeof(BindRequest) * (m->n_binds + 1));
	if (!b)
		return -ENOMEM;
	m->binds = b;
	b[m->n_binds++] = (BindRequest){ strdup(real), strdup(dst), ro, propagation };
	return 0;
}

int mount_parse_volume(MountRequests *m, const char *arg)
{
	/* SRC:DST[:ro|rw] (seed 004's --mount, Docker's -v) */
	_cleanup_free_ char *copy = strdup(arg);
	if (!copy)
		return -ENOMEM;
	char *src = copy, *dst = strchr(copy, ':');
	if (!dst || dst == src || !dst[1])
		return log_error_errno(-EINVAL, "invalid mount `%s`: expected SRC:DST[:ro]", arg);
	*dst++ = 0;
	bool ro = false;
	char *mode = strchr(dst, ':');
	if (mode) {
		*mode++ = 0;
		if (streq(mode, "ro"))
			ro = true;
		else if (!streq(mode, "rw"))
			return log_error_errno(-EINVAL, "invalid mount `%s`: unknown mode `%s` (ro or "
							"rw)",
					       arg, mode);
	}
	return add_bind(m, "--mount", src, dst, ro, NULL);
}

int mount_parse_mount(MountRequests *m, const char *arg)
{
	if (!strchr(arg, '=') || startswith(arg, "/") || startswith(arg, "."))
		return mount_parse_volume(m, arg);
	/* Docker/Podman: type=bind,src=...,dst=...[,readonly] */
	_cleanup_free_ char *copy = strdup(arg);
	if (!copy)
		return -ENOMEM;
	const char *type = NULL, *src = NULL, *dst = NULL;
	bool ro = false;
	for (char *save = NULL, *kv = strtok_r(copy, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(kv, '=');
		if (eq)
			*eq++ = 0;
		if (streq(kv, "type") && eq)
			type = eq;
		else if ((streq(kv, "src") || streq(kv, "source")) && eq)
			src = eq;
		else if ((streq(kv, "dst") || streq(kv, "destination") || streq(kv, "target")) && eq)
			dst = eq;
		else if ((streq(kv, "readonly") || streq(kv, "ro")) &&
			 (!eq || streq(eq, "true") || streq(eq, "1")))
			ro = true;
		else if ((streq(kv, "readonly") || streq(kv, "ro")) && eq &&
			 (streq(eq, "false") || streq(eq, "0")))
			ro = false;
		else
			return log_error_errno(-EINVAL, "invalid --mount `%s`: unknown field `%s`", arg,
					       kv);
	}
	if (!type || !streq(type, "bind"))
		return log_error_errno(-EINVAL, "invalid --mount `%s`: only type=bind is supported "
						"(use --tmpfs for tmpfs)",
				       arg);
	if (!src || !dst)
		return log_error_errno(-EINVAL, "invalid --mount `%s`: needs src= and dst=", arg);
	return add_bind(m, "--mount", src, dst, ro, NULL);
}

int mount_parse_tmpfs(MountRequests *m, const char *arg)
{
	/* DST[:size=64m,mode=1777,...] */
	_cleanup_free_ char *copy = strdup(arg);
	if (!copy)
		return -ENOMEM;
	char *opts = strchr(copy, ':');
	if (opts)
		*opts++ = 0;
	int r = check_destination("--tmpfs", copy);
	if (r < 0)
		return r;
	if (opts) {
		for (char *save = NULL, *o = strtok_r(opts, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
			uint64_t v;
			if (startswith(o, "size=") && parse_size(o + 5, &v) == 0)
				continue;
			if (startswith(o, "mode=") && strlen(o) <= 9 && strspn(o + 5, "01234567") == strlen(o + 5))
				continue;
			if (streq(o, "ro") || streq(o, "rw") || streq(o, "noexec") || streq(o, "exec") ||
			    streq(o, "nosuid") || streq(o, "nodev"))
				continue;
			return log_error_errno(-EINVAL, "invalid --tmpfs option `%s` (size=, mode=, ro, "
							"noexec, nosuid, nodev)",
					       o);
		}
	}
	TmpfsRequest *t = realloc(m->tmpfs, sizeof(TmpfsRequest) * (m->n_tmpfs + 1));
	if (!t)
		return -ENOMEM;
	m->tmpfs = t;
	t[m->n_tmpfs++] = (TmpfsRequest){ strdup(copy), opts ? strdup(strchr(arg, ':') + 1) : NULL };
	return 0;
}

/* Makes DIR a shared mount point on the host (binding it onto itself
 * first if it is not a mount point), so that what is mounted under it
 * later propagates to the containers that have it as a slave. */
static int make_shared(const char *dir)
{
	struct stat st, parent;
	char up[PATH_MAX + 4];
	snprintf(up, sizeof(up), "%s/..", dir);
	if (stat(dir, &st) < 0 || stat(up, &parent) < 0)
		return -errno;
	/* A mount point has another device than its parent, or is bound:
	 * mountinfo is the reliable test. */
	bool is_mount = st.st_dev != parent.st_dev;
	if (!is_mount) {
		_cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
		char line[8192];
		while (f && fgets(line, sizeof(line), f)) {
			char mp[PATH_MAX];
			if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) == 1 && streq(mp, dir)) {
				is_mount = true;
				break;
			}
		}
	}
	if (!is_mount && mount(dir, dir, NULL, MS_BIND, NULL) < 0)
		return -errno;
	return RET_NERRNO(mount(NULL, dir, NULL, MS_SHARED, NULL));
}

int mount_parse_propagate(MountRequests *m, const char *arg)
{
	_cleanup_free_ char *copy = strdup(arg);
	if (!copy)
		return -ENOMEM;
	char *dst = strchr(copy, ':');
	if (dst)
		*dst++ = 0;
	char real[PATH_MAX];
	if (!realpath(copy, real))
		return log_error_errno(-errno, "--propagate-mount `%s`: %m", copy);
	if (!is_dir(real))
		return log_error_errno(-ENOTDIR, "--propagate-mount `%s` is not a directory", copy);
	return add_bind(m, "--propagate-mount", real, dst ? dst : real, false, "rslave");
}

int mount_parse_layers(MountRequests *m, const char *arg)
{
	_cleanup_free_ char *copy = strdup(arg);
	if (!copy)
		return -ENOMEM;
	for (char *save = NULL, *l = strtok_r(copy, ",", &save); l; l = strtok_r(NULL, ",", &save)) {
		char real[PATH_MAX];
		if (!realpath(l, real))
			return log_error_errno(-errno, "--layers: layer `%s`: %m", l);
		if (!is_dir(real))
			return log_error_errno(-ENOTDIR, "--layers: layer `%s` is not a directory", l);
		if (strpbrk(real, ":,\n"))
			return log_error_errno(-EINVAL, "--layers: `%s` contains ':' or ',', which "
							"OverlayFS cannot take",
					       real);
		int r = strv_push(&m->layers, real);
		if (r < 0)
			return r;
	}
	if (!m->layers)
		return log_error_errno(-EINVAL, "--layers: no layer given");
	return 0;
}

int mount_requests_apply(const MountRequests *m, ContainerSpec *s)
{
	int r;
	for (size_t i = 0; i < m->n_tmpfs; i++) {
		const char *opts[16] = { "nosuid", "nodev", NULL };
		size_t n = 2;
		_cleanup_free_ char *copy = m->tmpfs[i].options ? strdup(m->tmpfs[i].options) : NULL;
		bool has_mode = false;
		for (char *save = NULL, *o = copy ? strtok_r(copy, ",", &save) : NULL; o && n < 14;
		     o = strtok_r(NULL, ",", &save)) {
			opts[n++] = o;
			has_mode |= startswith(o, "mode=");
		}
		if (!has_mode)
			opts[n++] = "mode=1777";
		opts[n] = NULL;
		if ((r = spec_add_mount(s, m->tmpfs[i].destination, "tmpfs", "tmpfs", opts)) < 0)
			return r;
	}
	for (size_t i = 0; i < m->n_binds; i++) {
		const BindRequest *b = &m->binds[i];
		const char *opts[4] = { "rbind", NULL, NULL, NULL };
		size_t n = 1;
		if (b->read_only)
			opts[n++] = "ro";
		/* Mounts made on the host after the start reach a -M mount as its
		 * slave; mounts made inside never flow back. */
		opts[n++] = b->propagation ? b->propagation : "rprivate";
		if ((r = spec_add_mount(s, b->destination, "bind", b->source, opts)) < 0)
			return r;
	}
	return 0;
}

int mount_requests_prepare_host(const MountRequests *m)
{
	for (size_t i = 0; i < m->n_binds; i++)
		if (m->binds[i].propagation) {
			int r = make_shared(m->binds[i].source);
			if (r < 0)
				return log_error_errno(r, "make `%s` a shared mount point: %m",
						       m->binds[i].source);
		}
	return 0;
}

void mount_requests_done(MountRequests *m)
{
	for (size_t i = 0; i < m->n_binds; i++) {
		free(m->binds[i].source);
		free(m->binds[i].destination);
	}
	free(m->binds);
	for (size_t i = 0; i < m->n_tmpfs; i++) {
		free(m->tmpfs[i].destination);
		free(m->tmpfs[i].options);
	}
	free(m->tmpfs);
	strv_free(m->layers);
	*m = (MountRequests){ 0 };
}
