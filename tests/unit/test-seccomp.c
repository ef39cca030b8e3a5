/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for the default seccomp profile (common/seccomp-default.h,
 * built by common/seccomp-filter.c): its program is run here, by a small
 * interpreter of classic BPF, on the seccomp_data the kernel would hand it,
 * so that what a call gets can be checked for any architecture (32-bit x86,
 * arm64, s390x) on this machine, without root and without loading it. The
 * system tests (75-seccomp.sh) check the same rules in a real container. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seccomp-default.h"
#include "seccomp-filter.h"
#include "util.h"

/* Podman's default capabilities, berth's default: CHOWN DAC_OVERRIDE FOWNER
 * FSETID KILL SETGID SETUID SETPCAP NET_BIND_SERVICE SYS_CHROOT SETFCAP. */
#define DEFAULT_CAPS                                                                       \
	(CAP(0) | CAP(1) | CAP(3) | CAP(4) | CAP(5) | CAP(6) | CAP(7) | CAP(8) | CAP(10) | \
	 CAP(C_SYS_CHROOT) | CAP(31))

#define ALLOW SECCOMP_RET_ALLOW
#define ERR(e) (SECCOMP_RET_ERRNO | (uint32_t)(e))

/* Runs prog on one call as the kernel would, and returns its action. Fails
 * the test on an instruction seccomp would not take or that the
 * interpreter does not know. */
static uint32_t run(const struct sock_fprog *prog, uint32_t arch, int nr, uint64_t a0, uint64_t a1,
		    uint64_t a2)
{
	/* struct seccomp_data as 32-bit words, each 64-bit argument in the
	 * byte order of `arch`, as the kernel of that machine lays it out. */
	uint32_t d[sizeof(struct seccomp_data) / 4] = { (uint32_t)nr, arch };
	bool big_endian = !(arch & __AUDIT_ARCH_LE);
	const uint64_t args[] = { a0, a1, a2 };
	for (size_t i = 0; i < ELEMENTSOF(args); i++) {
		size_t w = offsetof(struct seccomp_data, args[i]) / 4;
		d[w + big_endian] = (uint32_t)args[i];
		d[w + !big_endian] = (uint32_t)(args[i] >> 32);
	}
	uint32_t A = 0;
	for (size_t pc = 0; pc < prog->len; pc++) {
		const struct sock_filter *f = &prog->filter[pc];
		switch (f->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			assert_true(f->k % 4 == 0 && f->k < sizeof(d));
			A = d[f->k / 4];
			break;
		case BPF_ALU | BPF_AND | BPF_K:
			A &= f->k;
			break;
		case BPF_JMP | BPF_JA:
			pc += f->k;
			break;
		case BPF_JMP | BPF_JEQ | BPF_K:
			pc += A == f->k ? f->jt : f->jf;
			break;
		case BPF_JMP | BPF_JGT | BPF_K:
			pc += A > f->k ? f->jt : f->jf;
			break;
		case BPF_JMP | BPF_JGE | BPF_K:
			pc += A >= f->k ? f->jt : f->jf;
			break;
		case BPF_JMP | BPF_JSET | BPF_K:
			pc += A & f->k ? f->jt : f->jf;
			break;
		case BPF_RET | BPF_K:
			return f->k;
		default:
			fail_msg("instruction %zu: code %#x", pc, f->code);
		}
	}
	fail_msg("the program ran off its end");
	return 0;
}

static int nr_of(uint32_t arch, const char *name)
{
	int nr = seccomp_syscall_resolve_name_arch(arch, name);
	if (nr < 0)
		fail_msg("no call %s on this architecture", name);
	return nr;
}

static uint32_t call(const struct sock_fprog *p, uint32_t arch, const char *name, uint64_t a0,
		     uint64_t a1, uint64_t a2)
{
	return run(p, arch, nr_of(arch, name), a0, a1, a2);
}

static struct sock_fprog build(uint32_t arch, uint64_t caps)
{
	struct sock_fprog p = { 0 };
	assert_int_equal(seccomp_default_program(arch, caps, &p), 0);
	assert_true(p.len > 0 && p.len <= BPF_MAXINSNS);
	return p;
}

