/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for cli/trace-attrib.c, linked from libcli.a (built with
 * eBPF): which container a cgroup id is. A cgroup learnt from its mkdir
 * path (".../berth/<id>"), named from the state DB now or once its row
 * appears; the DB's `cgroup` column read on a refresh (here temporary
 * folders stand for cgroups: an id is the folder's inode); an id never
 * seen re-reads the DB, then is remembered as no container's; the
 * selection; a thousand cgroups in the table. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/stat.h>

#include "cli-test.h"
#include "cgroup.h"
#include "trace-cli.h"

typedef struct {
	char *dir;
	sqlite3 *db;
} Fixture;

static int setup(void **state)
{
	Fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	f->dir = test_make_dir("test-trace-attrib");
	_cleanup_free_ char *path = test_path(f->dir, "state.db");
	assert_int_equal(db_open(path, &f->db), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	Fixture *f = *state;
	db_close(f->db);
	test_remove_dir(f->dir);
	free(f);
	return 0;
}

static const char *id_of(int n)
{
	static char ids[4][65];
	static int next;
	char *id = ids[next++ % 4];
	snprintf(id, 65, "%08x%056d", (unsigned)n, 0);
	return id;
}

static void insert(Fixture *f, const char *id, const char *name, const char *cgroup)
{
	ContainerRow row = {
		.id = (char *)id,
		.name = (char *)name,
		.image = (char *)"busybox",
		.command = (char *)"[\"sh\"]",
		.state = STATE_CREATED,
		.created_at = (char *)"2026-12-06T00:00:00Z",
		.rootfs = (char *)"",
		.bundle = (char *)"",
	};
	assert_int_equal(db_container_insert(f->db, &row), 0);
	if (cgroup) {
		RunningInfo info = { .pid = 1, .supervisor_pid = 1, .cgroup = cgroup };
		assert_int_equal(db_container_set_running(f->db, id, &info), 0);
	}
}

/* A folder standing for a cgroup: its inode is the cgroup id. */
static uint64_t fake_cgroup(Fixture *f, const char *name, char **ret_path)
{
	char *path = test_path(f->dir, name);
	assert_int_equal(mkdir(path, 0755), 0);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	*ret_path = path;
	return (uint64_t)st.st_ino;
}

static int count(const TraceContainer *c, void *userdata)
{
	int *n = userdata;
	(*n)++;
	return c->cgroup_id == 50500 ? -ENOTRECOVERABLE : 0;
}

static void test_learn_a_container_cgroup_from_its_path(void **state)
{
	Fixture *f = *state;
	insert(f, id_of(1), "web", NULL);
	_cleanup_(trace_attrib_freep) TraceAttrib *a = NULL;
	assert_int_equal(trace_attrib_new(f->db, NULL, &a), 0);
	char path[128];
	snprintf(path, sizeof(path), "/berth/%s", id_of(1));
	const TraceContainer *c = trace_attrib_learn(a, 1001, path);
	assert_non_null(c);
	assert_int_equal(c->cgroup_id, 1001);
	assert_string_equal(c->id, id_of(1));
	assert_string_equal(c->name, "web");
	assert_true(c->selected);
	/* Found again by its id, the same record. */
	assert_ptr_equal(trace_attrib_find(a, 1001), c);
	/* Under a delegated subtree too. */
	snprintf(path, sizeof(path), "/user.slice/user-0.slice/berth/%s", id_of(2));
	c = trace_attrib_learn(a, 1002, path);
	assert_non_null(c);
	assert_string_equal(c->id, id_of(2));
	assert_null(c->name); /* no row: another state DB's, or not yet */
}

static void test_learn_ignores_other_cgroups(void **state)
{
	Fixture *f = *state;
	_cleanup_(trace_attrib_freep) TraceAttrib *a = NULL;
	assert_int_equal(trace_attrib_new(f->db, NULL, &a), 0);
	const char *paths[] = {
		"/system.slice/sshd.service", "/berth/", "/berth", "/xberth/abc", "berth",
		"/berth/abc/nested",          "/"
	};
	for (size_t i = 0; i < ELEMENTSOF(paths); i++)
		assert_null(trace_attrib_learn(a, 2000 + i, paths[i]));
	int n = 0;
	assert_int_equal(trace_attrib_foreach(a, count, &n), 0);
	assert_int_equal(n, 0);
}

static void test_an_unnamed_container_is_named_once_its_row_appears(void **state)
{
	Fixture *f = *state;
	_cleanup_(trace_attrib_freep) TraceAttrib *a = NULL;
	assert_int_equal(trace_attrib_new(f->db, NULL, &a), 0);
	char path[128];
	snprintf(path, sizeof(path), "/berth/%s", id_of(3));
	const TraceContainer *c = trace_attrib_learn(a, 3003, path);
	assert_non_null(c);
	assert_null(c->name);
	/* The supervisor makes the cgroup before the CLI records the row. */
	insert(f, id_of(3), "late", NULL);
	usleep(2000);
	assert_ptr_equal(trace_attrib_find(a, 3003), c);
	assert_string_equal(c->name, "late");
}

static void test_refresh_reads_the_cgroup_column(void **state)
{
	Fixture *f = *state;
	_cleanup_free_ char *p1 = NULL, *p2 = NULL;
	uint64_t ino1 = fake_cgroup(f, "cg1", &p1), ino2 = fake_cgroup(f, "cg2", &p2);
	insert(f, id_of(4), "one", p1);
	insert(f, id_of(5), "two", p2);
	/* A row whose cgroup is gone is nobody's. */
	insert(f, id_of(6), "gone", "/nonexistent/cgroup");
	_cleanup_(trace_attrib_freep) TraceAttrib *a = NULL;
	assert_int_equal(trace_attrib_new(f->db, NULL, &a), 0);
	assert_int_equal(trace_attrib_refresh(a), 0);
	const TraceContainer *c1 = trace_attrib_find(a, ino1), *c2 = trace_attrib_find(a, ino2);
	assert_non_null(c1);
	assert_string_equal(c1->id, id_of(4));
	assert_string_equal(c1->name, "one");
	assert_non_null(c2);
	assert_string_equal(c2->id, id_of(5));
	assert_string_equal(c2->name, "two");
	/* Refreshed again: the same records, not new ones. */
	assert_int_equal(trace_attrib_refresh(a), 0);
	assert_ptr_equal(trace_attrib_find(a, ino1), c1);
	assert_ptr_equal(trace_attrib_find(a, ino2), c2);
}

static void test_an_unknown_id_rereads_the_db_once_then_stays_unknown(void **state)
{
	Fixture *f = *state;
	_cleanup_(trace_attrib_freep) TraceAttrib *a = NULL;
	assert_int_equal(trace_attrib_new(f->db, NULL, &a), 0);
	_cleanup_free_ char *p = NULL, *q = NULL;
	uint64_t ino = fake_cgroup(f, "cg-new", &p);
	/* A container that appeared after the tracer started. */
	insert(f, id_of(7), "new", p);
	const TraceContainer *c = trace_attrib_find(a, ino);
	assert_non_null(c);
	assert_string_equal(c->name, "new");
	/* Not a container's: remembered so. */
	uint64_t other = fake_cgroup(f, "cg-other", &q);
	assert_null(trace_attrib_find(a, other));
	/* Even if its row appears at once: ids are not reused, and the DB is
	 * not read again within the interval. */
	insert(f, id_of(8), "other", q);
	assert_null(trace_attrib_find(a, other));
	/* A cgroup learnt from its mkdir replaces a "no container" entry. */
	char path[128];
	snprintf(path, sizeof(path), "/berth/%s", id_of(8));
	c = trace_attrib_learn(a, other, path);
	assert_non_null(c);
	assert_ptr_equal(trace_attrib_find(a, other), c);
	assert_string_equal(c->name, "other");
}

/* berth-runtime's containers: a cgroup their engine named (podman's
 * /libpod_parent/libpod-ID), in the row before the cgroup is made, is
 * learnt from its mkdir; a "no container" answer is asked again once the
 * refresh interval has passed. */
static void test_a_runtime_container_s_cgroup_named_by_its_engine(void **state)
{
	Fixture *f = *state;
	_cleanup_free_ char *v2 = NULL;
	if (cgroup_v2_mount(&v2) < 0 || !v2)
		skip();
	char full[256];
	snprintf(full, sizeof(full), "%s/libpod_parent/libpod-%s", v2, id_of(9));
	insert(f, id_of(9), "made-by-podman", full);
	_cleanup_(trace_attrib_freep) TraceAttrib *a = NULL;
	assert_int_equal(trace_attrib_new(f->db, NULL, &a), 0);
	char rel[256];
	snprintf(rel, sizeof(rel), "/libpod_parent/libpod-%s", id_of(9));
	const TraceContainer *c = trace_attrib_learn(a, 4009, rel);
	assert_non_null(c);
	assert_string_equal(c->id, id_of(9));
	assert_string_equal(c->name, "made-by-podman");
	assert_ptr_equal(trace_attrib_find(a, 4009), c);
	/* A cgroup nobody's row names: not learnt. */
	assert_null(trace_attrib_learn(a, 4010, "/libpod_parent/libpod-other"));

	/* Unknown when first seen, its row's cgroup later: found once the
	 * interval has passed. */
	_cleanup_free_ char *p = NULL;
	uint64_t ino = fake_cgroup(f, "cg-late", &p);
	assert_null(trace_attrib_find(a, ino));
	insert(f, id_of(10), "late-row", p);
	usleep(300 * 1000);
	c = trace_attrib_find(a, ino);
	assert_non_null(c);
	assert_string_equal(c->name, "late-row");
}

static void test_selection(void **state)
{
	Fixture *f = *state;
	char *selected[] = { (char *)id_of(9), NULL };
	_cleanup_(trace_attrib_freep) TraceAttrib *a = NULL;
	assert_int_equal(trace_attrib_new(f->db, selected, &a), 0);
	char path[128];
	snprintf(path, sizeof(path), "/berth/%s", id_of(9));
	const TraceContainer *c = trace_attrib_learn(a, 9009, path);
	assert_non_null(c);
	assert_true(c->selected);
	snprintf(path, sizeof(path), "/berth/%s", id_of(10));
	c = trace_attrib_learn(a, 9010, path);
	assert_non_null(c);
	assert_false(c->selected);
}

static void test_a_thousand_cgroups(void **state)
{
	Fixture *f = *state;
	_cleanup_(trace_attrib_freep) TraceAttrib *a = NULL;
	assert_int_equal(trace_attrib_new(f->db, NULL, &a), 0);
	/* Sequential ids, as inode numbers are: past the table's first
	 * size of 256 and its growths. */
	for (int i = 0; i < 1000; i++) {
		char path[128];
		snprintf(path, sizeof(path), "/berth/%s", id_of(100 + i));
		assert_non_null(trace_attrib_learn(a, 50000 + (uint64_t)i, path));
	}
	for (int i = 0; i < 1000; i++) {
		const TraceContainer *c = trace_attrib_find(a, 50000 + (uint64_t)i);
		assert_non_null(c);
		assert_int_equal(c->cgroup_id, 50000 + (uint64_t)i);
		assert_string_equal(c->id, id_of(100 + i));
	}
	/* foreach visits each once, in order, and stops at an error. */
	int n = 0;
	assert_int_equal(trace_attrib_foreach(a, count, &n), -ENOTRECOVERABLE);
	assert_int_equal(n, 501);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_learn_a_container_cgroup_from_its_path, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_learn_ignores_other_cgroups, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_an_unnamed_container_is_named_once_its_row_appears, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refresh_reads_the_cgroup_column, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_an_unknown_id_rereads_the_db_once_then_stays_unknown, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_a_runtime_container_s_cgroup_named_by_its_engine, setup, teardown),
		cmocka_unit_test_setup_teardown(test_selection, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_thousand_cgroups, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
