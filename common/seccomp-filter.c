/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* The seccomp filter of a container, built with libseccomp before clone()
 * and handed to the init as a ready BPF program, so that nothing is
 * compiled or allocated in the child.
 *
 * The default profile (seccomp-default.h, which says where its lists come
 * from) is an allow list: a call it does not name fails with ENOSYS, as in
 * Podman's profile, so that a call the kernel adds later stays out of
 * reach until someone adds it. Calls that reach the kernel's most exposed
 * or most global interfaces fail with EPERM unless the container holds the
 * capability that makes them legitimate (mount with CAP_SYS_ADMIN,
 * init_module with CAP_SYS_MODULE...), as in Docker's.
 *
 * Its program is two libseccomp filters run one after the other:
 *   1. the refusals by argument (arg_refused[]: TIOCSTI, AF_VSOCK, clone()
 *      into namespaces), over a default of "go on";
 *   2. the allow list, over a default of ENOSYS.
 * One filter cannot say "allowed, but not with these arguments": once a
 * call has a rule without arguments, libseccomp drops that call's rules
 * with arguments; and "any value but X" can only be written SCMP_CMP_NE,
 * which compares all 64 bits of the register, so that X with a high bit
 * set would pass while the kernel, reading an int, sees X. Filter 1 ends,
 * for every call it does not refuse, in a jump to filter 2 (chain()).
 *
 * Architectures: the native one only. A call through another ABI of the
 * same kernel (the 32-bit int $0x80 on x86-64, x32) kills the process
 * instead of passing a filter written for another table: the 32-bit ABI
 * would need the list again for its own table, its socketcall() and ipc()
 * carry their arguments in memory where no filter can check them (so
 * AF_VSOCK could not be refused there), and its compat entry points are a
 * second kernel interface. 32-bit programs do not run under the default
 * profile; a profile of one's own (--security-opt seccomp=FILE) can list
 * SCMP_ARCH_X86. */

#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "caps.h"
#include "log.h"
#include "seccomp-default.h"
#include "seccomp-filter.h"
#include "util.h"

static int add_rule(scmp_filter_ctx ctx, uint32_t action, const char *name, unsigned n,
		    const struct scmp_arg_cmp *args)
{
	int nr = seccomp_syscall_resolve_name(name);
	if (nr == __NR_SCMP_ERROR)
		return 0; /* a call libseccomp does not know: ENOSYS, as any other */
	return seccomp_rule_add_array(ctx, action, nr, n, args);
}

/* A context for `arch` alone. Rules are still added by the native number
 * of a call, or by libseccomp's pseudo number for a call this machine
 * lacks: libseccomp translates them by name. */
static int new_context(uint32_t arch, uint32_t def, uint32_t badarch, scmp_filter_ctx *ret)
{
	scmp_filter_ctx ctx = seccomp_init(def);
	if (!ctx)
		return -ENOMEM;
	int r = 0;
	/* The native one goes first: libseccomp refuses to mix byte orders. */
	if (arch != seccomp_arch_native() &&
	    ((r = seccomp_arch_remove(ctx, SCMP_ARCH_NATIVE)) < 0 ||
	     (r = seccomp_arch_add(ctx, arch)) < 0)) {
		seccomp_release(ctx);
		return r;
	}
	/* Kernels before 4.14 cannot kill a whole process: the thread, then. */
	if (seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, badarch) < 0 &&
	    badarch == SCMP_ACT_KILL_PROCESS)
		(void)seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL);
	/* A binary tree of call numbers rather than a list of ~400 tests:
	 * what a call the kernel does not cache as allowed (ioctl, socket,
	 * clone, the refused ones) goes through. */
	(void)seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	*ret = ctx;
	return 0;
}

/* Filter 1: the refusals by argument, over "allow" (go on to filter 2). */
static int build_arg_refusals(scmp_filter_ctx ctx, uint32_t arch, uint64_t caps)
{
	for (size_t i = 0; i < ELEMENTSOF(arg_refused); i++) {
		if (arg_refused[i].unless & caps)
			continue;
		int nr = seccomp_syscall_resolve_name(arg_refused[i].name);
		if (nr == __NR_SCMP_ERROR)
			continue;
		struct scmp_arg_cmp cmp[ELEMENTSOF(arg_refused[i].match)];
		unsigned n = 0;
		for (size_t k = 0; k < ELEMENTSOF(cmp) && arg_refused[i].match[k].mask; k++) {
			const ArgMatch *m = &arg_refused[i].match[k];
			unsigned a = m->arg;
			/* s390's clone() takes the stack first and the flags second. */
			if ((arch == SCMP_ARCH_S390 || arch == SCMP_ARCH_S390X) &&
			    streq(arg_refused[i].name, "clone"))
				a = 1;
			cmp[n++] = SCMP_CMP(a, SCMP_CMP_MASKED_EQ, m->mask, m->value);
		}
		/* Exactly as written: where socket() is also reached through
		 * socketcall() (32-bit x86, s390, ppc), whose arguments are in
		 * memory, libseccomp would otherwise refuse every
		 * socketcall(SYS_SOCKET), and with it every socket of a C library
		 * that uses it. There it says -EINVAL, and the rule is left out:
		 * such a machine cannot refuse AF_VSOCK by seccomp. */
		uint32_t action = SCMP_ACT_ERRNO((uint32_t)arg_refused[i].error);
		int r = seccomp_rule_add_exact_array(ctx, action, nr, n, cmp);
		if (r == -EINVAL && streq(arg_refused[i].name, "socket") &&
		    seccomp_syscall_resolve_name_arch(arch, "socketcall") >= 0)
			continue;
		if (r < 0)
			return r;
	}
	return 0;
}