/* A name in two tables would get whichever rule libseccomp keeps. */
static void test_each_call_has_one_rule(void **state)
{
	(void)state;
	const char *names[ELEMENTSOF(allowed) + ELEMENTSOF(gated) + ELEMENTSOF(refused)];
	size_t n = 0;
	for (size_t i = 0; i < ELEMENTSOF(allowed); i++)
		names[n++] = allowed[i];
	for (size_t i = 0; i < ELEMENTSOF(gated); i++)
		names[n++] = gated[i].name;
	for (size_t i = 0; i < ELEMENTSOF(refused); i++)
		names[n++] = refused[i];
	for (size_t i = 0; i < n; i++)
		for (size_t k = i + 1; k < n; k++)
			if (streq(names[i], names[k]))
				fail_msg("%s is named twice", names[i]);
	/* What arg_refused[] refuses must be allowed otherwise, or its other
	 * arguments would get ENOSYS; personality is allowed by value only. */
	for (size_t i = 0; i < ELEMENTSOF(arg_refused); i++) {
		bool found = false;
		for (size_t k = 0; k < ELEMENTSOF(allowed); k++)
			found |= streq(allowed[k], arg_refused[i].name);
		if (!found)
			fail_msg("%s is refused by argument but not allowed", arg_refused[i].name);
	}
	for (size_t i = 0; i < n; i++)
		assert_false(streq(names[i], "personality"));
	assert_true(ELEMENTSOF(personality_allowed) > 0);
}

