/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Where berth keeps things. By default state (DB, images, containers) lives
 * in /var/lib/berth and runtime files (sockets, pid files) in /run/berth.
 * A --root DIR (or $BERTH_ROOT) moves both: state in DIR, runtime files in
 * DIR/run, so tests and users can keep fully separate worlds. */

#include <sys/types.h>

#define BERTH_DEFAULT_STATE_DIR "/var/lib/berth"
#define BERTH_DEFAULT_RUN_DIR "/run/berth"

typedef struct {
	char *state_dir;
	char *run_dir;
} BerthPaths;

/* root may be NULL: then $BERTH_ROOT, then the defaults, which for a user
 * who is not root (common/rootless.h) are $XDG_DATA_HOME/berth (else
 * ~/.local/share/berth) and $XDG_RUNTIME_DIR/berth (else /tmp/berth-UID).
 * A runtime folder that is not the user's is an error, logged in one
 * line. */
int paths_init(BerthPaths *p, const char *root);
/* The state folder without --root and $BERTH_ROOT: root's, or the user's
 * (newly allocated; NULL on error). */
char *paths_default_state_dir(void);
/* Moves the runtime files alone (the supervisor's --run-root: a rootless
 * berth's are not below its state). */
int paths_set_run_dir(BerthPaths *p, const char *dir);
void paths_done(BerthPaths *p);

/* Creates state_dir and run_dir (0700) and the fixed subfolders. Each
 * must belong to the user who runs berth (geteuid(), so that the same rule
 * holds for a rootless berth): berth only makes it private (chmod 0700),
 * and one of another user's stays theirs, with berth's state, images and
 * sockets in it, for them to read and change. On failure *ret_dir (when
 * given) is the folder at fault, newly allocated; for one that belongs to
 * someone else the error is -EPERM and *ret_owner (when given) its owner. */
int paths_ensure(const BerthPaths *p, char **ret_dir, uid_t *ret_owner);

/* Each returns a newly allocated string, or NULL when out of memory. */
char *path_db(const BerthPaths *p);
char *path_container_dir(const BerthPaths *p, const char *id);
char *path_container_file(const BerthPaths *p, const char *id, const char *file);
char *path_container_run_dir(const BerthPaths *p, const char *id);
/* Folders of containers removed with --rm wait here, out of the way, until
 * their supervisor has told `berth run` and deletes them (<state>/trash/<id>). */
char *path_trash_dir(const BerthPaths *p);
/* The folders a container's folder needs for its overlay: upper/, work/
 * and rootfs/ (those that exist already stay). */
int bundle_make_subdirs(const char *bundle);
/* Ready container folders (upper, work, rootfs) of --rm containers that
 * ended, for the next run to take (supervisor/spare.c). */
char *path_spare_dir(const BerthPaths *p);
char *path_images_dir(const BerthPaths *p);
/* An image lives in a folder named by its image id, never by its name. */
char *path_image_dir(const BerthPaths *p, const char *image_id);
/* Layers of OCI images, shared between images: <state>/layers/<hex>, named
 * by the sha256 of the layer's uncompressed tar (its OCI diff_id). */
char *path_layers_dir(const BerthPaths *p);
char *path_layer_dir(const BerthPaths *p, const char *hex);

/* ---- paths relative to the root ----
 *
 * What berth records of the files under its state folder is relative:
 * to the state folder in the state DB (images.layers, containers.rootfs,
 * containers.bundle), to the container's folder (its bundle) in its
 * config.json (root.path, the overlay's folders). So a root that is moved
 * (mv) or restored from a backup (cp -a) and used with --root NEWPLACE
 * finds its own files, never the original's. A path outside the root (a
 * rootfs folder given as the image, --layers) stays absolute. */

/* path made absolute against dir (as it is when it is absolute already).
 * Leading `..` components climb out of dir without a look at the disk,
 * so that config.json's `../../layers/<hex>` gives the layer's own path,
 * as the DB names it, not one through the bundle (which would also eat
 * into mount(2)'s one page of overlay options). */
char *path_resolve(const char *dir, const char *path);
/* path as seen from dir when both are below root (or are root): relative,
 * with a `..` for each folder of dir below what they share; path itself
 * otherwise. */
char *path_relative(const char *root, const char *dir, const char *path);
/* The same for each member of a ':'-separated list (OverlayFS's lowerdir,
 * containers.rootfs). */
char *path_list_resolve(const char *dir, const char *list);
char *path_list_relative(const char *root, const char *dir, const char *list);

/* A path as the state DB holds it, made absolute: the one way the CLI
 * reads one. */
static inline char *path_from_state(const BerthPaths *p, const char *path)
{
	return path_resolve(p->state_dir, path);
}
static inline char *path_list_from_state(const BerthPaths *p, const char *list)
{
	return path_list_resolve(p->state_dir, list);
}
/* An absolute path in the form the state DB keeps. */
static inline char *path_to_state(const BerthPaths *p, const char *path)
{
	return path_relative(p->state_dir, p->state_dir, path);
}
static inline char *path_list_to_state(const BerthPaths *p, const char *list)
{
	return path_list_relative(p->state_dir, p->state_dir, list);
}
