/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* What every process berth starts in a container goes through last, for
 * the container's init and for `berth exec` alike: identity and
 * privileges. Runs after clone(), so no allocation and one line of error. */

#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "caps.h"
#include "seccomp-filter.h"
#include "rootfs.h"
#include "rootless.h"
#include "util.h"

/* Whether our user namespace's setgroups is "deny" (the single-id map of a
 * rootless berth): setgroups() then fails whatever we ask. */
static bool setgroups_denied(void)
{
	char buf[8] = "";
	int fd = open("/proc/self/setgroups", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n >= 4 && strncmp(buf, "deny", 4) == 0;
}

/* 32-bit ids where the old calls take 16-bit ones (i386, arm). */
#ifdef SYS_setgroups32
#define SYS_SETGROUPS SYS_setgroups32
#define SYS_SETRESGID SYS_setresgid32
#define SYS_SETRESUID SYS_setresuid32
#define SYS_GETRESGID SYS_getresgid32
#define SYS_GETRESUID SYS_getresuid32
#else
#define SYS_SETGROUPS SYS_setgroups
#define SYS_SETRESGID SYS_setresgid
#define SYS_SETRESUID SYS_setresuid
#define SYS_GETRESGID SYS_getresgid
#define SYS_GETRESUID SYS_getresuid
#endif

uint64_t process_permitted_caps(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];
	if (syscall(SYS_capget, &h, d) < 0)
		return UINT64_MAX;
	return (uint64_t)d[0].permitted | ((uint64_t)d[1].permitted << 32);
}

int process_identity_caps(ProcessIdentity *id, const ContainerSpec *spec)
{
	if (caps_mask_from_names(spec->cap_bounding, &id->cap_bounding) < 0 ||
	    caps_mask_from_names(spec->cap_effective, &id->cap_effective) < 0 ||
	    caps_mask_from_names(spec->cap_permitted, &id->cap_permitted) < 0 ||
	    caps_mask_from_names(spec->cap_inheritable, &id->cap_inheritable) < 0 ||
	    caps_mask_from_names(spec->cap_ambient, &id->cap_ambient) < 0)
		return -EINVAL;
	/* We cannot give what we do not have (a root without
	 * CAP_SYS_RESOURCE, say): ask only for what our permitted set holds. */
	uint64_t have = process_permitted_caps();
	id->cap_permitted &= have;
	id->cap_inheritable &= have;
	/* The kernel keeps effective within permitted, and permitted and
	 * inheritable within the bounding set for what execve() grants. */
	id->cap_permitted &= id->cap_bounding;
	id->cap_effective &= id->cap_permitted;
	id->cap_ambient &= id->cap_permitted & id->cap_inheritable;
	return 0;
}

static int set_caps(const ProcessIdentity *id, SetupError *e)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = {
		{ (uint32_t)id->cap_effective, (uint32_t)id->cap_permitted,
		  (uint32_t)id->cap_inheritable },
		{ (uint32_t)(id->cap_effective >> 32), (uint32_t)(id->cap_permitted >> 32),
		  (uint32_t)(id->cap_inheritable >> 32) },
	};
	if (syscall(SYS_capset, &h, d) < 0) {
		return setup_err(e, -errno, "set capabilities: %m");
	}
	(void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	for (int c = 0; c <= cap_last(); c++)
		if ((id->cap_ambient & ((uint64_t)1 << c)) &&
		    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0) {
			return setup_err(e, -errno, "raise ambient capability %d: %m", c);
		}
	return 0;
}

int process_apply_identity(const ProcessIdentity *id, SetupError *e)
{
	/* The bounding set first: dropping needs CAP_SETPCAP, which the
	 * container's own set may not have. */
	for (int c = 0; c <= cap_last(); c++)
		if (!(id->cap_bounding & ((uint64_t)1 << c)) &&
		    prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL) {
			return setup_err(e, -errno, "drop capability %d from the bounding set: %m",
					 c);
		}
	/* Keep the permitted set across setuid(); we set the sets right after. */
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) {
		return setup_err(e, -errno, "keep capabilities: %m");
	}

	/* Supplementary groups first, then gid, then uid: each step needs
	 * the privileges the next one drops. The system calls themselves,
	 * which change this process only: the C library's wrappers apply them
	 * to every thread in its list, which a clone()d child inherits from
	 * its parent as it was. */
	/* A rootless berth with the single-id map may not set groups (its
	 * namespace's setgroups is "deny"): the process keeps the user's own,
	 * which it shows as the overflow gid. */
	if (syscall(SYS_SETGROUPS, id->n_groups, (const gid_t *)id->groups) < 0) {
		int r = -errno;
		if (!(r == -EPERM && rootless() && setgroups_denied()))
			return setup_err(e, r, "setgroups: %m");
	}
	if (syscall(SYS_SETRESGID, id->gid, id->gid, id->gid) < 0) {
		return setup_err(e, -errno, "setgid %u: %m", id->gid);
	}
	if (syscall(SYS_SETRESUID, id->uid, id->uid, id->uid) < 0) {
		return setup_err(e, -errno, "setuid %u: %m", id->uid);
	}
	/* What we are now, not what we asked for: an id of -1 means
	 * "unchanged" to the calls above, which then succeed and leave us
	 * root. The parsers refuse it; this holds whatever reached us. */
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	if (syscall(SYS_GETRESUID, &ru, &eu, &su) < 0 ||
	    syscall(SYS_GETRESGID, &rg, &eg, &sg) < 0) {
		return setup_err(e, -errno, "read back the ids: %m");
	}
	if (ru != id->uid || eu != id->uid || su != id->uid || rg != id->gid || eg != id->gid ||
	    sg != id->gid) {
		return setup_err(e, -EPERM,
				 "switch to uid %u gid %u: the process has uid %u gid %u", id->uid,
				 id->gid, (unsigned)ru, (unsigned)rg);
	}
	(void)prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	int r = set_caps(id, e);
	if (r < 0)
		return r;
	if (id->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		return setup_err(e, -errno, "set no_new_privs: %m");
	}
	/* seccomp last: the filter may forbid what the steps above needed. */
	if (id->seccomp && prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, id->seccomp, 0, 0) < 0) {
		return setup_err(e, -errno, "load the seccomp filter: %m");
	}
	return 0;
}