static void test_default_caps(void **state)
{
	(void)state;
	uint32_t a = seccomp_arch_native();
	struct sock_fprog p = build(SCMP_ARCH_NATIVE, DEFAULT_CAPS);

	/* Listed calls pass. */
	assert_int_equal(call(&p, a, "read", 0, 0, 0), ALLOW);
	assert_int_equal(call(&p, a, "write", 1, 0, 0), ALLOW);
	assert_int_equal(call(&p, a, "execve", 0, 0, 0), ALLOW);
	assert_int_equal(call(&p, a, "chroot", 0, 0, 0), ALLOW); /* CAP_SYS_CHROOT is kept */
	assert_int_equal(call(&p, a, "ioctl", 0, 0x5401 /* TCGETS */, 0), ALLOW);
	assert_int_equal(call(&p, a, "socket", 2 /* AF_INET */, 1, 0), ALLOW);
	assert_int_equal(call(&p, a, "socket", AF_NETLINK_NR, 3, 0 /* NETLINK_ROUTE */), ALLOW);
	assert_int_equal(call(&p, a, "clone", 0x3d0f00 /* a thread */, 0, 0), ALLOW);
	assert_int_equal(call(&p, a, "clone", 17 /* fork: SIGCHLD */, 0, 0), ALLOW);
	assert_int_equal(call(&p, a, "personality", 0xffffffff, 0, 0), ALLOW);
	assert_int_equal(call(&p, a, "personality", 8, 0, 0), ALLOW);

	/* What no rule names fails with ENOSYS: a number no kernel has, and
	 * calls the profile leaves out. */
	assert_int_equal(run(&p, a, 1000, 0, 0, 0), ERR(ENOSYS));
	assert_int_equal(run(&p, a, 0x3fffffff, 0, 0, 0), ERR(ENOSYS));
	assert_int_equal(call(&p, a, "clone3", 0, 0, 0), ERR(ENOSYS));
	assert_int_equal(call(&p, a, "personality", 0x0040000 /* ADDR_NO_RANDOMIZE */, 0, 0),
			 ERR(ENOSYS));
	/* The high half of a 64-bit register is not ignored by an EQ. */
	assert_int_equal(call(&p, a, "personality", 0x100000000ULL, 0, 0), ERR(ENOSYS));

	/* Capability-gated calls and refused ones: EPERM. */
	const char *eperm[] = { "mount",
				"umount2",
				"unshare",
				"setns",
				"pivot_root",
				"fsopen",
				"open_tree",
				"mount_setattr",
				"move_mount",
				"kexec_load",
				"kexec_file_load",
				"init_module",
				"bpf",
				"perf_event_open",
				"keyctl",
				"add_key",
				"io_uring_setup",
				"process_vm_readv",
				"userfaultfd",
				"syslog",
				"clock_settime",
				"reboot",
				"open_by_handle_at",
				"acct" };
	for (size_t i = 0; i < ELEMENTSOF(eperm); i++)
		if (call(&p, a, eperm[i], 0, 0, 0) != ERR(EPERM))
			fail_msg("%s does not fail with EPERM", eperm[i]);

	/* By argument: terminal input injection, even with the register's
	 * high half set (the kernel reads an unsigned int). */
	assert_int_equal(call(&p, a, "ioctl", 0, TIOCSTI_NR, 0), ERR(EPERM));
	assert_int_equal(call(&p, a, "ioctl", 0, TIOCLINUX_NR, 0), ERR(EPERM));
	assert_int_equal(call(&p, a, "ioctl", 0, 0xdead00000000ULL | TIOCSTI_NR, 0), ERR(EPERM));
	assert_int_equal(call(&p, a, "ioctl", 0, 0x100000000ULL | TIOCLINUX_NR, 0), ERR(EPERM));
	assert_int_equal(call(&p, a, "socket", AF_VSOCK_NR, 1, 0), ERR(EPERM));
	assert_int_equal(call(&p, a, "socket", 0x100000000ULL | AF_VSOCK_NR, 1, 0), ERR(EPERM));
	assert_int_equal(call(&p, a, "socket", AF_NETLINK_NR, 3, NETLINK_AUDIT_NR), ERR(EINVAL));
	assert_int_equal(call(&p, a, "clone", CLONE_NEWUSER | 17, 0, 0), ERR(EPERM));
	assert_int_equal(call(&p, a, "clone", CLONE_NEWNET | 17, 0, 0), ERR(EPERM));
	assert_int_equal(call(&p, a, "clone", CLONE_NEWCGROUP | 17, 0, 0), ERR(EPERM));

	if (a == SCMP_ARCH_X86_64) {
		/* Another ABI of this kernel: the 32-bit one (getpid is 20
		 * there), and x32 (getpid with the x32 bit). */
		uint32_t r = run(&p, SCMP_ARCH_X86, 20, 0, 0, 0);
		assert_true(r == SECCOMP_RET_KILL_PROCESS || r == SECCOMP_RET_KILL_THREAD);
		r = run(&p, SCMP_ARCH_X86_64, 0x40000000 | 39, 0, 0, 0);
		assert_true(r == SECCOMP_RET_KILL_PROCESS || r == SECCOMP_RET_KILL_THREAD);
		assert_int_equal(call(&p, a, "arch_prctl", 0, 0, 0), ALLOW);
	}
	free(p.filter);
}

static void test_capabilities_open_their_calls(void **state)
{
	(void)state;
	uint32_t a = seccomp_arch_native();
	uint64_t caps = DEFAULT_CAPS | CAP(C_SYS_ADMIN) | CAP(C_SYS_PTRACE) | CAP(C_AUDIT_WRITE);
	struct sock_fprog p = build(SCMP_ARCH_NATIVE, caps);
	assert_int_equal(call(&p, a, "mount", 0, 0, 0), ALLOW);
	assert_int_equal(call(&p, a, "unshare", CLONE_NEWNS, 0, 0), ALLOW);
	assert_int_equal(call(&p, a, "clone", CLONE_NEWUSER | 17, 0, 0), ALLOW);
	assert_int_equal(call(&p, a, "clone3", 0, 0, 0), ALLOW);
	assert_int_equal(call(&p, a, "bpf", 0, 0, 0), ALLOW);
	assert_int_equal(call(&p, a, "process_vm_readv", 0, 0, 0), ALLOW);
	assert_int_equal(call(&p, a, "socket", AF_NETLINK_NR, 3, NETLINK_AUDIT_NR), ALLOW);
	assert_int_equal(call(&p, a, "socket", AF_VSOCK_NR, 1, 0), ALLOW);
	/* No capability opens these. */
	assert_int_equal(call(&p, a, "keyctl", 0, 0, 0), ERR(EPERM));
	assert_int_equal(call(&p, a, "ioctl", 0, TIOCSTI_NR, 0), ERR(EPERM));
	assert_int_equal(call(&p, a, "init_module", 0, 0, 0), ERR(EPERM));
	free(p.filter);

	/* No capability at all. */
	p = build(SCMP_ARCH_NATIVE, 0);
	assert_int_equal(call(&p, a, "chroot", 0, 0, 0), ERR(EPERM));
	assert_int_equal(call(&p, a, "read", 0, 0, 0), ALLOW);
	free(p.filter);
}

