/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "paths.h"
#include "rootless.h"
#include "util.h"

/* An absolute $NAME, or NULL: relative ones are ignored, as the XDG Base
 * Directory Specification says. */
static const char *xdg_env(const char *name)
{
	const char *e = getenv(name);
	return e && e[0] == '/' ? e : NULL;
}

/* The folder a user's runtime files go in: $XDG_RUNTIME_DIR/berth, which
 * must be the user's; without it /tmp/berth-UID, made private and checked,
 * since anyone may make a folder in /tmp first. */
static int rootless_run_dir(char **ret)
{
	struct stat st;
	const char *xdg = xdg_env("XDG_RUNTIME_DIR");
	if (xdg) {
		if (stat(xdg, &st) < 0)
			return log_error_errno(-errno, "XDG_RUNTIME_DIR %s: %m", xdg);
		if (!S_ISDIR(st.st_mode))
			return log_error_errno(-ENOTDIR, "XDG_RUNTIME_DIR %s is not a folder", xdg);
		if (st.st_uid != geteuid())
			return log_error_errno(-EPERM,
					       "XDG_RUNTIME_DIR %s belongs to uid %u, not to you: "
					       "unset it or make it yours",
					       xdg, (unsigned)st.st_uid);
		return asprintf(ret, "%s/berth", xdg) < 0 ? -ENOMEM : 0;
	}
	RootlessIds ids;
	int r = rootless_ids(&ids);
	if (r < 0)
		return log_error_errno(r, "read the user namespace's map: %m");
	_cleanup_free_ char *dir = NULL;
	if (asprintf(&dir, "/tmp/berth-%u", (unsigned)ids.uid) < 0)
		return -ENOMEM;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return log_error_errno(-errno, "make %s: %m", dir);
	if (lstat(dir, &st) < 0)
		return log_error_errno(-errno, "%s: %m", dir);
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077))
		return log_error_errno(-EPERM,
				       "%s is not a private folder of yours (uid %u, mode %04o): "
				       "remove it, or set XDG_RUNTIME_DIR",
				       dir, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
	*ret = TAKE_PTR(dir);
	return 0;
}

/* A user's state: $XDG_DATA_HOME/berth, else ~/.local/share/berth. */
static int rootless_state_dir(char **ret)
{
	const char *xdg = xdg_env("XDG_DATA_HOME");
	if (xdg)
		return asprintf(ret, "%s/berth", xdg) < 0 ? -ENOMEM : 0;
	const char *home = getenv("HOME");
	if (!home || home[0] != '/')
		return log_error_errno(-ENOENT,
				       "neither XDG_DATA_HOME nor HOME is set: "
				       "berth keeps a user's containers under one of them");
	return asprintf(ret, "%s/.local/share/berth", home) < 0 ? -ENOMEM : 0;
}

int paths_init(BerthPaths *p, const char *root)
{
	*p = (BerthPaths){ 0 };
	if (!root || !*root)
		root = getenv("BERTH_ROOT");
	if (root && *root) {
		if (absolute_path(root, &p->state_dir) < 0)
			p->state_dir = NULL;
		if (p->state_dir) {
			/* Strip trailing slashes so derived paths are canonical. */
			size_t n = strlen(p->state_dir);
			while (n > 1 && p->state_dir[n - 1] == '/')
				p->state_dir[--n] = 0;
			if (asprintf(&p->run_dir, "%s/run", p->state_dir) < 0)
				p->run_dir = NULL;
		}
	} else if (rootless()) {
		int r = rootless_state_dir(&p->state_dir);
		if (r >= 0)
			r = rootless_run_dir(&p->run_dir);
		if (r < 0) {
			paths_done(p);
			return r;
		}
	} else {
		p->state_dir = strdup(BERTH_DEFAULT_STATE_DIR);
		p->run_dir = strdup(BERTH_DEFAULT_RUN_DIR);
	}
	if (!p->state_dir || !p->run_dir) {
		paths_done(p);
		return -ENOMEM;
	}
	return 0;
}

