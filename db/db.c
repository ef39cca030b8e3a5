/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>

#include "db-internal.h"
#include "log.h"
#include "util.h"

/* A migration is SQL, or C for what SQL cannot say. */
typedef struct {
	const char *sql;
	int (*run)(sqlite3 *db);
} Migration;

/* Migrations, applied in order; migration N brings user_version from N-1
 * to N. Never edit a released one: add a new one. */
/* Laid out by hand: the SQL of each migration. */
/* clang-format off */
static const Migration migrations[] = {
	/* 1: containers and images */
	{ .sql =
		"CREATE TABLE containers ("
		"  id TEXT PRIMARY KEY NOT NULL,"
		"  name TEXT NOT NULL UNIQUE,"
		"  image TEXT NOT NULL,"
		"  command TEXT NOT NULL,"
		"  state TEXT NOT NULL DEFAULT 'created' CHECK (state IN"
		"    ('created','running','paused','exited','stopped','removing')),"
		"  created_at TEXT NOT NULL,"
		"  started_at TEXT,"
		"  finished_at TEXT,"
		"  pid INTEGER,"
		"  pid_start_time INTEGER,"
		"  supervisor_pid INTEGER,"
		"  supervisor_start_time INTEGER,"
		"  boot_id TEXT,"
		"  exit_code INTEGER,"
		"  exit_signal INTEGER,"
		"  oom_killed INTEGER NOT NULL DEFAULT 0,"
		"  error TEXT,"
		"  cgroup TEXT,"
		"  rootfs TEXT NOT NULL,"
		"  bundle TEXT NOT NULL,"
		"  auto_remove INTEGER NOT NULL DEFAULT 0,"
		"  restart_count INTEGER NOT NULL DEFAULT 0"
		") STRICT;"
		"CREATE INDEX containers_state ON containers(state);"
		"CREATE INDEX containers_image ON containers(image);"
		"CREATE TABLE images ("
		"  id TEXT PRIMARY KEY NOT NULL,"
		"  name TEXT NOT NULL UNIQUE,"
		"  layers TEXT NOT NULL,"
		"  source TEXT NOT NULL,"
		"  size INTEGER NOT NULL DEFAULT 0,"
		"  created_at TEXT NOT NULL,"
		"  config TEXT"
		") STRICT;" },
	/* 2: events recorded by `berth trace --db` (docs/state-db.md, "events").
	 * container_id is no foreign key: events outlive their container,
	 * which is why its name is kept too. */
	{ .sql =
		"CREATE TABLE events ("
		"  id INTEGER PRIMARY KEY,"
		"  time TEXT NOT NULL,"
		"  type TEXT NOT NULL CHECK (type IN"
		"    ('fork','exec','exit','cgroup','ns','mount','oom')),"
		"  action TEXT,"
		"  container_id TEXT,"
		"  container_name TEXT,"
		"  cgroup_id INTEGER NOT NULL,"
		"  pid INTEGER NOT NULL,"
		"  tid INTEGER NOT NULL,"
		"  ppid INTEGER,"
		"  comm TEXT NOT NULL,"
		"  path TEXT,"
		"  details TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(details))"
		") STRICT;"
		"CREATE INDEX events_container ON events(container_id, time);"
		"CREATE INDEX events_time ON events(time);" },
	/* 3: --userns auto: the host uid range each container got */
	{ .sql =
		"ALTER TABLE containers ADD COLUMN userns_base INTEGER;"
		"CREATE UNIQUE INDEX containers_userns_base ON containers(userns_base)"
		"  WHERE userns_base IS NOT NULL;" },
	/* 4: OCI images: layers shared between images by digest. A layer's
	 * reference count is the number of image_layers rows naming it, so it
	 * can never drift from the images that use it. */
	{ .sql =
		"ALTER TABLE images ADD COLUMN digest TEXT;"
		"CREATE TABLE layers ("
		"  digest TEXT PRIMARY KEY NOT NULL,"
		"  size INTEGER NOT NULL DEFAULT 0,"
		"  created_at TEXT NOT NULL"
		") STRICT;"
		"CREATE TABLE image_layers ("
		"  image_id TEXT NOT NULL REFERENCES images(id),"
		"  position INTEGER NOT NULL,"
		"  digest TEXT NOT NULL REFERENCES layers(digest),"
		"  PRIMARY KEY (image_id, position)"
		") STRICT;"
		"CREATE INDEX image_layers_digest ON image_layers(digest);" },
	/* 5: `berth list` reads containers in creation order: no sort */
	{ .sql =
		"CREATE INDEX containers_created ON containers(created_at, id);" },
	/* 6: four pages fewer written by every container's start and end, two
	 * statements fewer parsed by every process that opens the DB. `list`
	 * reads the table in rowid order, which is the order the containers
	 * were created in (SQLite gives a new row a rowid above every other),
	 * without an index, and faster: no lookup of each row through one.
	 * The containers of an image are only counted by `image rm`, in a
	 * scan. */
	{ .sql =
		"DROP INDEX containers_created;"
		"DROP INDEX containers_image;" },
	/* 7: bytes of output a container's log could not take (its disk
	 * full), over all its runs */
	{ .sql =
		"ALTER TABLE containers ADD COLUMN log_dropped INTEGER NOT NULL DEFAULT 0;" },
	/* 8: paths under the root relative to it (relative-paths.c), so that
	 * a root that was moved or copied finds its own files */
	{ .run = db_make_paths_relative },
	/* 9: the engine that made a container through berth-runtime */
	{ .sql =
		"ALTER TABLE containers ADD COLUMN engine TEXT;" },
	/* 10: networks (netavark's bridges), each container's addresses on
	 * them and its published ports. A container's rows go with it (the
	 * trigger), whichever command deletes it. The default network `berth`
	 * is a row like the others, so that every query sees it. */
	{ .sql =
		"CREATE TABLE networks ("
		"  id TEXT PRIMARY KEY NOT NULL,"
		"  name TEXT NOT NULL UNIQUE,"
		"  driver TEXT NOT NULL DEFAULT 'bridge' CHECK (driver IN ('bridge')),"
		"  interface TEXT NOT NULL UNIQUE,"
		"  subnet TEXT NOT NULL UNIQUE,"
		"  gateway TEXT NOT NULL,"
		"  internal INTEGER NOT NULL DEFAULT 0,"
		"  dns_enabled INTEGER NOT NULL DEFAULT 1,"
		"  labels TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(labels)),"
		"  created_at TEXT NOT NULL"
		") STRICT;"
		"INSERT INTO networks (id, name, interface, subnet, gateway, created_at) VALUES ("
		"  '5c2f64c7f21efd5fb5e3d6a499abe5eacb248ae6f6f0085387c9a056d10ef5fd',"
		"  'berth', 'berth0', '10.90.0.0/16', '10.90.0.1',"
		"  strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));"
		"CREATE TABLE container_networks ("
		"  container_id TEXT NOT NULL,"
		"  network_id TEXT NOT NULL REFERENCES networks(id),"
		"  interface TEXT NOT NULL,"
		"  ip TEXT NOT NULL,"
		"  mac TEXT NOT NULL,"
		"  PRIMARY KEY (container_id, network_id),"
		"  UNIQUE (network_id, ip)"
		") STRICT;"
		"CREATE TABLE container_ports ("
		"  container_id TEXT NOT NULL,"
		"  host_ip TEXT NOT NULL DEFAULT '',"
		"  host_port INTEGER NOT NULL CHECK (host_port BETWEEN 1 AND 65535),"
		"  container_port INTEGER NOT NULL CHECK (container_port BETWEEN 1 AND 65535),"
		"  protocol TEXT NOT NULL CHECK (protocol IN ('tcp','udp')),"
		"  PRIMARY KEY (container_id, protocol, host_ip, host_port)"
		") STRICT;"
		"CREATE TRIGGER containers_delete_networks AFTER DELETE ON containers BEGIN"
		"  DELETE FROM container_networks WHERE container_id = OLD.id;"
		"  DELETE FROM container_ports WHERE container_id = OLD.id;"
		"END;" },
	/* 11: images from registries: the manifest and the whole image config
	 * as pulled (history, labels), and the names an image has besides
	 * images.name (`image tag`). A name is in one table or the other, never
	 * both: the triggers refuse a name the other table has. */
	{ .sql =
		"ALTER TABLE images ADD COLUMN manifest TEXT;"
		"ALTER TABLE images ADD COLUMN image_config TEXT;"
		"CREATE TABLE image_names ("
		"  name TEXT PRIMARY KEY NOT NULL,"
		"  image_id TEXT NOT NULL REFERENCES images(id)"
		") STRICT;"
		"CREATE INDEX image_names_image ON image_names(image_id);"
		"CREATE TRIGGER image_names_unique BEFORE INSERT ON image_names"
		"  WHEN EXISTS (SELECT 1 FROM images WHERE name = NEW.name) BEGIN"
		"  SELECT RAISE(ABORT, 'UNIQUE constraint failed: image name');"
		"END;"
		"CREATE TRIGGER images_name_unique BEFORE INSERT ON images"
		"  WHEN EXISTS (SELECT 1 FROM image_names WHERE name = NEW.name) BEGIN"
		"  SELECT RAISE(ABORT, 'UNIQUE constraint failed: image name');"
		"END;"
		"CREATE TRIGGER images_rename_unique BEFORE UPDATE OF name ON images"
		"  WHEN EXISTS (SELECT 1 FROM image_names WHERE name = NEW.name) BEGIN"
		"  SELECT RAISE(ABORT, 'UNIQUE constraint failed: image name');"
		"END;"
		"CREATE TRIGGER images_delete_names AFTER DELETE ON images BEGIN"
		"  DELETE FROM image_names WHERE image_id = OLD.id;"
		"END;" },
};
/* clang-format on */

