/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for the device cgroup program (common/cgroup-devices.c): each
 * rule set is loaded into the kernel, attached to a cgroup of this test's
 * own, and a child in that cgroup opens and makes device nodes; what the
 * kernel answers is what a container would get. Needs root and a cgroup v2
 * mount; the cgroup and the nodes are removed at the end. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup-devices.h"
#include "cgroup.h"
#include "cleanup.h"
#include "util.h"

static char tmpdir[] = "test-devices.XXXXXX";
static char *cgroup_path;
static dev_t block_dev;

static int setup(void **state)
{
	(void)state;
	char *mnt = NULL;
	if (geteuid() != 0 || cgroup_v2_mount(&mnt) < 0)
		return 0; /* every test skips */
	if (asprintf(&cgroup_path, "%s/berth-unit-devices-%d", mnt, (int)getpid()) < 0)
		cgroup_path = NULL;
	free(mnt);
	if (!mkdtemp(tmpdir))
		return -1;
	/* Device nodes on a nodev file system answer EACCES whatever the
	 * cgroup says. */
	struct statvfs sv;
	if (statvfs(tmpdir, &sv) == 0 && (sv.f_flag & ST_NODEV)) {
		free(cgroup_path);
		cgroup_path = NULL;
	}
	/* A block device of this machine, for the nodes below. */
	FILE *f = popen("ls /sys/dev/block | head -n 1", "r");
	unsigned ma = 0, mi = 0;
	if (f && fscanf(f, "%u:%u", &ma, &mi) == 2)
		block_dev = makedev(ma, mi);
	if (f)
		pclose(f);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		return -1;
	free(cgroup_path);
	return 0;
}

static void need_root(void)
{
	if (!cgroup_path)
		skip(); /* not root, no cgroup v2 here, or a nodev build folder */
}

/* A node made by us (not in the cgroup), or "" when this filesystem
 * refuses device nodes. */
static const char *node(const char *name, mode_t type, dev_t dev)
{
	static char path[4][128];
	static int next;
	char *p = path[next++ % 4];
	snprintf(p, sizeof(path[0]), "%s/%s", tmpdir, name);
	(void)unlink(p);
	if (mknod(p, type | 0600, dev) < 0)
		fail_msg("mknod %s: %s", p, strerror(errno));
	return p;
}

typedef struct {
	const char *path; /* NULL: mknod of `dev` as `type` in the cgroup */
	int flags;
	mode_t type;
	dev_t dev;
	bool denied;
} Probe;

/* Loads `rules`, attaches them to a fresh cgroup, and runs the probes in a
 * child moved into it. A denied access is EPERM; an allowed one may still
 * fail for the device's own reasons (no such pty, no medium). */
