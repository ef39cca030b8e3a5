/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A container's configuration as an OCI runtime-spec 1.1 config.json.
 * `berth run` fills a ContainerSpec from flags and the image and writes it;
 * the supervisor reads it back. Only this module knows the JSON layout. */

#define OCI_VERSION "1.1.0"

/* berth's own fields travel as annotations. */
#define ANNOTATION_NAME "org.berth.name"
#define ANNOTATION_IMAGE "org.berth.image"
/* The overlay's folders: relative to the bundle below the root (as
 * root.path), absolute elsewhere; lowerdir ':'-separated, top first. */
#define ANNOTATION_LOWERDIR "org.berth.overlay.lowerdir"
#define ANNOTATION_UPPERDIR "org.berth.overlay.upperdir"
#define ANNOTATION_WORKDIR "org.berth.overlay.workdir"
/* Who mounts that overlay: "overlay" (the kernel's, the default) or
 * "fuse-overlayfs" (a rootless berth's fallback; supervisor/rootfs-fuse.c). */
#define ANNOTATION_OVERLAY_DRIVER "org.berth.overlay.driver"
#define ANNOTATION_STOP_SIGNAL "org.berth.stop-signal"
#define ANNOTATION_LOG_MAX_SIZE "org.berth.log-max-size"
#define ANNOTATION_SECCOMP "org.berth.seccomp" /* "unconfined" */
#define ANNOTATION_DEVICES "org.berth.devices" /* "all": no device filter */

typedef enum {
	NS_PID,
	NS_NETWORK,
	NS_MOUNT,
	NS_IPC,
	NS_UTS,
	NS_CGROUP,
	NS_USER,
	_NS_MAX,
	_NS_INVALID = -22,
} NamespaceType;

const char *namespace_type_to_string(NamespaceType t);
NamespaceType namespace_type_from_string(const char *s);
int namespace_type_clone_flag(NamespaceType t);

typedef struct {
	char *destination;
	char *type;
	char *source;
	char **options;
} SpecMount;

typedef struct {
	bool enabled;
	char *path; /* join this namespace instead of creating one */
} SpecNamespace;

typedef struct {
	char *key;
	char *value;
} SpecAnnotation;

typedef struct {
	uint32_t major, minor;
	uint64_t rate; /* bytes per second */
} SpecIoThrottle;

/* linux.uidMappings / gidMappings */
typedef struct {
	uint32_t container_id, host_id, size;
} SpecIdMap;

#define ID_MAP_MAX 340 /* what the kernel takes in uid_map */

/* l as a compact JSON array of strings; NULL when a string is not valid
 * UTF-8 (jansson refuses it) or memory runs out. */
char *strv_to_json(char *const *l);

/* The host id of container id `id` under maps, or -1 when unmapped. */
int64_t id_map_to_host(const SpecIdMap *maps, size_t n, uint32_t id);
/* Checks maps: no empty or overflowing range, no overlap inside or
 * outside. Returns -EINVAL with a message. */
int id_maps_check(const SpecIdMap *maps, size_t n, char *msg, size_t msglen);

/* process.rlimits */
typedef struct {
	int resource; /* RLIMIT_* */
	uint64_t soft, hard;
} SpecRlimit;
/* "RLIMIT_NOFILE" and the others of setrlimit(2); -EINVAL when unknown. */
int rlimit_from_string(const char *s);
/* The name of a RLIMIT_*; NULL when unknown. */
const char *rlimit_to_string(int resource);

/* linux.devices: a node the container gets. */
typedef struct {
	char *path;
	char type; /* 'c', 'b', 'u' (unbuffered char: as 'c') or 'p' (a FIFO) */
	uint32_t major, minor;
	uint32_t file_mode; /* permission bits; 0666 unless given */
	bool has_uid, has_gid;
	uint32_t uid, gid;
} SpecDevice;

/* linux.resources.devices: the device cgroup's rules, in order; the last
 * that matches decides. */
typedef struct {
	bool allow;
	char type;      /* 'a', 'c' or 'b' */
	int64_t major;  /* -1: any */
	int64_t minor;  /* -1: any */
	char access[4]; /* of "rwm" */
} SpecDeviceRule;

/* linux.resources: what berth turns into cgroup v2 files. */
typedef struct {
	bool has_memory_limit;
	int64_t memory_limit; /* memory.max, bytes */
	bool has_memory_swap;
	int64_t memory_swap; /* OCI: memory + swap in total; -1 unlimited */
	bool has_cpu_quota;
	int64_t cpu_quota; /* cpu.max "quota period" */
	uint64_t cpu_period;
	bool has_cpu_shares;
	uint64_t cpu_shares; /* converted to cpu.weight */
	bool has_cpu_weight;
	uint64_t cpu_weight; /* linux.resources.unified["cpu.weight"] */
	char *cpuset_cpus;
	bool has_pids_limit;
	int64_t pids_limit;
	SpecIoThrottle *io_read;
	size_t n_io_read;
	SpecIoThrottle *io_write;
	size_t n_io_write;
} SpecResources;