_Static_assert(ELEMENTSOF(migrations) == DB_SCHEMA_VERSION, "one migration per schema version");

/* A hundred CLIs and supervisors may write at once: wait for the lock
 * rather than fail. Writers hold it for well under a millisecond. */
#define DB_BUSY_TIMEOUT_MS 60000

int db_exec(sqlite3 *db, const char *sql)
{
	int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	return db_errno(db, rc);
}

static int db_get_user_version(sqlite3 *db, int *ret)
{
	_cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_errno(db, rc);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW)
		return db_errno(db, rc);
	*ret = sqlite3_column_int(st, 0);
	return 0;
}

static int db_migrate(sqlite3 *db)
{
	int version;
	int r = db_get_user_version(db, &version);
	if (r < 0)
		return r;
	if (version == DB_SCHEMA_VERSION)
		return 0;
	if (version > DB_SCHEMA_VERSION) {
		log_debug("state DB schema %d is newer than this berth's %d", version,
			  DB_SCHEMA_VERSION);
		return -EPROTONOSUPPORT;
	}

	/* WAL must be switched on outside a transaction; it is persistent,
	 * so this runs once, when the database is new. The switch needs an
	 * exclusive lock, and SQLite does not call the busy handler while
	 * this connection holds the shared lock of the pragma (waiting could
	 * deadlock): processes creating the database at the same moment get
	 * SQLITE_BUSY at once. Retry as long as the busy timeout would wait. */
	for (int waited = 0;; waited++) {
		r = db_exec(db, "PRAGMA journal_mode=WAL");
		if (r != -EBUSY || waited >= DB_BUSY_TIMEOUT_MS)
			break;
		sqlite3_sleep(1);
	}
	if (r < 0)
		return r;

	r = db_exec(db, "BEGIN IMMEDIATE");
	if (r < 0)
		return r;
	/* Another process may have migrated while we waited for the lock. */
	r = db_get_user_version(db, &version);
	if (r < 0)
		goto rollback;
	for (; version < DB_SCHEMA_VERSION; version++) {
		const Migration *m = &migrations[version];
		r = m->sql ? db_exec(db, m->sql) : m->run(db);
		if (r < 0)
			goto rollback;
		char pragma[64];
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version=%d", version + 1);
		r = db_exec(db, pragma);
		if (r < 0)
			goto rollback;
	}
	r = db_exec(db, "COMMIT");
	if (r < 0)
		goto rollback;
	return 0;
rollback:
	(void)sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return r;
}