/* berth built on 32-bit x86: socket calls go through socketcall(), whose
 * arguments no filter can see. It must still allow them (a C library that
 * uses socketcall() would have no socket at all otherwise), and the rest
 * must hold. */
static void test_i386_multiplexed_calls(void **state)
{
	(void)state;
	uint32_t a = SCMP_ARCH_X86;
	struct sock_fprog p = build(a, DEFAULT_CAPS);
	assert_int_equal(call(&p, a, "socketcall", 1 /* SYS_SOCKET */, 0, 0), ALLOW);
	assert_int_equal(call(&p, a, "socketcall", 3 /* SYS_CONNECT */, 0, 0), ALLOW);
	/* socket() itself is 359 there (libseccomp names it by its
	 * socketcall() pseudo number). */
	assert_int_equal(run(&p, a, 359, 2, 1, 0), ALLOW);
	assert_int_equal(call(&p, a, "ipc", 23 /* SHMGET */, 0, 0), ALLOW);
	assert_int_equal(call(&p, a, "_llseek", 0, 0, 0), ALLOW);
	assert_int_equal(call(&p, a, "mmap2", 0, 0, 0), ALLOW);
	assert_int_equal(call(&p, a, "mount", 0, 0, 0), ERR(EPERM));
	assert_int_equal(call(&p, a, "ioctl", 0, TIOCSTI_NR, 0), ERR(EPERM));
	assert_int_equal(call(&p, a, "clone", CLONE_NEWUSER | 17, 0, 0), ERR(EPERM));
	assert_int_equal(run(&p, a, 1000, 0, 0, 0), ERR(ENOSYS));
	/* and x86-64's ABI is the foreign one there */
	uint32_t r = run(&p, SCMP_ARCH_X86_64, 39, 0, 0, 0);
	assert_true(r == SECCOMP_RET_KILL_PROCESS || r == SECCOMP_RET_KILL_THREAD);
	free(p.filter);
}

static void test_other_architectures(void **state)
{
	(void)state;
	const uint32_t arches[] = { SCMP_ARCH_AARCH64, SCMP_ARCH_ARM, SCMP_ARCH_PPC64LE,
				    SCMP_ARCH_RISCV64 };
	for (size_t i = 0; i < ELEMENTSOF(arches); i++) {
		uint32_t a = arches[i];
		struct sock_fprog p = build(a, DEFAULT_CAPS);
		assert_int_equal(call(&p, a, "read", 0, 0, 0), ALLOW);
		assert_int_equal(call(&p, a, "mount", 0, 0, 0), ERR(EPERM));
		assert_int_equal(call(&p, a, "ioctl", 0, TIOCSTI_NR, 0), ERR(EPERM));
		assert_int_equal(call(&p, a, "clone", CLONE_NEWUSER | 17, 0, 0), ERR(EPERM));
		assert_int_equal(run(&p, a, 1000, 0, 0, 0), ERR(ENOSYS));
		free(p.filter);
	}
	/* s390x: libseccomp writes its program in s390x's byte order, which
	 * this interpreter (and chain()) would read swapped on a machine of
	 * the other order; that it builds is what can be checked here. */
	struct sock_fprog p = build(SCMP_ARCH_S390X, DEFAULT_CAPS);
	free(p.filter);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_call_has_one_rule),
		cmocka_unit_test(test_default_caps),
		cmocka_unit_test(test_capabilities_open_their_calls),
		cmocka_unit_test(test_i386_multiplexed_calls),
		cmocka_unit_test(test_other_architectures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