void process_reset_signals(void)
{
	sigset_t none;
	sigemptyset(&none);
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

void process_close_fds(int keep1, int keep2, int preserve_fds)
{
	/* No descriptor of berth may reach the container: not on exec (the
	 * class of CVE-2024-21626, where a leaked directory fd let the
	 * command start outside its root), and not now either, before the
	 * working directory is chosen. Close everything above stdio but the
	 * two we still need, and those the caller asked to pass on
	 * (--preserve-fds), which the command inherits. */
	int keep[2] = { keep1 < keep2 ? keep1 : keep2, keep1 < keep2 ? keep2 : keep1 };
	unsigned from = 3 + (unsigned)preserve_fds;
	for (int fd = 3; fd < (int)from; fd++)
		(void)fcntl(fd, F_SETFD, 0);
	for (int i = 0; i < 2; i++) {
		if (keep[i] < (int)from)
			continue;
		if ((unsigned)keep[i] > from &&
		    syscall(SYS_close_range, from, (unsigned)keep[i] - 1, 0) < 0)
			for (int fd = (int)from; fd < keep[i]; fd++)
				close(fd);
		from = (unsigned)keep[i] + 1;
	}
	if (syscall(SYS_close_range, from, ~0U, 0) < 0)
		for (int fd = (int)from; fd < 65536; fd++)
			close(fd);
}

int process_chdir(const char *cwd, bool create, SetupError *e)
{
	/* Resolved inside the root, without following magic links: a
	 * working directory like /proc/self/fd/N must not lead out. */
	_cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int fd = -EBADF;
	int r = root < 0 ? -errno : open_in_root(root, cwd ? cwd : "/", create, false, &fd);
	if (r >= 0 && fchdir(fd) < 0)
		r = -errno;
	if (r < 0)
		return setup_err(e, r, "working directory `%s`: %m", cwd);
	/* Belt and braces (as runc): a directory outside our root shows as
	 * unreachable. */
	char buf[4096];
	if (!getcwd(buf, sizeof(buf)) || buf[0] != '/')
		return setup_err(e, -EPERM, "working directory `%s` is outside the container", cwd);
	return 0;
}

_Noreturn void process_exec(const ProcessIdentity *id, const char *cwd, bool create_cwd,
			    int stage_fd, int error_fd, int preserve_fds, char *const argv[],
			    char *const envp[])
{
	SetupError e;
	process_close_fds(error_fd, stage_fd, preserve_fds);
	if (process_chdir(cwd, create_cwd, &e) < 0)
		e.exit_code = EXIT_CANNOT_EXEC;
	else if (process_apply_identity(id, &e) >= 0) {
		stage_exec(stage_fd, error_fd, argv, envp);
		setup_err(&e, -errno, "start the container's command (berth-stage): %m");
	}
	ssize_t w _unused_ = write(error_fd, &e, sizeof(e));
	_exit(e.exit_code);
}

int process_identity_seccomp(ProcessIdentity *id, const ContainerSpec *spec,
			     struct sock_fprog *ret_filter, char **ret_why)
{
	*ret_filter = (struct sock_fprog){ 0 };
	int r = seccomp_prepare(spec, id->cap_effective, ret_filter, ret_why);
	if (r < 0)
		return r;
	if (ret_filter->len > 0)
		id->seccomp = ret_filter;
	/* berth-stage holds the error pipe until it execs the command, and
	 * execve() makes a program dumpable again, unless the program is one
	 * its caller cannot read. Its memfd is execute-only (stage_memfd()),
	 * so we exec it with no effective capability that reads any file
	 * (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH): the kernel then marks it
	 * not dumpable, and ties it to the host's user namespace. execve()
	 * computes the effective set anew from the permitted, ambient and
	 * bounding sets (all of root's, for root), so the stage, and the
	 * command after it, get the same capabilities as before. Only
	 * CAP_SYS_ADMIN stays, when loading the seccomp filter without
	 * no_new_privs needs it. */
	id->cap_effective &=
		!id->no_new_privileges && id->seccomp ? (uint64_t)1 << CAP_SYS_ADMIN : 0;
	return 0;
}