/* Pages in the WAL after this process's last commit (one connection a
 * process is what berth has), and whether db_defer_checkpoints() said to
 * leave the checkpoint to db_checkpoint_if_due(). */
static int wal_pages;
static bool checkpoints_deferred;

/* In place of SQLite's automatic checkpoint (which is this hook's place):
 * most berth processes write once or twice and exit, and db_close()
 * checkpoints then; a long writer (`trace --db`) checkpoints as it goes. */
static int wal_hook(void *userdata, sqlite3 *db, const char *name, int pages)
{
	wal_pages = pages;
	/* As SQLite's own would: a checkpoint, no write (not allowed here);
	 * this writer's next commit starts the WAL over. */
	if (!checkpoints_deferred && pages >= 8 * DB_CHECKPOINT_PAGES)
		(void)sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	return SQLITE_OK;
}

void db_defer_checkpoints(sqlite3 *db)
{
	checkpoints_deferred = true;
}

void db_checkpoint_if_due(sqlite3 *db)
{
	if (!db || wal_pages < DB_CHECKPOINT_PAGES)
		return;
	/* PASSIVE: never waits for readers or writers; what it cannot copy
	 * now, a later one will. */
	int log = 0, done = 0;
	if (sqlite3_wal_checkpoint_v2(db, "main", SQLITE_CHECKPOINT_PASSIVE, &log, &done) !=
	    SQLITE_OK)
		return;
	wal_pages = 0;
	/* All of it is in the DB file now, but SQLite starts the WAL over only
	 * at the next write, and only if the checkpoint's record in the -shm
	 * is still there: a process that opens the DB when no other has it
	 * open rebuilds that record from the WAL and finds nothing copied.
	 * Without daemon that is the next berth command, so write now (the
	 * version as it is in the file, which a newer berth may have raised
	 * while this process ran): the WAL starts over with one frame, instead
	 * of growing for ever and being read whole by every first opener. */
	if (log > 0 && done == log && db_begin(db) >= 0) {
		int version;
		char sql[64];
		if (db_get_user_version(db, &version) >= 0) {
			snprintf(sql, sizeof(sql), "PRAGMA user_version=%d", version);
			(void)sqlite3_exec(db, sql, NULL, NULL, NULL);
		}
		(void)db_commit(db);
	}
}

