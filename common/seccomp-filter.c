/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* The seccomp filter of a container, built with libseccomp before clone()
 * and handed to the init as a ready BPF program, so that nothing is
 * compiled or allocated in the child.
 *
 * The default profile has the effect of Docker's and Podman's: the calls
 * that reach the kernel's most exposed or most global interfaces fail with
 * EPERM, unless the container holds the capability that would make them
 * legitimate (mount with CAP_SYS_ADMIN, init_module with CAP_SYS_MODULE...).
 * It is written as a deny list over a default of "allow", which keeps it
 * short and readable; foreign architectures (32-bit calls on x86_64) are
 * killed outright, so nothing slips past it. */

#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "caps.h"
#include "log.h"
#include "seccomp-filter.h"
#include "util.h"

#define CAP(x) ((uint64_t)1 << (x))
#define NO_CAP 0

/* CAP_* numbers, so this file needs no <linux/capability.h> clash. */
enum {
	C_DAC_READ_SEARCH = 2, C_SYS_MODULE = 16, C_SYS_RAWIO = 17, C_SYS_PTRACE = 19,
	C_SYS_ADMIN = 21, C_SYS_BOOT = 22, C_SYS_NICE = 23, C_SYS_TIME = 25, C_SYSLOG = 34,
	C_BPF = 39, C_PERFMON = 38,
};

static const struct {
	const char *name;
	uint64_t unless; /* allowed when the container has one of these */
} denied[] = {
	/* Kernel modules and rebooting into another kernel. */
	{ "init_module", CAP(C_SYS_MODULE) },
	{ "finit_module", CAP(C_SYS_MODULE) },
	{ "delete_module", CAP(C_SYS_MODULE) },
	{ "create_module", NO_CAP },
	{ "get_kernel_syms", NO_CAP },
	{ "query_module", NO_CAP },
	{ "kexec_load", CAP(C_SYS_BOOT) },
	{ "kexec_file_load", CAP(C_SYS_BOOT) },
	{ "reboot", CAP(C_SYS_BOOT) },
	/* Mounts and namespaces. */
	{ "mount", CAP(C_SYS_ADMIN) },
	{ "umount", CAP(C_SYS_ADMIN) },
	{ "umount2", CAP(C_SYS_ADMIN) },
	{ "pivot_root", CAP(C_SYS_ADMIN) },
	{ "fsopen", CAP(C_SYS_ADMIN) },
	{ "fsconfig", CAP(C_SYS_ADMIN) },
	{ "fsmount", CAP(C_SYS_ADMIN) },
	{ "fspick", CAP(C_SYS_ADMIN) },
	{ "move_mount", CAP(C_SYS_ADMIN) },
	{ "open_tree", CAP(C_SYS_ADMIN) },
	{ "mount_setattr", CAP(C_SYS_ADMIN) },
	{ "unshare", CAP(C_SYS_ADMIN) },
	{ "setns", CAP(C_SYS_ADMIN) },
	{ "swapon", CAP(C_SYS_ADMIN) },
	{ "swapoff", CAP(C_SYS_ADMIN) },
	{ "quotactl", CAP(C_SYS_ADMIN) },
	{ "fanotify_init", CAP(C_SYS_ADMIN) },
	{ "lookup_dcookie", CAP(C_SYS_ADMIN) },
	/* File handles bypass path permissions (the "shocker" escape). */
	{ "open_by_handle_at", CAP(C_DAC_READ_SEARCH) },
	/* Keys are not namespaced. */
	{ "add_key", NO_CAP },
	{ "request_key", NO_CAP },
	{ "keyctl", NO_CAP },
	/* BPF and performance counters. */
	{ "bpf", CAP(C_SYS_ADMIN) | CAP(C_BPF) },
	{ "perf_event_open", CAP(C_SYS_ADMIN) | CAP(C_PERFMON) },
	/* Other processes' memory, and page-fault tricks. */
	{ "process_vm_readv", CAP(C_SYS_PTRACE) },
	{ "process_vm_writev", CAP(C_SYS_PTRACE) },
	{ "kcmp", CAP(C_SYS_PTRACE) },
	{ "userfaultfd", CAP(C_SYS_PTRACE) },
	/* The host's clock and log, raw I/O. */
	{ "settimeofday", CAP(C_SYS_TIME) },
	{ "clock_settime", CAP(C_SYS_TIME) },
	{ "clock_adjtime", CAP(C_SYS_TIME) },
	{ "stime", CAP(C_SYS_TIME) },
	{ "syslog", CAP(C_SYSLOG) },
	{ "iopl", CAP(C_SYS_RAWIO) },
	{ "ioperm", CAP(C_SYS_RAWIO) },
	{ "mbind", CAP(C_SYS_NICE) },
	{ "set_mempolicy", CAP(C_SYS_NICE) },
	{ "move_pages", CAP(C_SYS_NICE) },
	/* io_uring: a second way to make system calls, out of seccomp's
	 * sight (Docker refuses it too). */
	{ "io_uring_setup", NO_CAP },
	{ "io_uring_enter", NO_CAP },
	{ "io_uring_register", NO_CAP },
	/* Obsolete or unsafe. */
	{ "acct", NO_CAP },
	{ "nfsservctl", NO_CAP },
	{ "_sysctl", NO_CAP },
	{ "sysfs", NO_CAP },
	{ "uselib", NO_CAP },
	{ "ustat", NO_CAP },
	{ "vm86", NO_CAP },
	{ "vm86old", NO_CAP },
};

