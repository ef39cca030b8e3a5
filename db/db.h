/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The state database. Nothing outside db/ speaks SQL. The schema is a
 * public interface, documented in docs/state-db.md; change it only through
 * a new migration in db/db.c. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct sqlite3 sqlite3;

#define DB_SCHEMA_VERSION 11

/* Opens (and creates, 0600) the database, enables WAL and a busy timeout,
 * and brings the schema up to DB_SCHEMA_VERSION. A file of 0 bytes is a
 * damaged DB (-EBADMSG), never a new one: a new DB is made whole under
 * another name and linked into place. */
int db_open(const char *path, sqlite3 **ret);
/* The same for a DB that must exist already (a supervisor's): -ENOENT
 * when it does not, instead of a new, empty one. */
int db_open_existing(const char *path, sqlite3 **ret);

/* Space held in reserve for the state DB's writes when its disk is full
 * (db.c says how): a file <db>-reserve of DB_RESERVE_BYTES. */
#define DB_RESERVE_SUFFIX "-reserve"
#define DB_RESERVE_BYTES (1024 * 1024)
/* Gives the reserve back to the filesystem (a write failed for space). */
int db_reserve_release(sqlite3 *db);
/* 0 when the reserve of the DB at db_path is there, whole; -ENOENT when it
 * is not (given back, and the disk has had no room to make it again). */
int db_reserve_check(const char *db_path);
sqlite3 *db_close(sqlite3 *db);
/* Reads and parses the schema now (SQLite does it at a connection's first
 * statement: 0.2 ms here, tens of ms in the test VM), for a process that
 * has a moment to wait before a write that others wait for. */
void db_load_schema(sqlite3 *db);
/* A checkpoint (two or three fdatasync() calls, 1 ms on an idle disk here,
 * far more on a busy one) runs when the WAL holds DB_CHECKPOINT_PAGES or
 * more: in db_close(), or in a commit past 8 times that (a long writer).
 * On the path of a container start no one should wait for one: there the
 * process defers them (db_defer_checkpoints(), for every connection of the
 * process: berth has one), and db_checkpoint_if_due() runs it later, once
 * nobody waits (the supervisor, after its reply). */
#define DB_CHECKPOINT_PAGES 128
void db_defer_checkpoints(sqlite3 *db);
void db_checkpoint_if_due(sqlite3 *db);
static inline void db_closep(sqlite3 **db)
{
	db_close(*db);
}
#define _cleanup_db_ __attribute__((cleanup(db_closep)))
/* The last SQLite error message of this connection, for logs. */
const char *db_errmsg(sqlite3 *db);
int db_integrity_check(sqlite3 *db, char **ret_result);

/* repair.c: for `berth system check --repair`. */
int db_reindex(sqlite3 *db);
typedef struct {
	int64_t containers, images; /* rows the new DB has after the copy */
} DbSalvage;
/* Copies into db (a new DB) every row that can be read from the damaged
 * DB file at from, table by table, and row by row past bad pages. */
int db_salvage(sqlite3 *db, const char *from, DbSalvage *ret);

typedef enum {
	STATE_CREATED,
	STATE_RUNNING,
	STATE_PAUSED,
	STATE_EXITED,
	STATE_STOPPED,
	STATE_REMOVING,
	_STATE_MAX,
	_STATE_INVALID = -22,
} ContainerState;

const char *container_state_to_string(ContainerState s);
ContainerState container_state_from_string(const char *s);

typedef struct {
	char *id;
	char *name;
	char *image;
	char *command; /* JSON array */
	ContainerState state;
	char *created_at;
	char *started_at;
	char *finished_at;
	int64_t pid;
	int64_t pid_start_time;
	int64_t supervisor_pid;
	int64_t supervisor_start_time;
	char *boot_id;
	bool has_exit_code;
	int64_t exit_code;
	int64_t exit_signal;
	bool oom_killed;
	char *error;
	char *cgroup;
	char *rootfs;
	char *bundle;
	bool auto_remove;
	int64_t restart_count;
	int64_t userns_base; /* --userns auto: first host uid of its range; 0: none */
	int64_t log_dropped; /* bytes of output its log could not take */
	/* What made it through berth-runtime ("podman", "containerd", ...);
	 * NULL for berth's own containers. */
	char *engine;
} ContainerRow;