char *paths_default_state_dir(void)
{
	char *d = NULL;
	if (!rootless())
		return strdup(BERTH_DEFAULT_STATE_DIR);
	return rootless_state_dir(&d) < 0 ? NULL : d;
}

int paths_set_run_dir(BerthPaths *p, const char *dir)
{
	char *d = NULL;
	if (absolute_path(dir, &d) < 0)
		return -ENOMEM;
	free(p->run_dir);
	p->run_dir = d;
	return 0;
}

void paths_done(BerthPaths *p)
{
	free(p->state_dir);
	free(p->run_dir);
	*p = (BerthPaths){ 0 };
}

static int ensure_private_dir(const char *path, uid_t *ret_owner)
{
	/* Every command comes here: one stat() when all is in order. */
	struct stat st;
	if (stat(path, &st) < 0) {
		int r = mkdir_p(path, 0700);
		if (r < 0)
			return r;
		if (stat(path, &st) < 0)
			return -errno;
	}
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if (st.st_uid != geteuid()) {
		if (ret_owner)
			*ret_owner = st.st_uid;
		return -EPERM;
	}
	if ((st.st_mode & 07777) == 0700)
		return 0;
	/* An existing directory keeps whatever mode it had unless we fix it:
	 * state and sockets must not be readable by other users. */
	return RET_NERRNO(chmod(path, 0700));
}

int paths_ensure(const BerthPaths *p, char **ret_dir, uid_t *ret_owner)
{
	_cleanup_free_ char *c = NULL, *i = NULL, *l = NULL;
	if (asprintf(&c, "%s/containers", p->state_dir) < 0 ||
	    asprintf(&i, "%s/images", p->state_dir) < 0 ||
	    asprintf(&l, "%s/layers", p->state_dir) < 0)
		return -ENOMEM;
	const char *dirs[] = { p->state_dir, p->run_dir, c, i, l };
	for (size_t k = 0; k < ELEMENTSOF(dirs); k++) {
		int r = ensure_private_dir(dirs[k], ret_owner);
		if (r < 0) {
			if (ret_dir)
				*ret_dir = strdup(dirs[k]);
			return r;
		}
	}
	return 0;
}

static char *join(const char *a, const char *b, const char *c)
{
	char *r;
	if (asprintf(&r, "%s%s%s%s%s", a, b ? "/" : "", b ? b : "", c ? "/" : "", c ? c : "") < 0)
		return NULL;
	return r;
}

char *path_db(const BerthPaths *p)
{
	return join(p->state_dir, "state.db", NULL);
}

char *path_container_dir(const BerthPaths *p, const char *id)
{
	char *r;
	return asprintf(&r, "%s/containers/%s", p->state_dir, id) < 0 ? NULL : r;
}

char *path_container_file(const BerthPaths *p, const char *id, const char *file)
{
	char *r;
	return asprintf(&r, "%s/containers/%s/%s", p->state_dir, id, file) < 0 ? NULL : r;
}

char *path_container_run_dir(const BerthPaths *p, const char *id)
{
	return join(p->run_dir, id, NULL);
}

int bundle_make_subdirs(const char *bundle)
{
	static const char *const subdirs[] = { "upper", "work", "rootfs" };
	for (size_t i = 0; i < ELEMENTSOF(subdirs); i++) {
		_cleanup_free_ char *p = NULL;
		if (asprintf(&p, "%s/%s", bundle, subdirs[i]) < 0)
			return -ENOMEM;
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return -errno;
	}
	return 0;
}

char *path_spare_dir(const BerthPaths *p)
{
	return join(p->state_dir, "spare", NULL);
}

char *path_trash_dir(const BerthPaths *p)
{
	return join(p->state_dir, "trash", NULL);
}

char *path_images_dir(const BerthPaths *p)
{
	return join(p->state_dir, "images", NULL);
}

