/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth trace: the kernel side. BTF tracepoints (tp_btf) only: they need no
 * tracefs mount, survive kernel layout changes through CO-RE, and load on
 * both kernels berth is tested on (6.1 and 6.18), unlike kprobes (absent
 * there) and fentry (refused there). Events go to user space through one
 * ring buffer; a per-CPU counter records every event the ring buffer had
 * no room for, so loss is measured instead of guessed. */

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "trace-events.h"

/* The tracing helpers are GPL-only, and the kernel knows no "LGPL": the
 * LGPL lets this code be used under the GPL (LGPL 2.1, section 3). */
char LICENSE[] SEC("license") = "GPL";

/* Set by the loader before the programs are loaded. */
const volatile bool trace_all = false;       /* every process on the host */
const volatile bool trace_berth_comm = true; /* processes named berth, berth-* */
const volatile __u32 event_mask = ~0u;       /* 1 << enum trace_event_type */
const volatile __u32 self_tgid = 0;          /* the tracer: never traced */
const volatile __u64 wakeup_bytes = 0;       /* see submit() */
/* Syscall numbers differ between architectures: the loader passes them in
 * from its own <sys/syscall.h>; -1 when the architecture lacks the call. */
const volatile long nr_unshare = -1;
const volatile long nr_setns = -1;
const volatile long nr_mount = -1;
const volatile long nr_move_mount = -1;
const volatile long nr_fsmount = -1;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20); /* the loader may change it */
} events SEC(".maps");

/* The cgroups whose processes are traced: container cgroups. Filled by
 * user space at start and by handle_cgroup_mkdir as containers appear, so
 * a container's first events are not lost while user space catches up. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, __u8);
} cgroups SEC(".maps");

/* Processes started by berth that are not berth themselves (helpers such
 * as the `busybox --list-full` of image creation) and not in a container:
 * part of berth's activity although their name is not berth's. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, __u8);
} berth_pids SEC(".maps");

/* Events lost because the ring buffer was full, per type. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TRACE_EV_MAX);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

/* Syscalls between entry and exit, by thread id: the arguments are read on
 * entry (the user memory they point to may change later), the result on
 * exit. LRU, so that an entry whose exit we never saw cannot pile up. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct berth_event);
} pending SEC(".maps");

/* The mount calls' string arguments, by thread id, for a second read on
 * exit: a string the thread has not touched yet (a constant in a page of
 * its binary not mapped in since its fork) cannot be read on entry, since
 * a BPF program cannot fault a page in; by the exit the kernel has copied
 * it, and so mapped it. */
struct mount_args {
	__u64 source, path, fstype;
};
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct mount_args);
} pending_args SEC(".maps");

/* A zeroed record to create `pending` entries from: an event is too big for
 * the 512-byte BPF stack, and a per-CPU scratch buffer could be reused by a
 * program that preempts us on the same CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_RDONLY_PROG);
	__type(key, __u32);
	__type(value, struct berth_event);
} zero SEC(".maps");

static __always_inline bool wants_type(__u32 type)
{
	return event_mask & (1u << type);
}

static __always_inline void *reserve(__u64 size, __u32 type)
{
	void *e = bpf_ringbuf_reserve(&events, size, 0);
	if (!e) {
		__u64 *n = bpf_map_lookup_elem(&drops, &type);
		if (n)
			(*n)++;
	}
	return e;
}

/* Waking the reader for each event costs it a poll() and a context switch
 * per event, which at a few thousand events per second is most of its
 * work. It is woken once wakeup_bytes have piled up instead, and otherwise
 * looks on its own every few tens of milliseconds. */
static __always_inline void submit(void *e)
{
	__u64 flags = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wakeup_bytes
			      ? BPF_RB_FORCE_WAKEUP
			      : BPF_RB_NO_WAKEUP;
	bpf_ringbuf_submit(e, flags);
}

static __always_inline __u64 task_cgroup_id(struct task_struct *task)
{
	return BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id);
}

static __always_inline bool is_berth_comm(const char *comm)
{
	return comm[0] == 'b' && comm[1] == 'e' && comm[2] == 'r' && comm[3] == 't' &&
	       comm[4] == 'h' && (comm[5] == '\0' || comm[5] == '-');
}

static __always_inline bool is_berth_process(const char *comm, __u32 tgid)
{
	return trace_berth_comm && (is_berth_comm(comm) || bpf_map_lookup_elem(&berth_pids, &tgid));
}

