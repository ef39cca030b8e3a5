/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Where berth keeps things. By default state (DB, images, containers) lives
 * in /var/lib/berth and runtime files (sockets, pid files) in /run/berth.
 * A --root DIR (or $BERTH_ROOT) moves both: state in DIR, runtime files in
 * DIR/run, so tests and users can keep fully separate worlds. */

#define BERTH_DEFAULT_STATE_DIR "/var/lib/berth"
#define BERTH_DEFAULT_RUN_DIR "/run/berth"

typedef struct {
	char *state_dir;
	char *run_dir;
} BerthPaths;

/* root may be NULL: then $BERTH_ROOT, then the defaults. */
int paths_init(BerthPaths *p, const char *root);
void paths_done(BerthPaths *p);

/* Creates state_dir and run_dir (0700) and the fixed subfolders. */
int paths_ensure(const BerthPaths *p);

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
