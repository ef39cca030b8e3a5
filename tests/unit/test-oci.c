/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for the OCI config.json model (common/oci.c): the defaults,
 * a lossless JSON round trip, refusal of malformed documents with an
 * error that names the field, and the paths of an older berth's
 * config.json taken relative to its folder. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "oci.h"
#include "util.h"

static const SpecMount *find_mount(const ContainerSpec *s, const char *dest)
{
	for (size_t i = 0; i < s->n_mounts; i++)
		if (streq(s->mounts[i].destination, dest))
			return &s->mounts[i];
	return NULL;
}

static void assert_strv_equal(char *const *a, char *const *b)
{
	assert_int_equal(strv_length(a), strv_length(b));
	for (size_t i = 0; i < strv_length(a); i++)
		assert_string_equal(a[i], b[i]);
}

static void assert_str_or_null_equal(const char *a, const char *b)
{
	if (!a || !b)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

static void assert_specs_equal(const ContainerSpec *a, const ContainerSpec *b)
{
	assert_int_equal(a->terminal, b->terminal);
	assert_strv_equal(a->args, b->args);
	assert_strv_equal(a->env, b->env);
	assert_str_or_null_equal(a->cwd, b->cwd);
	assert_int_equal(a->uid, b->uid);
	assert_int_equal(a->gid, b->gid);
	assert_int_equal(a->n_additional_gids, b->n_additional_gids);
	for (size_t i = 0; i < a->n_additional_gids; i++)
		assert_int_equal(a->additional_gids[i], b->additional_gids[i]);
	assert_int_equal(a->no_new_privileges, b->no_new_privileges);

	assert_str_or_null_equal(a->root_path, b->root_path);
	assert_int_equal(a->root_readonly, b->root_readonly);
	assert_str_or_null_equal(a->hostname, b->hostname);
	assert_int_equal(a->n_mounts, b->n_mounts);
	for (size_t i = 0; i < a->n_mounts; i++) {
		assert_string_equal(a->mounts[i].destination, b->mounts[i].destination);
		assert_string_equal(a->mounts[i].type, b->mounts[i].type);
		assert_string_equal(a->mounts[i].source, b->mounts[i].source);
		assert_strv_equal(a->mounts[i].options, b->mounts[i].options);
	}

	for (int t = 0; t < _NS_MAX; t++) {
		assert_int_equal(a->namespaces[t].enabled, b->namespaces[t].enabled);
		assert_str_or_null_equal(a->namespaces[t].path, b->namespaces[t].path);
	}
	assert_str_or_null_equal(a->cgroups_path, b->cgroups_path);
	assert_str_or_null_equal(a->rootfs_propagation, b->rootfs_propagation);
	assert_strv_equal(a->masked_paths, b->masked_paths);
	assert_strv_equal(a->readonly_paths, b->readonly_paths);

	assert_int_equal(a->n_annotations, b->n_annotations);
	for (size_t i = 0; i < a->n_annotations; i++) {
		const char *v = spec_get_annotation(b, a->annotations[i].key);
		if (!v)
			fail_msg("annotation \"%s\" lost", a->annotations[i].key);
		assert_string_equal(v, a->annotations[i].value);
	}
}

/* ---- defaults ---- */

static void test_spec_new_default_enables_the_default_namespaces(void **state)
{
	_cleanup_(spec_freep) ContainerSpec *s = NULL;
	assert_int_equal(spec_new_default(&s), 0);
	assert_true(s->namespaces[NS_PID].enabled);
	assert_true(s->namespaces[NS_NETWORK].enabled);
	assert_true(s->namespaces[NS_MOUNT].enabled);
	assert_true(s->namespaces[NS_IPC].enabled);
	assert_true(s->namespaces[NS_UTS].enabled);
	assert_true(s->namespaces[NS_CGROUP].enabled);
	assert_false(s->namespaces[NS_USER].enabled);
	for (int t = 0; t < _NS_MAX; t++)
		assert_null(s->namespaces[t].path);
}

static void test_spec_new_default_has_the_standard_mounts(void **state)
{
	_cleanup_(spec_freep) ContainerSpec *s = NULL;
	assert_int_equal(spec_new_default(&s), 0);

	static const struct {
		const char *dest, *type;
		bool ro;
	} want[] = {
		{ "/proc", "proc", false },           { "/dev", "tmpfs", false },
		{ "/dev/pts", "devpts", false },      { "/dev/shm", "tmpfs", false },
		{ "/dev/mqueue", "mqueue", false },   { "/sys", "sysfs", true },
		{ "/sys/fs/cgroup", "cgroup", true }, { "/tmp", "tmpfs", false },
	};
	assert_int_equal(s->n_mounts, ELEMENTSOF(want));
	for (size_t i = 0; i < ELEMENTSOF(want); i++) {
		const SpecMount *m = find_mount(s, want[i].dest);
		if (!m)
			fail_msg("no default mount on %s", want[i].dest);
		assert_string_equal(m->type, want[i].type);
		assert_non_null(m->source);
		assert_true(strv_contains(m->options, "nosuid"));
		assert_int_equal(strv_contains(m->options, "ro"), want[i].ro);
	}
	/* /dev comes before what is mounted below it. */
	assert_string_equal(s->mounts[1].destination, "/dev");
	assert_true(strv_contains(find_mount(s, "/proc")->options, "noexec"));
	assert_true(strv_contains(find_mount(s, "/dev/pts")->options, "newinstance"));
}

static void test_spec_new_default_masks_sensitive_paths(void **state)
{
	_cleanup_(spec_freep) ContainerSpec *s = NULL;
	assert_int_equal(spec_new_default(&s), 0);
	static const char *const masked[] = { "/proc/kcore", "/proc/keys", "/proc/timer_list",
					      "/sys/firmware", "/proc/acpi" };
	for (size_t i = 0; i < ELEMENTSOF(masked); i++)
		if (!strv_contains(s->masked_paths, masked[i]))
			fail_msg("%s is not masked", masked[i]);
	static const char *const ro[] = { "/proc/sys", "/proc/sysrq-trigger", "/proc/bus",
					  "/proc/irq", "/proc/fs" };
	for (size_t i = 0; i < ELEMENTSOF(ro); i++)
		if (!strv_contains(s->readonly_paths, ro[i]))
			fail_msg("%s is not read-only", ro[i]);
}

static void test_spec_new_default_process_and_root(void **state)
{
	_cleanup_(spec_freep) ContainerSpec *s = NULL;
	assert_int_equal(spec_new_default(&s), 0);
	assert_string_equal(spec_env_get(s, "PATH"),
			    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	assert_int_equal(strv_length(s->env), 1);
	assert_string_equal(s->cwd, "/");
	assert_int_equal(s->uid, 0);
	assert_int_equal(s->gid, 0);
	assert_true(s->no_new_privileges);
	assert_false(s->terminal);
	assert_string_equal(s->root_path, "rootfs");
	assert_false(s->root_readonly);
	assert_string_equal(s->rootfs_propagation, "rslave");
	assert_null(s->hostname);
	assert_null(s->args);
	assert_int_equal(s->n_annotations, 0);
}

static void test_namespace_types_map_to_strings_and_clone_flags(void **state)
{
	assert_string_equal(namespace_type_to_string(NS_NETWORK), "network");
	assert_int_equal(namespace_type_from_string("network"), NS_NETWORK);
	assert_int_equal(namespace_type_from_string("net"), _NS_INVALID);
	assert_int_equal(namespace_type_from_string(""), _NS_INVALID);
	assert_null(namespace_type_to_string(_NS_MAX));
	assert_null(namespace_type_to_string(_NS_INVALID));
	for (int t = 0; t < _NS_MAX; t++) {
		assert_int_equal(namespace_type_from_string(namespace_type_to_string(t)), t);
		assert_int_not_equal(namespace_type_clone_flag(t), 0);
	}
	assert_int_equal(namespace_type_clone_flag(NS_PID), CLONE_NEWPID);
	assert_int_equal(namespace_type_clone_flag(NS_USER), CLONE_NEWUSER);
	assert_int_equal(namespace_type_clone_flag(_NS_INVALID), 0);
}

/* ---- env and annotations ---- */

static void test_spec_env_set_replaces_an_existing_key(void **state)
{
	_cleanup_(spec_freep) ContainerSpec *s = NULL;
	assert_int_equal(spec_new_default(&s), 0);

	assert_int_equal(spec_env_set(s, "PATH=/opt/bin"), 0);
	assert_int_equal(strv_length(s->env), 1);
	assert_string_equal(spec_env_get(s, "PATH"), "/opt/bin");

	/* A key that merely starts with another is a different key. */
	assert_int_equal(spec_env_set(s, "PATHX=1"), 0);
	assert_int_equal(spec_env_set(s, "PAT=2"), 0);
	assert_int_equal(strv_length(s->env), 3);
	assert_string_equal(spec_env_get(s, "PATH"), "/opt/bin");
	assert_string_equal(spec_env_get(s, "PATHX"), "1");
	assert_string_equal(spec_env_get(s, "PAT"), "2");
	assert_null(spec_env_get(s, "PA"));

	assert_int_equal(spec_env_set(s, "PATHX=a=b"), 0);
	assert_string_equal(spec_env_get(s, "PATHX"), "a=b");
	assert_int_equal(spec_env_set(s, "EMPTY="), 0);
	assert_string_equal(spec_env_get(s, "EMPTY"), "");
	assert_int_equal(strv_length(s->env), 4);

	assert_int_equal(spec_env_set(s, "=x"), -EINVAL);
	assert_int_equal(spec_env_set(s, "NOEQUALS"), -EINVAL);
	assert_int_equal(strv_length(s->env), 4);
}

static void test_spec_set_annotation_replaces_an_existing_key(void **state)
{
	_cleanup_(spec_freep) ContainerSpec *s = NULL;
	assert_int_equal(spec_new_default(&s), 0);
	assert_null(spec_get_annotation(s, ANNOTATION_NAME));
	assert_int_equal(spec_set_annotation(s, ANNOTATION_NAME, "web"), 0);
	assert_int_equal(spec_set_annotation(s, ANNOTATION_IMAGE, "alpine"), 0);
	assert_int_equal(spec_set_annotation(s, ANNOTATION_NAME, "db"), 0);
	assert_int_equal(s->n_annotations, 2);
	assert_string_equal(spec_get_annotation(s, ANNOTATION_NAME), "db");
	assert_string_equal(spec_get_annotation(s, ANNOTATION_IMAGE), "alpine");
}

/* process.rlimits and oomScoreAdj (berth-runtime): read, written back
 * the same, and refused when malformed, naming what is wrong. */
static void test_rlimits_and_oom_score_adj(void **state)
{
	(void)state;
	_cleanup_(spec_freep) ContainerSpec *s = NULL, *back = NULL;
	const char *doc = "{\"ociVersion\": \"1.1.0\", \"process\": {\"args\": [\"sh\"], "
			  "\"cwd\": \"/\", \"oomScoreAdj\": -17, \"rlimits\": ["
			  "{\"type\": \"RLIMIT_NOFILE\", \"soft\": 100, \"hard\": 200}, "
			  "{\"type\": \"RLIMIT_CORE\", \"soft\": 0, \"hard\": 0}]}, "
			  "\"root\": {\"path\": \"rootfs\"}}";
	assert_int_equal(spec_from_json(doc, &s, NULL), 0);
	assert_int_equal(s->n_rlimits, 2);
	assert_int_equal(s->rlimits[0].resource, RLIMIT_NOFILE);
	assert_int_equal(s->rlimits[0].soft, 100);
	assert_int_equal(s->rlimits[0].hard, 200);
	assert_int_equal(s->rlimits[1].resource, RLIMIT_CORE);
	assert_true(s->has_oom_score_adj);
	assert_int_equal(s->oom_score_adj, -17);
	_cleanup_free_ char *json = NULL;
	assert_int_equal(spec_to_json(s, &json), 0);
	assert_int_equal(spec_from_json(json, &back, NULL), 0);
	assert_int_equal(back->n_rlimits, 2);
	assert_int_equal(back->rlimits[0].hard, 200);
	assert_int_equal(back->oom_score_adj, -17);

	static const struct {
		const char *process, *error;
	} bad[] = {
		{ "\"rlimits\": [{\"type\": \"RLIMIT_X\", \"soft\": 1, \"hard\": 1}]",
		  "unknown rlimit \"RLIMIT_X\"" },
		{ "\"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 2, \"hard\": 1}]",
		  "soft 2 is above hard 1" },
		{ "\"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"hard\": 1}]",
		  "needs \"soft\" and \"hard\"" },
		{ "\"rlimits\": [{\"type\": \"RLIMIT_CPU\", \"soft\": 1, \"hard\": 1}, "
		  "{\"type\": \"RLIMIT_CPU\", \"soft\": 1, \"hard\": 1}]",
		  "given twice" },
		{ "\"rlimits\": {}", "must be an array" },
		{ "\"oomScoreAdj\": 1001", "from -1000 to 1000" },
		{ "\"oomScoreAdj\": \"x\"", "from -1000 to 1000" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[512];
		snprintf(text, sizeof(text),
			 "{\"ociVersion\": \"1.1.0\", \"process\": {\"args\": [\"sh\"], "
			 "\"cwd\": \"/\", %s}, \"root\": {\"path\": \"rootfs\"}}",
			 bad[i].process);
		ContainerSpec *x = NULL;
		_cleanup_free_ char *why = NULL;
		assert_int_equal(spec_from_json(text, &x, &why), -EINVAL);
		assert_non_null(why);
		if (!strstr(why, bad[i].error))
			fail_msg("%s: got \"%s\"", bad[i].process, why);
	}
}

/* linux.sysctl: read and written back the same; a value must be text. */
static void test_sysctl_round_trip(void **state)
{
	(void)state;
	_cleanup_(spec_freep) ContainerSpec *s = NULL, *back = NULL;
	const char *doc =
		"{\"ociVersion\": \"1.1.0\", \"process\": {\"args\": [\"sh\"], "
		"\"cwd\": \"/\"}, \"root\": {\"path\": \"rootfs\"}, \"linux\": "
		"{\"sysctl\": {\"net.ipv4.ip_forward\": \"1\", \"kernel.shmmni\": \"99\"}}}";
	assert_int_equal(spec_from_json(doc, &s, NULL), 0);
	assert_int_equal(s->n_sysctls, 2);
	_cleanup_free_ char *json = NULL;
	assert_int_equal(spec_to_json(s, &json), 0);
	assert_int_equal(spec_from_json(json, &back, NULL), 0);
	assert_int_equal(back->n_sysctls, 2);
	for (size_t i = 0; i < 2; i++) {
		const char *want = streq(back->sysctls[i].key, "kernel.shmmni") ? "99" : "1";
		assert_string_equal(back->sysctls[i].value, want);
	}
	ContainerSpec *x = NULL;
	_cleanup_free_ char *why = NULL;
	const char *bad = "{\"ociVersion\": \"1.1.0\", \"process\": {\"args\": [\"sh\"], "
			  "\"cwd\": \"/\"}, \"root\": {\"path\": \"rootfs\"}, \"linux\": "
			  "{\"sysctl\": {\"kernel.shmmni\": 99}}}";
	assert_int_equal(spec_from_json(bad, &x, &why), -EINVAL);
	assert_non_null(strstr(why, "sysctl \"kernel.shmmni\" must be a string"));
}

/* ---- round trip ---- */

/* A spec in which every field differs from the default. */
static ContainerSpec *make_full_spec(void)
{
	ContainerSpec *s = NULL;
	assert_int_equal(spec_new_default(&s), 0);

	s->terminal = true;
	assert_int_equal(strv_push(&s->args, "/bin/sh"), 0);
	assert_int_equal(strv_push(&s->args, "-c"), 0);
	assert_int_equal(strv_push(&s->args, "echo \"hi there\" | tr a-z A-Z\n\ttab"), 0);
	assert_int_equal(strv_push(&s->args, ""), 0);
	assert_int_equal(spec_env_set(s, "PATH=/opt/bin:/bin"), 0);
	assert_int_equal(spec_env_set(s, "HOME=/root"), 0);
	assert_int_equal(spec_env_set(s, "GREETING=h\xc3\xa9llo w\xc3\xb6rld = \\ \""), 0);
	assert_int_equal(spec_env_set(s, "EMPTY="), 0);
	free(s->cwd);
	s->cwd = strdup("/srv/app dir");
	s->uid = 1000;
	s->gid = 4294967294u;
	s->additional_gids = calloc(3, sizeof(uint32_t));
	assert_non_null(s->additional_gids);
	s->additional_gids[0] = 0;
	s->additional_gids[1] = 27;
	s->additional_gids[2] = 4294967294u;
	s->n_additional_gids = 3;
	s->no_new_privileges = false;

	free(s->root_path);
	s->root_path = strdup("/var/lib/berth-test/containers/abc/rootfs");
	s->root_readonly = true;
	s->hostname = strdup("web-1.example");

	static const char *const bind_opts[] = { "rbind", "ro", "nosuid", "rprivate", NULL };
	assert_int_equal(spec_add_mount(s, "/data", "bind", "/srv/data", bind_opts), 0);
	static const char *const tmp_opts[] = { "size=1m", "mode=0700", "uid=1000", NULL };
	assert_int_equal(spec_add_mount(s, "/run/secrets", "tmpfs", "tmpfs", tmp_opts), 0);
	/* A mount without options or source. */
	assert_int_equal(spec_add_mount(s, "/mnt/none", NULL, NULL, NULL), 0);

	s->namespaces[NS_CGROUP].enabled = false;
	s->namespaces[NS_USER].enabled = true;
	/* A user namespace needs its maps. */
	s->uid_maps = calloc(2, sizeof(SpecIdMap));
	s->gid_maps = calloc(1, sizeof(SpecIdMap));
	assert_non_null(s->uid_maps);
	assert_non_null(s->gid_maps);
	s->uid_maps[0] = (SpecIdMap){ 0, 100000, 1000 };
	s->uid_maps[1] = (SpecIdMap){ 1000, 200000, 10 };
	s->gid_maps[0] = (SpecIdMap){ 0, 300000, 65536 };
	s->n_uid_maps = 2;
	s->n_gid_maps = 1;
	s->namespaces[NS_NETWORK].path = strdup("/proc/1/ns/net");
	s->namespaces[NS_IPC].path = strdup("/run/berth/ns/ipc");
	s->cgroups_path = strdup("/berth/0123456789abcdef");
	free(s->rootfs_propagation);
	s->rootfs_propagation = strdup("rprivate");
	assert_int_equal(strv_push(&s->masked_paths, "/proc/extra"), 0);
	strv_free(s->readonly_paths);
	s->readonly_paths = NULL;
	assert_int_equal(strv_push(&s->readonly_paths, "/proc/only-this"), 0);

	assert_int_equal(spec_set_annotation(s, ANNOTATION_NAME, "web"), 0);
	assert_int_equal(spec_set_annotation(s, ANNOTATION_IMAGE, "library/alpine:3.19"), 0);
	assert_int_equal(spec_set_annotation(s, ANNOTATION_STOP_SIGNAL, "SIGQUIT"), 0);
	assert_int_equal(spec_set_annotation(s, "com.example.empty", ""), 0);
	assert_int_equal(spec_set_annotation(s, "com.example.unicode \xe2\x9c\x93", "\xe2\x9c\x93"),
			 0);

	assert_non_null(s->cwd);
	assert_non_null(s->root_path);
	assert_non_null(s->hostname);
	assert_non_null(s->namespaces[NS_NETWORK].path);
	assert_non_null(s->namespaces[NS_IPC].path);
	assert_non_null(s->cgroups_path);
	assert_non_null(s->rootfs_propagation);
	return s;
}

static void test_id_maps_check_refuses_empty_overflowing_and_overlapping_ranges(void **state)
{
	char msg[256];
	(void)state;
	SpecIdMap ok[] = { { 0, 100000, 1000 }, { 1000, 200000, 10 } };
	assert_int_equal(id_maps_check(ok, 2, msg, sizeof(msg)), 0);
	SpecIdMap empty[] = { { 0, 100000, 0 } };
	assert_int_equal(id_maps_check(empty, 1, msg, sizeof(msg)), -EINVAL);
	SpecIdMap over[] = { { 0, 4294967000u, 1000 } };
	assert_int_equal(id_maps_check(over, 1, msg, sizeof(msg)), -EINVAL);
	SpecIdMap inside[] = { { 0, 100000, 1000 }, { 500, 300000, 10 } };
	assert_int_equal(id_maps_check(inside, 2, msg, sizeof(msg)), -EINVAL);
	assert_non_null(strstr(msg, "inside the container"));
	SpecIdMap host[] = { { 0, 100000, 1000 }, { 5000, 100500, 10 } };
	assert_int_equal(id_maps_check(host, 2, msg, sizeof(msg)), -EINVAL);
	assert_non_null(strstr(msg, "on the host"));
}

static void test_id_map_to_host_translates_inside_the_ranges_only(void **state)
{
	(void)state;
	SpecIdMap m[] = { { 0, 100000, 1000 }, { 5000, 200000, 10 } };
	assert_int_equal(id_map_to_host(m, 2, 0), 100000);
	assert_int_equal(id_map_to_host(m, 2, 999), 100999);
	assert_int_equal(id_map_to_host(m, 2, 1000), -1);
	assert_int_equal(id_map_to_host(m, 2, 5009), 200009);
	assert_int_equal(id_map_to_host(m, 2, 5010), -1);
}

static void test_spec_json_round_trip_preserves_every_field(void **state)
{
	_cleanup_(spec_freep) ContainerSpec *a = make_full_spec();
	_cleanup_free_ char *json = NULL;
	assert_int_equal(spec_to_json(a, &json), 0);
	assert_non_null(json);

	_cleanup_(spec_freep) ContainerSpec *b = NULL;
	_cleanup_free_ char *error = NULL;
	int r = spec_from_json(json, &b, &error);
	if (r < 0)
		fail_msg("spec_from_json: %d %s\n%s", r, error, json);
	assert_null(error);
	assert_specs_equal(a, b);

	/* The spot checks assert_specs_equal() relies on. */
	assert_string_equal(b->args[2], "echo \"hi there\" | tr a-z A-Z\n\ttab");
	assert_string_equal(b->args[3], "");
	assert_string_equal(b->cwd, "/srv/app dir");
	assert_int_equal(b->gid, 4294967294u);
	assert_int_equal(b->additional_gids[2], 4294967294u);
	assert_string_equal(b->namespaces[NS_NETWORK].path, "/proc/1/ns/net");
	assert_false(b->namespaces[NS_CGROUP].enabled);
	assert_true(b->namespaces[NS_USER].enabled);
	assert_int_equal(b->n_uid_maps, 2);
	assert_int_equal(b->uid_maps[1].container_id, 1000);
	assert_int_equal(b->uid_maps[1].host_id, 200000);
	assert_int_equal(b->uid_maps[1].size, 10);
	assert_int_equal(b->n_gid_maps, 1);
	assert_int_equal(b->gid_maps[0].host_id, 300000);
	assert_string_equal(b->rootfs_propagation, "rprivate");
	const SpecMount *m = find_mount(b, "/data");
	assert_non_null(m);
	assert_string_equal(m->source, "/srv/data");
	assert_string_equal(m->type, "bind");
	assert_string_equal(m->options[0], "rbind");
	m = find_mount(b, "/mnt/none");
	assert_non_null(m);
	assert_int_equal(strv_length(m->options), 0);

	/* Writing the parsed spec again gives the same document. */
	_cleanup_free_ char *json2 = NULL;
	assert_int_equal(spec_to_json(b, &json2), 0);
	assert_string_equal(json, json2);
}

static void test_spec_json_round_trip_of_the_defaults(void **state)
{
	_cleanup_(spec_freep) ContainerSpec *a = NULL;
	assert_int_equal(spec_new_default(&a), 0);
	assert_int_equal(strv_push(&a->args, "/bin/true"), 0);
	_cleanup_free_ char *json = NULL;
	assert_int_equal(spec_to_json(a, &json), 0);
	assert_non_null(strstr(json, "\"ociVersion\": \"" OCI_VERSION "\""));

	_cleanup_(spec_freep) ContainerSpec *b = NULL;
	_cleanup_free_ char *error = NULL;
	assert_int_equal(spec_from_json(json, &b, &error), 0);
	assert_specs_equal(a, b);
}

static void test_spec_json_round_trip_with_nothing_optional(void **state)
{
	/* No mounts, no namespaces, no masked paths, no env: empty stays
	 * empty instead of falling back to the defaults. */
	_cleanup_(spec_freep) ContainerSpec *a = NULL;
	assert_int_equal(spec_new_default(&a), 0);
	assert_int_equal(strv_push(&a->args, "/bin/true"), 0);
	for (size_t i = 0; i < a->n_mounts; i++) {
		free(a->mounts[i].destination);
		free(a->mounts[i].type);
		free(a->mounts[i].source);
		strv_free(a->mounts[i].options);
	}
	a->n_mounts = 0;
	for (int t = 0; t < _NS_MAX; t++)
		a->namespaces[t].enabled = false;
	a->masked_paths = strv_free(a->masked_paths);
	a->readonly_paths = strv_free(a->readonly_paths);
	a->env = strv_free(a->env);

	_cleanup_free_ char *json = NULL;
	assert_int_equal(spec_to_json(a, &json), 0);
	_cleanup_(spec_freep) ContainerSpec *b = NULL;
	_cleanup_free_ char *error = NULL;
	assert_int_equal(spec_from_json(json, &b, &error), 0);
	assert_int_equal(b->n_mounts, 0);
	for (int t = 0; t < _NS_MAX; t++)
		assert_false(b->namespaces[t].enabled);
	assert_int_equal(strv_length(b->masked_paths), 0);
	assert_int_equal(strv_length(b->readonly_paths), 0);
	assert_int_equal(strv_length(b->env), 0);
	assert_null(spec_env_get(b, "PATH"));
}

/* A fresh temporary folder in *state, removed afterwards even when the
 * test fails. */
static int setup_tmpdir(void **state)
{
	const char *base = getenv("TMPDIR");
	char *dir;
	if (asprintf(&dir, "%s/berth-test-oci.XXXXXX", base && *base ? base : "/tmp") < 0)
		return -1;
	if (!mkdtemp(dir)) {
		free(dir);
		return -1;
	}
	*state = dir;
	return 0;
}

static int teardown_tmpdir(void **state)
{
	char *dir = *state;
	int r = rm_rf(dir);
	free(dir);
	return r < 0 ? -1 : 0;
}

static void test_spec_write_file_and_read_file_round_trip(void **state)
{
	const char *dir = *state;
	_cleanup_free_ char *path = NULL;
	assert_true(asprintf(&path, "%s/config.json", dir) >= 0);

	_cleanup_(spec_freep) ContainerSpec *a = make_full_spec();
	assert_int_equal(spec_write_file(a, path), 0);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);

	_cleanup_(spec_freep) ContainerSpec *b = NULL;
	_cleanup_free_ char *error = NULL;
	assert_int_equal(spec_read_file(path, &b, &error), 0);
	assert_specs_equal(a, b);

	_cleanup_free_ char *missing = NULL;
	assert_true(asprintf(&missing, "%s/nope.json", dir) >= 0);
	ContainerSpec *c = NULL;
	assert_int_equal(spec_read_file(missing, &c, NULL), -ENOENT);
	assert_null(c);
}

/* ---- malformed documents ---- */

/* Replaces the first "@@" in the template with `insert`. */
static char *doc(const char *template, const char *insert)
{
	const char *at = strstr(template, "@@");
	assert_non_null(at);
	char *s;
	assert_true(asprintf(&s, "%.*s%s%s", (int)(at - template), template, insert, at + 2) >= 0);
	return s;
}

#define PROCESS_OK "\"process\": {\"args\": [\"/bin/true\"], \"cwd\": \"/\"}"
#define ROOT_OK "\"root\": {\"path\": \"rootfs\"}"
/* A valid document with a hole for one more member of the top object. */
#define TOP(x) "{\"ociVersion\": \"1.1.0\", " PROCESS_OK ", " ROOT_OK x "}"
/* The same with a hole in "process". */
#define PROCESS(x) "{\"ociVersion\": \"1.1.0\", \"process\": {" x "}, " ROOT_OK "}"

static void assert_rejected(const char *json, const char *must_mention)
{
	ContainerSpec *s = NULL;
	char *error = NULL;
	int r = spec_from_json(json, &s, &error);
	if (r != -EINVAL)
		fail_msg("expected -EINVAL, got %d for:\n%s", r, json);
	assert_null(s);
	if (!error)
		fail_msg("no error message for:\n%s", json);
	if (!startswith(error, "config.json: ") || !strstr(error, must_mention))
		fail_msg("error \"%s\" does not mention \"%s\" for:\n%s", error, must_mention,
			 json);
	free(error);
}

static void test_spec_from_json_accepts_a_minimal_document(void **state)
{
	_cleanup_(spec_freep) ContainerSpec *s = NULL;
	_cleanup_free_ char *error = NULL;
	assert_int_equal(spec_from_json(TOP(""), &s, &error), 0);
	assert_null(error);
	assert_string_equal(s->args[0], "/bin/true");
	assert_string_equal(s->cwd, "/");
	assert_string_equal(s->root_path, "rootfs");

	/* Other 1.x versions are fine. */
	_cleanup_(spec_freep) ContainerSpec *s2 = NULL;
	assert_int_equal(spec_from_json("{\"ociVersion\": \"1.0.2\", " PROCESS_OK ", " ROOT_OK "}",
					&s2, NULL),
			 0);
}

static void test_spec_from_json_rejects_what_is_not_json(void **state)
{
	assert_rejected("not json", "config.json");
	assert_rejected("", "config.json");
	assert_rejected("{\"ociVersion\": \"1.1.0\",", "config.json");
	assert_rejected(TOP("") " trailing", "config.json");
	assert_rejected("[1, 2]", "object");
	assert_rejected("\"a string\"", "config.json");

	/* ret_error is optional. */
	ContainerSpec *s = NULL;
	assert_int_equal(spec_from_json("not json", &s, NULL), -EINVAL);
	assert_int_equal(spec_from_json("{}", &s, NULL), -EINVAL);
	assert_null(s);
}

static void test_spec_from_json_rejects_other_oci_versions(void **state)
{
	assert_rejected("{\"ociVersion\": \"2.0\", " PROCESS_OK ", " ROOT_OK "}", "ociVersion");
	assert_rejected("{\"ociVersion\": \"10.0\", " PROCESS_OK ", " ROOT_OK "}", "ociVersion");
	assert_rejected("{\"ociVersion\": \"\", " PROCESS_OK ", " ROOT_OK "}", "ociVersion");
	assert_rejected("{\"ociVersion\": 1.1, " PROCESS_OK ", " ROOT_OK "}", "ociVersion");
	assert_rejected("{" PROCESS_OK ", " ROOT_OK "}", "ociVersion");
}

static void test_spec_from_json_rejects_a_bad_process(void **state)
{
	assert_rejected("{\"ociVersion\": \"1.1.0\", " ROOT_OK "}", "process");
	assert_rejected("{\"ociVersion\": \"1.1.0\", \"process\": [], " ROOT_OK "}", "process");
	assert_rejected(PROCESS("\"cwd\": \"/\""), "args");
	assert_rejected(PROCESS("\"args\": [], \"cwd\": \"/\""), "args");
	assert_rejected(PROCESS("\"args\": \"/bin/true\", \"cwd\": \"/\""), "args");
	assert_rejected(PROCESS("\"args\": [\"/bin/true\", 5], \"cwd\": \"/\""), "args");
	assert_rejected(PROCESS("\"args\": [\"/bin/true\"]"), "cwd");
	assert_rejected(PROCESS("\"args\": [\"/bin/true\"], \"cwd\": \"tmp\""), "cwd");
	assert_rejected(PROCESS("\"args\": [\"/bin/true\"], \"cwd\": \"\""), "cwd");
	assert_rejected(PROCESS("\"args\": [\"/bin/true\"], \"cwd\": 5"), "cwd");
	assert_rejected(PROCESS("\"args\": [\"/bin/true\"], \"cwd\": \"/\", \"terminal\": \"yes\""),
			"terminal");
	assert_rejected(PROCESS("\"args\": [\"/bin/true\"], \"cwd\": \"/\", "
				"\"noNewPrivileges\": 1"),
			"noNewPrivileges");
}

static void test_spec_from_json_rejects_env_without_equals(void **state)
{
	assert_rejected(PROCESS("\"args\": [\"/bin/true\"], \"cwd\": \"/\", "
				"\"env\": [\"A=1\", \"NOEQUALS\"]"),
			"env");
	assert_rejected(PROCESS("\"args\": [\"/bin/true\"], \"cwd\": \"/\", \"env\": [\"=x\"]"),
			"env");
	assert_rejected(PROCESS("\"args\": [\"/bin/true\"], \"cwd\": \"/\", \"env\": [1]"), "env");
	assert_rejected(PROCESS("\"args\": [\"/bin/true\"], \"cwd\": \"/\", \"env\": \"A=1\""),
			"env");
}

#define USER(x) PROCESS("\"args\": [\"/bin/true\"], \"cwd\": \"/\", \"user\": {" x "}")

static void test_spec_from_json_rejects_ids_out_of_range(void **state)
{
	assert_rejected(USER("\"uid\": -1, \"gid\": 0"), "uid");
	assert_rejected(USER("\"uid\": 4294967296, \"gid\": 0"), "uid");
	assert_rejected(USER("\"uid\": 1.5, \"gid\": 0"), "uid");
	assert_rejected(USER("\"uid\": \"0\", \"gid\": 0"), "uid");
	assert_rejected(USER("\"uid\": 0, \"gid\": -1"), "gid");
	assert_rejected(USER("\"uid\": 0, \"gid\": 4294967296"), "gid");
	assert_rejected(USER("\"uid\": 0, \"gid\": 0, \"additionalGids\": [1, -1]"),
			"additionalGids");
	assert_rejected(USER("\"uid\": 0, \"gid\": 0, \"additionalGids\": [4294967296]"),
			"additionalGids");
	assert_rejected(USER("\"uid\": 0, \"gid\": 0, \"additionalGids\": 5"), "additionalGids");
	assert_rejected(PROCESS("\"args\": [\"/bin/true\"], \"cwd\": \"/\", \"user\": 0"), "user");

	/* 4294967295 is (uid_t)-1, "unchanged" to setresuid(): a process
	 * asked to become it would stay root. */
	assert_rejected(USER("\"uid\": 4294967295, \"gid\": 0"), "uid");
	assert_rejected(USER("\"uid\": 0, \"gid\": 4294967295"), "gid");
	assert_rejected(USER("\"uid\": 0, \"gid\": 0, \"additionalGids\": [4294967295]"),
			"additionalGids");

	/* The largest usable ids are fine. */
	_cleanup_(spec_freep) ContainerSpec *s = NULL;
	assert_int_equal(spec_from_json(USER("\"uid\": 4294967294, \"gid\": 4294967294, "
					     "\"additionalGids\": [4294967294]"),
					&s, NULL),
			 0);
	assert_int_equal(s->uid, 4294967294u);
	assert_int_equal(s->gid, 4294967294u);
	assert_int_equal(s->additional_gids[0], 4294967294u);
}

static void test_spec_from_json_rejects_a_bad_root_or_hostname(void **state)
{
	assert_rejected("{\"ociVersion\": \"1.1.0\", " PROCESS_OK "}", "root");
	assert_rejected("{\"ociVersion\": \"1.1.0\", " PROCESS_OK ", \"root\": {}}", "path");
	assert_rejected("{\"ociVersion\": \"1.1.0\", " PROCESS_OK
			", \"root\": {\"path\": \"r\", \"readonly\": \"no\"}}",
			"readonly");
	assert_rejected(TOP(", \"hostname\": \"bad_host\""), "hostname");
	assert_rejected(TOP(", \"hostname\": \"-x\""), "hostname");
	assert_rejected(TOP(", \"hostname\": 5"), "hostname");
}

#define LINUX(x) TOP(", \"linux\": {" x "}")

static void test_spec_from_json_rejects_bad_namespaces(void **state)
{
	assert_rejected(LINUX("\"namespaces\": [{\"type\": \"time\"}]"), "time");
	assert_rejected(LINUX("\"namespaces\": [{\"type\": \"net\"}]"), "namespace type");
	assert_rejected(LINUX("\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"mount\"}, "
			      "{\"type\": \"pid\", \"path\": \"/proc/1/ns/pid\"}]"),
			"\"pid\" listed twice");
	assert_rejected(LINUX("\"namespaces\": [{\"path\": \"/proc/1/ns/pid\"}]"), "type");
	assert_rejected(LINUX("\"namespaces\": [{\"type\": 1}]"), "type");
	assert_rejected(LINUX("\"namespaces\": [\"pid\"]"), "namespaces");
	assert_rejected(LINUX("\"namespaces\": {\"type\": \"pid\"}"), "namespaces");
	assert_rejected(LINUX("\"namespaces\": [{\"type\": \"pid\", \"path\": 1}]"), "path");
	assert_rejected(TOP(", \"linux\": []"), "linux");
}

/* linux.devices and linux.resources.devices, in order; what berth does
 * not set in linux.resources is refused by name. */
static void test_devices_and_resource_fields(void **state)
{
	(void)state;
	_cleanup_(spec_freep) ContainerSpec *s = NULL;
	const char *doc =
		LINUX("\"devices\": [{\"path\": \"/dev/fuse\", \"type\": \"c\", \"major\": 10, "
		      "\"minor\": 229, \"fileMode\": 438, \"uid\": 0, \"gid\": 5}, "
		      "{\"path\": \"/dev/fifo\", \"type\": \"p\"}], "
		      "\"resources\": {\"devices\": [{\"allow\": false, \"access\": \"rwm\"}, "
		      "{\"allow\": true, \"type\": \"c\", \"major\": 10, \"minor\": 229, "
		      "\"access\": \"rw\"}, {\"allow\": true, \"type\": \"b\"}], "
		      "\"memory\": {\"swappiness\": 0, \"disableOOMKiller\": false}}");
	assert_int_equal(spec_from_json(doc, &s, NULL), 0);
	assert_int_equal(s->n_devices, 2);
	assert_string_equal(s->devices[0].path, "/dev/fuse");
	assert_int_equal(s->devices[0].type, 'c');
	assert_int_equal(s->devices[0].major, 10);
	assert_int_equal(s->devices[0].minor, 229);
	assert_int_equal(s->devices[0].file_mode, 0666);
	assert_true(s->devices[0].has_gid);
	assert_int_equal(s->devices[0].gid, 5);
	assert_int_equal(s->devices[1].type, 'p');
	assert_int_equal(s->devices[1].file_mode, 0666);
	assert_false(s->devices[1].has_uid);
	assert_true(s->has_device_rules);
	assert_int_equal(s->n_device_rules, 3);
	assert_false(s->device_rules[0].allow);
	assert_int_equal(s->device_rules[0].type, 'a');
	assert_int_equal(s->device_rules[0].major, -1);
	assert_string_equal(s->device_rules[0].access, "rwm");
	assert_true(s->device_rules[1].allow);
	assert_int_equal(s->device_rules[1].minor, 229);
	assert_string_equal(s->device_rules[1].access, "rw");
	assert_int_equal(s->device_rules[2].type, 'b');
	assert_string_equal(s->device_rules[2].access, "rwm");

	assert_rejected(LINUX("\"devices\": [{\"path\": \"dev/x\", \"type\": \"c\", "
			      "\"major\": 1, \"minor\": 3}]"),
			"must be absolute");
	assert_rejected(LINUX("\"devices\": [{\"path\": \"/dev/x\", \"type\": \"c\"}]"),
			"needs major and minor");
	assert_rejected(LINUX("\"devices\": [{\"path\": \"/dev/x\", \"type\": \"c\", "
			      "\"major\": 1, \"minor\": 3, \"fileMode\": 65536}]"),
			"out of range");
	assert_rejected(LINUX("\"resources\": {\"devices\": [{\"access\": \"r\"}]}"),
			"needs \"allow\"");
	assert_rejected(LINUX("\"resources\": {\"devices\": [{\"allow\": true, \"type\": "
			      "\"x\"}]}"),
			"unknown type");
	assert_rejected(LINUX("\"resources\": {\"memory\": {\"reservation\": 1000}}"),
			"linux.resources.memory.reservation is not supported");
	assert_rejected(LINUX("\"resources\": {\"cpu\": {\"realtimeRuntime\": 1}}"),
			"linux.resources.cpu.realtimeRuntime is not supported");
	assert_rejected(LINUX("\"resources\": {\"hugepageLimits\": [{\"pageSize\": \"2MB\", "
			      "\"limit\": 1}]}"),
			"linux.resources.hugepageLimits is not supported");

	/* update's document: a linux.resources object alone. */
	SpecResources r = { 0 };
	_cleanup_free_ char *why = NULL;
	assert_int_equal(spec_resources_from_json("{\"memory\": {\"limit\": 1048576}, "
						  "\"pids\": {\"limit\": 10}}",
						  &r, NULL),
			 0);
	assert_true(r.has_memory_limit);
	assert_int_equal(r.memory_limit, 1048576);
	assert_int_equal(r.pids_limit, 10);
	spec_resources_done(&r);
	assert_int_equal(spec_resources_from_json("{\"devices\": [{\"allow\": true}]}", &r, &why),
			 -EINVAL);
	assert_non_null(strstr(why, "devices cannot be changed by update"));
}

static void test_spec_from_json_rejects_relative_mount_destinations(void **state)
{
	assert_rejected(TOP(", \"mounts\": [{\"destination\": \"proc\", \"type\": \"proc\"}]"),
			"destination \"proc\"");
	assert_rejected(TOP(", \"mounts\": [{\"destination\": \"\", \"type\": \"proc\"}]"),
			"destination");
	assert_rejected(TOP(", \"mounts\": [{\"type\": \"proc\"}]"), "destination");
	assert_rejected(TOP(", \"mounts\": [{\"destination\": \"/p\", \"options\": \"ro\"}]"),
			"options");
	assert_rejected(TOP(", \"mounts\": [{\"destination\": \"/p\", \"type\": 1}]"), "type");
	assert_rejected(TOP(", \"mounts\": [\"/proc\"]"), "mounts");
	assert_rejected(TOP(", \"mounts\": {}"), "mounts");
}

static void test_spec_from_json_rejects_unknown_rootfs_propagation(void **state)
{
	assert_rejected(LINUX("\"rootfsPropagation\": \"sideways\""), "rootfsPropagation");
	assert_rejected(LINUX("\"rootfsPropagation\": \"\""), "rootfsPropagation");
	assert_rejected(LINUX("\"rootfsPropagation\": 1"), "rootfsPropagation");
	assert_rejected(LINUX("\"maskedPaths\": [1]"), "maskedPaths");
	assert_rejected(LINUX("\"readonlyPaths\": \"/proc\""), "readonlyPaths");
	assert_rejected(LINUX("\"cgroupsPath\": []"), "cgroupsPath");

	static const char *const ok[] = { "private", "rprivate", "slave",      "rslave",
					  "shared",  "rshared",  "unbindable", "runbindable" };
	for (size_t i = 0; i < ELEMENTSOF(ok); i++) {
		_cleanup_free_ char *prop = NULL;
		assert_true(asprintf(&prop, "\"rootfsPropagation\": \"%s\"", ok[i]) >= 0);
		_cleanup_free_ char *json = doc(LINUX("@@"), prop);
		_cleanup_(spec_freep) ContainerSpec *s = NULL;
		assert_int_equal(spec_from_json(json, &s, NULL), 0);
		assert_string_equal(s->rootfs_propagation, ok[i]);
	}
}

static void test_spec_from_json_rejects_annotations_that_are_not_strings(void **state)
{
	assert_rejected(TOP(", \"annotations\": {\"a\": \"1\", \"org.example.n\": 1}"),
			"org.example.n");
	assert_rejected(TOP(", \"annotations\": {\"a\": null}"), "annotation \"a\"");
	assert_rejected(TOP(", \"annotations\": {\"a\": {\"b\": \"c\"}}"), "annotation \"a\"");
	assert_rejected(TOP(", \"annotations\": [\"a\"]"), "annotations");
}

static void test_spec_from_json_rejects_duplicate_keys(void **state)
{
	assert_rejected("{\"ociVersion\": \"1.1.0\", \"process\": {\"args\": [\"/bin/true\"], "
			"\"cwd\": \"/\", \"cwd\": \"/tmp\"}, " ROOT_OK "}",
			"cwd");
	assert_rejected(TOP(", \"hostname\": \"a\", \"hostname\": \"b\""), "hostname");
	assert_rejected(TOP(", \"annotations\": {\"k\": \"1\", \"k\": \"2\"}"), "\"k\"");
}

static void test_spec_from_json_rejects_embedded_nul(void **state)
{
	assert_rejected(PROCESS("\"args\": [\"/bin/true\"], \"cwd\": \"/tmp\\u0000/x\""), "cwd");
	assert_rejected(PROCESS("\"args\": [\"/bin/true\\u0000\"], \"cwd\": \"/\""), "args");
	assert_rejected(PROCESS("\"args\": [\"/bin/true\"], \"cwd\": \"/\", "
				"\"env\": [\"A=1\\u0000B=2\"]"),
			"env");
	assert_rejected(TOP(", \"hostname\": \"a\\u0000b\""), "hostname");
	assert_rejected(TOP(", \"mounts\": [{\"destination\": \"/p\\u0000\"}]"), "destination");
	assert_rejected(LINUX("\"namespaces\": [{\"type\": \"pid\", \"path\": \"/a\\u0000\"}]"),
			"path");
	assert_rejected(TOP(", \"annotations\": {\"org.example.k\": \"v\\u0000hidden\"}"),
			"org.example.k");
	assert_rejected(TOP(", \"annotations\": {\"k\\u0000hidden\": \"v\"}"), "config.json");
}

/* ---- spec_relocate_paths: a config.json of an older berth ---- */

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define OLD "/old/root/containers/" ID

static ContainerSpec *old_spec(const char *lower)
{
	ContainerSpec *s = NULL;
	assert_int_equal(spec_new_default(&s), 0);
	free(s->root_path);
	s->root_path = strdup(OLD "/rootfs");
	assert_int_equal(spec_set_annotation(s, ANNOTATION_LOWERDIR, lower), 0);
	assert_int_equal(spec_set_annotation(s, ANNOTATION_UPPERDIR, OLD "/upper"), 0);
	assert_int_equal(spec_set_annotation(s, ANNOTATION_WORKDIR, OLD "/work"), 0);
	return s;
}

static void test_spec_relocate_paths_takes_the_old_root_as_the_bundle_s_root(void **state)
{
	ContainerSpec *s = old_spec("/old/root/layers/aa:/old/root/images/bb/rootfs:/srv/extra:"
				    "/old/rootless/x:" OLD "/lower/0");
	assert_int_equal(spec_relocate_paths(s, "/new/place/containers/" ID), 0);
	assert_string_equal(s->root_path, "rootfs");
	assert_string_equal(spec_get_annotation(s, ANNOTATION_UPPERDIR), "upper");
	assert_string_equal(spec_get_annotation(s, ANNOTATION_WORKDIR), "work");
	/* Outside the old root (a rootfs folder, --layers): as they were. */
	assert_string_equal(
		spec_get_annotation(s, ANNOTATION_LOWERDIR),
		"../../layers/aa:../../images/bb/rootfs:/srv/extra:/old/rootless/x:lower/0");
	spec_free(s);
}

static void test_spec_relocate_paths_leaves_other_specs_alone(void **state)
{
	/* Today's form. */
	ContainerSpec *s = NULL;
	assert_int_equal(spec_new_default(&s), 0);
	assert_int_equal(spec_set_annotation(s, ANNOTATION_LOWERDIR, "../../layers/aa"), 0);
	assert_int_equal(spec_relocate_paths(s, "/new/place/containers/" ID), 0);
	assert_string_equal(s->root_path, "rootfs");
	assert_string_equal(spec_get_annotation(s, ANNOTATION_LOWERDIR), "../../layers/aa");
	spec_free(s);
	/* A root.path that is not this container's folder: another engine's
	 * bundle, or another container's. */
	s = old_spec("/old/root/layers/aa");
	assert_int_equal(spec_relocate_paths(s, "/new/place/containers/" ID "0"), 0);
	assert_string_equal(s->root_path, OLD "/rootfs");
	assert_string_equal(spec_get_annotation(s, ANNOTATION_LOWERDIR), "/old/root/layers/aa");
	free(s->root_path);
	s->root_path = strdup("/srv/bundle/rootfs");
	assert_int_equal(spec_relocate_paths(s, "/new/place/containers/" ID), 0);
	assert_string_equal(s->root_path, "/srv/bundle/rootfs");
	spec_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_new_default_enables_the_default_namespaces),
		cmocka_unit_test(test_spec_new_default_has_the_standard_mounts),
		cmocka_unit_test(test_spec_new_default_masks_sensitive_paths),
		cmocka_unit_test(test_spec_new_default_process_and_root),
		cmocka_unit_test(test_namespace_types_map_to_strings_and_clone_flags),
		cmocka_unit_test(test_spec_env_set_replaces_an_existing_key),
		cmocka_unit_test(test_spec_set_annotation_replaces_an_existing_key),
		cmocka_unit_test(test_spec_json_round_trip_preserves_every_field),
		cmocka_unit_test(test_rlimits_and_oom_score_adj),
		cmocka_unit_test(test_devices_and_resource_fields),
		cmocka_unit_test(test_sysctl_round_trip),
		cmocka_unit_test(
			test_id_maps_check_refuses_empty_overflowing_and_overlapping_ranges),
		cmocka_unit_test(test_id_map_to_host_translates_inside_the_ranges_only),
		cmocka_unit_test(test_spec_json_round_trip_of_the_defaults),
		cmocka_unit_test(test_spec_json_round_trip_with_nothing_optional),
		cmocka_unit_test_setup_teardown(test_spec_write_file_and_read_file_round_trip,
						setup_tmpdir, teardown_tmpdir),
		cmocka_unit_test(test_spec_from_json_accepts_a_minimal_document),
		cmocka_unit_test(test_spec_from_json_rejects_what_is_not_json),
		cmocka_unit_test(test_spec_from_json_rejects_other_oci_versions),
		cmocka_unit_test(test_spec_from_json_rejects_a_bad_process),
		cmocka_unit_test(test_spec_from_json_rejects_env_without_equals),
		cmocka_unit_test(test_spec_from_json_rejects_ids_out_of_range),
		cmocka_unit_test(test_spec_from_json_rejects_a_bad_root_or_hostname),
		cmocka_unit_test(test_spec_from_json_rejects_bad_namespaces),
		cmocka_unit_test(test_spec_from_json_rejects_relative_mount_destinations),
		cmocka_unit_test(test_spec_from_json_rejects_unknown_rootfs_propagation),
		cmocka_unit_test(test_spec_from_json_rejects_annotations_that_are_not_strings),
		cmocka_unit_test(test_spec_from_json_rejects_duplicate_keys),
		cmocka_unit_test(test_spec_from_json_rejects_embedded_nul),
		cmocka_unit_test(test_spec_relocate_paths_takes_the_old_root_as_the_bundle_s_root),
		cmocka_unit_test(test_spec_relocate_paths_leaves_other_specs_alone),
	};
	return cmocka_run_group_tests_name("oci", tests, NULL, NULL);
}
