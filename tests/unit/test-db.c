/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for the state database (db/): schema creation and versions,
 * the container and image tables, the state transitions and concurrent
 * writers. Every test works on its own database in a temporary folder. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "db.h"
#include "network.h"
#include "parse.h"
#include "util.h"

typedef struct {
	char dir[256];
	char *path; /* dir/state.db, not created yet */
	sqlite3 *db;
} Fixture;

static int setup(void **state)
{
	Fixture *f = calloc(1, sizeof(Fixture));
	if (!f)
		return -1;
	const char *base = getenv("TMPDIR");
	snprintf(f->dir, sizeof(f->dir), "%s/berth-test-db.XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(f->dir) || asprintf(&f->path, "%s/state.db", f->dir) < 0) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	Fixture *f = *state;
	f->db = db_close(f->db);
	int r = rm_rf(f->dir);
	free(f->path);
	free(f);
	return r < 0 ? -1 : 0;
}

/* Setup that also opens the database. */
static int setup_open(void **state)
{
	if (setup(state) < 0)
		return -1;
	Fixture *f = *state;
	return db_open(f->path, &f->db) < 0 ? -1 : 0;
}

/* Runs a query that returns one text value. */
static char *query_text(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	const unsigned char *s = sqlite3_column_text(st, 0);
	char *r = strdup(s ? (const char *)s : "");
	sqlite3_finalize(st);
	assert_non_null(r);
	return r;
}

static int64_t query_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int64_t v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* A container row whose id is `id_prefix` padded with '0' to 64 hex
 * digits. The row points into the struct, which must outlive it. */
typedef struct {
	char id[CONTAINER_ID_LEN + 1];
	char name[NAME_MAX_LEN + 1];
	char created_at[32];
	ContainerRow row;
} TestContainer;

static void test_container_init(TestContainer *t, const char *id_prefix, const char *name,
				const char *image, uint64_t created_usec)
{
	memset(t->id, '0', CONTAINER_ID_LEN);
	t->id[CONTAINER_ID_LEN] = 0;
	memcpy(t->id, id_prefix, strlen(id_prefix));
	snprintf(t->name, sizeof(t->name), "%s", name);
	format_iso8601(created_usec, t->created_at);
	t->row = (ContainerRow){
		.id = t->id,
		.name = t->name,
		.image = (char *)image,
		.command = (char *)"[\"/bin/sh\",\"-c\",\"echo hi\"]",
		.state = STATE_CREATED,
		.created_at = t->created_at,
		.rootfs = (char *)"/var/lib/berth-test/rootfs",
		.bundle = (char *)"/var/lib/berth-test/bundle",
		.auto_remove = false,
	};
}

static void insert_container(sqlite3 *db, const char *id_prefix, const char *name,
			     uint64_t created_usec)
{
	TestContainer t;
	test_container_init(&t, id_prefix, name, "alpine", created_usec);
	assert_int_equal(db_container_insert(db, &t.row), 0);
}

static ContainerState state_of(sqlite3 *db, const char *id)
{
	ContainerRow c;
	assert_int_equal(db_container_get(db, id, &c), 0);
	ContainerState s = c.state;
	container_row_done(&c);
	return s;
}

static char *full_id(const char *prefix)
{
	char *id = malloc(CONTAINER_ID_LEN + 1);
	assert_non_null(id);
	memset(id, '0', CONTAINER_ID_LEN);
	id[CONTAINER_ID_LEN] = 0;
	memcpy(id, prefix, strlen(prefix));
	return id;
}

static const RunningInfo running_info = {
	.pid = 1234,
	.pid_start_time = 5678,
	.supervisor_pid = 4242,
	.supervisor_start_time = 4343,
	.boot_id = "6f1d0e52-2b44-4c44-9d3b-1f1c8b1c2a10",
	.started_at = "2026-11-23T16:24:27.123Z",
	.cgroup = "/sys/fs/cgroup/unified/berth/abc",
};

/* ---- opening ---- */

static void test_db_open_creates_the_schema_in_wal_mode_with_mode_0600(void **state)
{
	Fixture *f = *state;
	/* A permissive umask must not loosen the mode. */
	mode_t old = umask(0);
	int r = db_open(f->path, &f->db);
	umask(old);
	assert_int_equal(r, 0);
	assert_non_null(f->db);

	assert_int_equal(query_int(f->db, "PRAGMA user_version"), DB_SCHEMA_VERSION);
	_cleanup_free_ char *mode = query_text(f->db, "PRAGMA journal_mode");
	assert_string_equal(mode, "wal");
	assert_int_equal(query_int(f->db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' "
					  "AND name IN ('containers', 'images')"),
			 2);

	struct stat st;
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);

	/* The WAL sidecar files, once written, are as private as the DB. */
	insert_container(f->db, "ab", "web", 1);
	static const char *const suffixes[] = { "-wal", "-shm" };
	for (size_t i = 0; i < ELEMENTSOF(suffixes); i++) {
		_cleanup_free_ char *p = NULL;
		assert_true(asprintf(&p, "%s%s", f->path, suffixes[i]) >= 0);
		if (stat(p, &st) < 0)
			continue;
		if ((st.st_mode & 07777) != 0600)
			fail_msg("%s has mode %o", p, (unsigned)(st.st_mode & 07777));
	}
}

static void test_db_open_again_keeps_schema_and_data(void **state)
{
	Fixture *f = *state;
	assert_int_equal(db_open(f->path, &f->db), 0);
	insert_container(f->db, "ab", "web", 1);
	f->db = db_close(f->db);

	for (int i = 0; i < 3; i++) {
		assert_int_equal(db_open(f->path, &f->db), 0);
		assert_int_equal(query_int(f->db, "PRAGMA user_version"), DB_SCHEMA_VERSION);
		_cleanup_free_ char *mode = query_text(f->db, "PRAGMA journal_mode");
		assert_string_equal(mode, "wal");
		assert_int_equal(query_int(f->db, "SELECT count(*) FROM containers"), 1);
		f->db = db_close(f->db);
	}

	/* Two connections at once see each other's writes. */
	_cleanup_db_ sqlite3 *a = NULL;
	_cleanup_db_ sqlite3 *b = NULL;
	assert_int_equal(db_open(f->path, &a), 0);
	assert_int_equal(db_open(f->path, &b), 0);
	insert_container(a, "cd", "db", 2);
	ContainerRow c;
	assert_int_equal(db_container_lookup(b, "db", &c, NULL), 0);
	container_row_done(&c);
}