void container_row_done(ContainerRow *c);
void container_rows_free(ContainerRow *rows, size_t n);

/* -EEXIST when the name or id is taken. */
int db_container_insert(sqlite3 *db, const ContainerRow *c);
/* The same with the state, the run's fields (pids, cgroup, times, error)
 * and the engine as c has them: a row recovered from a container's folder. */
int db_container_insert_recovered(sqlite3 *db, const ContainerRow *c);
int db_container_get(sqlite3 *db, const char *id, ContainerRow *ret);
/* The container whose cgroup (the column, an absolute path) is cgroup;
 * -ENOENT when none. */
int db_container_get_by_cgroup(sqlite3 *db, const char *cgroup, ContainerRow *ret);
/* Finds a container by exact name, exact id or unique id prefix.
 * -ENOENT when nothing matches; -ENOTUNIQ when a prefix matches several:
 * then ret_matches (if not NULL) lists up to 10 of their ids. */
int db_container_lookup(sqlite3 *db, const char *key, ContainerRow *ret, char ***ret_matches);
int db_container_list(sqlite3 *db, ContainerRow **ret, size_t *ret_n);
int db_container_list_ids(sqlite3 *db, char ***ret);
/* 1 when some container has an engine (berth-runtime's), else 0. */
int db_container_has_engines(sqlite3 *db);
/* Calls fn for every container, in list order (the order they were
 * created in: rowid order), without
 * copying: the row's strings belong to SQLite and last only for the call
 * (never free or keep them, nor write to the DB from fn). unsettled_only:
 * only rows whose state someone is, or was, at work on (running, paused,
 * created, removing), which a command checks before it shows them. fn's
 * negative return stops the walk and is returned. */
typedef int (*ContainerRowFn)(const ContainerRow *row, void *userdata);
int db_container_foreach(sqlite3 *db, bool unsettled_only, ContainerRowFn fn, void *userdata);
/* The host uid ranges --userns auto handed out, ascending. */
int db_userns_bases(sqlite3 *db, int64_t **ret, size_t *ret_n);

typedef struct {
	int64_t pid;
	int64_t pid_start_time;
	int64_t supervisor_pid;
	int64_t supervisor_start_time;
	const char *boot_id;
	const char *started_at;
	const char *cgroup;
} RunningInfo;
int db_container_set_running(sqlite3 *db, const char *id, const RunningInfo *info);
/* berth-runtime create: the init of a `created` container waits for its
 * start; its pid (and, as its supervisor, itself: nothing else watches
 * it), boot and cgroup. -ESTALE when the row is not `created`. */
int db_container_set_created(sqlite3 *db, const char *id, const RunningInfo *info);

typedef struct {
	bool has_exit_code;
	int64_t exit_code;
	int64_t exit_signal;
	bool oom_killed;
	const char *finished_at;
	const char *error;
	int64_t log_dropped; /* added to the row's count */
} ExitInfo;
/* Records the end of a run. Leaves a row in state 'removing' alone, so a
 * concurrent `rm -f` keeps its claim: -ESTALE then, and when the row is
 * gone. */
int db_container_set_exited(sqlite3 *db, const char *id, const ExitInfo *info);
/* Moves the row to `to` only if it is in one of the states in `from`
 * (a _STATE_INVALID-terminated list, or NULL for any). -ESTALE when the
 * row was not in such a state, -ENOENT when it is gone. */
int db_container_set_state(sqlite3 *db, const char *id, ContainerState to,
			   const ContainerState *from);
