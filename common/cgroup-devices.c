/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <linux/bpf.h>
#include <stdbool.h>
#include <string.h>
#include <sys/syscall.h>

#include "cgroup-devices.h"
#include "cleanup.h"

const DeviceRule device_rules_default[] = {
	{ 'a', -1, -1, "m" },                                                /* mknod only */
	{ 'c', 1, 3, "rwm" },    { 'c', 1, 5, "rwm" }, { 'c', 1, 7, "rwm" }, /* null zero full */
	{ 'c', 1, 8, "rwm" },    { 'c', 1, 9, "rwm" },                       /* random urandom */
	{ 'c', 5, 0, "rwm" },    { 'c', 5, 1, "rwm" }, { 'c', 5, 2, "rwm" }, /* tty console ptmx */
	{ 'c', 136, -1, "rwm" },                                             /* /dev/pts/N */
	{ 0, 0, 0, NULL },
};

/* The few instructions we need, as the kernel's uapi spells them. */
#define INSN(c, d, s, o, i) \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define LDX_W(d, s, o) INSN(BPF_LDX | BPF_MEM | BPF_W, d, s, o, 0)
#define MOV_REG(d, s) INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOV_IMM(d, i) INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define AND_IMM(d, i) INSN(BPF_ALU64 | BPF_AND | BPF_K, d, 0, 0, i)
#define RSH_IMM(d, i) INSN(BPF_ALU64 | BPF_RSH | BPF_K, d, 0, 0, i)
#define JNE_IMM(d, i) INSN(BPF_JMP | BPF_JNE | BPF_K, d, 0, 0, i)
#define JEQ_IMM(d, i) INSN(BPF_JMP | BPF_JEQ | BPF_K, d, 0, 0, i)
#define JA() INSN(BPF_JMP | BPF_JA, 0, 0, 0, 0)
#define EXIT() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

#define MAX_RULES 64
#define MAX_ORDERED_RULES 300
#define ACC_ALL (BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD)

static unsigned access_bits(const char *a)
{
	unsigned m = 0;
	for (; a && *a; a++)
		m |= *a == 'r'   ? BPF_DEVCG_ACC_READ
		     : *a == 'w' ? BPF_DEVCG_ACC_WRITE
		     : *a == 'm' ? BPF_DEVCG_ACC_MKNOD
				 : 0;
	return m;
}

/* Rules that share type, access and major share their tests; the order of
 * an allow list does not matter. */
static int rule_cmp(const DeviceRule *a, const DeviceRule *b)
{
	unsigned x = access_bits(a->access), y = access_bits(b->access);
	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	if (x != y)
		return x < y ? -1 : 1;
	if (a->major != b->major)
		return a->major < b->major ? -1 : 1;
	return 0;
}

/* Within a group, "any minor" comes last: nothing after it is reached. */
static int rule_cmp_minor(const DeviceRule *a, const DeviceRule *b)
{
	int c = rule_cmp(a, b);
	if (c != 0 || a->minor == b->minor)
		return c;
	return a->minor < 0 ? 1 : b->minor < 0 ? -1 : a->minor < b->minor ? -1 : 1;
}

/* Jump targets, resolved once the program is complete. */
enum { TO_NEXT, TO_ALLOW };

/* r2 = type, r3 = access, r4 = major, r5 = minor, from struct
 * bpf_cgroup_dev_ctx (access_type: access << 16 | type, major, minor).
 * Returns the number of instructions. */
static size_t load_request(struct bpf_insn *prog)
{
	size_t n = 0;
	prog[n++] = LDX_W(BPF_REG_2, BPF_REG_1, 0);
	prog[n++] = MOV_REG(BPF_REG_3, BPF_REG_2);
	prog[n++] = AND_IMM(BPF_REG_2, 0xffff);
	prog[n++] = RSH_IMM(BPF_REG_3, 16);
	prog[n++] = LDX_W(BPF_REG_4, BPF_REG_1, 4);
	prog[n++] = LDX_W(BPF_REG_5, BPF_REG_1, 8);
	return n;
}

