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
#include <unistd.h>

#include "cli.h"
#include "log.h"
#include "mount-options.h"
#include "mounts.h"
#include "parse.h"
#include "util.h"

/* z and Z ask for an SELinux label that lets the container use the
 * files. Without SELinux there is no label to give (Podman then ignores
 * them too); with it berth cannot relabel, and says so. */
static bool selinux_enabled(void)
{
	return access("/sys/fs/selinux/enforce", F_OK) == 0;
}

static bool destination_taken(const MountRequests *m, const char *dst)
{
	for (size_t i = 0; i < m->n_binds; i++)
		if (streq(m->binds[i].destination, dst))
			return true;
	for (size_t i = 0; i < m->n_tmpfs; i++)
		if (streq(m->tmpfs[i].destination, dst))
			return true;
	return false;
}

/* Takes a parsed mount: resolves a bind's source on the host and checks
 * what needs the host or the other mounts. */
static int add_mount(MountRequests *m, const char *opt, const char *arg, MountSpec *spec)
{
	if (destination_taken(m, spec->destination))
		return log_error_errno(-EINVAL, "invalid %s `%s`: another mount is at `%s` already",
				       opt, arg, spec->destination);
	if (spec->relabel && selinux_enabled())
		return log_error_errno(-EOPNOTSUPP,
				       "invalid %s `%s`: berth cannot give a mount an "
				       "SELinux label (z, Z, relabel=)",
				       opt, arg);
	MountSpec **list = spec->type == MOUNT_SPEC_BIND ? &m->binds : &m->tmpfs;
	size_t *n = spec->type == MOUNT_SPEC_BIND ? &m->n_binds : &m->n_tmpfs;
	if (spec->type == MOUNT_SPEC_BIND) {
		char real[PATH_MAX];
		if (!realpath(spec->source, real))
			return log_error_errno(-errno, "%s: source `%s`: %m", opt, spec->source);
		char *c = strdup(real);
		if (!c)
			return -ENOMEM;
		free(spec->source);
		spec->source = c;
	}
	MountSpec *l = realloc(*list, sizeof(MountSpec) * (*n + 1));
	if (!l)
		return -ENOMEM;
	*list = l;
	l[(*n)++] = *spec;
	*spec = (MountSpec){ 0 };
	return 0;
}

typedef int (*MountSpecParser)(const char *arg, MountSpec *ret, char *err, size_t errlen);

static int parse_and_add(MountRequests *m, const char *opt, const char *arg, MountSpecParser parse)
{
	MountSpec spec;
	char err[512];
	int r = parse(arg, &spec, err, sizeof(err));
	if (r == -EINVAL)
		r = log_error_errno(r, "invalid %s `%s`: %s", opt, arg, err);
	else if (r >= 0)
		r = add_mount(m, opt, arg, &spec);
	mount_spec_done(&spec);
	return r;
}

int mount_parse_volume(MountRequests *m, const char *arg)
{
	return parse_and_add(m, "-v", arg, mount_spec_parse_volume);
}

int mount_parse_mount(MountRequests *m, const char *arg)
{
	/* SRC:DST[:OPTIONS] (seed 004's --mount), or Docker's and Podman's
	 * type=...,src=...,dst=... */
	if (!strchr(arg, '=') || startswith(arg, "/") || startswith(arg, "."))
		return parse_and_add(m, "--mount", arg, mount_spec_parse_volume);
	return parse_and_add(m, "--mount", arg, mount_spec_parse_fields);
}

int mount_parse_tmpfs(MountRequests *m, const char *arg)
{
	return parse_and_add(m, "--tmpfs", arg, mount_spec_parse_tmpfs);
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
	/* Mounts made on the host after the start reach the container as its
	 * slave; mounts made inside never flow back. */
	MountSpec spec = {
		.type = MOUNT_SPEC_BIND, .propagation = "rslave", .mode = -1, .uid = -1, .gid = -1
	};
	char err[512];
	int r = mount_spec_check_destination(dst ? dst : real, &spec.destination, err, sizeof(err));
	if (r == -EINVAL)
		return log_error_errno(r, "invalid --propagate-mount `%s`: %s", arg, err);
	if (r >= 0 && !(spec.source = strdup(real)))
		r = -ENOMEM;
	if (r >= 0)
		r = add_mount(m, "--propagate-mount", arg, &spec);
	if (r >= 0)
		r = strv_push(&m->shared, real);
	mount_spec_done(&spec);
	return r;
}