/* ---- space held in reserve ----
 *
 * The state DB must be writable when the disk under it is full, for the
 * write that matters most then: a container's end (its exit code, or that
 * it was killed for memory), which its supervisor records once, and which
 * nobody can learn later. In WAL mode every write appends to the WAL,
 * which needs blocks. So DB_RESERVE_BYTES are held in a file of their own
 * beside the DB, <db>-reserve, made whenever it is missing (at db_open())
 * and there is room for it; a write that fails with SQLITE_FULL deletes it
 * and tries once more (db_step_write()). That pays for about forty such
 * writes, by anyone; the next berth command that finds room makes it
 * again. docs/state-db.md says why this rather than a row preallocated
 * and written in place. */

static char *reserve_path(const char *db_path)
{
	char *p = NULL;
	return asprintf(&p, "%s%s", db_path, DB_RESERVE_SUFFIX) < 0 ? NULL : p;
}

/* Makes the reserve if it is missing and the disk has room: unnamed
 * (O_TMPFILE) until its blocks are allocated, so that nobody ever sees a
 * part of one, and a disk without room for it is left as it was. */
static void reserve_make(const char *db_path)
{
	_cleanup_free_ char *path = reserve_path(db_path);
	struct stat st;
	if (!path || stat(path, &st) == 0 || errno != ENOENT)
		return;
	_cleanup_free_ char *dir = strdup(db_path);
	char *slash = dir ? strrchr(dir, '/') : NULL;
	if (!slash)
		return;
	*(slash == dir ? slash + 1 : slash) = 0;
	_cleanup_close_ int fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	int r = posix_fallocate(fd, 0, DB_RESERVE_BYTES);
	if (r != 0) {
		log_debug("hold %d bytes in reserve for the state DB: %s", DB_RESERVE_BYTES,
			  strerror(r));
		return;
	}
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	/* EEXIST: another process made it meanwhile. */
	if (linkat(AT_FDCWD, proc, AT_FDCWD, path, AT_SYMLINK_FOLLOW) < 0 && errno != EEXIST)
		log_debug_errno(-errno, "link the state DB's reserve `%s`: %m", path);
}