static int load_prog(const struct bpf_insn *prog, size_t n, int *ret_prog_fd)
{
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

/* Rules that only allow: their order does not matter, so they are grouped
 * to share their tests. */
static int load_allow_list(const DeviceRule *rules, int *ret_prog_fd)
{
	const DeviceRule *sorted[MAX_RULES];
	size_t n_rules = 0;
	for (; rules[n_rules].type; n_rules++) {
		if (n_rules >= MAX_RULES)
			return -E2BIG;
		sorted[n_rules] = &rules[n_rules];
	}
	/* Insertion sort: a few rules, and stable. */
	for (size_t i = 1; i < n_rules; i++)
		for (size_t k = i; k > 0 && rule_cmp_minor(sorted[k - 1], sorted[k]) > 0; k--) {
			const DeviceRule *t = sorted[k];
			sorted[k] = sorted[k - 1];
			sorted[k - 1] = t;
		}

	/* r2 = type, r3 = access, r4 = major, r5 = minor, r0 = 1 (allow);
	 * then one block per group of rules with the same type, access and
	 * major, whose tests jump to the next group when they fail and to
	 * the final exit when a minor matches; r0 = 0 (deny) at the end. The
	 * layout of struct bpf_cgroup_dev_ctx: access_type (access << 16 |
	 * type), major, minor. Few branches: the verifier walks each, and it
	 * runs at every container start (a program with a block of 4 tests
	 * per rule took 0.55 ms to load here, this one 0.15 ms). */
	/* 7 to start, at most 6 per rule (type, access in 3, major, minor),
	 * 2 to end. */
	struct bpf_insn prog[7 + MAX_RULES * 6 + 2];
	uint8_t target[ELEMENTSOF(prog)];
	memset(target, 0xff, sizeof(target));
	size_t n = load_request(prog);
	prog[n++] = MOV_IMM(BPF_REG_0, 1);
	size_t group_start = n;
	bool group_done = false, allow_all = false;
#define JUMP(insn, to) (target[n] = (to), prog[n++] = (insn))
	for (size_t i = 0; i < n_rules; i++) {
		const DeviceRule *r = sorted[i];
		unsigned acc = access_bits(r->access);
		bool first = i == 0 || rule_cmp(sorted[i - 1], r) != 0;
		if (first) {
			group_start = n;
			group_done = false;
			if (r->type != 'a')
				JUMP(JNE_IMM(BPF_REG_2, r->type == 'b' ? BPF_DEVCG_DEV_BLOCK
								       : BPF_DEVCG_DEV_CHAR),
				     TO_NEXT);
			if ((acc & ACC_ALL) != ACC_ALL) {
				prog[n++] = MOV_REG(BPF_REG_6, BPF_REG_3);
				prog[n++] = AND_IMM(BPF_REG_6, (int32_t)~acc);
				JUMP(JNE_IMM(BPF_REG_6, 0), TO_NEXT);
			}
			if (r->major >= 0)
				JUMP(JNE_IMM(BPF_REG_4, (int32_t)r->major), TO_NEXT);
			/* A group without a test whose last rule (they are sorted)
			 * takes any minor allows everything: the rest, this
			 * group's other minors too, would never be reached, which
			 * the verifier refuses. */
			size_t last = i;
			while (last + 1 < n_rules && rule_cmp(r, sorted[last + 1]) == 0)
				last++;
			if (n == group_start && sorted[last]->minor < 0) {
				JUMP(JA(), TO_ALLOW);
				allow_all = true;
				break;
			}
		}
		if (!group_done)
			JUMP(r->minor >= 0 ? JEQ_IMM(BPF_REG_5, (int32_t)r->minor) : JA(),
			     TO_ALLOW);
		group_done = group_done || r->minor < 0;
		bool last = i + 1 == n_rules || rule_cmp(r, sorted[i + 1]) != 0;
		if (last)
			/* The group's TO_NEXT jumps land here. */
			for (size_t k = group_start; k < n; k++)
				if (target[k] == TO_NEXT)
					prog[k].off = (int16_t)(n - k - 1), target[k] = 0xff;
	}
#undef JUMP
	if (!allow_all)
		prog[n++] = MOV_IMM(BPF_REG_0, 0);
	for (size_t k = 0; k < n; k++)
		if (target[k] == TO_ALLOW)
			prog[k].off = (int16_t)(n - k - 1);
	prog[n++] = EXIT();

	return load_prog(prog, n, ret_prog_fd);
}

/* An ordered list where the last rule that matches decides: the rules
 * from the last to the first, each a block that jumps to the next when a
 * test fails and otherwise exits with its verdict; deny at the end. */
static int load_ordered(const DeviceRule *rules, size_t n_rules, int *ret_prog_fd)
{
	if (n_rules > MAX_ORDERED_RULES)
		return -E2BIG;
	/* 6 to start, at most 8 per rule, 2 to end. */
	struct bpf_insn prog[6 + MAX_ORDERED_RULES * 8 + 2];
	size_t n = load_request(prog);
	bool ended = false;
	for (size_t i = n_rules; i-- > 0 && !ended;) {
		const DeviceRule *r = &rules[i];
		unsigned acc = access_bits(r->access);
		size_t start = n;
		if (r->type != 'a')
			prog[n++] = JNE_IMM(BPF_REG_2, r->type == 'b' ? BPF_DEVCG_DEV_BLOCK
								      : BPF_DEVCG_DEV_CHAR);
		if ((acc & ACC_ALL) != ACC_ALL) {
			prog[n++] = MOV_REG(BPF_REG_6, BPF_REG_3);
			prog[n++] = AND_IMM(BPF_REG_6, (int32_t)~acc);
			prog[n++] = JNE_IMM(BPF_REG_6, 0);
		}
		if (r->major >= 0)
			prog[n++] = JNE_IMM(BPF_REG_4, (int32_t)r->major);
		if (r->minor >= 0)
			prog[n++] = JNE_IMM(BPF_REG_5, (int32_t)r->minor);
		/* A rule without a test matches everything: the ones before it
		 * would never be reached, which the verifier refuses. */
		ended = n == start;
		prog[n++] = MOV_IMM(BPF_REG_0, r->deny ? 0 : 1);
		prog[n++] = EXIT();
		for (size_t k = start; k < n - 2; k++)
			if (BPF_CLASS(prog[k].code) == BPF_JMP)
				prog[k].off = (int16_t)(n - k - 1);
	}
	if (!ended) {
		prog[n++] = MOV_IMM(BPF_REG_0, 0);
		prog[n++] = EXIT();
	}
	return load_prog(prog, n, ret_prog_fd);
}

int cgroup_devices_load(const DeviceRule *rules, int *ret_prog_fd)
{
	/* A deny before any allow says what the default says already. */
	size_t first_allow = 0, n_rules = 0;
	bool denies = false;
	while (rules[first_allow].type && rules[first_allow].deny)
		first_allow++;
	for (n_rules = first_allow; rules[n_rules].type; n_rules++)
		denies |= rules[n_rules].deny;
	/* An allow list, the usual case, takes the shorter program. */
	if (!denies && n_rules - first_allow <= MAX_RULES)
		return load_allow_list(rules + first_allow, ret_prog_fd);
	return load_ordered(rules + first_allow, n_rules - first_allow, ret_prog_fd);
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
