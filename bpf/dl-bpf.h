/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* libbpf, for `berth trace`, opened with dlopen() when first needed (common/dl.h
 * says why). Include this header instead of the library's own. */

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#define DL_BPF_SYMS(X)                  \
	X(bpf_map__delete_elem)         \
	X(bpf_map__fd)                  \
	X(bpf_map__lookup_elem)         \
	X(bpf_map__max_entries)         \
	X(bpf_map__set_max_entries)     \
	X(bpf_map__update_elem)         \
	X(bpf_object__attach_skeleton)  \
	X(bpf_object__destroy_skeleton) \
	X(bpf_object__detach_skeleton)  \
	X(bpf_object__load_skeleton)    \
	X(bpf_object__open_skeleton)    \
	X(bpf_program__set_autoload)    \
	X(btf__find_by_name_kind)       \
	X(btf__free)                    \
	X(btf__load_vmlinux_btf)        \
	X(btf__resolve_type)            \
	X(btf__type_by_id)              \
	X(libbpf_num_possible_cpus)     \
	X(libbpf_set_print)             \
	X(ring_buffer__consume)         \
	X(ring_buffer__epoll_fd)        \
	X(ring_buffer__free)            \
	X(ring_buffer__new)

#define X(s) extern __typeof__(s) *sym_##s;
DL_BPF_SYMS(X)
#undef X

/* Loads BPF_SONAME (once); 0, or -ENOPKG after logging why. */
int dl_bpf_load(void);

#ifndef DL_BPF_DEFINE
#define bpf_map__delete_elem sym_bpf_map__delete_elem
#define bpf_map__fd sym_bpf_map__fd
#define bpf_map__lookup_elem sym_bpf_map__lookup_elem
#define bpf_map__max_entries sym_bpf_map__max_entries
#define bpf_map__set_max_entries sym_bpf_map__set_max_entries
#define bpf_map__update_elem sym_bpf_map__update_elem
#define bpf_object__attach_skeleton sym_bpf_object__attach_skeleton
#define bpf_object__destroy_skeleton sym_bpf_object__destroy_skeleton
#define bpf_object__detach_skeleton sym_bpf_object__detach_skeleton
#define bpf_object__load_skeleton sym_bpf_object__load_skeleton
#define bpf_object__open_skeleton sym_bpf_object__open_skeleton
#define bpf_program__set_autoload sym_bpf_program__set_autoload
#define btf__find_by_name_kind sym_btf__find_by_name_kind
#define btf__free sym_btf__free
#define btf__load_vmlinux_btf sym_btf__load_vmlinux_btf
#define btf__resolve_type sym_btf__resolve_type
#define btf__type_by_id sym_btf__type_by_id
#define libbpf_num_possible_cpus sym_libbpf_num_possible_cpus
#define libbpf_set_print sym_libbpf_set_print
#define ring_buffer__consume sym_ring_buffer__consume
#define ring_buffer__epoll_fd sym_ring_buffer__epoll_fd
#define ring_buffer__free sym_ring_buffer__free
#define ring_buffer__new sym_ring_buffer__new
#endif