static void test_db_open_refuses_a_newer_schema(void **state)
{
	Fixture *f = *state;
	assert_int_equal(db_open(f->path, &f->db), 0);
	char sql[64];
	snprintf(sql, sizeof(sql), "PRAGMA user_version=%d", DB_SCHEMA_VERSION + 1);
	assert_int_equal(sqlite3_exec(f->db, sql, NULL, NULL, NULL), SQLITE_OK);
	f->db = db_close(f->db);

	sqlite3 *db = (sqlite3 *)0x1;
	assert_int_equal(db_open(f->path, &db), -EPROTONOSUPPORT);
	/* ret is written only on success. */
	assert_ptr_equal(db, (sqlite3 *)0x1);

	/* The newer database is left as it was. */
	sqlite3 *raw = NULL;
	assert_int_equal(sqlite3_open_v2(f->path, &raw, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(query_int(raw, "PRAGMA user_version"), DB_SCHEMA_VERSION + 1);
	sqlite3_close(raw);
}

static void test_db_open_refuses_a_garbage_file(void **state)
{
	Fixture *f = *state;
	char junk[4096];
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (char)("garbage!"[i % 8] ^ (i & 0x5a));
	assert_int_equal(write_file(f->path, junk, sizeof(junk), O_CREAT | O_TRUNC, 0600), 0);
	sqlite3 *db = NULL;
	assert_int_equal(db_open(f->path, &db), -EBADMSG);
	assert_null(db);

	/* A short text file is not a database either. */
	assert_int_equal(write_file(f->path, "hello, world\n", 13, O_CREAT | O_TRUNC, 0600), 0);
	assert_int_equal(db_open(f->path, &db), -EBADMSG);
	assert_null(db);

	/* And the file is not overwritten by a fresh schema. */
	_cleanup_free_ char *content = NULL;
	assert_int_equal(read_full_file(f->path, &content, NULL), 0);
	assert_string_equal(content, "hello, world\n");
}

static void test_db_open_does_not_follow_a_symlink(void **state)
{
	Fixture *f = *state;
	_cleanup_free_ char *target = NULL;
	assert_true(asprintf(&target, "%s/elsewhere.db", f->dir) >= 0);
	assert_int_equal(symlink(target, f->path), 0);
	sqlite3 *db = NULL;
	assert_int_equal(db_open(f->path, &db), -ELOOP);
	assert_null(db);
	struct stat st;
	assert_int_equal(lstat(target, &st), -1);
}

static void test_db_open_in_a_missing_directory_fails(void **state)
{
	Fixture *f = *state;
	_cleanup_free_ char *p = NULL;
	assert_true(asprintf(&p, "%s/missing/state.db", f->dir) >= 0);
	sqlite3 *db = NULL;
	assert_int_equal(db_open(p, &db), -ENOENT);
	assert_null(db);
}

static void test_db_integrity_check_says_ok(void **state)
{
	Fixture *f = *state;
	insert_container(f->db, "ab", "web", 1);
	_cleanup_free_ char *result = NULL;
	assert_int_equal(db_integrity_check(f->db, &result), 0);
	assert_string_equal(result, "ok");
}

static void test_container_state_names_round_trip(void **state)
{
	for (int s = 0; s < _STATE_MAX; s++)
		assert_int_equal(container_state_from_string(container_state_to_string(s)), s);
	assert_string_equal(container_state_to_string(STATE_REMOVING), "removing");
	assert_int_equal(container_state_from_string("Running"), _STATE_INVALID);
	assert_int_equal(container_state_from_string(NULL), _STATE_INVALID);
	assert_null(container_state_to_string(_STATE_MAX));
}

/* ---- containers ---- */

static void test_container_insert_then_get_returns_every_field(void **state)
{
	Fixture *f = *state;
	TestContainer t;
	test_container_init(&t, "0123456789abcdef", "web", "library/alpine:3.19",
			    UINT64_C(1700000000123000));
	t.row.auto_remove = true;
	assert_int_equal(db_container_insert(f->db, &t.row), 0);

	ContainerRow c;
	assert_int_equal(db_container_get(f->db, t.id, &c), 0);
	assert_string_equal(c.id, t.id);
	assert_string_equal(c.name, "web");
	assert_string_equal(c.image, "library/alpine:3.19");
	assert_string_equal(c.command, t.row.command);
	assert_int_equal(c.state, STATE_CREATED);
	assert_string_equal(c.created_at, "2023-11-14T22:13:20.123Z");
	assert_null(c.started_at);
	assert_null(c.finished_at);
	assert_int_equal(c.pid, 0);
	assert_int_equal(c.supervisor_pid, 0);
	assert_null(c.boot_id);
	assert_false(c.has_exit_code);
	assert_false(c.oom_killed);
	assert_null(c.error);
	assert_null(c.cgroup);
	assert_string_equal(c.rootfs, t.row.rootfs);
	assert_string_equal(c.bundle, t.row.bundle);
	assert_true(c.auto_remove);
	assert_int_equal(c.restart_count, 0);
	assert_null(c.engine);
	container_row_done(&c);
	assert_null(c.id);

	char *missing = full_id("ff");
	assert_int_equal(db_container_get(f->db, missing, &c), -ENOENT);
	free(missing);
}

/* berth-runtime's rows carry the engine that made them; `berth list` shows
 * an ENGINE column only when some row has one. */
static void test_container_engine_round_trips_and_is_counted(void **state)
{
	Fixture *f = *state;
	insert_container(f->db, "aa", "plain", 1700000000000000);
	assert_int_equal(db_container_has_engines(f->db), 0);

	TestContainer t;
	test_container_init(&t, "bb", "made-by-podman", "localhost/bb", 1700000001000000);
	t.row.engine = (char *)"podman";
	assert_int_equal(db_container_insert_recovered(f->db, &t.row), 0);
	assert_int_equal(db_container_has_engines(f->db), 1);

	ContainerRow c;
	assert_int_equal(db_container_get(f->db, t.id, &c), 0);
	assert_string_equal(c.engine, "podman");
	container_row_done(&c);
}

static int count_rows(const ContainerRow *c, void *userdata)
{
	(void)c;
	(*(int *)userdata)++;
	return 0;
}

static void test_container_list_returns_rows_in_creation_order(void **state)
{
	Fixture *f = *state;
	ContainerRow *rows = NULL;
	size_t n = 99;
	assert_int_equal(db_container_list(f->db, &rows, &n), 0);
	assert_int_equal(n, 0);
	container_rows_free(rows, n);

	/* The order berth created them in, whatever their ids and names (and
	 * the created_at each was given): rowid order, with no index. */
	insert_container(f->db, "cc", "first", 3000000);
	insert_container(f->db, "aa", "second", 3000000);
	insert_container(f->db, "bb", "third", 2000000);
	ContainerRow second;
	assert_int_equal(db_container_lookup(f->db, "second", &second, NULL), 0);
	assert_int_equal(db_container_delete(f->db, second.id), 0);
	container_row_done(&second);
	insert_container(f->db, "ab", "fourth", 4000000);
	assert_int_equal(db_container_list(f->db, &rows, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(rows[0].name, "first");
	assert_string_equal(rows[1].name, "third");
	assert_string_equal(rows[2].name, "fourth");
	container_rows_free(rows, n);

	_cleanup_strv_free_ char **ids = NULL;
	assert_int_equal(db_container_list_ids(f->db, &ids), 0);
	assert_int_equal(strv_length(ids), 3);
	assert_true(startswith(ids[0], "cc"));
	assert_true(startswith(ids[1], "bb"));
	assert_true(startswith(ids[2], "ab"));

	/* The live ones the same way, without an index on created_at. */
	int count = 0;
	assert_int_equal(db_container_foreach(f->db, false, count_rows, &count), 0);
	assert_int_equal(count, 3);
}

static void test_container_list_grows_past_its_first_allocation(void **state)
{
	Fixture *f = *state;
	for (int i = 0; i < 100; i++) {
		char id[32], name[32];
		snprintf(id, sizeof(id), "%04x", i);
		snprintf(name, sizeof(name), "c%d", i);
		insert_container(f->db, id, name, (uint64_t)(i + 1) * 1000);
	}
	ContainerRow *rows = NULL;
	size_t n = 0;
	assert_int_equal(db_container_list(f->db, &rows, &n), 0);
	assert_int_equal(n, 100);
	for (size_t i = 0; i < n; i++) {
		char name[32];
		snprintf(name, sizeof(name), "c%zu", i);
		assert_string_equal(rows[i].name, name);
	}
	container_rows_free(rows, n);
}

static void test_container_insert_with_a_taken_name_or_id_fails_with_eexist(void **state)
{
	Fixture *f = *state;
	insert_container(f->db, "ab", "web", 1);

	TestContainer t;
	test_container_init(&t, "cd", "web", "alpine", 2);
	assert_int_equal(db_container_insert(f->db, &t.row), -EEXIST);
	test_container_init(&t, "ab", "other", "alpine", 2);
	assert_int_equal(db_container_insert(f->db, &t.row), -EEXIST);
	assert_int_equal(query_int(f->db, "SELECT count(*) FROM containers"), 1);

	/* The failed inserts left no transaction open behind them. */
	insert_container(f->db, "ef", "ok", 3);
}

static void test_container_lookup_by_name_id_and_prefix(void **state)
{
	Fixture *f = *state;
	insert_container(f->db, "abc111", "web", 1);
	insert_container(f->db, "abc222", "db", 2);
	insert_container(f->db, "def333", "cache", 3);
	_cleanup_free_ char *web_id = full_id("abc111");
	_cleanup_free_ char *db_id = full_id("abc222");

	ContainerRow c;
	char **matches = NULL;
	assert_int_equal(db_container_lookup(f->db, "web", &c, &matches), 0);
	assert_string_equal(c.id, web_id);
	assert_null(matches);
	container_row_done(&c);

	assert_int_equal(db_container_lookup(f->db, db_id, &c, NULL), 0);
	assert_string_equal(c.name, "db");
	container_row_done(&c);

	assert_int_equal(db_container_lookup(f->db, "abc1", &c, NULL), 0);
	assert_string_equal(c.name, "web");
	container_row_done(&c);
	assert_int_equal(db_container_lookup(f->db, "d", &c, NULL), 0);
	assert_string_equal(c.name, "cache");
	container_row_done(&c);
}

static void test_container_lookup_of_an_ambiguous_prefix_lists_the_matches(void **state)
{
	Fixture *f = *state;
	insert_container(f->db, "abc111", "web", 1);
	insert_container(f->db, "abc222", "db", 2);
	insert_container(f->db, "def333", "cache", 3);
	_cleanup_free_ char *web_id = full_id("abc111");
	_cleanup_free_ char *db_id = full_id("abc222");

	ContainerRow c = { .name = (char *)"untouched" };
	_cleanup_strv_free_ char **matches = NULL;
	assert_int_equal(db_container_lookup(f->db, "abc", &c, &matches), -ENOTUNIQ);
	assert_string_equal(c.name, "untouched");
	assert_int_equal(strv_length(matches), 2);
	assert_true(strv_contains(matches, web_id));
	assert_true(strv_contains(matches, db_id));

	/* Without ret_matches the list is simply dropped. */
	assert_int_equal(db_container_lookup(f->db, "a", &c, NULL), -ENOTUNIQ);
}

static void test_container_lookup_lists_at_most_ten_matches(void **state)
{
	Fixture *f = *state;
	for (int i = 0; i < 15; i++) {
		char id[32], name[32];
		snprintf(id, sizeof(id), "e%02x", i);
		snprintf(name, sizeof(name), "c%d", i);
		insert_container(f->db, id, name, (uint64_t)i + 1);
	}
	ContainerRow c;
	_cleanup_strv_free_ char **matches = NULL;
	assert_int_equal(db_container_lookup(f->db, "e", &c, &matches), -ENOTUNIQ);
	assert_int_equal(strv_length(matches), 10);
}

static void test_container_lookup_of_unknown_keys_gives_enoent(void **state)
{
	Fixture *f = *state;
	insert_container(f->db, "abc111", "web", 1);

	static const char *const keys[] = {
		"nothing", "f",       "abc2", "ABC111", "WEB", "web ",   "../web",
		"",        "abc111x", "ab'c", "a%",     "_",   "web'--",
	};
	for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
		ContainerRow c = { 0 };
		char **matches = NULL;
		int r = db_container_lookup(f->db, keys[i], &c, &matches);
		if (r != -ENOENT)
			fail_msg("lookup(\"%s\") = %d, expected -ENOENT", keys[i], r);
		assert_null(c.id);
		assert_null(matches);
	}
	/* A full id plus one more digit matches nothing. */
	_cleanup_free_ char *id = full_id("abc111");
	_cleanup_free_ char *longer = NULL;
	assert_true(asprintf(&longer, "%s0", id) >= 0);
	ContainerRow c;
	assert_int_equal(db_container_lookup(f->db, longer, &c, NULL), -ENOENT);
}

static void test_container_lookup_prefers_a_name_over_an_id_prefix(void **state)
{
	Fixture *f = *state;
	/* A container named like the prefix of another's id. */
	insert_container(f->db, "abc111", "web", 1);
	insert_container(f->db, "def222", "abc", 2);
	ContainerRow c;
	assert_int_equal(db_container_lookup(f->db, "abc", &c, NULL), 0);
	assert_true(startswith(c.id, "def222"));
	container_row_done(&c);
}

static void test_container_set_running_only_from_created_exited_or_stopped(void **state)
{
	Fixture *f = *state;
	static const struct {
		ContainerState from;
		int expected;
	} cases[] = {
		{ STATE_CREATED, 0 },       { STATE_EXITED, 0 },       { STATE_STOPPED, 0 },
		{ STATE_RUNNING, -ESTALE }, { STATE_PAUSED, -ESTALE }, { STATE_REMOVING, -ESTALE },
	};
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		char prefix[32], name[32];
		snprintf(prefix, sizeof(prefix), "a%zu", i);
		snprintf(name, sizeof(name), "c%zu", i);
		insert_container(f->db, prefix, name, i + 1);
		_cleanup_free_ char *id = full_id(prefix);
		assert_int_equal(db_container_set_state(f->db, id, cases[i].from, NULL), 0);

		int r = db_container_set_running(f->db, id, &running_info);
		if (r != cases[i].expected)
			fail_msg("set_running from %s = %d, expected %d",
				 container_state_to_string(cases[i].from), r, cases[i].expected);
		assert_int_equal(state_of(f->db, id), r == 0 ? STATE_RUNNING : cases[i].from);
	}
}

static void test_container_set_running_records_the_run_and_clears_the_last_exit(void **state)
{
	Fixture *f = *state;
	insert_container(f->db, "ab", "web", 1);
	_cleanup_free_ char *id = full_id("ab");
	assert_int_equal(db_container_set_running(f->db, id, &running_info), 0);
	ExitInfo e = { .has_exit_code = true,
		       .exit_code = 3,
		       .exit_signal = 9,
		       .oom_killed = true,
		       .finished_at = "2026-11-23T16:25:00.000Z",
		       .error = "killed" };
	assert_int_equal(db_container_set_exited(f->db, id, &e), 0);

	RunningInfo again = running_info;
	again.pid = 999;
	assert_int_equal(db_container_set_running(f->db, id, &again), 0);
	ContainerRow c;
	assert_int_equal(db_container_get(f->db, id, &c), 0);
	assert_int_equal(c.state, STATE_RUNNING);
	assert_int_equal(c.pid, 999);
	assert_int_equal(c.pid_start_time, running_info.pid_start_time);
	assert_int_equal(c.supervisor_pid, running_info.supervisor_pid);
	assert_int_equal(c.supervisor_start_time, running_info.supervisor_start_time);
	assert_string_equal(c.boot_id, running_info.boot_id);
	assert_string_equal(c.started_at, running_info.started_at);
	assert_string_equal(c.cgroup, running_info.cgroup);
	assert_false(c.has_exit_code);
	assert_int_equal(c.exit_signal, 0);
	assert_false(c.oom_killed);
	assert_null(c.finished_at);
	assert_null(c.error);
	container_row_done(&c);
}

static void test_container_set_exited_records_the_exit(void **state)
{
	Fixture *f = *state;
	insert_container(f->db, "ab", "web", 1);
	_cleanup_free_ char *id = full_id("ab");
	assert_int_equal(db_container_set_running(f->db, id, &running_info), 0);
	ExitInfo e = { .has_exit_code = true,
		       .exit_code = 0,
		       .finished_at = "2026-11-23T16:25:00.000Z" };
	assert_int_equal(db_container_set_exited(f->db, id, &e), 0);

	ContainerRow c;
	assert_int_equal(db_container_get(f->db, id, &c), 0);
	assert_int_equal(c.state, STATE_EXITED);
	assert_true(c.has_exit_code);
	assert_int_equal(c.exit_code, 0);
	assert_int_equal(c.exit_signal, 0);
	assert_string_equal(c.finished_at, "2026-11-23T16:25:00.000Z");
	assert_string_equal(c.started_at, running_info.started_at);
	assert_int_equal(c.pid, 0);
	assert_int_equal(c.supervisor_pid, 0);
	container_row_done(&c);

	/* Killed by a signal, OOM: no exit code. */
	assert_int_equal(db_container_set_running(f->db, id, &running_info), 0);
	ExitInfo k = { .exit_signal = 9, .oom_killed = true, .error = "out of memory" };
	assert_int_equal(db_container_set_exited(f->db, id, &k), 0);
	assert_int_equal(db_container_get(f->db, id, &c), 0);
	assert_false(c.has_exit_code);
	assert_int_equal(c.exit_signal, 9);
	assert_true(c.oom_killed);
	assert_string_equal(c.error, "out of memory");
	assert_null(c.finished_at);
	container_row_done(&c);
}

static void test_container_set_exited_leaves_a_removing_row_alone(void **state)
{
	Fixture *f = *state;
	insert_container(f->db, "ab", "web", 1);
	_cleanup_free_ char *id = full_id("ab");
	assert_int_equal(db_container_set_running(f->db, id, &running_info), 0);
	assert_int_equal(db_container_set_state(f->db, id, STATE_REMOVING, NULL), 0);

	ExitInfo e = { .has_exit_code = true,
		       .exit_code = 1,
		       .finished_at = "2026-11-23T16:25:00.000Z" };
	assert_int_equal(db_container_set_exited(f->db, id, &e), -ESTALE);
	ContainerRow c;
	assert_int_equal(db_container_get(f->db, id, &c), 0);
	assert_int_equal(c.state, STATE_REMOVING);
	assert_false(c.has_exit_code);
	assert_null(c.finished_at);
	/* The supervisor's record stays for `rm -f` to act on. */
	assert_int_equal(c.supervisor_pid, running_info.supervisor_pid);
	container_row_done(&c);

	/* And a row that is gone is no success either. */
	assert_int_equal(db_container_delete(f->db, id), 0);
	assert_int_equal(db_container_set_exited(f->db, id, &e), -ESTALE);
}

static void test_container_set_state_honours_the_from_list(void **state)
{
	Fixture *f = *state;
	insert_container(f->db, "ab", "web", 1);
	_cleanup_free_ char *id = full_id("ab");

	static const ContainerState running_or_paused[] = { STATE_RUNNING, STATE_PAUSED,
							    _STATE_INVALID };
	assert_int_equal(db_container_set_state(f->db, id, STATE_STOPPED, running_or_paused),
			 -ESTALE);
	assert_int_equal(state_of(f->db, id), STATE_CREATED);

	assert_int_equal(db_container_set_running(f->db, id, &running_info), 0);
	static const ContainerState running[] = { STATE_RUNNING, _STATE_INVALID };
	assert_int_equal(db_container_set_state(f->db, id, STATE_PAUSED, running), 0);
	assert_int_equal(state_of(f->db, id), STATE_PAUSED);
	assert_int_equal(db_container_set_state(f->db, id, STATE_PAUSED, running), -ESTALE);
	assert_int_equal(db_container_set_state(f->db, id, STATE_RUNNING, running_or_paused), 0);
	assert_int_equal(state_of(f->db, id), STATE_RUNNING);

	/* An empty list matches nothing, NULL matches anything. */
	static const ContainerState none[] = { _STATE_INVALID };
	assert_int_equal(db_container_set_state(f->db, id, STATE_STOPPED, none), -ESTALE);
	static const ContainerState all[] = { STATE_CREATED, STATE_RUNNING, STATE_PAUSED,
					      STATE_EXITED,  STATE_STOPPED, STATE_REMOVING,
					      _STATE_INVALID };
	assert_int_equal(db_container_set_state(f->db, id, STATE_STOPPED, all), 0);
	assert_int_equal(db_container_set_state(f->db, id, STATE_REMOVING, NULL), 0);
	assert_int_equal(state_of(f->db, id), STATE_REMOVING);

	char *missing = full_id("ff");
	assert_int_equal(db_container_set_state(f->db, missing, STATE_STOPPED, running), -ENOENT);
	assert_int_equal(db_container_set_state(f->db, missing, STATE_STOPPED, NULL), -ENOENT);
	free(missing);
}

static void test_container_mark_lost_only_for_the_recorded_supervisor(void **state)
{
	Fixture *f = *state;
	insert_container(f->db, "ab", "web", 1);
	_cleanup_free_ char *id = full_id("ab");

	/* Not running: nothing to mark. */
	assert_int_equal(db_container_mark_lost(f->db, id, running_info.supervisor_pid,
						"2026-11-23T16:30:00.000Z", "lost"),
			 -ESTALE);
	assert_int_equal(db_container_set_running(f->db, id, &running_info), 0);
	/* Another supervisor (a newer run) owns the row. */
	assert_int_equal(db_container_mark_lost(f->db, id, running_info.supervisor_pid + 1,
						"2026-11-23T16:30:00.000Z", "lost"),
			 -ESTALE);
	assert_int_equal(db_container_mark_lost(f->db, id, 0, "2026-11-23T16:30:00.000Z", "lost"),
			 -ESTALE);
	assert_int_equal(state_of(f->db, id), STATE_RUNNING);

	assert_int_equal(db_container_mark_lost(f->db, id, running_info.supervisor_pid,
						"2026-11-23T16:30:00.000Z", "supervisor gone"),
			 0);
	ContainerRow c;
	assert_int_equal(db_container_get(f->db, id, &c), 0);
	assert_int_equal(c.state, STATE_EXITED);
	assert_false(c.has_exit_code);
	assert_int_equal(c.exit_signal, 0);
	assert_string_equal(c.error, "supervisor gone");
	assert_string_equal(c.finished_at, "2026-11-23T16:30:00.000Z");
	assert_int_equal(c.supervisor_pid, 0);
	assert_int_equal(c.pid, 0);
	container_row_done(&c);

	/* Only once. */
	assert_int_equal(db_container_mark_lost(f->db, id, running_info.supervisor_pid,
						"2026-11-23T16:31:00.000Z", "again"),
			 -ESTALE);

	/* A paused container can be lost too. */
	assert_int_equal(db_container_set_running(f->db, id, &running_info), 0);
	assert_int_equal(db_container_set_state(f->db, id, STATE_PAUSED, NULL), 0);
	assert_int_equal(db_container_mark_lost(f->db, id, running_info.supervisor_pid, NULL, NULL),
			 0);
	assert_int_equal(state_of(f->db, id), STATE_EXITED);
}

static void test_container_delete_removes_the_row_once(void **state)
{
	Fixture *f = *state;
	insert_container(f->db, "ab", "web", 1);
	insert_container(f->db, "cd", "db", 2);
	_cleanup_free_ char *id = full_id("ab");
	assert_int_equal(db_container_delete(f->db, id), 0);
	ContainerRow c;
	assert_int_equal(db_container_get(f->db, id, &c), -ENOENT);
	assert_int_equal(db_container_lookup(f->db, "web", &c, NULL), -ENOENT);
	assert_int_equal(db_container_delete(f->db, id), -ENOENT);
	assert_int_equal(query_int(f->db, "SELECT count(*) FROM containers"), 1);
	/* The name is free again. */
	insert_container(f->db, "ef", "web", 3);
}

/* ---- images ---- */

static void test_image_insert_get_list_delete(void **state)
{
	Fixture *f = *state;
	ImageRow busybox = {
		.id = (char *)"1111",
		.name = (char *)"busybox",
		.layers = (char *)"[\"/var/lib/berth-test/images/busybox\"]",
		.source = (char *)"/bin/busybox",
		.size = 1234567,
		.created_at = (char *)"2026-11-23T16:24:27.123Z",
		.config = NULL,
	};
	ImageRow alpine = {
		.id = (char *)"2222",
		.name = (char *)"library/alpine:3.19",
		.layers = (char *)"[\"/a\",\"/b\"]",
		.source = (char *)"alpine.tar",
		.size = 0,
		.created_at = (char *)"2026-11-23T16:24:28.000Z",
		.config = (char *)"{\"Env\":[\"A=1\"]}",
	};
	assert_int_equal(db_image_insert(f->db, &busybox), 0);
	assert_int_equal(db_image_insert(f->db, &alpine), 0);

	ImageRow dup = alpine;
	dup.id = (char *)"3333";
	assert_int_equal(db_image_insert(f->db, &dup), -EEXIST);
	dup = busybox;
	dup.name = (char *)"other";
	assert_int_equal(db_image_insert(f->db, &dup), -EEXIST);

	ImageRow i;
	assert_int_equal(db_image_get_by_name(f->db, "library/alpine:3.19", &i), 0);
	assert_string_equal(i.id, "2222");
	assert_string_equal(i.layers, alpine.layers);
	assert_string_equal(i.source, "alpine.tar");
	assert_int_equal(i.size, 0);
	assert_string_equal(i.created_at, alpine.created_at);
	assert_string_equal(i.config, alpine.config);
	image_row_done(&i);
	assert_int_equal(db_image_get_by_name(f->db, "busybox", &i), 0);
	assert_int_equal(i.size, 1234567);
	assert_null(i.config);
	image_row_done(&i);
	assert_int_equal(db_image_get_by_name(f->db, "alpine", &i), -ENOENT);

	ImageRow *rows = NULL;
	size_t n = 0;
	assert_int_equal(db_image_list(f->db, &rows, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(rows[0].name, "busybox");
	assert_string_equal(rows[1].name, "library/alpine:3.19");
	image_rows_free(rows, n);

	assert_int_equal(db_image_delete(f->db, "busybox"), 0);
	assert_int_equal(db_image_delete(f->db, "busybox"), -ENOENT);
	assert_int_equal(db_image_get_by_name(f->db, "busybox", &i), -ENOENT);
	assert_int_equal(db_image_list(f->db, &rows, &n), 0);
	assert_int_equal(n, 1);
	image_rows_free(rows, n);
}

static void test_image_count_users_counts_containers_of_that_image(void **state)
{
	Fixture *f = *state;
	assert_int_equal(db_image_count_users(f->db, "busybox"), 0);
	TestContainer t;
	test_container_init(&t, "a1", "one", "busybox", 1);
	assert_int_equal(db_container_insert(f->db, &t.row), 0);
	test_container_init(&t, "a2", "two", "busybox", 2);
	assert_int_equal(db_container_insert(f->db, &t.row), 0);
	test_container_init(&t, "a3", "three", "alpine", 3);
	assert_int_equal(db_container_insert(f->db, &t.row), 0);

	assert_int_equal(db_image_count_users(f->db, "busybox"), 2);
	assert_int_equal(db_image_count_users(f->db, "alpine"), 1);
	assert_int_equal(db_image_count_users(f->db, "busy"), 0);
	_cleanup_free_ char *id = full_id("a1");
	assert_int_equal(db_container_delete(f->db, id), 0);
	assert_int_equal(db_image_count_users(f->db, "busybox"), 1);
}

/* ---- concurrency ---- */

#define WRITERS 8
#define ROWS_PER_WRITER 50

/* The body of one writer process: open the database, insert its rows one
 * by one (each its own transaction), and exit with the errno of the
 * first failure, 0 on success. */
static _noreturn_ void writer(const char *path, int index, int start_fd)
{
	/* cmocka's handlers would longjmp back into its test runner and
	 * run the remaining tests in this child too: crash plainly instead. */
	static const int fatal[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGSYS, SIGABRT };
	for (size_t i = 0; i < ELEMENTSOF(fatal); i++)
		signal(fatal[i], SIG_DFL);
	/* Wait for the parent to let every writer go at once. */
	char c;
	while (read(start_fd, &c, 1) < 0 && errno == EINTR)
		;
	sqlite3 *db = NULL;
	int r = db_open(path, &db);
	if (r < 0)
		_exit(-r & 0xff);
	for (int i = 0; i < ROWS_PER_WRITER; i++) {
		char prefix[16], name[32];
		snprintf(prefix, sizeof(prefix), "%02x%04x", index, i);
		snprintf(name, sizeof(name), "w%d-%d", index, i);
		TestContainer t;
		test_container_init(&t, prefix, name, "busybox", now_usec());
		r = db_container_insert(db, &t.row);
		if (r < 0)
			_exit(-r & 0xff);
		/* Readers interleave with the writers. */
		if (i % 10 == 0) {
			ContainerRow row;
			r = db_container_lookup(db, name, &row, NULL);
			if (r < 0)
				_exit(-r & 0xff);
			container_row_done(&row);
		}
	}
	db_close(db);
	_exit(0);
}

/* Forks WRITERS writers on f->path, releases them together and checks
 * that none failed and every row arrived. */
static void run_writers(Fixture *f)
{
	int start[2];
	assert_int_equal(pipe2(start, O_CLOEXEC), 0);
	pid_t pids[WRITERS];
	for (int i = 0; i < WRITERS; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			close(start[1]);
			writer(f->path, i, start[0]);
		}
	}
	close(start[0]);
	close(start[1]); /* EOF releases them all */

	int failures = 0;
	for (int i = 0; i < WRITERS; i++) {
		int status;
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		if (!WIFEXITED(status)) {
			print_error("writer %d died with signal %d\n", i, WTERMSIG(status));
			failures++;
		} else if (WEXITSTATUS(status) != 0) {
			print_error("writer %d failed: %s%s\n", i, strerror(WEXITSTATUS(status)),
				    WEXITSTATUS(status) == EBUSY ? " (EBUSY)" : "");
			failures++;
		}
	}
	assert_int_equal(failures, 0);

	if (!f->db)
		assert_int_equal(db_open(f->path, &f->db), 0);
	assert_int_equal(query_int(f->db, "SELECT count(*) FROM containers"),
			 WRITERS * ROWS_PER_WRITER);
	for (int w = 0; w < WRITERS; w++)
		for (int i = 0; i < ROWS_PER_WRITER; i++) {
			char name[32];
			snprintf(name, sizeof(name), "w%d-%d", w, i);
			ContainerRow c;
			if (db_container_lookup(f->db, name, &c, NULL) != 0)
				fail_msg("row %s is missing", name);
			container_row_done(&c);
		}
	_cleanup_free_ char *result = NULL;
	assert_int_equal(db_integrity_check(f->db, &result), 0);
	assert_string_equal(result, "ok");
}

static void test_parallel_writers_all_succeed_without_ebusy(void **state)
{
	Fixture *f = *state;
	/* The database exists (setup_open). A connection must not cross a
	 * fork (SQLite's per-process lock bookkeeping would be inherited),
	 * so close ours; run_writers() reopens it to check the result. */
	f->db = db_close(f->db);
	run_writers(f);
}

static void test_parallel_first_opens_create_the_schema_once(void **state)
{
	Fixture *f = *state;
	/* No database yet: all writers race to create and migrate it. */
	run_writers(f);
	assert_int_equal(query_int(f->db, "PRAGMA user_version"), DB_SCHEMA_VERSION);
	_cleanup_free_ char *mode = query_text(f->db, "PRAGMA journal_mode");
	assert_string_equal(mode, "wal");
}

#define TEST(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
#define TEST_OPEN(t) cmocka_unit_test_setup_teardown(t, setup_open, teardown)

/* The WAL a deferred checkpoint leaves: back to a frame or two, also for
 * the next process that opens the DB first (and so rebuilds the WAL index
 * from the file), not the hundreds of frames it had. */
static int wal_frames(const char *path)
{
	sqlite3 *db;
	/* As berth opens it: closing keeps the WAL as it is. */
	assert_int_equal(db_open(path, &db), 0);
	int log = -1, done = -1;
	assert_int_equal(sqlite3_wal_checkpoint_v2(db, "main", SQLITE_CHECKPOINT_PASSIVE, &log,
						   &done),
			 SQLITE_OK);
	db_close(db);
	return log;
}

/* One commit per row: 3 * DB_CHECKPOINT_PAGES frames at least. */
static void fill_wal(sqlite3 *db)
{
	char sql[256];
	for (int i = 0; i < 3 * DB_CHECKPOINT_PAGES; i++) {
		snprintf(sql, sizeof(sql),
			 "INSERT INTO images (id, name, source, created_at, size, layers) VALUES "
			 "('%064d', 'img%d', 'test', '2026-01-01T00:00:00.000Z', 0, '[]')",
			 i, i);
		assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	}
}

static void test_deferred_checkpoint_starts_the_wal_over(void **state)
{
	Fixture *f = *state;
	db_defer_checkpoints(f->db);
	fill_wal(f->db);
	/* Deferred: nothing was checkpointed by the commits themselves. */
	f->db = db_close(f->db);
	assert_true(wal_frames(f->path) >= DB_CHECKPOINT_PAGES);

	assert_int_equal(db_open(f->path, &f->db), 0);
	db_defer_checkpoints(f->db);
	assert_int_equal(sqlite3_exec(f->db, "DELETE FROM images WHERE name = 'img0'", NULL, NULL,
				      NULL),
			 SQLITE_OK);
	db_checkpoint_if_due(f->db);
	f->db = db_close(f->db);
	assert_true(wal_frames(f->path) <= 2);
	assert_int_equal(db_open(f->path, &f->db), 0);
}

/* A supervisor that outlived an upgrade must not set the schema version a
 * newer berth wrote back to its own. */
static void test_deferred_checkpoint_keeps_a_newer_schema_version(void **state)
{
	Fixture *f = *state;
	db_defer_checkpoints(f->db);
	fill_wal(f->db);
	sqlite3 *newer;
	assert_int_equal(sqlite3_open(f->path, &newer), SQLITE_OK);
	char sql[64];
	snprintf(sql, sizeof(sql), "PRAGMA user_version=%d", DB_SCHEMA_VERSION + 1);
	assert_int_equal(sqlite3_exec(newer, sql, NULL, NULL, NULL), SQLITE_OK);
	(void)sqlite3_close(newer);

	db_checkpoint_if_due(f->db);
	sqlite3 *check;
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_open(f->path, &check), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(check, "PRAGMA user_version", -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), DB_SCHEMA_VERSION + 1);
	sqlite3_finalize(st);
	(void)sqlite3_close(check);
}

/* ---- migration 8: paths relative to the root ---- */

#define HEX_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define HEX_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define HEX_C "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
#define HEX_D "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"

/* A DB of schema 7 as a berth of then left it, under a root since moved
 * (/old/root): absolute paths, among them some that only look like the
 * store's (another root's layer, a user's folder). Opening it migrates. */
static void test_migration_8_makes_the_store_paths_relative_by_their_shape(void **state)
{
	Fixture *f = *state;
	ImageRow one = {
		.id = (char *)HEX_A,
		.name = (char *)"busybox",
		.layers = (char *)"[\"/old/root/images/" HEX_A "/rootfs\"]",
		.source = (char *)"busybox:/bin/busybox",
		.created_at = (char *)"2026-11-23T16:24:27.123Z",
	};
	assert_int_equal(db_image_insert(f->db, &one), 0);
	LayerRow layers[] = {
		{ .digest = (char *)"sha256:" HEX_C,
		  .created_at = (char *)"2026-11-23T16:24:27.123Z" },
	};
	ImageRow layered = {
		.id = (char *)HEX_B,
		.name = (char *)"app",
		/* HEX_D is no layer of this DB: another root's, given by --layers */
		.layers = (char *)"[\"/old/root/layers/" HEX_C "\", \"/x/layers/" HEX_D
				  "\", \"/srv/rootfs\"]",
		.source = (char *)"oci:/srv/app",
		.created_at = (char *)"2026-11-23T16:24:27.123Z",
	};
	assert_int_equal(db_image_insert_layered(f->db, &layered, layers, 1), 0);
	TestContainer c, other;
	test_container_init(&c, "e1", "web", "busybox", 1);
	c.row.rootfs =
		(char *)"/home/me/extra:/old/root/images/" HEX_A "/rootfs:/old/root/layers/" HEX_C;
	char bundle[256];
	snprintf(bundle, sizeof(bundle), "/old/root/containers/%s", c.id);
	c.row.bundle = bundle;
	assert_int_equal(db_container_insert(f->db, &c.row), 0);
	test_container_init(&other, "e2", "other", "busybox", 2);
	/* A bundle path of some other container: not this row's. */
	other.row.bundle = bundle;
	other.row.rootfs = (char *)"/old/root/images/" HEX_B "/rootfs";
	assert_int_equal(db_container_insert(f->db, &other.row), 0);
	/* A version 7 DB: without the columns of the later versions. */
	assert_int_equal(sqlite3_exec(f->db,
				      "ALTER TABLE containers DROP COLUMN engine; "
				      "DROP TRIGGER images_name_unique; DROP TRIGGER "
				      "images_rename_unique; DROP TRIGGER images_delete_names; "
				      "DROP TABLE image_names; ALTER TABLE images DROP COLUMN "
				      "manifest; ALTER TABLE images DROP COLUMN image_config; "
				      "DROP TRIGGER containers_delete_networks; "
				      "DROP TABLE container_ports; DROP TABLE container_networks; "
				      "DROP TABLE networks; "
				      "PRAGMA user_version=7",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	f->db = db_close(f->db);

	assert_int_equal(db_open(f->path, &f->db), 0);
	assert_int_equal(query_int(f->db, "PRAGMA user_version"), DB_SCHEMA_VERSION);
	_cleanup_free_ char *l1 =
		query_text(f->db, "SELECT layers FROM images WHERE name = 'busybox'");
	assert_string_equal(l1, "[\"images/" HEX_A "/rootfs\"]");
	_cleanup_free_ char *l2 = query_text(f->db, "SELECT layers FROM images WHERE name = 'app'");
	assert_string_equal(l2, "[\"layers/" HEX_C "\",\"/x/layers/" HEX_D "\",\"/srv/rootfs\"]");
	_cleanup_free_ char *r1 =
		query_text(f->db, "SELECT rootfs || ' ' || bundle FROM containers "
				  "WHERE name = 'web'");
	char want[512];
	snprintf(want, sizeof(want), "/home/me/extra:images/%s/rootfs:layers/%s containers/%s",
		 HEX_A, HEX_C, c.id);
	assert_string_equal(r1, want);
	/* An image id this DB has (HEX_B), but as a one-folder image it never
	 * was: the shape is right, so it is taken; the bundle of another row
	 * is not. */
	_cleanup_free_ char *r2 =
		query_text(f->db, "SELECT rootfs || ' ' || bundle FROM containers "
				  "WHERE name = 'other'");
	snprintf(want, sizeof(want), "images/%s/rootfs %s", HEX_B, bundle);
	assert_string_equal(r2, want);

	/* Once is enough: opening again changes nothing. */
	assert_int_equal(sqlite3_exec(f->db,
				      "ALTER TABLE containers DROP COLUMN engine; "
				      "DROP TRIGGER images_name_unique; DROP TRIGGER "
				      "images_rename_unique; DROP TRIGGER images_delete_names; "
				      "DROP TABLE image_names; ALTER TABLE images DROP COLUMN "
				      "manifest; ALTER TABLE images DROP COLUMN image_config; "
				      "DROP TRIGGER containers_delete_networks; "
				      "DROP TABLE container_ports; DROP TABLE container_networks; "
				      "DROP TABLE networks; "
				      "PRAGMA user_version=7",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	f->db = db_close(f->db);
	assert_int_equal(db_open(f->path, &f->db), 0);
	_cleanup_free_ char *again =
		query_text(f->db, "SELECT rootfs || ' ' || bundle FROM containers "
				  "WHERE name = 'web'");
	assert_string_equal(again, r1);
}

/* ---- networks (migration 10) ---- */

static void attach(NetworkAttachment *a, const char *network_id, const char *ip)
{
	*a = (NetworkAttachment){ .network_id = strdup(network_id),
				  .interface = strdup("eth0"),
				  .mac = strdup("02:00:00:00:00:01"),
				  .ip = ip ? strdup(ip) : NULL };
	assert_non_null(a->network_id);
}

static void test_network_default_row_and_insert_lookup_delete(void **state)
{
	Fixture *f = *state;
	NetworkRow n;
	assert_int_equal(db_network_lookup(f->db, "berth", &n), 0);
	assert_string_equal(n.subnet, "10.90.0.0/16");
	assert_string_equal(n.interface, "berth0");
	assert_true(n.dns_enabled);
	network_row_done(&n);

	NetworkRow row = {
		.id = (char *)"ab12000000000000000000000000000000000000000000000000000000000000",
		.name = (char *)"net1",
		.interface = (char *)"berth1",
		.subnet = (char *)"10.91.0.0/24",
		.gateway = (char *)"10.91.0.1",
		.internal = true,
		.created_at = (char *)"2026-12-06T00:00:00.000Z"
	};
	assert_int_equal(db_network_insert(f->db, &row), 0);
	row.subnet = (char *)"10.91.5.0/24";
	row.interface = (char *)"berth5";
	assert_int_equal(db_network_insert(f->db, &row), -EEXIST); /* the name */
	row.subnet = (char *)"10.91.0.0/24";
	row.interface = (char *)"berth1";
	row.name = (char *)"net2";
	row.id = (char *)"ab13000000000000000000000000000000000000000000000000000000000000";
	assert_int_equal(db_network_insert(f->db, &row), -EADDRINUSE); /* the subnet */
	row.subnet = (char *)"10.91.1.0/24";
	assert_int_equal(db_network_insert(f->db, &row), -EBUSY); /* the bridge */

	assert_int_equal(db_network_lookup(f->db, "ab12", &n), 0);
	assert_string_equal(n.name, "net1");
	assert_true(n.internal);
	assert_string_equal(n.labels, "{}");
	network_row_done(&n);
	assert_int_equal(db_network_lookup(f->db, "ab1", &n), 0); /* one row only */
	network_row_done(&n);
	assert_int_equal(db_network_lookup(f->db, "nosuch", &n), -ENOENT);
	NetworkRow *rows;
	size_t count;
	assert_int_equal(db_network_list(f->db, &rows, &count), 0);
	assert_int_equal(count, 2);
	network_rows_free(rows, count);
	assert_int_equal(db_network_delete(f->db, row.id), -ENOENT);
	assert_int_equal(
		db_network_delete(
			f->db, "ab12000000000000000000000000000000000000000000000000000000000000"),
		0);
}

static void test_network_addresses_are_given_in_order_and_freed_with_the_container(void **state)
{
	Fixture *f = *state;
	TestContainer t[3];
	NetworkAttachment a[3];
	for (int i = 0; i < 3; i++) {
		char prefix[8], name[16];
		snprintf(prefix, sizeof(prefix), "c%d", i);
		snprintf(name, sizeof(name), "ctr%d", i);
		test_container_init(&t[i], prefix, name, "busybox", 1000 + (uint64_t)i);
		attach(&a[i], NETWORK_DEFAULT_ID, NULL);
	}
	PortMapping p = { .host_port = 8080, .container_port = 80, .protocol = "tcp" };
	assert_int_equal(db_container_insert_networked(f->db, &t[0].row, &a[0], 1, &p, 1, NULL), 0);
	assert_string_equal(a[0].ip, "10.90.0.2"); /* .0 is the network's, .1 the gateway's */
	assert_int_equal(db_container_insert_networked(f->db, &t[1].row, &a[1], 1, NULL, 0, NULL),
			 0);
	assert_string_equal(a[1].ip, "10.90.0.3");

	/* The same name: nothing of it is stored, no address is taken. */
	TestContainer dup;
	test_container_init(&dup, "d0", "ctr0", "busybox", 2000);
	NetworkAttachment ad;
	attach(&ad, NETWORK_DEFAULT_ID, NULL);
	assert_int_equal(db_container_insert_networked(f->db, &dup.row, &ad, 1, NULL, 0, NULL),
			 -EEXIST);
	assert_null(ad.ip);
	/* An address another container has. */
	free(a[2].network_id);
	free(a[2].interface);
	free(a[2].mac);
	attach(&a[2], NETWORK_DEFAULT_ID, "10.90.0.3");
	size_t failed = 99;
	assert_int_equal(db_container_insert_networked(f->db, &t[2].row, &a[2], 1, NULL, 0,
						       &failed),
			 -EADDRNOTAVAIL);
	assert_int_equal(failed, 0);
	assert_int_equal(query_int(f->db, "SELECT count(*) FROM containers WHERE name = 'ctr2'"),
			 0);

	/* Deleting a container frees its address and ports (the trigger). */
	assert_int_equal(db_container_delete(f->db, t[0].id), 0);
	assert_int_equal(query_int(f->db, "SELECT count(*) FROM container_ports"), 0);
	free(a[2].ip);
	a[2].ip = NULL;
	assert_int_equal(db_container_insert_networked(f->db, &t[2].row, &a[2], 1, NULL, 0, NULL),
			 0);
	assert_string_equal(a[2].ip, "10.90.0.2");

	NetworkAttachment *got;
	size_t n;
	assert_int_equal(db_container_networks(f->db, t[2].id, &got, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(got[0].network_name, "berth");
	assert_string_equal(got[0].ip, "10.90.0.2");
	network_attachments_free(got, n);
	assert_int_equal(db_networks_in_use(f->db), 1);
	/* A network in use cannot go. */
	assert_int_equal(db_network_delete(f->db, NETWORK_DEFAULT_ID), -EBUSY);
	for (int i = 0; i < 3; i++) {
		free(a[i].network_id);
		free(a[i].interface);
		free(a[i].mac);
		free(a[i].ip);
	}
	free(ad.network_id);
	free(ad.interface);
	free(ad.mac);
}

static void test_network_without_a_free_address_says_erange(void **state)
{
	Fixture *f = *state;
	NetworkRow row = {
		.id = (char *)"cd00000000000000000000000000000000000000000000000000000000000000",
		.name = (char *)"tiny",
		.interface = (char *)"berth9",
		.subnet = (char *)"10.91.9.0/30", /* .1 gateway, .2 the only host */
		.gateway = (char *)"10.91.9.1",
		.created_at = (char *)"2026-12-06T00:00:00.000Z"
	};
	assert_int_equal(db_network_insert(f->db, &row), 0);
	TestContainer t1, t2;
	test_container_init(&t1, "e1", "one", "busybox", 1);
	test_container_init(&t2, "e2", "two", "busybox", 2);
	NetworkAttachment a1, a2;
	attach(&a1, row.id, NULL);
	attach(&a2, row.id, NULL);
	assert_int_equal(db_container_insert_networked(f->db, &t1.row, &a1, 1, NULL, 0, NULL), 0);
	assert_string_equal(a1.ip, "10.91.9.2");
	assert_int_equal(db_container_insert_networked(f->db, &t2.row, &a2, 1, NULL, 0, NULL),
			 -ERANGE);
	assert_int_equal(query_int(f->db, "SELECT count(*) FROM containers WHERE name = 'two'"), 0);
	NetworkAttachment *both[] = { &a1, &a2 };
	for (int i = 0; i < 2; i++) {
		free(both[i]->network_id);
		free(both[i]->interface);
		free(both[i]->mac);
		free(both[i]->ip);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_db_open_creates_the_schema_in_wal_mode_with_mode_0600),
		TEST(test_db_open_again_keeps_schema_and_data),
		TEST(test_db_open_refuses_a_newer_schema),
		TEST(test_db_open_refuses_a_garbage_file),
		TEST(test_db_open_does_not_follow_a_symlink),
		TEST(test_db_open_in_a_missing_directory_fails),
		TEST_OPEN(test_deferred_checkpoint_starts_the_wal_over),
		TEST_OPEN(test_deferred_checkpoint_keeps_a_newer_schema_version),
		TEST_OPEN(test_db_integrity_check_says_ok),
		cmocka_unit_test(test_container_state_names_round_trip),
		TEST_OPEN(test_container_insert_then_get_returns_every_field),
		TEST_OPEN(test_container_engine_round_trips_and_is_counted),
		TEST_OPEN(test_container_list_returns_rows_in_creation_order),
		TEST_OPEN(test_container_list_grows_past_its_first_allocation),
		TEST_OPEN(test_container_insert_with_a_taken_name_or_id_fails_with_eexist),
		TEST_OPEN(test_container_lookup_by_name_id_and_prefix),
		TEST_OPEN(test_container_lookup_of_an_ambiguous_prefix_lists_the_matches),
		TEST_OPEN(test_container_lookup_lists_at_most_ten_matches),
		TEST_OPEN(test_container_lookup_of_unknown_keys_gives_enoent),
		TEST_OPEN(test_container_lookup_prefers_a_name_over_an_id_prefix),
		TEST_OPEN(test_container_set_running_only_from_created_exited_or_stopped),
		TEST_OPEN(test_container_set_running_records_the_run_and_clears_the_last_exit),
		TEST_OPEN(test_container_set_exited_records_the_exit),
		TEST_OPEN(test_container_set_exited_leaves_a_removing_row_alone),
		TEST_OPEN(test_container_set_state_honours_the_from_list),
		TEST_OPEN(test_container_mark_lost_only_for_the_recorded_supervisor),
		TEST_OPEN(test_container_delete_removes_the_row_once),
		TEST_OPEN(test_image_insert_get_list_delete),
		TEST_OPEN(test_image_count_users_counts_containers_of_that_image),
		TEST_OPEN(test_migration_8_makes_the_store_paths_relative_by_their_shape),
		TEST_OPEN(test_parallel_writers_all_succeed_without_ebusy),
		TEST(test_parallel_first_opens_create_the_schema_once),
		TEST_OPEN(test_network_default_row_and_insert_lookup_delete),
		TEST_OPEN(test_network_addresses_are_given_in_order_and_freed_with_the_container),
		TEST_OPEN(test_network_without_a_free_address_says_erange),
	};
	return cmocka_run_group_tests_name("db", tests, NULL, NULL);
}