int db_reserve_release(sqlite3 *db)
{
	const char *file = sqlite3_db_filename(db, "main");
	_cleanup_free_ char *path = file ? reserve_path(file) : NULL;
	if (!path)
		return -ENOMEM;
	if (unlink(path) < 0)
		return -errno;
	log_debug("the disk under the state DB is full: gave back its reserve");
	return 0;
}

int db_reserve_check(const char *db_path)
{
	_cleanup_free_ char *path = reserve_path(db_path);
	struct stat st;
	if (!path)
		return -ENOMEM;
	if (stat(path, &st) < 0)
		return -errno;
	return (uint64_t)st.st_blocks * 512 >= DB_RESERVE_BYTES ? 0 : -ENOSPC;
}

int db_step_write(sqlite3 *db, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	/* A single statement in autocommit mode: SQLite rolled it back whole,
	 * so it can be run again once there is room. */
	if ((rc & 0xff) == SQLITE_FULL && sqlite3_get_autocommit(db) &&
	    db_reserve_release(db) >= 0) {
		sqlite3_reset(st);
		rc = sqlite3_step(st);
	}
	return rc;
}

/* ---- creating and opening ---- */

/* A new state DB is made whole under a temporary name (its schema, WAL
 * mode, mode 0600), then linked into place. So a state.db is never seen
 * half-made, and one of 0 bytes is not a DB being created but a damaged
 * one (a truncated file), which must never be taken for a new, empty DB
 * while containers run. */
static int db_create(const char *path)
{
	_cleanup_free_ char *tmp = NULL;
	if (asprintf(&tmp, "%s.new-XXXXXX", path) < 0)
		return -ENOMEM;
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	close(fd);
	sqlite3 *db = NULL;
	int rc = sqlite3_open_v2(tmp, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	int r = rc == SQLITE_OK ? db_migrate(db) : db_errno(db, rc);
	/* The last connection to close checkpoints the WAL into the file and
	 * deletes it: what is linked is the whole DB. */
	if (sqlite3_close(db) != SQLITE_OK && r >= 0)
		r = -EBUSY;
	if (r >= 0 && link(tmp, path) < 0 && errno != EEXIST)
		r = -errno; /* EEXIST: another process made it meanwhile; use theirs */
	(void)unlink(tmp);
	return r;
}

static int db_open_once(const char *path, sqlite3 **ret);

static int db_open_full(const char *path, bool create, sqlite3 **ret)
{
	int fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT && create) {
		int r = db_create(path);
		if (r < 0)
			return r;
		fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	}
	if (fd < 0)
		return -errno;
	struct stat st;
	int r = fstat(fd, &st) < 0 ? -errno : 0;
	close(fd);
	if (r < 0)
		return r;
	if (st.st_size == 0)
		return -EBADMSG;
	reserve_make(path);
	r = db_open_once(path, ret);
	/* The first process to open the DB sizes its shared-memory file (-shm)
	 * again, which needs a block: on a full disk that is an I/O error
	 * (SQLITE_IOERR_SHMSIZE). Give back the reserve for it, once. */
	if (r == -EIO) {
		_cleanup_free_ char *reserve = reserve_path(path);
		if (reserve && unlink(reserve) == 0) {
			log_debug("the disk under the state DB is full: gave back its reserve");
			r = db_open_once(path, ret);
		}
	}
	return r;
}