char *path_image_dir(const BerthPaths *p, const char *image_id)
{
	char *r;
	return asprintf(&r, "%s/images/%s", p->state_dir, image_id) < 0 ? NULL : r;
}

char *path_layers_dir(const BerthPaths *p)
{
	return join(p->state_dir, "layers", NULL);
}

char *path_layer_dir(const BerthPaths *p, const char *hex)
{
	char *r;
	return asprintf(&r, "%s/layers/%s", p->state_dir, hex) < 0 ? NULL : r;
}

/* ---- paths relative to the root ---- */

char *path_resolve(const char *dir, const char *path)
{
	if (path[0] == '/')
		return strdup(path);
	size_t n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		n--;
	for (;;) {
		if (startswith(path, "./"))
			path += 2;
		else if (streq(path, "."))
			path += 1;
		else if (startswith(path, "../") || streq(path, "..")) {
			path += path[2] ? 3 : 2;
			/* Up one folder of dir; never above `/`. */
			while (n > 1 && dir[n - 1] != '/')
				n--;
			while (n > 1 && dir[n - 1] == '/')
				n--;
		} else
			break;
	}
	char *r;
	if (!*path)
		return strndup(dir, n);
	if (asprintf(&r, "%.*s%s%s", (int)n, dir, n == 1 && dir[0] == '/' ? "" : "/", path) < 0)
		return NULL;
	return r;
}

/* What follows dir in path ("" for dir itself, "x/y" below it), or NULL
 * when path is neither. */
static const char *path_below(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	if (strncmp(path, dir, n) != 0)
		return NULL;
	if (path[n] == 0)
		return path + n;
	return path[n] == '/' ? path + n + 1 : NULL;
}

char *path_relative(const char *root, const char *dir, const char *path)
{
	const char *in_root = path_below(path, root);
	const char *dir_in_root = path_below(dir, root);
	if (!in_root || !dir_in_root)
		return strdup(path);
	/* The folders dir and path share, then a `..` for each folder of dir
	 * below them. */
	size_t common = 0;
	for (size_t i = 0;; i++) {
		char a = dir_in_root[i], b = in_root[i];
		if ((a == '/' || a == 0) && (b == '/' || b == 0))
			common = i;
		if (a != b || a == 0)
			break;
	}
	const char *rest = in_root + common, *up = dir_in_root + common;
	if (*rest == '/')
		rest++;
	if (*up == '/')
		up++;
	size_t ups = *up ? 1 : 0;
	for (const char *c = up; *c; c++)
		ups += *c == '/';
	char *r = malloc(3 * ups + strlen(rest) + 2);
	if (!r)
		return NULL;
	char *w = r;
	for (size_t i = 0; i < ups; i++)
		w = stpcpy(w, "../");
	if (*rest)
		strcpy(w, rest);
	else if (w > r)
		w[-1] = 0; /* "../.." rather than "../../" */
	else
		strcpy(w, ".");
	return r;
}

static char *list_map(const char *list, char *(*fn)(const char *a, const char *b, const char *path),
		      const char *a, const char *b)
{
	_cleanup_strv_free_ char **out = NULL;
	for (const char *p = list; *p;) {
		const char *end = strchrnul(p, ':');
		_cleanup_free_ char *member = strndup(p, (size_t)(end - p));
		_cleanup_free_ char *m = member ? fn(a, b, member) : NULL;
		if (!m || strv_push(&out, m) < 0)
			return NULL;
		p = *end ? end + 1 : end;
	}
	return out ? strv_join(out, ":") : strdup("");
}

static char *resolve2(const char *dir, const char *unused, const char *path)
{
	(void)unused;
	return path_resolve(dir, path);
}

char *path_list_resolve(const char *dir, const char *list)
{
	return list_map(list, resolve2, dir, NULL);
}

char *path_list_relative(const char *root, const char *dir, const char *list)
{
	return list_map(list, path_relative, root, dir);
}