typedef struct {
	/* process */
	bool terminal;
	char **args;
	char **env;
	char *cwd;
	uint32_t uid, gid;
	uint32_t *additional_gids;
	size_t n_additional_gids;
	bool no_new_privileges;
	/* process.capabilities, "CAP_..." names */
	char **cap_bounding, **cap_effective, **cap_permitted, **cap_inheritable, **cap_ambient;
	/* seccomp: berth's default profile unless unconfined or a profile
	 * (linux.seccomp, the JSON text of an OCI/Docker profile) is given */
	bool seccomp_unconfined;
	char *seccomp_profile;
	int sched_policy; /* process.scheduler: SCHED_RR, or 0 for none */
	int sched_priority;
	SpecRlimit *rlimits;
	size_t n_rlimits;
	bool has_oom_score_adj;
	int oom_score_adj; /* -1000 to 1000 */

	/* root, hostname, mounts */
	char *root_path;
	bool root_readonly;
	char *hostname;
	SpecMount *mounts;
	size_t n_mounts;

	/* linux */
	SpecNamespace namespaces[_NS_MAX];
	char *cgroups_path;
	char *rootfs_propagation;
	char **masked_paths;
	char **readonly_paths;
	SpecResources resources;
	SpecDevice *devices;
	size_t n_devices;
	bool has_device_rules; /* else berth's default devices */
	SpecDeviceRule *device_rules;
	size_t n_device_rules;
	SpecIdMap *uid_maps, *gid_maps;
	size_t n_uid_maps, n_gid_maps;
	SpecAnnotation *sysctls; /* linux.sysctl: key and value */
	size_t n_sysctls;

	SpecAnnotation *annotations;
	size_t n_annotations;
} ContainerSpec;

ContainerSpec *spec_free(ContainerSpec *s);
static inline void spec_freep(ContainerSpec **s)
{
	spec_free(*s);
}

/* A spec with berth's defaults: namespaces pid, net, mount, ipc, uts,
 * cgroup; /proc, /dev (+pts, shm, mqueue), /sys (ro), /sys/fs/cgroup (ro),
 * /tmp; the default PATH; masked and read-only paths. */
int spec_new_default(ContainerSpec **ret);

int spec_add_mount(ContainerSpec *s, const char *dest, const char *type, const char *source,
		   const char *const *options);
int spec_set_annotation(ContainerSpec *s, const char *key, const char *value);
const char *spec_get_annotation(const ContainerSpec *s, const char *key);
/* Takes the annotation away; none is not an error. */
void spec_unset_annotation(ContainerSpec *s, const char *key);
/* root.path and the overlay's folders (ANNOTATION_*DIR) are relative to
 * the bundle when below the root (paths.h). A config.json written by a
 * berth of state DB schema 7 or older holds them absolute, as they were in
 * the root the container was made in: root.path is
 * <old root>/containers/<id>/rootfs. This gives such a spec today's form,
 * as if that root were where bundle's is now, so that a root moved or
 * copied whole runs its own files. Paths outside the old root (a rootfs
 * folder, --layers) stay; a spec of today's form is left as it is. */
int spec_relocate_paths(ContainerSpec *s, const char *bundle);
/* Sets K=V in env, replacing an existing K. */
int spec_env_set(ContainerSpec *s, const char *assignment);
const char *spec_env_get(const ContainerSpec *s, const char *key);

/* True when any limit is set. */
bool spec_resources_any(const SpecResources *r);
/* The cpu.weight runc and crun derive from cgroup v1 cpu shares. */
uint64_t cpu_shares_to_weight(uint64_t shares);

int spec_to_json(const ContainerSpec *s, char **ret);
/* On a malformed document returns -EINVAL and, in ret_error, a line naming
 * the field. */
int spec_from_json(const char *data, ContainerSpec **ret, char **ret_error);
/* A linux.resources object alone (berth-runtime update --resources), over
 * what r has; its strings are r's to free (spec_resources_done()). */
int spec_resources_from_json(const char *data, SpecResources *r, char **ret_error);
void spec_resources_done(SpecResources *r);

int spec_write_file(const ContainerSpec *s, const char *path);
int spec_read_file(const char *path, ContainerSpec **ret, char **ret_error);
