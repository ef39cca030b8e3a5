/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for cli/mounts.c, linked from libcli.a: -v, --mount,
 * --tmpfs, -M and --layers checked on the host (sources resolved, one
 * mount a destination, layers that OverlayFS can take), put into the
 * spec in place of a default mount at the same destination, tmpfs sizes
 * capped, and -M's host folder made a shared mount point. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>

#include "cli-test.h"
#include "mount-options.h"
#include "mounts.h"

static char *dir;

static int setup(void **state)
{
	(void)state;
	test_log_catch();
	dir = test_make_dir("test-mounts");
	test_write_file(dir, "src/file", "x");
	test_write_file(dir, "other/file", "y");
	test_write_file(dir, "plain", "not a folder");
	char link[PATH_MAX];
	snprintf(link, sizeof(link), "%s/link", dir);
	assert_int_equal(symlink("src", link), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	test_remove_dir(dir);
	test_log_release();
	return 0;
}

/* "<dir>/<name>", in a static buffer of its own for each of 4 calls. */
static const char *at(const char *name)
{
	static char bufs[4][PATH_MAX];
	static int i;
	char *b = bufs[i++ % 4];
	snprintf(b, PATH_MAX, "%s/%s", dir, name);
	return b;
}

static const char *arg(const char *fmt, ...) _printf_(1, 2);
static const char *arg(const char *fmt, ...)
{
	static char buf[2 * PATH_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return buf;
}

static ContainerSpec *new_spec(void)
{
	ContainerSpec *s = NULL;
	assert_int_equal(spec_new_default(&s), 0);
	return s;
}

static const SpecMount *find_mount(const ContainerSpec *s, const char *dst, size_t *ret_index)
{
	for (size_t i = 0; i < s->n_mounts; i++)
		if (streq(s->mounts[i].destination, dst)) {
			if (ret_index)
				*ret_index = i;
			return &s->mounts[i];
		}
	return NULL;
}

static void test_volume_resolves_its_source_on_the_host(void **state)
{
	(void)state;
	MountRequests m = { 0 };
	/* Through a symlink: the source is kept as the real path. */
	assert_int_equal(mount_parse_volume(&m, arg("%s/link:/data:ro", dir)), 0);
	assert_int_equal(m.n_binds, 1);
	assert_int_equal(m.n_tmpfs, 0);
	assert_string_equal(m.binds[0].source, at("src"));
	assert_string_equal(m.binds[0].destination, "/data");
	assert_true(m.binds[0].read_only);
	assert_string_equal(logged(), "");
	mount_requests_done(&m);
	assert_null(m.binds);
	assert_int_equal(m.n_binds, 0);
}

static void test_volume_with_a_missing_source_names_it(void **state)
{
	(void)state;
	MountRequests m = { 0 };
	assert_int_equal(mount_parse_volume(&m, arg("%s/missing:/data", dir)), -ENOENT);
	char want[PATH_MAX + 128];
	snprintf(want, sizeof(want), "berth: -v: source `%s/missing`: No such file or directory\n",
		 dir);
	assert_string_equal(logged(), want);
	assert_int_equal(m.n_binds, 0);
	mount_requests_done(&m);
}

static void test_volume_syntax_error_is_one_line_with_the_argument(void **state)
{
	(void)state;
	MountRequests m = { 0 };
	assert_int_equal(mount_parse_volume(&m, "/data"), -EINVAL);
	assert_string_equal(logged(), "berth: invalid -v `/data`: expected SRC:DST[:OPTIONS]\n");
	assert_int_equal(mount_parse_volume(&m, arg("%s/src:relative", dir)), -EINVAL);
	const char *l = logged();
	assert_true(startswith(l, "berth: invalid -v `"));
	assert_non_null(strstr(l, "/src:relative`: "));
	assert_int_equal(strchr(l, '\n') - l, (long)strlen(l) - 1);
	assert_int_equal(m.n_binds, 0);
}

static void test_a_second_mount_at_the_same_destination_is_refused(void **state)
{
	(void)state;
	MountRequests m = { 0 };
	assert_int_equal(mount_parse_volume(&m, arg("%s/src:/data", dir)), 0);
	assert_int_equal(mount_parse_volume(&m, arg("%s/other:/data/", dir)), -EINVAL);
	char want[PATH_MAX + 128];
	snprintf(want, sizeof(want),
		 "berth: invalid -v `%s/other:/data/`: another mount is at `/data` already\n", dir);
	assert_string_equal(logged(), want);
	/* A tmpfs at a bind's destination, and the other way round. */
	assert_int_equal(mount_parse_tmpfs(&m, "/data"), -EINVAL);
	assert_string_equal(
		logged(), "berth: invalid --tmpfs `/data`: another mount is at `/data` already\n");
	assert_int_equal(mount_parse_tmpfs(&m, "/cache"), 0);
	assert_int_equal(mount_parse_mount(&m, arg("type=bind,src=%s/other,dst=/cache", dir)),
			 -EINVAL);
	assert_non_null(strstr(logged(), "another mount is at `/cache` already"));
	assert_int_equal(m.n_binds, 1);
	assert_int_equal(m.n_tmpfs, 1);
	mount_requests_done(&m);
}

static void test_mount_takes_both_syntaxes(void **state)
{
	(void)state;
	MountRequests m = { 0 };
	/* SRC:DST (seed 004), and Docker's fields. */
	assert_int_equal(mount_parse_mount(&m, arg("%s/src:/a", dir)), 0);
	assert_int_equal(mount_parse_mount(&m, arg("type=bind,src=%s/other,dst=/b,readonly", dir)),
			 0);
	assert_int_equal(mount_parse_mount(&m, "type=tmpfs,dst=/t,tmpfs-size=1m"), 0);
	assert_int_equal(m.n_binds, 2);
	assert_string_equal(m.binds[0].source, at("src"));
	assert_string_equal(m.binds[0].destination, "/a");
	assert_false(m.binds[0].read_only);
	assert_string_equal(m.binds[1].source, at("other"));
	assert_string_equal(m.binds[1].destination, "/b");
	assert_true(m.binds[1].read_only);
	assert_int_equal(m.n_tmpfs, 1);
	assert_string_equal(m.tmpfs[0].destination, "/t");
	assert_int_equal(m.tmpfs[0].size, 1 << 20);
	assert_null(m.tmpfs[0].source);
	/* A source with `=` in its path is still SRC:DST when it starts with
	 * / or . */
	assert_int_equal(mount_parse_mount(&m, "/no=such:/c"), -ENOENT);
	assert_string_equal(logged(), "berth: --mount: source `/no=such`: No such file or "
				      "directory\n");
	assert_int_equal(mount_parse_mount(&m, "type=nfs,dst=/n"), -EINVAL);
	assert_true(startswith(logged(), "berth: invalid --mount `type=nfs,dst=/n`: "));
	mount_requests_done(&m);
}

static void test_tmpfs_options(void **state)
{
	(void)state;
	MountRequests m = { 0 };
	assert_int_equal(mount_parse_tmpfs(&m, "/run:size=64m,mode=700"), 0);
	assert_int_equal(m.n_tmpfs, 1);
	assert_string_equal(m.tmpfs[0].destination, "/run");
	assert_int_equal(m.tmpfs[0].size, 64 << 20);
	assert_int_equal(m.tmpfs[0].mode, 0700);
	assert_int_equal(mount_parse_tmpfs(&m, "/x:size=lots"), -EINVAL);
	assert_true(startswith(logged(), "berth: invalid --tmpfs `/x:size=lots`: "));
	assert_int_equal(m.n_tmpfs, 1);
	mount_requests_done(&m);
}

static void test_propagate_mount_binds_rslave_and_remembers_the_folder(void **state)
{
	(void)state;
	MountRequests m = { 0 };
	assert_int_equal(mount_parse_propagate(&m, at("src")), 0);
	assert_int_equal(mount_parse_propagate(&m, arg("%s/other:/mnt/o", dir)), 0);
	assert_int_equal(m.n_binds, 2);
	/* Without :DST, at the same path inside. */
	assert_string_equal(m.binds[0].source, at("src"));
	assert_string_equal(m.binds[0].destination, at("src"));
	assert_string_equal(m.binds[0].propagation, "rslave");
	assert_string_equal(m.binds[1].destination, "/mnt/o");
	assert_int_equal(strv_length(m.shared), 2);
	assert_string_equal(m.shared[0], at("src"));
	assert_string_equal(m.shared[1], at("other"));
	_cleanup_strv_free_ char **opts = NULL;
	assert_int_equal(mount_spec_oci_options(&m.binds[0], &opts), 0);
	assert_true(strv_contains(opts, "rslave"));
	mount_requests_done(&m);
	assert_null(m.shared);
}

static void test_propagate_mount_errors(void **state)
{
	(void)state;
	MountRequests m = { 0 };
	char want[PATH_MAX + 128];
	assert_int_equal(mount_parse_propagate(&m, at("plain")), -ENOTDIR);
	snprintf(want, sizeof(want), "berth: --propagate-mount `%s/plain` is not a directory\n",
		 dir);
	assert_string_equal(logged(), want);
	assert_int_equal(mount_parse_propagate(&m, arg("%s/missing:/x", dir)), -ENOENT);
	snprintf(want, sizeof(want),
		 "berth: --propagate-mount `%s/missing`: No such file or directory\n", dir);
	assert_string_equal(logged(), want);
	assert_int_equal(mount_parse_propagate(&m, arg("%s/src:/a/../b", dir)), -EINVAL);
	assert_true(startswith(logged(), "berth: invalid --propagate-mount `"));
	/* A destination taken: nothing is left half added. */
	assert_int_equal(mount_parse_tmpfs(&m, "/t"), 0);
	assert_int_equal(mount_parse_propagate(&m, arg("%s/src:/t", dir)), -EINVAL);
	assert_non_null(strstr(logged(), "another mount is at `/t` already"));
	assert_int_equal(m.n_binds, 0);
	assert_null(m.shared);
	mount_requests_done(&m);
}

static void test_layers_resolved_top_first(void **state)
{
	(void)state;
	MountRequests m = { 0 };
	assert_int_equal(mount_parse_layers(&m, arg("%s/other/../src,%s/other", dir, dir)), 0);
	assert_int_equal(strv_length(m.layers), 2);
	assert_string_equal(m.layers[0], at("src"));
	assert_string_equal(m.layers[1], at("other"));
	mount_requests_done(&m);
}

static void test_layers_errors(void **state)
{
	(void)state;
	MountRequests m = { 0 };
	char want[PATH_MAX + 128];
	assert_int_equal(mount_parse_layers(&m, ",,"), -EINVAL);
	assert_string_equal(logged(), "berth: --layers: no layer given\n");
	assert_int_equal(mount_parse_layers(&m, at("plain")), -ENOTDIR);
	snprintf(want, sizeof(want), "berth: --layers: layer `%s/plain` is not a directory\n", dir);
	assert_string_equal(logged(), want);
	assert_int_equal(mount_parse_layers(&m, at("nope")), -ENOENT);
	snprintf(want, sizeof(want),
		 "berth: --layers: layer `%s/nope`: No such file or directory\n", dir);
	assert_string_equal(logged(), want);
	/* OverlayFS separates lower dirs with ':' and options with ','. */
	assert_int_equal(mkdir(at("a:b"), 0755), 0);
	assert_int_equal(mount_parse_layers(&m, at("a:b")), -EINVAL);
	snprintf(want, sizeof(want),
		 "berth: --layers: `%s/a:b` contains ':' or ',', which OverlayFS cannot take\n",
		 dir);
	assert_string_equal(logged(), want);
	assert_null(m.layers);
	mount_requests_done(&m);
}

static void test_apply_replaces_a_default_mount_in_place(void **state)
{
	(void)state;
	_cleanup_(spec_freep) ContainerSpec *s = new_spec();
	size_t tmp_index, n = s->n_mounts;
	const SpecMount *tmp = find_mount(s, "/tmp", &tmp_index);
	assert_non_null(tmp);
	MountRequests m = { 0 };
	assert_int_equal(mount_parse_tmpfs(&m, "/tmp:size=1m,exec"), 0);
	assert_int_equal(mount_parse_volume(&m, arg("%s/src:/data:ro", dir)), 0);
	assert_int_equal(mount_requests_apply(&m, s), 0);
	/* /tmp where it was, with the options asked for. */
	size_t i;
	tmp = find_mount(s, "/tmp", &i);
	assert_int_equal(i, tmp_index);
	assert_string_equal(tmp->type, "tmpfs");
	assert_true(strv_contains(tmp->options, "size=1048576"));
	assert_true(strv_contains(tmp->options, "exec"));
	assert_false(strv_contains(tmp->options, "noexec"));
	/* /data added at the end. */
	assert_int_equal(s->n_mounts, n + 1);
	const SpecMount *data = find_mount(s, "/data", &i);
	assert_non_null(data);
	assert_int_equal(i, n);
	assert_string_equal(data->type, "bind");
	assert_string_equal(data->source, at("src"));
	assert_true(strv_contains(data->options, "rbind"));
	assert_true(strv_contains(data->options, "ro"));
	mount_requests_done(&m);
}

static void test_tmpfs_caps_follow_the_memory_limit(void **state)
{
	(void)state;
	_cleanup_(spec_freep) ContainerSpec *s = new_spec();
	MountRequests m = { 0 };
	assert_int_equal(mount_parse_tmpfs(&m, "/sized:size=2m"), 0);
	assert_int_equal(mount_parse_tmpfs(&m, "/unsized"), 0);
	assert_int_equal(mount_requests_apply(&m, s), 0);
	mount_requests_done(&m);
	s->resources.has_memory_limit = true;
	s->resources.memory_limit = 64 << 20;
	assert_int_equal(mount_tmpfs_caps_apply(s), 0);
	char want[64];
	snprintf(want, sizeof(want), "size=%llu", (unsigned long long)tmpfs_size_default(64 << 20));
	size_t tmpfs = 0;
	for (size_t i = 0; i < s->n_mounts; i++) {
		const SpecMount *sm = &s->mounts[i];
		if (!streq(sm->type, "tmpfs"))
			continue;
		tmpfs++;
		if (streq(sm->destination, "/sized")) {
			assert_true(strv_contains(sm->options, "size=2097152"));
			assert_false(strv_contains(sm->options, want));
		} else if (streq(sm->destination, "/unsized") || streq(sm->destination, "/tmp"))
			assert_true(strv_contains(sm->options, want));
		/* Each has one size= only. */
		size_t sizes = 0;
		for (char **o = sm->options; o && *o; o++)
			sizes += startswith(*o, "size=");
		assert_int_equal(sizes, 1);
	}
	assert_true(tmpfs >= 3); /* /tmp and the two above */
	/* Not above what the container may use. */
	assert_true(tmpfs_size_default(64 << 20) <= 64 << 20);
}

/* In a mount namespace of a child's own, so nothing is left on the host. */
static void test_prepare_host_makes_the_folder_a_shared_mount_point(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip();
	MountRequests m = { 0 };
	assert_int_equal(mount_parse_propagate(&m, at("src")), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (unshare(CLONE_NEWNS) < 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
			_exit(2);
		if (mount_requests_prepare_host(&m) < 0)
			_exit(3);
		/* "<id> <parent> <dev> <root> <mount point> <opts> shared:N ..." */
		FILE *f = fopen("/proc/self/mountinfo", "re");
		char line[8192], mp[PATH_MAX];
		bool shared = false;
		while (f && fgets(line, sizeof(line), f))
			if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) == 1 && streq(mp, at("src")))
				shared = strstr(line, " shared:") != NULL;
		_exit(shared ? 0 : 4);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	mount_requests_done(&m);
}

static void test_prepare_host_names_a_folder_it_cannot_share(void **state)
{
	(void)state;
	MountRequests m = { 0 };
	assert_int_equal(strv_push(&m.shared, at("gone")), 0);
	assert_int_equal(mount_requests_prepare_host(&m), -ENOENT);
	char want[PATH_MAX + 128];
	snprintf(want, sizeof(want),
		 "berth: make `%s/gone` a shared mount point: No such file or directory\n", dir);
	assert_string_equal(logged(), want);
	mount_requests_done(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_volume_resolves_its_source_on_the_host),
		cmocka_unit_test(test_volume_with_a_missing_source_names_it),
		cmocka_unit_test(test_volume_syntax_error_is_one_line_with_the_argument),
		cmocka_unit_test(test_a_second_mount_at_the_same_destination_is_refused),
		cmocka_unit_test(test_mount_takes_both_syntaxes),
		cmocka_unit_test(test_tmpfs_options),
		cmocka_unit_test(test_propagate_mount_binds_rslave_and_remembers_the_folder),
		cmocka_unit_test(test_propagate_mount_errors),
		cmocka_unit_test(test_layers_resolved_top_first),
		cmocka_unit_test(test_layers_errors),
		cmocka_unit_test(test_apply_replaces_a_default_mount_in_place),
		cmocka_unit_test(test_tmpfs_caps_follow_the_memory_limit),
		cmocka_unit_test(test_prepare_host_makes_the_folder_a_shared_mount_point),
		cmocka_unit_test(test_prepare_host_names_a_folder_it_cannot_share),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