static int add_rule(scmp_filter_ctx ctx, uint32_t action, const char *name, unsigned n,
		    const struct scmp_arg_cmp *args)
{
	int nr = seccomp_syscall_resolve_name(name);
	if (nr == __NR_SCMP_ERROR)
		return 0; /* not a call of this architecture */
	return seccomp_rule_add_array(ctx, action, nr, n, args);
}

static int build_default(scmp_filter_ctx ctx, uint64_t caps)
{
	int r;
	for (size_t i = 0; i < ELEMENTSOF(denied); i++) {
		if (denied[i].unless & caps)
			continue;
		r = add_rule(ctx, SCMP_ACT_ERRNO(EPERM), denied[i].name, 0, NULL);
		if (r < 0)
			return r;
	}
	if (!(caps & CAP(C_SYS_ADMIN))) {
		/* clone() into new namespaces: flags are its first argument. */
		static const uint64_t ns[] = { CLONE_NEWNS,  CLONE_NEWUTS, CLONE_NEWIPC,   CLONE_NEWUSER,
					       CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWCGROUP };
		for (size_t i = 0; i < ELEMENTSOF(ns); i++) {
			struct scmp_arg_cmp a = SCMP_A0(SCMP_CMP_MASKED_EQ, ns[i], ns[i]);
			if ((r = add_rule(ctx, SCMP_ACT_ERRNO(EPERM), "clone", 1, &a)) < 0)
				return r;
		}
		/* AF_VSOCK is not confined by the network namespace: it would
		 * reach the hypervisor and the host's vsock services. */
		struct scmp_arg_cmp vs = SCMP_A0(SCMP_CMP_EQ, 40 /* AF_VSOCK */);
		if ((r = add_rule(ctx, SCMP_ACT_ERRNO(EPERM), "socket", 1, &vs)) < 0)
			return r;
		/* clone3() hides its flags in memory a filter cannot read: say it
		 * does not exist, and the C library falls back to clone(). */
		if ((r = add_rule(ctx, SCMP_ACT_ERRNO(ENOSYS), "clone3", 0, NULL)) < 0)
			return r;
	}
	return 0;
}

/* ---- OCI / Docker JSON profiles ---- */

static int parse_action(const char *s, int errno_ret, uint32_t *ret)
{
	if (streq(s, "SCMP_ACT_ALLOW"))
		*ret = SCMP_ACT_ALLOW;
	else if (streq(s, "SCMP_ACT_ERRNO"))
		*ret = SCMP_ACT_ERRNO((uint32_t)errno_ret);
	else if (streq(s, "SCMP_ACT_KILL") || streq(s, "SCMP_ACT_KILL_THREAD"))
		*ret = SCMP_ACT_KILL;
	else if (streq(s, "SCMP_ACT_KILL_PROCESS"))
		*ret = SCMP_ACT_KILL_PROCESS;
	else if (streq(s, "SCMP_ACT_TRAP"))
		*ret = SCMP_ACT_TRAP;
	else if (streq(s, "SCMP_ACT_LOG"))
		*ret = SCMP_ACT_LOG;
	else if (streq(s, "SCMP_ACT_TRACE"))
		*ret = SCMP_ACT_TRACE((uint32_t)errno_ret);
	else
		return -EINVAL;
	return 0;
}