/* Whether a process is one we trace: a container's (by cgroup), berth's own
 * (by name or parentage, when tracing berth's activity), or anyone (--all). */
static __always_inline bool wanted(__u64 cgroup_id, const char *comm, __u32 tgid)
{
	if (tgid == self_tgid)
		return false;
	if (trace_all || bpf_map_lookup_elem(&cgroups, &cgroup_id))
		return true;
	return is_berth_process(comm, tgid);
}

static __always_inline bool current_wanted(__u64 cgroup_id)
{
	char comm[TRACE_COMM_LEN];
	bpf_get_current_comm(comm, sizeof(comm));
	return wanted(cgroup_id, comm, bpf_get_current_pid_tgid() >> 32);
}

static __always_inline void fill(struct berth_event *e, struct task_struct *task, __u32 type,
				 __u32 action, __u64 cgroup_id)
{
	e->ts_ns = bpf_ktime_get_ns();
	e->cgroup_id = cgroup_id;
	e->type = type;
	e->action = action;
	e->pid = BPF_CORE_READ(task, tgid);
	e->tid = BPF_CORE_READ(task, pid);
	e->ppid = BPF_CORE_READ(task, real_parent, tgid);
	e->arg = 0;
	e->result = 0;
	e->flags = 0;
	BPF_CORE_READ_STR_INTO(&e->comm, task, comm);
}

/* The namespaces a child got that its parent does not have: what
 * CLONE_NEW* flags clone() or clone3() actually created. Seen here rather
 * than at the syscall so that the event carries the child's cgroup, which
 * is the container's even when the parent (the supervisor) is outside it. */
