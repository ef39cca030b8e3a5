/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* Which container a cgroup id belongs to. A cgroup v2 id is the inode
 * number of the cgroup's directory, so stat() of a container's cgroup
 * (the `cgroup` column of the containers table, or <v2>/berth/<id>) gives
 * it. Ids are never reused while the machine runs, which is why an id once
 * found to be no container's can stay so ("negative" entries). */

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cgroup.h"
#include "log.h"
#include "trace-cli.h"
#include "util.h"

/* A container that appears is learnt from its cgroup's mkdir event; the
 * re-read on an unknown id is a fallback, and bounded so that --all, which
 * sees many host cgroups, does not read the DB for each. */
#define REFRESH_MIN_INTERVAL_USEC (250 * 1000)
/* An unnamed container's row is looked for at most this often. */
#define NAME_RETRY_USEC 500

typedef struct {
	uint64_t key;      /* cgroup id; 0 marks a free slot (no cgroup has id 0) */
	TraceContainer *c; /* NULL: known to be no container's */
} Slot;

struct TraceAttrib {
	sqlite3 *db;
	char **selected;
	char *v2_mount;
	Slot *slots;
	size_t n_slots; /* a power of 2 */
	size_t n_used;
	TraceContainer **containers;
	size_t n_containers;
	uint64_t last_refresh;
};

static Slot *slot_find(TraceAttrib *a, uint64_t key)
{
	size_t mask = a->n_slots - 1;
	/* Fibonacci hashing spreads the sequential inode numbers. */
	for (size_t i = (size_t)((key * 0x9e3779b97f4a7c15ULL) >> 32) & mask;; i = (i + 1) & mask)
		if (a->slots[i].key == key || a->slots[i].key == 0)
			return &a->slots[i];
}

static int slots_grow(TraceAttrib *a)
{
	size_t old_n = a->n_slots;
	Slot *old = a->slots;
	Slot *fresh = calloc(old_n * 2, sizeof(Slot));
	if (!fresh)
		return -ENOMEM;
	a->slots = fresh;
	a->n_slots = old_n * 2;
	for (size_t i = 0; i < old_n; i++)
		if (old[i].key)
			*slot_find(a, old[i].key) = old[i];
	free(old);
	return 0;
}

static int slot_set(TraceAttrib *a, uint64_t key, TraceContainer *c)
{
	if ((a->n_used + 1) * 2 > a->n_slots) {
		int r = slots_grow(a);
		if (r < 0)
			return r;
	}
	Slot *s = slot_find(a, key);
	if (s->key == 0) {
		s->key = key;
		a->n_used++;
	}
	s->c = c;
	return 0;
}

int trace_attrib_new(sqlite3 *db, char **selected, TraceAttrib **ret)
{
	_cleanup_free_ TraceAttrib *a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->db = db;
	a->selected = selected;
	a->n_slots = 256;
	a->slots = calloc(a->n_slots, sizeof(Slot));
	if (!a->slots)
		return -ENOMEM;
	/* Without a v2 mount the DB's paths are all there is. */
	(void)cgroup_v2_mount(&a->v2_mount);
	*ret = TAKE_PTR(a);
	return 0;
}

TraceAttrib *trace_attrib_free(TraceAttrib *a)
{
	if (!a)
		return NULL;
	for (size_t i = 0; i < a->n_containers; i++) {
		free(a->containers[i]->id);
		free(a->containers[i]->name);
		free(a->containers[i]);
	}
	free(a->containers);
	free(a->slots);
	free(a->v2_mount);
	free(a);
	return NULL;
}

/* Records that cgroup_id is container id's (name may be NULL). */
static TraceContainer *add(TraceAttrib *a, uint64_t cgroup_id, const char *id, const char *name)
{
	Slot *s = slot_find(a, cgroup_id);
	if (s->key == cgroup_id && s->c) {
		if (!s->c->name && name)
			s->c->name = strdup(name); /* NULL when out of memory: stays unnamed */
		return s->c;
	}
	TraceContainer **l = realloc(a->containers, (a->n_containers + 1) * sizeof(*l));
	if (!l)
		return NULL;
	a->containers = l;
	TraceContainer *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->cgroup_id = cgroup_id;
	c->id = strdup(id);
	c->name = name ? strdup(name) : NULL;
	c->selected = !a->selected || strv_contains(a->selected, id);
	if (!c->id || (name && !c->name) || slot_set(a, cgroup_id, c) < 0) {
		free(c->id);
		free(c->name);
		free(c);
		return NULL;
	}
	a->containers[a->n_containers++] = c;
	return c;
}

static uint64_t cgroup_inode(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode) ? (uint64_t)st.st_ino : 0;
}