static int db_open_once(const char *path, sqlite3 **ret)
{
	int r;
	sqlite3 *db = NULL;
	int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		r = db_errno(db, rc);
		sqlite3_close_v2(db);
		return r;
	}
	sqlite3_busy_timeout(db, DB_BUSY_TIMEOUT_MS);
	/* Every berth process opens the DB for a moment. By default the last
	 * one to close it checkpoints the WAL into the DB and deletes it, and
	 * the next one creates it again: fsyncs for nothing in every command.
	 * Keep the WAL; checkpoints are ours (wal_hook(), db_close()). A crash
	 * loses nothing: the WAL is the log. */
	(void)sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
	int persist = 1;
	(void)sqlite3_file_control(db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
	/* But keep the WAL short: the first process to open the DB (which,
	 * without a daemon, is most berth commands) rebuilds the WAL index by
	 * reading every frame since the last checkpoint. At SQLite's default
	 * of 1000 pages that cost each command up to 2.7 ms (`berth list`,
	 * 3.1 ms with an empty WAL, 5.8 ms with 840 frames). See wal_hook()
	 * and db_checkpoint_if_due() for how it is kept short. */
	(void)sqlite3_wal_hook(db, wal_hook, NULL);
	/* Read the DB through a mapping: `berth list` of 10,000 containers
	 * made 1,300 pread() calls of a page each. Pages still come from the
	 * page cache, shared by every process; only what is read is mapped. */
	r = db_exec(db, "PRAGMA synchronous=NORMAL; PRAGMA mmap_size=268435456");
	if (r >= 0)
		r = db_migrate(db);
	if (r < 0) {
		sqlite3_close_v2(db);
		return r;
	}
	*ret = db;
	return 0;
}

int db_open(const char *path, sqlite3 **ret)
{
	return db_open_full(path, true, ret);
}

int db_open_existing(const char *path, sqlite3 **ret)
{
	return db_open_full(path, false, ret);
}

void db_load_schema(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	if (db && sqlite3_prepare_v2(db, "SELECT 1 FROM containers", -1, &st, NULL) == SQLITE_OK)
		sqlite3_finalize(st);
}

sqlite3 *db_close(sqlite3 *db)
{
	if (db) {
		if (!checkpoints_deferred)
			db_checkpoint_if_due(db);
		sqlite3_close_v2(db);
	}
	return NULL;
}

int db_integrity_check(sqlite3 *db, char **ret_result)
{
	_cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_errno(db, rc);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW)
		return db_errno(db, rc);
	const char *s = (const char *)sqlite3_column_text(st, 0);
	*ret_result = strdup(s ? s : "");
	return *ret_result ? 0 : -ENOMEM;
}

int db_begin(sqlite3 *db)
{
	return db_exec(db, "BEGIN IMMEDIATE");
}

int db_commit(sqlite3 *db)
{
	int r = db_exec(db, "COMMIT");
	if (r < 0)
		(void)sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return r;
}

void db_rollback(sqlite3 *db)
{
	(void)sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

int db_step_strv(sqlite3 *db, sqlite3_stmt *st, char ***ret)
{
	size_t n = 0, alloc = 16;
	_cleanup_strv_free_ char **l = calloc(alloc + 1, sizeof(char *));
	if (!l)
		return -ENOMEM;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == alloc) {
			char **nl = reallocarray(l, 2 * alloc + 1, sizeof(char *));
			if (!nl)
				return -ENOMEM;
			l = nl;
			alloc *= 2;
		}
		l[n] = db_column_strdup(st, 0);
		if (!l[n])
			return -ENOMEM;
		l[++n] = NULL;
	}
	if (rc != SQLITE_DONE)
		return db_errno(db, rc);
	*ret = TAKE_PTR(l);
	return 0;
}

char *db_column_strdup(sqlite3_stmt *st, int col)
{
	const unsigned char *s = sqlite3_column_text(st, col);
	return s ? strdup((const char *)s) : NULL;
}

int db_bind_text_or_null(sqlite3_stmt *st, int idx, const char *s)
{
	return s ? sqlite3_bind_text(st, idx, s, -1, SQLITE_STATIC) : sqlite3_bind_null(st, idx);
}