int mount_parse_layers(MountRequests *m, const char *arg)
{
	_cleanup_free_ char *copy = strdup(arg);
	if (!copy)
		return -ENOMEM;
	for (char *save = NULL, *l = strtok_r(copy, ",", &save); l;
	     l = strtok_r(NULL, ",", &save)) {
		char real[PATH_MAX];
		if (!realpath(l, real))
			return log_error_errno(-errno, "--layers: layer `%s`: %m", l);
		if (!is_dir(real))
			return log_error_errno(-ENOTDIR, "--layers: layer `%s` is not a directory",
					       l);
		if (strpbrk(real, ":,\n"))
			return log_error_errno(-EINVAL,
					       "--layers: `%s` contains ':' or ',', which "
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

/* A mount at the destination of one of berth's default mounts takes its
 * place (and its rank: --tmpfs /dev still comes before /dev/pts). */
static int put_mount(ContainerSpec *s, const char *dst, const char *type, const char *source,
		     char *const *options)
{
	for (size_t i = 0; i < s->n_mounts; i++) {
		SpecMount *sm = &s->mounts[i];
		if (!streq(sm->destination, dst))
			continue;
		char *t = strdup(type), *src = strdup(source);
		char **o = strv_copy(options);
		if (!t || !src || !o) {
			free(t);
			free(src);
			strv_free(o);
			return -ENOMEM;
		}
		free(sm->type);
		free(sm->source);
		strv_free(sm->options);
		sm->type = t;
		sm->source = src;
		sm->options = o;
		return 0;
	}
	return spec_add_mount(s, dst, type, source, (const char *const *)options);
}

int mount_requests_apply(const MountRequests *m, ContainerSpec *s)
{
	int r;
	for (size_t i = 0; i < m->n_tmpfs; i++) {
		_cleanup_strv_free_ char **opts = NULL;
		if ((r = mount_spec_oci_options(&m->tmpfs[i], &opts)) < 0 ||
		    (r = put_mount(s, m->tmpfs[i].destination, "tmpfs", "tmpfs", opts)) < 0)
			return r;
	}
	for (size_t i = 0; i < m->n_binds; i++) {
		_cleanup_strv_free_ char **opts = NULL;
		if ((r = mount_spec_oci_options(&m->binds[i], &opts)) < 0 ||
		    (r = put_mount(s, m->binds[i].destination, "bind", m->binds[i].source, opts)) <
			    0)
			return r;
	}
	return 0;
}

int mount_tmpfs_caps_apply(ContainerSpec *s)
{
	const SpecResources *res = &s->resources;
	uint64_t size = tmpfs_size_default(res->has_memory_limit ? res->memory_limit : 0);
	for (size_t i = 0; i < s->n_mounts; i++)
		if (streq(s->mounts[i].type, "tmpfs")) {
			int r = tmpfs_options_cap(&s->mounts[i].options, size);
			if (r < 0)
				return r;
		}
	return 0;
}

int mount_requests_prepare_host(const MountRequests *m)
{
	for (char **d = m->shared; d && *d; d++) {
		int r = make_shared(*d);
		if (r < 0)
			return log_error_errno(r, "make `%s` a shared mount point: %m", *d);
	}
	return 0;
}

void mount_requests_done(MountRequests *m)
{
	for (size_t i = 0; i < m->n_binds; i++)
		mount_spec_done(&m->binds[i]);
	free(m->binds);
	for (size_t i = 0; i < m->n_tmpfs; i++)
		mount_spec_done(&m->tmpfs[i]);
	free(m->tmpfs);
	strv_free(m->shared);
	strv_free(m->layers);
	*m = (MountRequests){ 0 };
}