static void check(const DeviceRule *rules, const Probe *probes, size_t n)
{
	int prog = -1;
	assert_int_equal(cgroup_devices_load(rules, &prog), 0);
	int cg = -1;
	assert_int_equal(cgroup_create(cgroup_path, "/test", &cg), 0);
	assert_int_equal(cgroup_devices_attach(cg, prog), 0);
	close(prog);
	close(cg);

	int pipefd[2];
	assert_int_equal(pipe(pipefd), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(pipefd[0]);
		char procs[512];
		snprintf(procs, sizeof(procs), "%s/cgroup.procs", cgroup_path);
		int fd = open(procs, O_WRONLY);
		if (fd < 0 || write(fd, "0", 1) != 1)
			_exit(100);
		close(fd);
		for (size_t i = 0; i < n; i++) {
			int e = 0;
			if (probes[i].path) {
				int o = open(probes[i].path,
					     probes[i].flags | O_NOCTTY | O_NONBLOCK);
				if (o < 0)
					e = errno;
				else
					close(o);
			} else {
				char p[128];
				snprintf(p, sizeof(p), "%s/made-%zu", tmpdir, i);
				(void)unlink(p);
				if (mknod(p, probes[i].type | 0600, probes[i].dev) < 0)
					e = errno;
			}
			unsigned char r = (unsigned char)(e == EPERM);
			if (write(pipefd[1], &r, 1) != 1)
				_exit(101);
		}
		_exit(0);
	}
	close(pipefd[1]);
	unsigned char got[64] = { 0 };
	ssize_t k = 0, r;
	while ((r = read(pipefd[0], got + k, sizeof(got) - (size_t)k)) > 0)
		k += r;
	close(pipefd[0]);
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(cgroup_destroy(cgroup_path, 1000), 0);
	if (!WIFEXITED(status))
		fail_msg("the probe child died of signal %d", WTERMSIG(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(k, (ssize_t)n);
	for (size_t i = 0; i < n; i++)
		if (got[i] != probes[i].denied)
			fail_msg("probe %zu (%s, %u:%u): %s, expected %s", i,
				 probes[i].path ? probes[i].path : "mknod", major(probes[i].dev),
				 minor(probes[i].dev), got[i] ? "denied" : "allowed",
				 probes[i].denied ? "denied" : "allowed");
}

static void test_default_rules(void **state)
{
	(void)state;
	need_root();
	const char *null = node("null", S_IFCHR, makedev(1, 3));
	const char *urandom = node("urandom", S_IFCHR, makedev(1, 9));
	const char *kmsg = node("kmsg", S_IFCHR, makedev(1, 11));
	const char *mem = node("mem", S_IFCHR, makedev(1, 1));
	Probe p[] = {
		{ null, O_RDWR, 0, makedev(1, 3), false },
		{ urandom, O_RDONLY, 0, makedev(1, 9), false },
		{ kmsg, O_RDONLY, 0, makedev(1, 11), true },
		{ mem, O_RDONLY, 0, makedev(1, 1), true },
		{ "/dev/ptmx", O_RDWR, 0, makedev(5, 2), false },
		/* mknod of anything is allowed, opening it is not. */
		{ NULL, 0, S_IFCHR, makedev(1, 11), false },
		{ NULL, 0, S_IFBLK, makedev(8, 0), false },
	};
	check(device_rules_default, p, ELEMENTSOF(p));

	const char *pts = node("pts", S_IFCHR, makedev(136, 4095));
	const char *tty = node("tty", S_IFCHR, makedev(5, 0));
	const char *loop = node("loop-control", S_IFCHR, makedev(10, 237));
	Probe q[] = {
		{ pts, O_RDWR, 0, makedev(136, 4095), false }, /* any minor */
		{ tty, O_RDWR, 0, makedev(5, 0), false },
		{ loop, O_RDWR, 0, makedev(10, 237), true },
		{ block_dev ? node("block", S_IFBLK, block_dev) : "/nonexistent", O_RDONLY, 0,
		  block_dev, block_dev != 0 },
	};
	check(device_rules_default, q, ELEMENTSOF(q));
}

static void test_access_and_types(void **state)
{
	(void)state;
	need_root();
	/* Read-only /dev/null; any block device's minor 0 of major 8 fully;
	 * the rules in an order the program sorts. */
	static const DeviceRule rules[] = {
		{ 'b', 8, -1, "rw" }, { 'c', 1, 3, "r" }, { 'b', 8, 0, "rwm" },
		{ 'c', 1, 5, "w" },   { 0, 0, 0, NULL },
	};
	const char *null = node("null", S_IFCHR, makedev(1, 3));
	const char *zero = node("zero", S_IFCHR, makedev(1, 5));
	const char *full = node("full", S_IFCHR, makedev(1, 7));
	Probe p[] = {
		{ null, O_RDONLY, 0, makedev(1, 3), false },
		{ null, O_WRONLY, 0, makedev(1, 3), true },
		{ zero, O_WRONLY, 0, makedev(1, 5), false },
		{ zero, O_RDONLY, 0, makedev(1, 5), true },
		{ full, O_RDONLY, 0, makedev(1, 7), true },
		{ NULL, 0, S_IFCHR, makedev(1, 3), true },  /* no 'm' for it */
		{ NULL, 0, S_IFBLK, makedev(8, 0), false }, /* 'm' of b 8:0 */
		{ NULL, 0, S_IFBLK, makedev(8, 1), true },  /* b 8:* has no 'm' */
		{ NULL, 0, S_IFCHR, makedev(8, 0), true },  /* the type counts */
	};
	check(rules, p, ELEMENTSOF(p));
}

static void test_allow_all_and_limits(void **state)
{
	(void)state;
	need_root();
	/* A rule that allows everything ends the program early; what comes
	 * after it must not make the verifier refuse it. */
	static const DeviceRule all[] = {
		{ 'c', 1, 3, "rwm" },
		{ 'a', -1, -1, "rwm" },
		{ 'b', 8, 0, "r" },
		{ 0, 0, 0, NULL },
	};
	const char *kmsg = node("kmsg", S_IFCHR, makedev(1, 11));
	Probe p[] = {
		{ kmsg, O_RDONLY, 0, makedev(1, 11), false },
		{ NULL, 0, S_IFBLK, makedev(8, 0), false },
	};
	check(all, p, ELEMENTSOF(p));

	/* The same with the any-minor rule in a group of several minors and
	 * no other test: the verifier must not meet unreachable code. */
	static const DeviceRule all_minors[] = {
		{ 'a', -1, 3, "rwm" },
		{ 'a', -1, -1, "rwm" },
		{ 'a', -1, 5, "rwm" },
		{ 0, 0, 0, NULL },
	};
	check(all_minors, p, ELEMENTSOF(p));

	/* No rule: nothing is allowed. */
	static const DeviceRule none[] = { { 0, 0, 0, NULL } };
	const char *null = node("null", S_IFCHR, makedev(1, 3));
	Probe q[] = { { null, O_RDONLY, 0, makedev(1, 3), true } };
	check(none, q, ELEMENTSOF(q));

	/* The longest program: 64 rules, each a group of its own with every
	 * test (type, access, major, minor). */
	DeviceRule longest[65];
	for (int i = 0; i < 64; i++)
		longest[i] = (DeviceRule){ i % 2 ? 'b' : 'c', 1 + i, i, i % 3 ? "rw" : "m" };
	longest[64] = (DeviceRule){ 0, 0, 0, NULL };
	int lfd = -1;
	assert_int_equal(cgroup_devices_load(longest, &lfd), 0);
	close(lfd);

	/* 64 allow rules take the grouped program; 65 the ordered one; more
	 * than 300 are refused before the kernel sees them. */
	DeviceRule many[302];
	for (int i = 0; i < 301; i++)
		many[i] = (DeviceRule){ 'c', 200 + i % 7, i, "rw" };
	many[64] = (DeviceRule){ 0, 0, 0, NULL };
	int fd = -1;
	assert_int_equal(cgroup_devices_load(many, &fd), 0);
	close(fd);
	many[64] = (DeviceRule){ 'c', 1, 3, "r" };
	many[65] = (DeviceRule){ 0, 0, 0, NULL };
	assert_int_equal(cgroup_devices_load(many, &fd), 0);
	close(fd);
	many[65] = (DeviceRule){ 'c', 1, 5, "r" };
	many[300] = (DeviceRule){ 0, 0, 0, NULL };
	assert_int_equal(cgroup_devices_load(many, &fd), 0);
	close(fd);
	many[300] = (DeviceRule){ 'c', 1, 7, "r" };
	many[301] = (DeviceRule){ 0, 0, 0, NULL };
	assert_int_equal(cgroup_devices_load(many, &fd), -E2BIG);
}

/* linux.resources.devices: deny rules among allows, the last rule that
 * matches deciding; deny rules before any allow say what the default
 * says already. */
static void test_deny_rules_last_match_wins(void **state)
{
	(void)state;
	need_root();
	const char *null = node("null", S_IFCHR, makedev(1, 3));
	const char *zero = node("zero", S_IFCHR, makedev(1, 5));
	const char *kmsg = node("kmsg", S_IFCHR, makedev(1, 11));
	/* Major 1 allowed, then 1:11 denied, then 1:5 denied writes. */
	static const DeviceRule narrowed[] = {
		{ 'a', -1, -1, "rwm", true }, { 'c', 1, -1, "rwm" }, { 'c', 1, 11, "rwm", true },
		{ 'c', 1, 5, "w", true },     { 0, 0, 0, NULL },
	};
	Probe p[] = {
		{ null, O_RDWR, 0, makedev(1, 3), false },
		{ kmsg, O_RDONLY, 0, makedev(1, 11), true },
		{ zero, O_RDONLY, 0, makedev(1, 5), false },
		{ zero, O_WRONLY, 0, makedev(1, 5), true },
		{ NULL, 0, S_IFCHR, makedev(1, 11), true },
		{ NULL, 0, S_IFCHR, makedev(1, 7), false },
		{ NULL, 0, S_IFBLK, makedev(8, 0), true },
	};
	check(narrowed, p, ELEMENTSOF(p));

	/* A deny, then an allow of the same: the allow, last, decides. */
	static const DeviceRule again[] = {
		{ 'a', -1, -1, "rwm" },
		{ 'c', 1, 3, "rwm", true },
		{ 'c', 1, 3, "r" },
		{ 0, 0, 0, NULL },
	};
	Probe q[] = {
		{ null, O_RDONLY, 0, makedev(1, 3), false },
		{ null, O_WRONLY, 0, makedev(1, 3), true },
		{ kmsg, O_RDONLY, 0, makedev(1, 11), false },
	};
	check(again, q, ELEMENTSOF(q));

	/* Only denies: nothing is allowed. */
	static const DeviceRule denies[] = { { 'a', -1, -1, "rwm", true }, { 0, 0, 0, NULL } };
	Probe d[] = { { null, O_RDONLY, 0, makedev(1, 3), true } };
	check(denies, d, ELEMENTSOF(d));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_rules),
		cmocka_unit_test(test_access_and_types),
		cmocka_unit_test(test_allow_all_and_limits),
		cmocka_unit_test(test_deny_rules_last_match_wins),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