/* Filter 2: the allow list, over ENOSYS. */
static int build_allow_list(scmp_filter_ctx ctx, uint64_t caps)
{
	int r;
	for (size_t i = 0; i < ELEMENTSOF(allowed); i++)
		if ((r = add_rule(ctx, SCMP_ACT_ALLOW, allowed[i], 0, NULL)) < 0)
			return r;
	for (size_t i = 0; i < ELEMENTSOF(gated); i++) {
		int e = gated[i].error ? gated[i].error : EPERM;
		if (gated[i].caps & caps)
			r = add_rule(ctx, SCMP_ACT_ALLOW, gated[i].name, 0, NULL);
		else if (e != ENOSYS) /* ENOSYS: the default says so already */
			r = add_rule(ctx, SCMP_ACT_ERRNO((uint32_t)e), gated[i].name, 0, NULL);
		else
			r = 0;
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < ELEMENTSOF(refused); i++)
		if ((r = add_rule(ctx, SCMP_ACT_ERRNO(EPERM), refused[i], 0, NULL)) < 0)
			return r;
	for (size_t i = 0; i < ELEMENTSOF(personality_allowed); i++) {
		struct scmp_arg_cmp a = SCMP_A0(SCMP_CMP_EQ, personality_allowed[i]);
		if ((r = add_rule(ctx, SCMP_ACT_ALLOW, "personality", 1, &a)) < 0)
			return r;
	}
	return 0;
}

/* Joins two programs into one (and frees them): every "allow" of `first`
 * becomes a jump to the first instruction of `second`. Classic BPF jumps
 * are relative and forward, so nothing else in either program moves. The
 * kernel still sees which calls the whole program allows whatever their
 * arguments, and skips the program for them (its per-filter cache). */