static int parse_op(const char *s, enum scmp_compare *ret)
{
	static const struct {
		const char *n;
		enum scmp_compare op;
	} ops[] = {
		{ "SCMP_CMP_NE", SCMP_CMP_NE }, { "SCMP_CMP_LT", SCMP_CMP_LT },
		{ "SCMP_CMP_LE", SCMP_CMP_LE }, { "SCMP_CMP_EQ", SCMP_CMP_EQ },
		{ "SCMP_CMP_GE", SCMP_CMP_GE }, { "SCMP_CMP_GT", SCMP_CMP_GT },
		{ "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
	};
	for (size_t i = 0; i < ELEMENTSOF(ops); i++)
		if (streq(s, ops[i].n)) {
			*ret = ops[i].op;
			return 0;
		}
	return -EINVAL;
}

/* Docker's "includes"/"excludes": {"caps": [...]} decide whether a rule
 * applies to this container. */
static bool rule_applies(json_t *rule, uint64_t caps)
{
	json_t *inc = json_object_get(json_object_get(rule, "includes"), "caps");
	json_t *exc = json_object_get(json_object_get(rule, "excludes"), "caps");
	size_t i;
	json_t *e;
	int c;
	json_array_foreach(inc, i, e)
		if (!json_is_string(e) || cap_parse_name(json_string_value(e), &c) < 0 ||
		    !(caps & CAP(c)))
			return false;
	json_array_foreach(exc, i, e)
		if (json_is_string(e) && cap_parse_name(json_string_value(e), &c) == 0 && (caps & CAP(c)))
			return false;
	return true;
}

static int build_profile(scmp_filter_ctx *ctx, json_t *p, uint64_t caps, char **err)
{
	json_t *da = json_object_get(p, "defaultAction");
	int def_errno = (int)json_integer_value(json_object_get(p, "defaultErrnoRet"));
	uint32_t def;
	if (!json_is_string(da) ||
	    parse_action(json_string_value(da), def_errno ? def_errno : EPERM, &def) < 0)
		return asprintf(err, "seccomp profile: missing or unknown defaultAction") < 0 ? -ENOMEM
											      : -EINVAL;
	*ctx = seccomp_init(def);
	if (!*ctx)
		return -ENOMEM;

	json_t *arches = json_object_get(p, "architectures");
	size_t i;
	json_t *e;
	json_array_foreach(arches, i, e) {
		const char *a = json_string_value(e);
		uint32_t arch = !a ? 0 : streq(a, "SCMP_ARCH_X86") ? SCMP_ARCH_X86 :
				   streq(a, "SCMP_ARCH_X32") ? SCMP_ARCH_X32 :
				   streq(a, "SCMP_ARCH_X86_64") ? SCMP_ARCH_X86_64 :
				   streq(a, "SCMP_ARCH_AARCH64") ? SCMP_ARCH_AARCH64 : 0;
		if (arch && arch != seccomp_arch_native())
			(void)seccomp_arch_add(*ctx, arch);
	}

	json_t *calls = json_object_get(p, "syscalls");
	if (calls && !json_is_array(calls))
		return asprintf(err, "seccomp profile: \"syscalls\" must be an array") < 0 ? -ENOMEM
											  : -EINVAL;
	json_array_foreach(calls, i, e) {
		if (!rule_applies(e, caps))
			continue;
		json_t *act = json_object_get(e, "action");
		int eret = (int)json_integer_value(json_object_get(e, "errnoRet"));
		uint32_t action;
		if (!json_is_string(act) || parse_action(json_string_value(act), eret ? eret : EPERM,
							 &action) < 0)
			return asprintf(err, "seccomp profile: syscalls[%zu]: unknown action", i) < 0
				       ? -ENOMEM : -EINVAL;
		if (action == def)
			continue; /* libseccomp refuses rules equal to the default */
		struct scmp_arg_cmp args[6];
		unsigned nargs = 0;
		size_t k;
		json_t *a;
		json_array_foreach(json_object_get(e, "args"), k, a) {
			enum scmp_compare op;
			json_t *idx = json_object_get(a, "index");
			if (nargs >= 6 || !json_is_integer(idx) || json_integer_value(idx) > 5 ||
			    !json_is_string(json_object_get(a, "op")) ||
			    parse_op(json_string_value(json_object_get(a, "op")), &op) < 0)
				return asprintf(err, "seccomp profile: syscalls[%zu]: bad args", i) < 0
					       ? -ENOMEM : -EINVAL;
			args[nargs++] = (struct scmp_arg_cmp){
				.arg = (unsigned)json_integer_value(idx),
				.op = op,
				.datum_a = (scmp_datum_t)json_integer_value(json_object_get(a, "value")),
				.datum_b = (scmp_datum_t)json_integer_value(json_object_get(a, "valueTwo")),
			};
		}
		json_t *names = json_object_get(e, "names");
		json_t *one = json_object_get(e, "name");
		size_t n;
		json_t *nm;
		if (json_is_string(one) &&
		    add_rule(*ctx, action, json_string_value(one), nargs, args) < 0)
			return asprintf(err, "seccomp profile: rule for %s refused",
					json_string_value(one)) < 0 ? -ENOMEM : -EINVAL;
		json_array_foreach(names, n, nm) {
			if (!json_is_string(nm))
				continue;
			if (add_rule(*ctx, action, json_string_value(nm), nargs, args) < 0)
				return asprintf(err, "seccomp profile: rule for %s refused",
						json_string_value(nm)) < 0 ? -ENOMEM : -EINVAL;
		}
	}
	return 0;
}

/* Compiles ctx (and releases it) into a BPF program. */
static int compile(scmp_filter_ctx ctx, struct sock_fprog *ret)
{
	int fd = memfd_create("seccomp", MFD_CLOEXEC);
	if (fd < 0) {
		seccomp_release(ctx);
		return -errno;
	}
	int r = seccomp_export_bpf(ctx, fd);
	seccomp_release(ctx);
	struct stat st;
	if (r >= 0 && fstat(fd, &st) < 0)
		r = -errno;
	if (r >= 0 && (st.st_size == 0 || st.st_size % sizeof(struct sock_filter) != 0))
		r = -EIO;
	struct sock_filter *f = r >= 0 ? malloc((size_t)st.st_size) : NULL;
	if (r >= 0 && !f)
		r = -ENOMEM;
	if (r >= 0 && pread(fd, f, (size_t)st.st_size, 0) != st.st_size)
		r = -EIO;
	close(fd);
	if (r < 0) {
		free(f);
		return r;
	}
	*ret = (struct sock_fprog){ .len = (unsigned short)(st.st_size / sizeof(struct sock_filter)),
				    .filter = f };
	return 0;
}

static int compile_default(uint64_t caps, struct sock_fprog *ret)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx)
		return -ENOMEM;
	int r = build_default(ctx, caps);
	if (r < 0) {
		seccomp_release(ctx);
		return r;
	}
	return compile(ctx, ret);
}

