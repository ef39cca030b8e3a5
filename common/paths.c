/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "paths.h"
#include "util.h"

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

void paths_done(BerthPaths *p)
{
	free(p->state_dir);
	free(p->run_dir);
	*p = (BerthPaths){ 0 };
}

static int ensure_private_dir(const char *path)
{
	/* Every command comes here: one stat() when all is in order. */
	struct stat st;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0700)
		return 0;
	int r = mkdir_p(path, 0700);
	if (r < 0)
		return r;
	/* An existing directory keeps whatever mode it had unless we fix it:
	 * state and sockets must not be readable by other users. */
	return RET_NERRNO(chmod(path, 0700));
}

int paths_ensure(const BerthPaths *p)
{
	int r = ensure_private_dir(p->state_dir);
	if (r < 0)
		return r;
	r = ensure_private_dir(p->run_dir);
	if (r < 0)
		return r;
	_cleanup_free_ char *c = NULL, *i = NULL, *l = NULL;
	if (asprintf(&c, "%s/containers", p->state_dir) < 0 ||
	    asprintf(&i, "%s/images", p->state_dir) < 0 ||
	    asprintf(&l, "%s/layers", p->state_dir) < 0)
		return -ENOMEM;
	r = ensure_private_dir(c);
	if (r < 0)
		return r;
	r = ensure_private_dir(i);
	if (r < 0)
		return r;
	return ensure_private_dir(l);
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