int db_container_delete(sqlite3 *db, const char *id);
/* `start`: claims a container that is not running (exited or stopped) by
 * moving it to `created`, so that of two starts at once only one goes on.
 * -ESTALE when it is in another state. */
int db_container_claim_start(sqlite3 *db, const char *id);
/* A container left `created` by a start that never ended (its supervisor
 * and CLI killed): recorded as exited, with an unknown status and why.
 * -ESTALE if it is no longer `created`. */
int db_container_mark_unstarted(sqlite3 *db, const char *id, const char *finished_at,
				const char *error);
/* The supervisor of a running or paused container is gone (killed,
 * reboot): record the run as ended with an unknown exit status. -ESTALE if
 * the row no longer shows that supervisor. */
int db_container_mark_lost(sqlite3 *db, const char *id, int64_t supervisor_pid,
			   const char *finished_at, const char *error);

typedef struct {
	char *id;
	char *name;
	char *layers; /* JSON array of directories, top first */
	char *source;
	int64_t size;
	char *created_at;
	char *config;       /* JSON or NULL */
	char *digest;       /* manifest digest of an OCI image, or NULL */
	char *manifest;     /* the image manifest as pulled or imported, or NULL */
	char *image_config; /* the whole OCI image config document, or NULL */
} ImageRow;

void image_row_done(ImageRow *i);
void image_rows_free(ImageRow *rows, size_t n);
/* -EEXIST when the name (or id) is taken. */
int db_image_insert(sqlite3 *db, const ImageRow *i);
/* By images.name, else by a name of image_names (ImageRow.name is then
 * still images.name). */
int db_image_get_by_name(sqlite3 *db, const char *name, ImageRow *ret);
/* The image recorded with this manifest digest (the newest if several);
 * -ENOENT if none. */
int db_image_get_by_digest(sqlite3 *db, const char *digest, ImageRow *ret);
/* Gives image image_id the extra name `name`; -EEXIST when an image has it. */
int db_image_add_name(sqlite3 *db, const char *image_id, const char *name);
/* Removes the extra name `name`; -ENOENT when no image has it as one. */
int db_image_remove_name(sqlite3 *db, const char *name);
/* Takes one name off an image that has more than one: an extra name goes;
 * images.name is replaced by the oldest extra name (containers made under
 * it follow). 1 when done, 0 when name is the image's only name. */
int db_image_untag(sqlite3 *db, const char *name);
/* The extra names of an image, oldest first. */
int db_image_names(sqlite3 *db, const char *image_id, char ***ret);
/* Renames an image (images.name) and the containers made from it under
 * that name, in one transaction. -EEXIST when the new name is taken. */
int db_image_rename(sqlite3 *db, const char *old_name, const char *new_name);
int db_image_list(sqlite3 *db, ImageRow **ret, size_t *ret_n);
/* Deletes the image, its image_layers rows and every layer no other image
 * uses, in one transaction. The layer folders are the caller's to remove
 * (see db_layer_list_digests). */
int db_image_delete(sqlite3 *db, const char *name);
/* Number of containers whose image is `name`. */
int db_image_count_users(sqlite3 *db, const char *name);

/* One row of the events table, written by `berth trace --db`. */
typedef struct {
	char *time; /* UTC ISO-8601 with milliseconds */
	const char *type;
	const char *action;   /* or NULL */
	char *container_id;   /* NULL: not a container's process */
	char *container_name; /* NULL with container_id */
	uint64_t cgroup_id;
	int64_t pid;
	int64_t tid;
	int64_t ppid; /* 0: unknown, stored as NULL */
	char *comm;
	char *path;    /* or NULL */
	char *details; /* a JSON object */
} EventRow;

void event_row_done(EventRow *e);
/* Inserts rows in one transaction: a tracer writes in batches, so that a
 * burst of events costs one commit rather than one each. */
int db_event_insert_many(sqlite3 *db, const EventRow *rows, size_t n);

typedef struct {
	char *digest; /* "sha256:<hex>" of the uncompressed layer tar (diff_id) */
	int64_t size; /* bytes on disk */
	char *created_at;
} LayerRow;