/* The default profile's BPF, kept between containers (seccomp_cache_dir()):
 * libseccomp's compile costs 0.3 to 0.4 ms of every start here, and its
 * result depends only on what the key names. The file starts with the key,
 * which is checked, and then holds the instructions. */
static char *cache_dir;

void seccomp_cache_dir(const char *dir)
{
	free(cache_dir);
	cache_dir = dir ? strdup(dir) : NULL;
}

#define CACHE_MAGIC "berth seccomp cache 1\n"

/* What the program depends on: the capabilities, this machine's kernel
 * (libseccomp asks it what it supports), libseccomp, and this very binary
 * (its rules). */
static int cache_key(uint64_t caps, char *key, size_t size)
{
	struct utsname u;
	struct stat st;
	const struct scmp_version *v = seccomp_version();
	if (uname(&u) < 0 || stat("/proc/self/exe", &st) < 0 || !v)
		return -errno ? -errno : -EINVAL;
	int n = snprintf(key, size, "caps %" PRIx64 " kernel %s %s %s libseccomp %u.%u.%u exe %lx:%lx %lld.%09ld\n",
			 caps, u.release, u.version, u.machine, v->major, v->minor, v->micro,
			 (unsigned long)st.st_dev, (unsigned long)st.st_ino, (long long)st.st_mtim.tv_sec,
			 st.st_mtim.tv_nsec);
	return n > 0 && (size_t)n < size ? 0 : -ENAMETOOLONG;
}