static __always_inline __u64 new_namespaces(struct task_struct *parent, struct task_struct *child)
{
	__u64 flags = 0;
	struct nsproxy *pn = BPF_CORE_READ(parent, nsproxy);
	struct nsproxy *cn = BPF_CORE_READ(child, nsproxy);

	if (pn != cn) {
		if (BPF_CORE_READ(pn, mnt_ns) != BPF_CORE_READ(cn, mnt_ns))
			flags |= TRACE_CLONE_NEWNS;
		if (BPF_CORE_READ(pn, uts_ns) != BPF_CORE_READ(cn, uts_ns))
			flags |= TRACE_CLONE_NEWUTS;
		if (BPF_CORE_READ(pn, ipc_ns) != BPF_CORE_READ(cn, ipc_ns))
			flags |= TRACE_CLONE_NEWIPC;
		if (BPF_CORE_READ(pn, pid_ns_for_children) !=
		    BPF_CORE_READ(cn, pid_ns_for_children))
			flags |= TRACE_CLONE_NEWPID;
		if (BPF_CORE_READ(pn, net_ns) != BPF_CORE_READ(cn, net_ns))
			flags |= TRACE_CLONE_NEWNET;
		if (BPF_CORE_READ(pn, cgroup_ns) != BPF_CORE_READ(cn, cgroup_ns))
			flags |= TRACE_CLONE_NEWCGROUP;
		if (BPF_CORE_READ(pn, time_ns_for_children) !=
		    BPF_CORE_READ(cn, time_ns_for_children))
			flags |= TRACE_CLONE_NEWTIME;
	}
	if (BPF_CORE_READ(parent, cred, user_ns) != BPF_CORE_READ(child, cred, user_ns))
		flags |= TRACE_CLONE_NEWUSER;
	return flags;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(handle_fork, struct task_struct *parent, struct task_struct *child)
{
	/* Threads are not processes, and cannot have namespaces of their own. */
	if (BPF_CORE_READ(child, pid) != BPF_CORE_READ(child, tgid))
		return 0;
	__u64 cgroup_id = task_cgroup_id(child);
	if (!current_wanted(cgroup_id))
		return 0;
	/* A container's processes are known by their cgroup already. */
	if (trace_berth_comm && !bpf_map_lookup_elem(&cgroups, &cgroup_id)) {
		char comm[TRACE_COMM_LEN];
		__u32 parent_tgid = BPF_CORE_READ(parent, tgid);
		__u32 child_tgid = BPF_CORE_READ(child, tgid);
		__u8 one = 1;
		bpf_get_current_comm(comm, sizeof(comm));
		if (is_berth_process(comm, parent_tgid))
			bpf_map_update_elem(&berth_pids, &child_tgid, &one, BPF_ANY);
	}

	if (wants_type(TRACE_EV_FORK)) {
		struct berth_event *e = reserve(TRACE_SIZE_SMALL, TRACE_EV_FORK);
		if (e) {
			fill(e, parent, TRACE_EV_FORK, TRACE_ACT_NONE, cgroup_id);
			e->arg = BPF_CORE_READ(child, tgid);
			submit(e);
		}
	}
	if (wants_type(TRACE_EV_NS)) {
		__u64 flags = new_namespaces(parent, child);
		if (flags) {
			struct berth_event *e = reserve(TRACE_SIZE_SMALL, TRACE_EV_NS);
			if (e) {
				fill(e, child, TRACE_EV_NS, TRACE_ACT_CLONE, cgroup_id);
				/* The child's parent pointer may not be set up as
				 * the caller sees it (CLONE_PARENT): say who forked. */
				e->ppid = BPF_CORE_READ(parent, tgid);
				e->flags = flags;
				submit(e);
			}
		}
	}
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(handle_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	__u64 cgroup_id = bpf_get_current_cgroup_id();
	/* The name is already the new program's: an exec of berth is berth's. */
	if (!current_wanted(cgroup_id))
		return 0;
	struct berth_event *e = reserve(TRACE_SIZE_PATH, TRACE_EV_EXEC);
	if (!e)
		return 0;
	fill(e, p, TRACE_EV_EXEC, TRACE_ACT_NONE, cgroup_id);
	bpf_probe_read_kernel_str(e->path, sizeof(e->path), BPF_CORE_READ(bprm, filename));
	submit(e);
	return 0;
}

/* Kernel 6.18 added a second argument (group_dead); only the first is read,
 * so this program loads on both. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(handle_exit, struct task_struct *p)
{
	__u32 tid = BPF_CORE_READ(p, pid);
	bpf_map_delete_elem(&pending, &tid);
	if (tid != BPF_CORE_READ(p, tgid))
		return 0;
	__u64 cgroup_id = bpf_get_current_cgroup_id();
	bool want = current_wanted(cgroup_id);
	if (trace_berth_comm)
		bpf_map_delete_elem(&berth_pids, &tid);
	if (!want || !wants_type(TRACE_EV_EXIT))
		return 0;
	struct berth_event *e = reserve(TRACE_SIZE_SMALL, TRACE_EV_EXIT);
	if (!e)
		return 0;
	fill(e, p, TRACE_EV_EXIT, TRACE_ACT_NONE, cgroup_id);
	e->result = BPF_CORE_READ(p, exit_code);
	submit(e);
	return 0;
}

/* A container's cgroup is "berth/<id>" (under a delegated subtree too):
 * its parent is named berth. Read from the cgroup tree rather than parsed
 * out of the path: a loop over the path makes the verifier walk every
 * combination of slash positions. */
static __always_inline bool is_container_cgroup(struct cgroup *cgrp)
{
	char name[8];
	struct cgroup *parent = BPF_CORE_READ(cgrp, self.parent, cgroup);
	if (!parent ||
	    bpf_probe_read_kernel_str(name, sizeof(name), BPF_CORE_READ(parent, kn, name)) != 6)
		return false;
	return name[0] == 'b' && name[1] == 'e' && name[2] == 'r' && name[3] == 't' &&
	       name[4] == 'h';
}

/* Only the v2 hierarchy matters (it is where container cgroups and
 * bpf_get_current_cgroup_id() live); a hybrid host makes v1 cgroups too. */
static __always_inline bool on_default_hierarchy(struct cgroup *cgrp)
{
	struct task_struct *task = bpf_get_current_task_btf();
	return BPF_CORE_READ(cgrp, root) == BPF_CORE_READ(task, cgroups, dfl_cgrp, root);
}

static __always_inline int cgroup_event(struct cgroup *cgrp, const char *path, __u32 action)
{
	if (!on_default_hierarchy(cgrp))
		return 0;
	struct berth_event *e = reserve(TRACE_SIZE_PATH, TRACE_EV_CGROUP);
	if (!e)
		return 0;
	__u64 id = BPF_CORE_READ(cgrp, kn, id);
	bpf_probe_read_kernel_str(e->path, sizeof(e->path), path);
	bool container = false;
	if (action == TRACE_ACT_MKDIR) {
		/* Track a new container cgroup now: its init is cloned
		 * straight into it, before user space could react. User
		 * space hears of it through this event, and forgets the
		 * cgroup again if it is not one that it traces. */
		container = is_container_cgroup(cgrp);
		if (container) {
			__u8 one = 1;
			bpf_map_update_elem(&cgroups, &id, &one, BPF_ANY);
		}
	} else if (bpf_map_lookup_elem(&cgroups, &id)) {
		container = true;
		bpf_map_delete_elem(&cgroups, &id);
	}
	/* User space needs container cgroup events even when it does not
	 * show cgroup events: they name the container of a new cgroup id. */
	if (!container &&
	    !(wants_type(TRACE_EV_CGROUP) && current_wanted(bpf_get_current_cgroup_id()))) {
		bpf_ringbuf_discard(e, 0);
		return 0;
	}
	fill(e, bpf_get_current_task_btf(), TRACE_EV_CGROUP, action, id);
	submit(e);
	return 0;
}

SEC("tp_btf/cgroup_mkdir")
int BPF_PROG(handle_cgroup_mkdir, struct cgroup *cgrp, const char *path)
{
	return cgroup_event(cgrp, path, TRACE_ACT_MKDIR);
}

SEC("tp_btf/cgroup_rmdir")
int BPF_PROG(handle_cgroup_rmdir, struct cgroup *cgrp, const char *path)
{
	return cgroup_event(cgrp, path, TRACE_ACT_RMDIR);
}

/* unshare, setns and the mount calls have no tracepoints of their own, so
 * they are caught at the raw syscall tracepoints, which are BTF
 * tracepoints too (no tracefs). These run for every syscall on the
 * machine: the syscall number is checked first and costs next to nothing. */
static __always_inline bool traced_syscall(long nr)
{
	return nr >= 0 && (nr == nr_unshare || nr == nr_setns || nr == nr_mount ||
			   nr == nr_move_mount || nr == nr_fsmount);
}

SEC("tp_btf/sys_enter")
int BPF_PROG(handle_sys_enter, struct pt_regs *regs, long nr)
{
	if (!traced_syscall(nr))
		return 0;
	__u32 type = (nr == nr_unshare || nr == nr_setns) ? TRACE_EV_NS : TRACE_EV_MOUNT;
	if (!wants_type(type))
		return 0;
	__u64 a1 = PT_REGS_PARM1_CORE_SYSCALL(regs);
	__u64 a2 = PT_REGS_PARM2_CORE_SYSCALL(regs);
	/* unshare() also takes flags that make no namespace (CLONE_FILES). */
	if (nr == nr_unshare && !(a1 & TRACE_CLONE_NEW_ALL))
		return 0;
	__u64 cgroup_id = bpf_get_current_cgroup_id();
	if (!current_wanted(cgroup_id))
		return 0;

	__u32 key = 0;
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct berth_event *z = bpf_map_lookup_elem(&zero, &key);
	if (!z || bpf_map_update_elem(&pending, &tid, z, BPF_ANY) < 0)
		return 0;
	struct berth_event *e = bpf_map_lookup_elem(&pending, &tid);
	if (!e)
		return 0;
	fill(e, bpf_get_current_task_btf(), type, TRACE_ACT_NONE, cgroup_id);
	if (nr == nr_unshare) {
		e->action = TRACE_ACT_UNSHARE;
		e->flags = a1 & TRACE_CLONE_NEW_ALL;
	} else if (nr == nr_setns) {
		e->action = TRACE_ACT_SETNS;
		e->arg = (__u32)a1;
		e->flags = a2; /* 0: whatever namespace the fd is */
	} else if (nr == nr_mount) {
		e->action = TRACE_ACT_MOUNT;
		struct mount_args a = { a1, a2, PT_REGS_PARM3_CORE_SYSCALL(regs) };
		bpf_probe_read_user_str(e->source, sizeof(e->source), (const void *)a.source);
		bpf_probe_read_user_str(e->path, sizeof(e->path), (const void *)a.path);
		bpf_probe_read_user_str(e->fstype, sizeof(e->fstype), (const void *)a.fstype);
		e->flags = PT_REGS_PARM4_CORE_SYSCALL(regs);
		bpf_map_update_elem(&pending_args, &tid, &a, BPF_ANY);
	} else if (nr == nr_move_mount) {
		e->action = TRACE_ACT_MOVE_MOUNT;
		e->arg = (__u32)a1;
		struct mount_args a = { a2, PT_REGS_PARM4_CORE_SYSCALL(regs), 0 };
		bpf_probe_read_user_str(e->source, sizeof(e->source), (const void *)a.source);
		bpf_probe_read_user_str(e->path, sizeof(e->path), (const void *)a.path);
		e->flags = PT_REGS_PARM5_CORE_SYSCALL(regs);
		bpf_map_update_elem(&pending_args, &tid, &a, BPF_ANY);
	} else {
		e->action = TRACE_ACT_FSMOUNT;
		e->arg = (__u32)a1;
		e->flags = a2;
	}
	return 0;
}

/* The number of the syscall that is returning, where the architecture keeps
 * it in pt_regs; elsewhere -1, and every exit looks the thread up. */
static __always_inline long exit_syscall_nr(struct pt_regs *regs)
{
#if defined(__TARGET_ARCH_x86)
	return BPF_CORE_READ(regs, orig_ax);
#elif defined(__TARGET_ARCH_arm64)
	return BPF_CORE_READ(regs, syscallno);
#else
	return -1;
#endif
}

SEC("tp_btf/sys_exit")
int BPF_PROG(handle_sys_exit, struct pt_regs *regs, long ret)
{
	long nr = exit_syscall_nr(regs);
	if (nr >= 0 && !traced_syscall(nr))
		return 0;
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct berth_event *p = bpf_map_lookup_elem(&pending, &tid);
	if (!p)
		return 0;
	p->result = ret;
	struct mount_args *a = bpf_map_lookup_elem(&pending_args, &tid);
	if (a) {
		/* What could not be read on entry (see pending_args). */
		if (a->source && !p->source[0])
			bpf_probe_read_user_str(p->source, sizeof(p->source),
						(const void *)a->source);
		if (a->path && !p->path[0])
			bpf_probe_read_user_str(p->path, sizeof(p->path), (const void *)a->path);
		if (a->fstype && !p->fstype[0])
			bpf_probe_read_user_str(p->fstype, sizeof(p->fstype),
						(const void *)a->fstype);
		bpf_map_delete_elem(&pending_args, &tid);
	}
	/* The ring buffer wants a size known when the program is verified:
	 * one reservation per record size. */
	if (p->type == TRACE_EV_MOUNT) {
		struct berth_event *e = reserve(TRACE_SIZE_FULL, TRACE_EV_MOUNT);
		if (e) {
			bpf_probe_read_kernel(e, TRACE_SIZE_FULL, p);
			submit(e);
		}
	} else {
		struct berth_event *e = reserve(TRACE_SIZE_SMALL, TRACE_EV_NS);
		if (e) {
			bpf_probe_read_kernel(e, TRACE_SIZE_SMALL, p);
			submit(e);
		}
	}
	bpf_map_delete_elem(&pending, &tid);
	return 0;
}

static __always_inline int oom_event(struct task_struct *victim, __u32 pid)
{
	struct task_struct *cur = bpf_get_current_task_btf();
	__u64 cgroup_id = victim ? task_cgroup_id(victim) : task_cgroup_id(cur);
	char comm[TRACE_COMM_LEN] = {};
	if (victim)
		BPF_CORE_READ_STR_INTO(&comm, victim, comm);
	if (!wanted(cgroup_id, comm, pid))
		return 0;
	struct berth_event *e = reserve(TRACE_SIZE_SMALL, TRACE_EV_OOM);
	if (!e)
		return 0;
	fill(e, victim ? victim : cur, TRACE_EV_OOM, TRACE_ACT_NONE, cgroup_id);
	if (!victim) {
		/* Only the pid is known: the rest described the killer. */
		e->pid = e->tid = pid;
		e->ppid = 0;
		__builtin_memset(e->comm, 0, sizeof(e->comm));
	}
	submit(e);
	return 0;
}

/* mark_victim(task, uid) since Linux 6.8; the loader keeps one of these two. */
SEC("tp_btf/mark_victim")
int BPF_PROG(handle_oom_task, struct task_struct *task)
{
	return oom_event(task, BPF_CORE_READ(task, tgid));
}

/* mark_victim(pid) before Linux 6.8. */
SEC("tp_btf/mark_victim")
int BPF_PROG(handle_oom_pid, int pid)
{
	return oom_event(NULL, pid);
}