static const char *name_of(const ContainerRow *rows, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (streq(rows[i].id, id))
			return rows[i].name;
	return NULL;
}

int trace_attrib_refresh(TraceAttrib *a)
{
	ContainerRow *rows = NULL;
	size_t n = 0;
	int r = db_container_list(a->db, &rows, &n);
	if (r < 0)
		return r;
	a->last_refresh = now_mono_usec();

	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *computed = NULL;
		const char *path = rows[i].cgroup;
		if (!path && cgroup_container_path(rows[i].id, &computed) >= 0)
			path = computed;
		uint64_t ino = path ? cgroup_inode(path) : 0;
		if (ino && !add(a, ino, rows[i].id, rows[i].name))
			r = -ENOMEM;
	}

	/* Containers of other state DBs (another --root) share <v2>/berth. */
	_cleanup_free_ char *dir = NULL;
	if (a->v2_mount && asprintf(&dir, "%s/%s", a->v2_mount, CGROUP_BERTH_PARENT) < 0)
		dir = NULL;
	DIR *d = dir ? opendir(dir) : NULL;
	for (struct dirent *de; d && (de = readdir(d));) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		_cleanup_free_ char *p = NULL;
		if (asprintf(&p, "%s/%s", dir, de->d_name) < 0)
			continue;
		uint64_t ino = cgroup_inode(p);
		if (ino && !add(a, ino, de->d_name, name_of(rows, n, de->d_name)))
			r = -ENOMEM;
	}
	if (d)
		closedir(d);
	container_rows_free(rows, n);
	return r;
}

/* A container's cgroup exists before its row: its supervisor makes it
 * while the CLI prepares the row (common/protocol.h). Look for the name
 * again, now and then, until it is there. */
static void name_it(TraceAttrib *a, TraceContainer *c)
{
	uint64_t now = now_mono_usec();
	if (c->name || now - c->named_at < NAME_RETRY_USEC)
		return;
	c->named_at = now;
	ContainerRow row;
	if (db_container_get(a->db, c->id, &row) < 0)
		return;
	c->name = strdup(row.name); /* NULL when out of memory: stays unnamed */
	container_row_done(&row);
}

const TraceContainer *trace_attrib_find(TraceAttrib *a, uint64_t cgroup_id)
{
	Slot *s = slot_find(a, cgroup_id);
	bool stale = now_mono_usec() - a->last_refresh >= REFRESH_MIN_INTERVAL_USEC;
	if (s->key == cgroup_id && (s->c || !stale)) {
		if (s->c)
			name_it(a, s->c);
		return s->c;
	}
	/* Unknown, or no container's when last asked: a container whose row
	 * came later (berth-runtime's, whose cgroup podman or containerd
	 * named) is found by asking again, at most every interval. */
	if (stale) {
		int r = trace_attrib_refresh(a);
		if (r < 0)
			log_debug_errno(r, "re-read the state DB: %m");
		s = slot_find(a, cgroup_id);
		if (s->key == cgroup_id)
			return s->c;
	}
	(void)slot_set(a, cgroup_id, NULL);
	return NULL;
}

const TraceContainer *trace_attrib_learn(TraceAttrib *a, uint64_t cgroup_id, const char *path)
{
	/* ".../berth/<id>" */
	const char *last = strrchr(path, '/');
	if (!last || !last[1])
		return NULL;
	ContainerRow row;
	int r;
	if (last - path < 6 || strncmp(last - 6, "/berth", 6) != 0) {
		/* Elsewhere: a container of berth-runtime's whose cgroup its
		 * engine named (podman's /libpod_parent/libpod-ID), which
		 * create puts in the row before it makes the cgroup. */
		_cleanup_free_ char *full = NULL;
		if (!a->v2_mount || asprintf(&full, "%s%s", a->v2_mount, path) < 0 ||
		    db_container_get_by_cgroup(a->db, full, &row) < 0)
			return NULL;
		TraceContainer *c = add(a, cgroup_id, row.id, row.name);
		container_row_done(&row);
		return c;
	}
	const char *id = last + 1;
	r = db_container_get(a->db, id, &row);
	if (r < 0 && r != -ENOENT)
		log_debug_errno(r, "read container %s: %m", id);
	TraceContainer *c = add(a, cgroup_id, id, r >= 0 ? row.name : NULL);
	if (r >= 0)
		container_row_done(&row);
	if (c && !c->name)
		c->named_at = now_mono_usec();
	return c;
}

int trace_attrib_foreach(TraceAttrib *a, int (*fn)(const TraceContainer *c, void *userdata),
			 void *userdata)
{
	for (size_t i = 0; i < a->n_containers; i++) {
		int r = fn(a->containers[i], userdata);
		if (r < 0)
			return r;
	}
	return 0;
}