static char *cache_path(const char *key)
{
	/* FNV-1a of the key names the file; the key inside decides. */
	uint64_t h = 0xcbf29ce484222325ULL;
	for (const char *c = key; *c; c++)
		h = (h ^ (unsigned char)*c) * 0x100000001b3ULL;
	char *p;
	return asprintf(&p, "%s/seccomp-%016" PRIx64 ".bpf", cache_dir, h) < 0 ? NULL : p;
}

static int cache_read(const char *key, struct sock_fprog *ret)
{
	_cleanup_free_ char *path = cache_path(key), *data = NULL;
	size_t size, head = strlen(CACHE_MAGIC) + strlen(key);
	if (!path || read_full_file(path, &data, &size) < 0)
		return -ENOENT;
	if (size <= head || memcmp(data, CACHE_MAGIC, strlen(CACHE_MAGIC)) != 0 ||
	    memcmp(data + strlen(CACHE_MAGIC), key, strlen(key)) != 0)
		return -ENOENT;
	size_t len = size - head;
	if (len % sizeof(struct sock_filter) != 0 || len / sizeof(struct sock_filter) > BPF_MAXINSNS)
		return -ENOENT;
	struct sock_filter *f = malloc(len);
	if (!f)
		return -ENOMEM;
	memcpy(f, data + head, len);
	*ret = (struct sock_fprog){ .len = (unsigned short)(len / sizeof(struct sock_filter)), .filter = f };
	return 0;
}

static void cache_write(const char *key, const struct sock_fprog *prog)
{
	_cleanup_free_ char *path = cache_path(key), *data = NULL;
	size_t head = strlen(CACHE_MAGIC) + strlen(key), len = prog->len * sizeof(struct sock_filter);
	if (!path || !(data = malloc(head + len)))
		return;
	memcpy(data, CACHE_MAGIC, strlen(CACHE_MAGIC));
	memcpy(data + strlen(CACHE_MAGIC), key, strlen(key));
	memcpy(data + head, prog->filter, len);
	(void)mkdir(cache_dir, 0700);
	(void)write_file_atomic(path, data, head + len, 0600);
}

static int default_filter(uint64_t caps, struct sock_fprog *ret)
{
	char key[1024];
	bool cached = cache_dir && cache_key(caps, key, sizeof(key)) >= 0;
	if (cached && cache_read(key, ret) >= 0)
		return 0;
	int r = compile_default(caps, ret);
	if (r >= 0 && cached)
		cache_write(key, ret);
	return r;
}

int seccomp_prepare(const ContainerSpec *spec, uint64_t caps, struct sock_fprog *ret,
		    char **ret_error)
{
	*ret = (struct sock_fprog){ 0 };
	if (spec->seccomp_unconfined)
		return 0;
	if (!spec->seccomp_profile)
		return default_filter(caps, ret);
	json_error_t je;
	json_t *p = json_loads(spec->seccomp_profile, 0, &je);
	if (!p) {
		if (asprintf(ret_error, "seccomp profile: %s", je.text) < 0)
			*ret_error = NULL;
		return -EINVAL;
	}
	scmp_filter_ctx ctx = NULL;
	int r = build_profile(&ctx, p, caps, ret_error);
	json_decref(p);
	if (r < 0) {
		seccomp_release(ctx);
		return r;
	}
	/* Compile to BPF now; the init only hands it to the kernel. */
	return compile(ctx, ret);
}