static int chain(struct sock_fprog *first, struct sock_fprog *second, struct sock_fprog *ret)
{
	size_t n = (size_t)first->len + second->len;
	struct sock_filter *f = n <= BPF_MAXINSNS ? malloc(n * sizeof(*f)) : NULL;
	int r = n > BPF_MAXINSNS ? -E2BIG : !f ? -ENOMEM : 0;
	if (r >= 0) {
		memcpy(f, first->filter, first->len * sizeof(*f));
		memcpy(f + first->len, second->filter, second->len * sizeof(*f));
		for (size_t i = 0; i < first->len && r >= 0; i++) {
			if (BPF_CLASS(f[i].code) != BPF_RET)
				continue;
			if (BPF_RVAL(f[i].code) != BPF_K)
				r = -EIO; /* libseccomp returns constants only */
			else if (f[i].k == SECCOMP_RET_ALLOW)
				f[i] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JA,
								    (uint32_t)(first->len - 1 - i),
								    0, 0);
		}
	}
	free(first->filter);
	free(second->filter);
	*first = *second = (struct sock_fprog){ 0 };
	if (r < 0) {
		free(f);
		return r;
	}
	*ret = (struct sock_fprog){ .len = (unsigned short)n, .filter = f };
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
		{ "SCMP_CMP_NE", SCMP_CMP_NE },
		{ "SCMP_CMP_LT", SCMP_CMP_LT },
		{ "SCMP_CMP_LE", SCMP_CMP_LE },
		{ "SCMP_CMP_EQ", SCMP_CMP_EQ },
		{ "SCMP_CMP_GE", SCMP_CMP_GE },
		{ "SCMP_CMP_GT", SCMP_CMP_GT },
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
		if (json_is_string(e) && cap_parse_name(json_string_value(e), &c) == 0 &&
		    (caps & CAP(c)))
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
		return asprintf(err, "seccomp profile: missing or unknown defaultAction") < 0
			       ? -ENOMEM
			       : -EINVAL;
	*ctx = seccomp_init(def);
	if (!*ctx)
		return -ENOMEM;

	json_t *arches = json_object_get(p, "architectures");
	size_t i;
	json_t *e;
	json_array_foreach(arches, i, e) {
		const char *a = json_string_value(e);
		uint32_t arch = !a                              ? 0
				: streq(a, "SCMP_ARCH_X86")     ? SCMP_ARCH_X86
				: streq(a, "SCMP_ARCH_X32")     ? SCMP_ARCH_X32
				: streq(a, "SCMP_ARCH_X86_64")  ? SCMP_ARCH_X86_64
				: streq(a, "SCMP_ARCH_AARCH64") ? SCMP_ARCH_AARCH64
								: 0;
		if (arch && arch != seccomp_arch_native())
			(void)seccomp_arch_add(*ctx, arch);
	}

	json_t *calls = json_object_get(p, "syscalls");
	if (calls && !json_is_array(calls))
		return asprintf(err, "seccomp profile: \"syscalls\" must be an array") < 0
			       ? -ENOMEM
			       : -EINVAL;
	json_array_foreach(calls, i, e) {
		if (!rule_applies(e, caps))
			continue;
		json_t *act = json_object_get(e, "action");
		int eret = (int)json_integer_value(json_object_get(e, "errnoRet"));
		uint32_t action;
		if (!json_is_string(act) ||
		    parse_action(json_string_value(act), eret ? eret : EPERM, &action) < 0)
			return asprintf(err, "seccomp profile: syscalls[%zu]: unknown action", i) <
					       0
				       ? -ENOMEM
				       : -EINVAL;
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
				return asprintf(err, "seccomp profile: syscalls[%zu]: bad args",
						i) < 0
					       ? -ENOMEM
					       : -EINVAL;
			args[nargs++] = (struct scmp_arg_cmp){
				.arg = (unsigned)json_integer_value(idx),
				.op = op,
				.datum_a = (scmp_datum_t)json_integer_value(
					json_object_get(a, "value")),
				.datum_b = (scmp_datum_t)json_integer_value(
					json_object_get(a, "valueTwo")),
			};
		}
		json_t *names = json_object_get(e, "names");
		json_t *one = json_object_get(e, "name");
		size_t n;
		json_t *nm;
		if (json_is_string(one) &&
		    add_rule(*ctx, action, json_string_value(one), nargs, args) < 0)
			return asprintf(err, "seccomp profile: rule for %s refused",
					json_string_value(one)) < 0
				       ? -ENOMEM
				       : -EINVAL;
		json_array_foreach(names, n, nm) {
			if (!json_is_string(nm))
				continue;
			if (add_rule(*ctx, action, json_string_value(nm), nargs, args) < 0)
				return asprintf(err, "seccomp profile: rule for %s refused",
						json_string_value(nm)) < 0
					       ? -ENOMEM
					       : -EINVAL;
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
	*ret = (struct sock_fprog){
		.len = (unsigned short)(st.st_size / sizeof(struct sock_filter)), .filter = f
	};
	return 0;
}

int seccomp_default_program(uint32_t arch, uint64_t caps, struct sock_fprog *ret)
{
	if (arch == SCMP_ARCH_NATIVE)
		arch = seccomp_arch_native();
	struct sock_fprog refusals = { 0 }, allow_list = { 0 };
	scmp_filter_ctx ctx = NULL;
	int r = new_context(arch, SCMP_ACT_ALLOW, SCMP_ACT_ALLOW, &ctx);
	if (r < 0)
		return r;
	if ((r = build_arg_refusals(ctx, arch, caps)) < 0) {
		seccomp_release(ctx);
		return r;
	}
	if ((r = compile(ctx, &refusals)) < 0)
		return r;

	if ((r = new_context(arch, SCMP_ACT_ERRNO(ENOSYS), SCMP_ACT_KILL_PROCESS, &ctx)) < 0) {
		free(refusals.filter);
		return r;
	}
	if ((r = build_allow_list(ctx, caps)) < 0) {
		seccomp_release(ctx);
		free(refusals.filter);
		return r;
	}
	if ((r = compile(ctx, &allow_list)) < 0) {
		free(refusals.filter);
		return r;
	}
	return chain(&refusals, &allow_list, ret);
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
	int n = snprintf(key, size,
			 "caps %" PRIx64
			 " kernel %s %s %s libseccomp %u.%u.%u exe %lx:%lx %lld.%09ld\n",
			 caps, u.release, u.version, u.machine, v->major, v->minor, v->micro,
			 (unsigned long)st.st_dev, (unsigned long)st.st_ino,
			 (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
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
	if (len % sizeof(struct sock_filter) != 0 ||
	    len / sizeof(struct sock_filter) > BPF_MAXINSNS)
		return -ENOENT;
	struct sock_filter *f = malloc(len);
	if (!f)
		return -ENOMEM;
	memcpy(f, data + head, len);
	*ret = (struct sock_fprog){ .len = (unsigned short)(len / sizeof(struct sock_filter)),
				    .filter = f };
	return 0;
}

static void cache_write(const char *key, const struct sock_fprog *prog)
{
	_cleanup_free_ char *path = cache_path(key), *data = NULL;
	size_t head = strlen(CACHE_MAGIC) + strlen(key),
	       len = prog->len * sizeof(struct sock_filter);
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
	int r = seccomp_default_program(SCMP_ARCH_NATIVE, caps, ret);
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
