/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <linux/bpf.h>
#include <string.h>
#include <sys/syscall.h>

#include "cgroup-devices.h"
#include "cleanup.h"

const DeviceRule device_rules_default[] = {
	{ 'c', -1, -1, "m" },  { 'b', -1, -1, "m" },                       /* mknod only */
	{ 'c', 1, 3, "rwm" },  { 'c', 1, 5, "rwm" }, { 'c', 1, 7, "rwm" }, /* null zero full */
	{ 'c', 1, 8, "rwm" },  { 'c', 1, 9, "rwm" },                       /* random urandom */
	{ 'c', 5, 0, "rwm" },  { 'c', 5, 1, "rwm" }, { 'c', 5, 2, "rwm" }, /* tty console ptmx */
	{ 'c', 136, -1, "rwm" },                                           /* /dev/pts/N */
	{ 0, 0, 0, NULL },
};

/* The few instructions we need, as the kernel's uapi spells them. */
#define INSN(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define LDX_W(d, s, o) INSN(BPF_LDX | BPF_MEM | BPF_W, d, s, o, 0)
#define MOV_REG(d, s) INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOV_IMM(d, i) INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define AND_IMM(d, i) INSN(BPF_ALU64 | BPF_AND | BPF_K, d, 0, 0, i)
#define RSH_IMM(d, i) INSN(BPF_ALU64 | BPF_RSH | BPF_K, d, 0, 0, i)
#define JNE_IMM(d, i, o) INSN(BPF_JMP | BPF_JNE | BPF_K, d, 0, o, i)
#define EXIT() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

#define MAX_RULES 64

static unsigned access_bits(const char *a)
{
	unsigned m = 0;
	for (; a && *a; a++)
		m |= *a == 'r' ? BPF_DEVCG_ACC_READ : *a == 'w' ? BPF_DEVCG_ACC_WRITE
			: *a == 'm' ? BPF_DEVCG_ACC_MKNOD : 0;
	return m;
}

int cgroup_devices_load(const DeviceRule *rules, int *ret_prog_fd)
{
	/* r2 = type, r3 = access, r4 = major, r5 = minor; then one block per
	 * rule that returns 1 (allow) when it matches; 0 (deny) at the end.
	 * The layout of struct bpf_cgroup_dev_ctx: access_type (access << 16
	 * | type), major, minor. */
	struct bpf_insn prog[8 + MAX_RULES * 8];
	size_t n = 0;
	prog[n++] = LDX_W(BPF_REG_2, BPF_REG_1, 0);
	prog[n++] = MOV_REG(BPF_REG_3, BPF_REG_2);
	prog[n++] = AND_IMM(BPF_REG_2, 0xffff);
	prog[n++] = RSH_IMM(BPF_REG_3, 16);
	prog[n++] = LDX_W(BPF_REG_4, BPF_REG_1, 4);
	prog[n++] = LDX_W(BPF_REG_5, BPF_REG_1, 8);
	for (size_t i = 0; rules[i].type; i++) {
		if (i >= MAX_RULES)
			return -E2BIG;
		struct bpf_insn block[8];
		size_t b = 0;
		int type = rules[i].type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR;
		/* Jump offsets are filled in below, once the block's length is known. */
		block[b++] = JNE_IMM(BPF_REG_2, type, 0);
		block[b++] = MOV_REG(BPF_REG_6, BPF_REG_3);
		block[b++] = AND_IMM(BPF_REG_6, (int32_t)~access_bits(rules[i].access));
		block[b++] = JNE_IMM(BPF_REG_6, 0, 0);
		if (rules[i].major >= 0)
			block[b++] = JNE_IMM(BPF_REG_4, (int32_t)rules[i].major, 0);
		if (rules[i].minor >= 0)
			block[b++] = JNE_IMM(BPF_REG_5, (int32_t)rules[i].minor, 0);
		block[b++] = MOV_IMM(BPF_REG_0, 1);
		block[b++] = EXIT();
		for (size_t k = 0; k < b; k++)
			if (BPF_CLASS(block[k].code) == BPF_JMP && BPF_OP(block[k].code) == BPF_JNE)
				block[k].off = (int16_t)(b - k - 1); /* to the next block */
		memcpy(prog + n, block, b * sizeof(block[0]));
		n += b;
	}
	prog[n++] = MOV_IMM(BPF_REG_0, 0);
	prog[n++] = EXIT();

	union bpf_attr load = { 0 };
	load.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	load.insns = (uint64_t)(uintptr_t)prog;
	load.insn_cnt = (uint32_t)n;
	load.license = (uint64_t)(uintptr_t) "GPL";
	int pfd = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &load, sizeof(load));
	if (pfd < 0)
		return -errno;
	*ret_prog_fd = pfd;
	return 0;
}

int cgroup_devices_attach(int cgroup_fd, int prog_fd)
{
	union bpf_attr attach = { 0 };
	attach.target_fd = (uint32_t)cgroup_fd;
	attach.attach_bpf_fd = (uint32_t)prog_fd;
	attach.attach_type = BPF_CGROUP_DEVICE;
	attach.attach_flags = BPF_F_ALLOW_MULTI;
	/* The cgroup keeps the program; our fd can go. */
	if (syscall(SYS_bpf, BPF_PROG_ATTACH, &attach, sizeof(attach)) < 0)
		return -errno;
	return 0;
}

int cgroup_devices_restrict(int cgroup_fd, const DeviceRule *rules)
{
	_cleanup_close_ int pfd = -EBADF;
	int r = cgroup_devices_load(rules, &pfd);
	if (r < 0)
		return r;
	return cgroup_devices_attach(cgroup_fd, pfd);
}