void layer_row_done(LayerRow *l);
void layer_rows_free(LayerRow *rows, size_t n);
/* Records an image made of shared layers (bottom first; the same digest
 * may appear more than once) in one transaction: layers not yet known are
 * added, then the image and its image_layers rows. -EEXIST when the image
 * name is taken. */
int db_image_insert_layered(sqlite3 *db, const ImageRow *i, const LayerRow *layers, size_t n);
/* The layers of an image, bottom first; none for a single-folder image. */
int db_image_get_layers(sqlite3 *db, const char *image_id, LayerRow **ret, size_t *ret_n);
/* -ENOENT if the layer is not recorded. */
int db_layer_get(sqlite3 *db, const char *digest, LayerRow *ret);
int db_layer_list_digests(sqlite3 *db, char ***ret);

/* network.c: networks, and each container's place on them (migration 10,
 * docs/state-db.md). */
typedef struct {
	char *id; /* 64 hex */
	char *name;
	char *driver;    /* "bridge" */
	char *interface; /* the bridge: berth0, berth1, ... */
	char *subnet;    /* IPv4 CIDR */
	char *gateway;
	bool internal;    /* no way out */
	bool dns_enabled; /* aardvark-dns answers the containers' names */
	char *labels;     /* a JSON object */
	char *created_at;
} NetworkRow;
void network_row_done(NetworkRow *n);
void network_rows_free(NetworkRow *rows, size_t n);
/* -EEXIST: the name is taken; -EADDRINUSE: the subnet; -EBUSY: the bridge. */
int db_network_insert(sqlite3 *db, const NetworkRow *n);
/* By exact name, else unique id prefix: -ENOENT, -ENOTUNIQ. */
int db_network_lookup(sqlite3 *db, const char *key, NetworkRow *ret);
int db_network_list(sqlite3 *db, NetworkRow **ret, size_t *ret_n);
/* -EBUSY while a container is attached to it, -ENOENT when it is gone. */
int db_network_delete(sqlite3 *db, const char *id);

/* A container's interface on a network. */
typedef struct {
	char *container_id;
	char *network_id;
	char *network_name;
	char *interface; /* in the container: eth0, eth1, ... */
	char *ip;        /* NULL before db_container_insert_networked(): pick one */
	char *mac;
	bool ip_allocated; /* ip was picked by db_container_insert_networked() */
} NetworkAttachment;
void network_attachments_free(NetworkAttachment *a, size_t n);
int db_container_networks(sqlite3 *db, const char *container_id, NetworkAttachment **ret,
			  size_t *ret_n);
int db_network_attachments(sqlite3 *db, const char *network_id, NetworkAttachment **ret,
			   size_t *ret_n);
struct PortMapping;
int db_container_ports(sqlite3 *db, const char *container_id, struct PortMapping **ret,
		       size_t *ret_n);
/* Inserts the container, its attachments (each without an ip gets the
 * first free address of its network, written to a[i].ip) and its ports,
 * in one transaction. -EEXIST: the name is taken; -EADDRNOTAVAIL: a[*ret_failed]'s
 * address is another container's; -ERANGE: its network has no address
 * left; -ENOENT: its network was removed meanwhile; -ENOTUNIQ: the port
 * ports[*ret_failed] is given twice. */
int db_container_insert_networked(sqlite3 *db, const ContainerRow *c, NetworkAttachment *a,
				  size_t n, const struct PortMapping *ports, size_t n_ports,
				  size_t *ret_failed);
/* The same for a container that is in the DB already (a row recovered by
 * `system check --repair`): its attachments, each with its ip, and ports. */
int db_container_attach(sqlite3 *db, const char *id, NetworkAttachment *a, size_t n,
			const struct PortMapping *ports, size_t n_ports, size_t *ret_failed);
/* 1 when some container is on a network, else 0. */
int db_networks_in_use(sqlite3 *db);
