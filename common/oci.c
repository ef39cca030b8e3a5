/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <jansson.h>
#include <sched.h>
#include <stdarg.h>
#include <string.h>
#include <sys/resource.h>

#include "caps.h"
#include "oci.h"
#include "parse.h"
#include "paths.h"
#include "util.h"

static const char *const namespace_names[_NS_MAX] = {
	[NS_PID] = "pid", [NS_NETWORK] = "network", [NS_MOUNT] = "mount", [NS_IPC] = "ipc",
	[NS_UTS] = "uts", [NS_CGROUP] = "cgroup",   [NS_USER] = "user",
};

const char *namespace_type_to_string(NamespaceType t)
{
	return t >= 0 && t < _NS_MAX ? namespace_names[t] : NULL;
}

NamespaceType namespace_type_from_string(const char *s)
{
	for (int i = 0; i < _NS_MAX; i++)
		if (streq(namespace_names[i], s))
			return (NamespaceType)i;
	return _NS_INVALID;
}

int namespace_type_clone_flag(NamespaceType t)
{
	static const int flags[_NS_MAX] = {
		[NS_PID] = CLONE_NEWPID,   [NS_NETWORK] = CLONE_NEWNET,
		[NS_MOUNT] = CLONE_NEWNS,  [NS_IPC] = CLONE_NEWIPC,
		[NS_UTS] = CLONE_NEWUTS,   [NS_CGROUP] = CLONE_NEWCGROUP,
		[NS_USER] = CLONE_NEWUSER,
	};
	return t >= 0 && t < _NS_MAX ? flags[t] : 0;
}

ContainerSpec *spec_free(ContainerSpec *s)
{
	if (!s)
		return NULL;
	strv_free(s->args);
	strv_free(s->env);
	strv_free(s->cap_bounding);
	strv_free(s->cap_effective);
	strv_free(s->cap_permitted);
	strv_free(s->cap_inheritable);
	strv_free(s->cap_ambient);
	free(s->seccomp_profile);
	free(s->cwd);
	free(s->additional_gids);
	free(s->rlimits);
	free(s->root_path);
	free(s->hostname);
	for (size_t i = 0; i < s->n_mounts; i++) {
		free(s->mounts[i].destination);
		free(s->mounts[i].type);
		free(s->mounts[i].source);
		strv_free(s->mounts[i].options);
	}
	free(s->mounts);
	for (int i = 0; i < _NS_MAX; i++)
		free(s->namespaces[i].path);
	free(s->cgroups_path);
	free(s->rootfs_propagation);
	free(s->uid_maps);
	free(s->gid_maps);
	for (size_t i = 0; i < s->n_sysctls; i++) {
		free(s->sysctls[i].key);
		free(s->sysctls[i].value);
	}
	free(s->sysctls);
	spec_resources_done(&s->resources);
	for (size_t i = 0; i < s->n_devices; i++)
		free(s->devices[i].path);
	free(s->devices);
	free(s->device_rules);
	strv_free(s->masked_paths);
	strv_free(s->readonly_paths);
	for (size_t i = 0; i < s->n_annotations; i++) {
		free(s->annotations[i].key);
		free(s->annotations[i].value);
	}
	free(s->annotations);
	free(s);
	return NULL;
}

static char **strv_from_list(const char *const *l)
{
	return strv_copy((char *const *)l);
}

void spec_resources_done(SpecResources *r)
{
	free(r->cpuset_cpus);
	free(r->io_read);
	free(r->io_write);
	*r = (SpecResources){ 0 };
}

int spec_add_mount(ContainerSpec *s, const char *dest, const char *type, const char *source,
		   const char *const *options)
{
	SpecMount *m = realloc(s->mounts, sizeof(SpecMount) * (s->n_mounts + 1));
	if (!m)
		return -ENOMEM;
	s->mounts = m;
	SpecMount *n = &m[s->n_mounts];
	*n = (SpecMount){
		.destination = strdup(dest),
		.type = strdup(type ? type : "none"),
		.source = strdup(source ? source : "none"),
		.options = options ? strv_from_list(options) : calloc(1, sizeof(char *)),
	};
	s->n_mounts++;
	if (!n->destination || !n->type || !n->source || !n->options)
		return -ENOMEM;
	return 0;
}

int spec_new_default(ContainerSpec **ret)
{
	_cleanup_(spec_freep) ContainerSpec *s = calloc(1, sizeof(ContainerSpec));
	if (!s)
		return -ENOMEM;

	s->cwd = strdup("/");
	s->root_path = strdup("rootfs");
	s->rootfs_propagation = strdup("rslave");
	s->no_new_privileges = true;
	s->cap_bounding = strv_copy((char *const *)caps_default);
	s->cap_effective = strv_copy((char *const *)caps_default);
	s->cap_permitted = strv_copy((char *const *)caps_default);
	s->cap_inheritable = calloc(1, sizeof(char *));
	s->cap_ambient = calloc(1, sizeof(char *));
	if (!s->cap_bounding || !s->cap_effective || !s->cap_permitted || !s->cap_inheritable ||
	    !s->cap_ambient)
		return -ENOMEM;
	if (!s->cwd || !s->root_path || !s->rootfs_propagation)
		return -ENOMEM;
	int r = spec_env_set(s,
			     "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	if (r < 0)
		return r;

	static const NamespaceType defaults[] = { NS_PID, NS_NETWORK, NS_MOUNT,
						  NS_IPC, NS_UTS,     NS_CGROUP };
	for (size_t i = 0; i < ELEMENTSOF(defaults); i++)
		s->namespaces[defaults[i]].enabled = true;

	static const struct {
		const char *dest, *type, *source;
		const char *options[8];
	} mounts[] = {
		{ "/proc", "proc", "proc", { "nosuid", "noexec", "nodev" } },
		{ "/dev",
		  "tmpfs",
		  "tmpfs",
		  { "nosuid", "strictatime", "mode=755", "size=65536k" } },
		{ "/dev/pts",
		  "devpts",
		  "devpts",
		  { "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5" } },
		{ "/dev/shm",
		  "tmpfs",
		  "shm",
		  { "nosuid", "noexec", "nodev", "mode=1777", "size=65536k" } },
		{ "/dev/mqueue", "mqueue", "mqueue", { "nosuid", "noexec", "nodev" } },
		{ "/sys", "sysfs", "sysfs", { "nosuid", "noexec", "nodev", "ro" } },
		{ "/sys/fs/cgroup",
		  "cgroup",
		  "cgroup",
		  { "nosuid", "noexec", "nodev", "relatime", "ro" } },
		{ "/tmp", "tmpfs", "tmpfs", { "nosuid", "nodev", "mode=1777" } },
	};
	for (size_t i = 0; i < ELEMENTSOF(mounts); i++) {
		r = spec_add_mount(s, mounts[i].dest, mounts[i].type, mounts[i].source,
				   mounts[i].options);
		if (r < 0)
			return r;
	}

	/* The same lists Podman uses by default (powercap: the RAPL energy
	 * counters, a side channel, CVE-2020-8694). */
	static const char *const masked[] = {
		"/proc/acpi",
		"/proc/kcore",
		"/proc/keys",
		"/proc/latency_stats",
		"/proc/timer_list",
		"/proc/timer_stats",
		"/proc/sched_debug",
		"/proc/scsi",
		"/sys/firmware",
		"/sys/fs/selinux",
		"/sys/dev/block",
		"/sys/devices/virtual/powercap",
		NULL,
	};
	static const char *const readonly[] = {
		"/proc/asound", "/proc/bus",           "/proc/fs", "/proc/irq",
		"/proc/sys",    "/proc/sysrq-trigger", NULL,
	};
	s->masked_paths = strv_from_list(masked);
	s->readonly_paths = strv_from_list(readonly);
	if (!s->masked_paths || !s->readonly_paths)
		return -ENOMEM;

	*ret = TAKE_PTR(s);
	return 0;
}

int spec_set_annotation(ContainerSpec *s, const char *key, const char *value)
{
	for (size_t i = 0; i < s->n_annotations; i++)
		if (streq(s->annotations[i].key, key)) {
			char *v = strdup(value);
			if (!v)
				return -ENOMEM;
			free(s->annotations[i].value);
			s->annotations[i].value = v;
			return 0;
		}
	SpecAnnotation *a =
		realloc(s->annotations, sizeof(SpecAnnotation) * (s->n_annotations + 1));
	if (!a)
		return -ENOMEM;
	s->annotations = a;
	a[s->n_annotations] = (SpecAnnotation){ strdup(key), strdup(value) };
	s->n_annotations++;
	return a[s->n_annotations - 1].key && a[s->n_annotations - 1].value ? 0 : -ENOMEM;
}

void spec_unset_annotation(ContainerSpec *s, const char *key)
{
	for (size_t i = 0; i < s->n_annotations; i++)
		if (streq(s->annotations[i].key, key)) {
			free(s->annotations[i].key);
			free(s->annotations[i].value);
			s->annotations[i] = s->annotations[--s->n_annotations];
			return;
		}
}

const char *spec_get_annotation(const ContainerSpec *s, const char *key)
{
	for (size_t i = 0; i < s->n_annotations; i++)
		if (streq(s->annotations[i].key, key))
			return s->annotations[i].value;
	return NULL;
}

int spec_relocate_paths(ContainerSpec *s, const char *bundle)
{
	/* root.path as berth wrote it then: <old root>/containers/<id>/rootfs,
	 * the id being this bundle's. */
	const char *rp = s->root_path, *id = strrchr(bundle, '/');
	if (!rp || rp[0] != '/' || !id)
		return 0;
	_cleanup_free_ char *tail = NULL;
	if (asprintf(&tail, "/containers/%s/rootfs", id + 1) < 0)
		return -ENOMEM;
	size_t n = strlen(rp), t = strlen(tail);
	if (n <= t || !streq(rp + n - t, tail))
		return 0;
	_cleanup_free_ char *old_root = strndup(rp, n - t);
	_cleanup_free_ char *old_bundle = strndup(rp, n - strlen("/rootfs"));
	if (!old_root || !old_bundle)
		return -ENOMEM;
	static const char *const keys[] = { ANNOTATION_LOWERDIR, ANNOTATION_UPPERDIR,
					    ANNOTATION_WORKDIR };
	for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
		const char *v = spec_get_annotation(s, keys[i]);
		if (!v)
			continue;
		_cleanup_free_ char *rel = path_list_relative(old_root, old_bundle, v);
		int r = rel ? spec_set_annotation(s, keys[i], rel) : -ENOMEM;
		if (r < 0)
			return r;
	}
	char *rel = path_relative(old_root, old_bundle, rp);
	if (!rel)
		return -ENOMEM;
	free(s->root_path);
	s->root_path = rel;
	return 0;
}

int spec_env_set(ContainerSpec *s, const char *assignment)
{
	const char *eq = strchr(assignment, '=');
	if (!eq || eq == assignment)
		return -EINVAL;
	size_t klen = (size_t)(eq - assignment) + 1;
	for (size_t i = 0; s->env && s->env[i]; i++)
		if (strncmp(s->env[i], assignment, klen) == 0) {
			char *c = strdup(assignment);
			if (!c)
				return -ENOMEM;
			free(s->env[i]);
			s->env[i] = c;
			return 0;
		}
	return strv_push(&s->env, assignment);
}

const char *spec_env_get(const ContainerSpec *s, const char *key)
{
	size_t klen = strlen(key);
	for (size_t i = 0; s->env && s->env[i]; i++)
		if (strncmp(s->env[i], key, klen) == 0 && s->env[i][klen] == '=')
			return s->env[i] + klen + 1;
	return NULL;
}

/* ---- writing ---- */

static json_t *json_strv(char *const *l)
{
	json_t *a = json_array();
	for (size_t i = 0; a && l && l[i]; i++)
		if (json_array_append_new(a, json_string(l[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

char *strv_to_json(char *const *l)
{
	json_t *a = json_strv(l);
	char *s = a ? json_dumps(a, JSON_COMPACT) : NULL;
	json_decref(a);
	return s;
}

int64_t id_map_to_host(const SpecIdMap *maps, size_t n, uint32_t id)
{
	for (size_t i = 0; i < n; i++)
		if (id >= maps[i].container_id && id - maps[i].container_id < maps[i].size)
			return (int64_t)maps[i].host_id + (id - maps[i].container_id);
	return -1;
}

int id_maps_check(const SpecIdMap *maps, size_t n, char *msg, size_t msglen)
{
	if (n > ID_MAP_MAX) {
		snprintf(msg, msglen, "at most %d ranges", ID_MAP_MAX);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		const SpecIdMap *a = &maps[i];
		if (a->size == 0) {
			snprintf(msg, msglen, "range %u:%u:%u is empty", a->container_id,
				 a->host_id, a->size);
			return -EINVAL;
		}
		if ((uint64_t)a->container_id + a->size > UINT32_MAX ||
		    (uint64_t)a->host_id + a->size > UINT32_MAX) {
			snprintf(msg, msglen, "range %u:%u:%u goes past 4294967295",
				 a->container_id, a->host_id, a->size);
			return -EINVAL;
		}
		for (size_t k = 0; k < i; k++) {
			const SpecIdMap *b = &maps[k];
			bool c = a->container_id < b->container_id + b->size &&
				 b->container_id < a->container_id + a->size;
			bool h = a->host_id < b->host_id + b->size &&
				 b->host_id < a->host_id + a->size;
			if (c || h) {
				snprintf(msg, msglen, "ranges %u:%u:%u and %u:%u:%u overlap %s",
					 b->container_id, b->host_id, b->size, a->container_id,
					 a->host_id, a->size,
					 c ? "inside the container" : "on the host");
				return -EINVAL;
			}
		}
	}
	return 0;
}

static json_t *id_maps_to_json(const SpecIdMap *m, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < n; i++)
		json_array_append_new(a, json_pack("{s:I,s:I,s:I}", "containerID",
						   (json_int_t)m[i].container_id, "hostID",
						   (json_int_t)m[i].host_id, "size",
						   (json_int_t)m[i].size));
	return a;
}

bool spec_resources_any(const SpecResources *r)
{
	return r->has_memory_limit || r->has_memory_swap || r->has_cpu_quota || r->has_cpu_shares ||
	       r->has_cpu_weight || r->cpuset_cpus || r->has_pids_limit || r->n_io_read > 0 ||
	       r->n_io_write > 0;
}

uint64_t cpu_shares_to_weight(uint64_t shares)
{
	/* runc and crun: shares 2..262144 map linearly onto weight 1..10000. */
	if (shares == 0)
		return 0;
	if (shares < 2)
		shares = 2;
	if (shares > 262144)
		shares = 262144;
	return 1 + ((shares - 2) * 9999) / 262142;
}

static json_t *throttle_to_json(const SpecIoThrottle *t, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < n; i++)
		json_array_append_new(a, json_pack("{s:I,s:I,s:I}", "major", (json_int_t)t[i].major,
						   "minor", (json_int_t)t[i].minor, "rate",
						   (json_int_t)t[i].rate));
	return a;
}

static json_t *resources_to_json(const SpecResources *r)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	if (r->has_memory_limit || r->has_memory_swap) {
		json_t *m = json_object();
		if (r->has_memory_limit)
			json_object_set_new(m, "limit", json_integer(r->memory_limit));
		if (r->has_memory_swap)
			json_object_set_new(m, "swap", json_integer(r->memory_swap));
		json_object_set_new(o, "memory", m);
	}
	if (r->has_cpu_quota || r->has_cpu_shares || r->cpuset_cpus) {
		json_t *c = json_object();
		if (r->has_cpu_quota) {
			json_object_set_new(c, "quota", json_integer(r->cpu_quota));
			json_object_set_new(c, "period", json_integer((json_int_t)r->cpu_period));
		}
		if (r->has_cpu_shares)
			json_object_set_new(c, "shares", json_integer((json_int_t)r->cpu_shares));
		if (r->cpuset_cpus)
			json_object_set_new(c, "cpus", json_string(r->cpuset_cpus));
		json_object_set_new(o, "cpu", c);
	}
	if (r->has_pids_limit)
		json_object_set_new(o, "pids",
				    json_pack("{s:I}", "limit", (json_int_t)r->pids_limit));
	if (r->n_io_read > 0 || r->n_io_write > 0) {
		json_t *b = json_object();
		if (r->n_io_read > 0)
			json_object_set_new(b, "throttleReadBpsDevice",
					    throttle_to_json(r->io_read, r->n_io_read));
		if (r->n_io_write > 0)
			json_object_set_new(b, "throttleWriteBpsDevice",
					    throttle_to_json(r->io_write, r->n_io_write));
		json_object_set_new(o, "blockIO", b);
	}
	if (r->has_cpu_weight) {
		char w[32];
		snprintf(w, sizeof(w), "%llu", (unsigned long long)r->cpu_weight);
		json_object_set_new(o, "unified", json_pack("{s:s}", "cpu.weight", w));
	}
	return o;
}

/* json_object_set_new() that tolerates NULL values (and then fails). */
static int set(json_t *o, const char *k, json_t *v)
{
	if (!v)
		return -ENOMEM;
	return json_object_set_new(o, k, v) < 0 ? -ENOMEM : 0;
}

static const struct {
	const char *name;
	int resource;
} rlimit_names[] = {
	{ "RLIMIT_AS", RLIMIT_AS },
	{ "RLIMIT_CORE", RLIMIT_CORE },
	{ "RLIMIT_CPU", RLIMIT_CPU },
	{ "RLIMIT_DATA", RLIMIT_DATA },
	{ "RLIMIT_FSIZE", RLIMIT_FSIZE },
	{ "RLIMIT_LOCKS", RLIMIT_LOCKS },
	{ "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },
	{ "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
	{ "RLIMIT_NICE", RLIMIT_NICE },
	{ "RLIMIT_NOFILE", RLIMIT_NOFILE },
	{ "RLIMIT_NPROC", RLIMIT_NPROC },
	{ "RLIMIT_RSS", RLIMIT_RSS },
	{ "RLIMIT_RTPRIO", RLIMIT_RTPRIO },
	{ "RLIMIT_RTTIME", RLIMIT_RTTIME },
	{ "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
	{ "RLIMIT_STACK", RLIMIT_STACK },
};

int rlimit_from_string(const char *s)
{
	for (size_t i = 0; i < ELEMENTSOF(rlimit_names); i++)
		if (streq(rlimit_names[i].name, s))
			return rlimit_names[i].resource;
	return -EINVAL;
}

const char *rlimit_to_string(int resource)
{
	for (size_t i = 0; i < ELEMENTSOF(rlimit_names); i++)
		if (rlimit_names[i].resource == resource)
			return rlimit_names[i].name;
	return NULL;
}

int spec_to_json(const ContainerSpec *s, char **ret)
{
	json_t *root = json_object();
	json_t *process = json_object(), *user = json_object(), *root_o = json_object();
	json_t *linux_o = json_object(), *mounts = json_array(), *nss = json_array();
	json_t *ann = json_object();
	int r = 0;
	if (!root || !process || !user || !root_o || !linux_o || !mounts || !nss || !ann) {
		r = -ENOMEM;
		goto fail;
	}

	r |= set(root, "ociVersion", json_string(OCI_VERSION));

	r |= set(process, "terminal", json_boolean(s->terminal));
	r |= set(user, "uid", json_integer(s->uid));
	r |= set(user, "gid", json_integer(s->gid));
	if (s->n_additional_gids > 0) {
		json_t *g = json_array();
		for (size_t i = 0; g && i < s->n_additional_gids; i++)
			json_array_append_new(g, json_integer(s->additional_gids[i]));
		r |= set(user, "additionalGids", g);
	}
	r |= set(process, "user", json_incref(user));
	r |= set(process, "args", json_strv(s->args));
	r |= set(process, "env", json_strv(s->env));
	r |= set(process, "cwd", json_string(s->cwd ? s->cwd : "/"));
	r |= set(process, "noNewPrivileges", json_boolean(s->no_new_privileges));
	json_t *caps = json_object();
	r |= set(caps, "bounding", json_strv(s->cap_bounding));
	r |= set(caps, "effective", json_strv(s->cap_effective));
	r |= set(caps, "permitted", json_strv(s->cap_permitted));
	r |= set(caps, "inheritable", json_strv(s->cap_inheritable));
	r |= set(caps, "ambient", json_strv(s->cap_ambient));
	r |= set(process, "capabilities", caps);
	if (s->sched_policy == SCHED_RR)
		r |= set(process, "scheduler",
			 json_pack("{s:s,s:i}", "policy", "SCHED_RR", "priority",
				   s->sched_priority));
	if (s->n_rlimits > 0) {
		json_t *rl = json_array();
		for (size_t i = 0; i < s->n_rlimits; i++)
			if (json_array_append_new(
				    rl, json_pack("{s:s, s:I, s:I}", "type",
						  rlimit_to_string(s->rlimits[i].resource), "hard",
						  (json_int_t)s->rlimits[i].hard, "soft",
						  (json_int_t)s->rlimits[i].soft)) < 0)
				r = -ENOMEM;
		r |= set(process, "rlimits", rl);
	}
	if (s->has_oom_score_adj)
		r |= set(process, "oomScoreAdj", json_integer(s->oom_score_adj));
	r |= set(root, "process", json_incref(process));

	r |= set(root_o, "path", json_string(s->root_path ? s->root_path : "rootfs"));
	r |= set(root_o, "readonly", json_boolean(s->root_readonly));
	r |= set(root, "root", json_incref(root_o));
	if (s->hostname)
		r |= set(root, "hostname", json_string(s->hostname));

	for (size_t i = 0; i < s->n_mounts; i++) {
		json_t *m = json_object();
		r |= set(m, "destination", json_string(s->mounts[i].destination));
		r |= set(m, "type", json_string(s->mounts[i].type));
		r |= set(m, "source", json_string(s->mounts[i].source));
		r |= set(m, "options", json_strv(s->mounts[i].options));
		if (json_array_append_new(mounts, m) < 0)
			r = -ENOMEM;
	}
	r |= set(root, "mounts", json_incref(mounts));

	for (int i = 0; i < _NS_MAX; i++) {
		if (!s->namespaces[i].enabled)
			continue;
		json_t *n = json_object();
		r |= set(n, "type", json_string(namespace_names[i]));
		if (s->namespaces[i].path)
			r |= set(n, "path", json_string(s->namespaces[i].path));
		if (json_array_append_new(nss, n) < 0)
			r = -ENOMEM;
	}
	r |= set(linux_o, "namespaces", json_incref(nss));
	if (s->cgroups_path)
		r |= set(linux_o, "cgroupsPath", json_string(s->cgroups_path));
	if (s->rootfs_propagation)
		r |= set(linux_o, "rootfsPropagation", json_string(s->rootfs_propagation));
	if (s->seccomp_profile) {
		json_t *prof = json_loads(s->seccomp_profile, 0, NULL);
		if (!prof)
			r = -EINVAL;
		else
			r |= set(linux_o, "seccomp", prof);
	}
	if (spec_resources_any(&s->resources))
		r |= set(linux_o, "resources", resources_to_json(&s->resources));
	if (s->n_uid_maps > 0) {
		r |= set(linux_o, "uidMappings", id_maps_to_json(s->uid_maps, s->n_uid_maps));
		r |= set(linux_o, "gidMappings", id_maps_to_json(s->gid_maps, s->n_gid_maps));
	}
	if (s->n_sysctls > 0) {
		json_t *sc = json_object();
		for (size_t i = 0; i < s->n_sysctls; i++)
			r |= set(sc, s->sysctls[i].key, json_string(s->sysctls[i].value));
		r |= set(linux_o, "sysctl", sc);
	}
	r |= set(linux_o, "maskedPaths", json_strv(s->masked_paths));
	r |= set(linux_o, "readonlyPaths", json_strv(s->readonly_paths));
	r |= set(root, "linux", json_incref(linux_o));

	for (size_t i = 0; i < s->n_annotations; i++)
		r |= set(ann, s->annotations[i].key, json_string(s->annotations[i].value));
	r |= set(root, "annotations", json_incref(ann));

	if (r != 0) {
		r = -ENOMEM;
		goto fail;
	}
	char *out = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (!out) {
		r = -ENOMEM;
		goto fail;
	}
	*ret = out;
	r = 0;
fail:
	json_decref(process);
	json_decref(user);
	json_decref(root_o);
	json_decref(linux_o);
	json_decref(mounts);
	json_decref(nss);
	json_decref(ann);
	json_decref(root);
	return r;
}

/* ---- reading ---- */

typedef struct {
	char *error;
} ParseCtx;

_printf_(2, 3) static int fail(ParseCtx *c, const char *fmt, ...)
{
	if (!c->error) {
		va_list ap;
		va_start(ap, fmt);
		if (vasprintf(&c->error, fmt, ap) < 0)
			c->error = NULL;
		va_end(ap);
	}
	return -EINVAL;
}

static int get_string(ParseCtx *c, json_t *o, const char *key, bool required, char **ret)
{
	json_t *v = json_object_get(o, key);
	if (!v) {
		if (required)
			return fail(c, "config.json: missing \"%s\"", key);
		return 0;
	}
	if (!json_is_string(v))
		return fail(c, "config.json: \"%s\" must be a string", key);
	const char *str = json_string_value(v);
	if (strlen(str) != json_string_length(v))
		return fail(c, "config.json: \"%s\" contains a NUL byte", key);
	char *d = strdup(str);
	if (!d)
		return -ENOMEM;
	free(*ret);
	*ret = d;
	return 0;
}

static int get_strv(ParseCtx *c, json_t *o, const char *key, char ***ret)
{
	json_t *v = json_object_get(o, key);
	if (!v)
		return 0;
	if (!json_is_array(v))
		return fail(c, "config.json: \"%s\" must be an array of strings", key);
	_cleanup_strv_free_ char **l = calloc(json_array_size(v) + 1, sizeof(char *));
	if (!l)
		return -ENOMEM;
	size_t i;
	json_t *e;
	json_array_foreach(v, i, e) {
		if (!json_is_string(e) || strlen(json_string_value(e)) != json_string_length(e))
			return fail(c, "config.json: \"%s\"[%zu] must be a string", key, i);
		l[i] = strdup(json_string_value(e));
		if (!l[i])
			return -ENOMEM;
	}
	strv_free(*ret);
	*ret = TAKE_PTR(l);
	return 0;
}

static int get_bool(ParseCtx *c, json_t *o, const char *key, bool *ret)
{
	json_t *v = json_object_get(o, key);
	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return fail(c, "config.json: \"%s\" must be true or false", key);
	*ret = json_is_true(v);
	return 0;
}

/* A uid or gid: never 4294967295, (uid_t)-1 (parse.h). */
static bool json_is_ugid(json_t *v)
{
	return json_is_integer(v) && json_integer_value(v) >= 0 &&
	       json_integer_value(v) < (json_int_t)UGID_INVALID;
}

static int get_ugid(ParseCtx *c, json_t *o, const char *key, uint32_t *ret)
{
	json_t *v = json_object_get(o, key);
	if (!v)
		return 0;
	if (!json_is_ugid(v))
		return fail(c,
			    "config.json: \"%s\" must be an integer from 0 to 4294967294 "
			    "(4294967295 is (uid_t)-1, \"unchanged\" to the kernel)",
			    key);
	*ret = (uint32_t)json_integer_value(v);
	return 0;
}

static int get_i64(ParseCtx *c, json_t *o, const char *key, int64_t min, bool *ret_has,
		   int64_t *ret)
{
	json_t *v = json_object_get(o, key);
	if (!v)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < min)
		return fail(c, "config.json: \"%s\" must be an integer of at least %lld", key,
			    (long long)min);
	*ret = json_integer_value(v);
	if (ret_has)
		*ret_has = true;
	return 0;
}

/* process.rlimits: each resource once, soft at most hard. */
static int parse_rlimits(ParseCtx *c, json_t *a, ContainerSpec *s)
{
	if (!json_is_array(a) || json_array_size(a) > ELEMENTSOF(rlimit_names))
		return fail(c, "config.json: \"process.rlimits\" must be an array of at most %zu",
			    ELEMENTSOF(rlimit_names));
	free(s->rlimits);
	s->n_rlimits = 0;
	s->rlimits = calloc(json_array_size(a) + 1, sizeof(SpecRlimit));
	if (!s->rlimits)
		return -ENOMEM;
	size_t i;
	json_t *e;
	json_array_foreach(a, i, e) {
		_cleanup_free_ char *type = NULL;
		int64_t soft = -1, hard = -1;
		int r;
		if (!json_is_object(e))
			return fail(c, "config.json: \"process.rlimits\"[%zu] must be an object",
				    i);
		if ((r = get_string(c, e, "type", true, &type)) < 0 ||
		    (r = get_i64(c, e, "soft", 0, NULL, &soft)) < 0 ||
		    (r = get_i64(c, e, "hard", 0, NULL, &hard)) < 0)
			return r;
		int res = rlimit_from_string(type);
		if (res < 0)
			return fail(c, "config.json: unknown rlimit \"%s\"", type);
		if (soft < 0 || hard < 0)
			return fail(c, "config.json: rlimit %s needs \"soft\" and \"hard\"", type);
		if (soft > hard)
			return fail(c, "config.json: rlimit %s: soft %lld is above hard %lld", type,
				    (long long)soft, (long long)hard);
		for (size_t k = 0; k < s->n_rlimits; k++)
			if (s->rlimits[k].resource == res)
				return fail(c, "config.json: rlimit %s given twice", type);
		s->rlimits[s->n_rlimits++] = (SpecRlimit){ .resource = res,
							   .soft = (uint64_t)soft,
							   .hard = (uint64_t)hard };
	}
	return 0;
}

static int parse_process(ParseCtx *c, json_t *p, ContainerSpec *s)
{
	if (!json_is_object(p))
		return fail(c, "config.json: \"process\" must be an object");
	int r = get_bool(c, p, "terminal", &s->terminal);
	if (r < 0)
		return r;
	r = get_strv(c, p, "args", &s->args);
	if (r < 0)
		return r;
	if (strv_length(s->args) == 0)
		return fail(c, "config.json: \"process.args\" must name a command");
	strv_free(s->env);
	s->env = NULL;
	r = get_strv(c, p, "env", &s->env);
	if (r < 0)
		return r;
	for (size_t i = 0; s->env && s->env[i]; i++)
		if (!env_assignment_is_valid(s->env[i]))
			return fail(c, "config.json: \"process.env\"[%zu] is not KEY=VALUE", i);
	r = get_string(c, p, "cwd", true, &s->cwd);
	if (r < 0)
		return r;
	if (s->cwd[0] != '/')
		return fail(c, "config.json: \"process.cwd\" must be an absolute path");
	r = get_bool(c, p, "noNewPrivileges", &s->no_new_privileges);
	if (r < 0)
		return r;
	json_t *caps = json_object_get(p, "capabilities");
	if (caps) {
		if (!json_is_object(caps))
			return fail(c, "config.json: \"process.capabilities\" must be an object");
		static const char *const keys[] = { "bounding", "effective", "permitted",
						    "inheritable", "ambient" };
		char ***sets[] = { &s->cap_bounding, &s->cap_effective, &s->cap_permitted,
				   &s->cap_inheritable, &s->cap_ambient };
		for (size_t k = 0; k < ELEMENTSOF(keys); k++) {
			strv_free(*sets[k]);
			*sets[k] = calloc(1, sizeof(char *));
			if (!*sets[k])
				return -ENOMEM;
			if ((r = get_strv(c, caps, keys[k], sets[k])) < 0)
				return r;
			uint64_t m;
			if (caps_mask_from_names(*sets[k], &m) < 0)
				return fail(c, "config.json: unknown capability in \"%s\"",
					    keys[k]);
		}
	}
	json_t *rl = json_object_get(p, "rlimits");
	if (rl && (r = parse_rlimits(c, rl, s)) < 0)
		return r;
	json_t *oom = json_object_get(p, "oomScoreAdj");
	if (oom) {
		if (!json_is_integer(oom) || json_integer_value(oom) < -1000 ||
		    json_integer_value(oom) > 1000)
			return fail(c, "config.json: \"process.oomScoreAdj\" must be an integer "
				       "from -1000 to 1000");
		s->has_oom_score_adj = true;
		s->oom_score_adj = (int)json_integer_value(oom);
	}
	json_t *sched = json_object_get(p, "scheduler");
	if (sched) {
		_cleanup_free_ char *policy = NULL;
		int64_t prio = 0;
		if (!json_is_object(sched))
			return fail(c, "config.json: \"process.scheduler\" must be an object");
		if ((r = get_string(c, sched, "policy", true, &policy)) < 0 ||
		    (r = get_i64(c, sched, "priority", 0, NULL, &prio)) < 0)
			return r;
		if (streq(policy, "SCHED_RR"))
			s->sched_policy = SCHED_RR;
		else if (!streq(policy, "SCHED_OTHER"))
			return fail(c, "config.json: scheduler policy \"%s\" is not supported",
				    policy);
		if (prio > 99 || (s->sched_policy == SCHED_RR && prio < 1))
			return fail(c,
				    "config.json: scheduler priority must be 1 to 99 for SCHED_RR");
		s->sched_priority = (int)prio;
	}
	json_t *u = json_object_get(p, "user");
	if (u) {
		if (!json_is_object(u))
			return fail(c, "config.json: \"process.user\" must be an object");
		r = get_ugid(c, u, "uid", &s->uid);
		if (r < 0)
			return r;
		r = get_ugid(c, u, "gid", &s->gid);
		if (r < 0)
			return r;
		json_t *g = json_object_get(u, "additionalGids");
		if (g) {
			if (!json_is_array(g) || json_array_size(g) > 65536)
				return fail(c, "config.json: \"additionalGids\" must be an array");
			s->additional_gids = calloc(json_array_size(g) + 1, sizeof(uint32_t));
			if (!s->additional_gids)
				return -ENOMEM;
			size_t i;
			json_t *e;
			json_array_foreach(g, i, e) {
				if (!json_is_ugid(e))
					return fail(
						c,
						"config.json: \"additionalGids\"[%zu] is not a gid "
						"from 0 to 4294967294",
						i);
				s->additional_gids[i] = (uint32_t)json_integer_value(e);
			}
			s->n_additional_gids = json_array_size(g);
		}
	}
	return 0;
}

static int parse_throttle(ParseCtx *c, json_t *a, const char *key, SpecIoThrottle **ret,
			  size_t *ret_n)
{
	if (!a)
		return 0;
	if (!json_is_array(a) || json_array_size(a) > 64)
		return fail(c, "config.json: \"%s\" must be an array (at most 64 devices)", key);
	SpecIoThrottle *t = calloc(json_array_size(a) + 1, sizeof(SpecIoThrottle));
	if (!t)
		return -ENOMEM;
	size_t i;
	json_t *e;
	json_array_foreach(a, i, e) {
		int64_t major = -1, minor = -1, rate = -1;
		if (!json_is_object(e) || get_i64(c, e, "major", 0, NULL, &major) < 0 ||
		    get_i64(c, e, "minor", 0, NULL, &minor) < 0 ||
		    get_i64(c, e, "rate", 0, NULL, &rate) < 0 || major < 0 || minor < 0 ||
		    rate < 0 || major > UINT32_MAX || minor > UINT32_MAX) {
			free(t);
			return fail(c, "config.json: \"%s\"[%zu] needs major, minor and rate", key,
				    i);
		}
		t[i] = (SpecIoThrottle){ (uint32_t)major, (uint32_t)minor, (uint64_t)rate };
	}
	free(*ret);
	*ret = t;
	*ret_n = json_array_size(a);
	return 0;
}

/* A value that asks for nothing: absent, null, false, 0, "", [] or {}. */
static bool json_empty(json_t *v)
{
	return !v || json_is_null(v) || json_is_false(v) ||
	       (json_is_integer(v) && json_integer_value(v) == 0) ||
	       (json_is_real(v) && json_real_value(v) == 0) ||
	       (json_is_string(v) && !*json_string_value(v)) ||
	       (json_is_array(v) && !json_array_size(v)) ||
	       (json_is_object(v) && !json_object_size(v));
}

/* A field of linux.resources that berth does not set: refused when it asks
 * for something, never ignored. known: the keys berth sets, NULL-ended. */
static int refuse_unknown(ParseCtx *c, json_t *o, const char *where, const char *const *known)
{
	const char *key;
	json_t *v;
	json_object_foreach(o, key, v) {
		bool ok = false;
		for (size_t i = 0; known[i] && !ok; i++)
			ok = streq(key, known[i]);
		if (!ok && !json_empty(v))
			return fail(c, "config.json: %s.%s is not supported by berth", where, key);
	}
	return 0;
}

static int parse_resources(ParseCtx *c, json_t *o, SpecResources *r)
{
	static const char *const top[] = { "memory",  "cpu",     "pids", "blockIO",
					   "unified", "devices", NULL };
	static const char *const memory[] = { "limit", "swap", NULL };
	static const char *const cpus[] = { "quota", "period", "shares", "cpus", NULL };
	static const char *const pidsk[] = { "limit", NULL };
	static const char *const blkio[] = { "throttleReadBpsDevice", "throttleWriteBpsDevice",
					     NULL };
	int k;
	if (!json_is_object(o))
		return fail(c, "config.json: \"linux.resources\" must be an object");
	if ((k = refuse_unknown(c, o, "linux.resources", top)) < 0)
		return k;
	json_t *objs[] = { json_object_get(o, "memory"), json_object_get(o, "cpu"),
			   json_object_get(o, "pids"), json_object_get(o, "blockIO") };
	const char *const *keys[] = { memory, cpus, pidsk, blkio };
	const char *names[] = { "linux.resources.memory", "linux.resources.cpu",
				"linux.resources.pids", "linux.resources.blockIO" };
	for (size_t i = 0; i < ELEMENTSOF(objs); i++)
		if (json_is_object(objs[i]) &&
		    (k = refuse_unknown(c, objs[i], names[i], keys[i])) < 0)
			return k;
	json_t *m = json_object_get(o, "memory");
	if (m) {
		if (!json_is_object(m))
			return fail(c, "config.json: \"resources.memory\" must be an object");
		if ((k = get_i64(c, m, "limit", 1, &r->has_memory_limit, &r->memory_limit)) < 0 ||
		    (k = get_i64(c, m, "swap", -1, &r->has_memory_swap, &r->memory_swap)) < 0)
			return k;
	}
	json_t *cpu = json_object_get(o, "cpu");
	if (cpu) {
		if (!json_is_object(cpu))
			return fail(c, "config.json: \"resources.cpu\" must be an object");
		int64_t period = 100000, shares = 0;
		bool has_period = false;
		if ((k = get_i64(c, cpu, "quota", -1, &r->has_cpu_quota, &r->cpu_quota)) < 0 ||
		    (k = get_i64(c, cpu, "period", 1000, &has_period, &period)) < 0 ||
		    (k = get_i64(c, cpu, "shares", 2, &r->has_cpu_shares, &shares)) < 0 ||
		    (k = get_string(c, cpu, "cpus", false, &r->cpuset_cpus)) < 0)
			return k;
		if (period > 1000000)
			return fail(c, "config.json: cpu period must be at most 1000000");
		r->cpu_period = (uint64_t)period;
		r->cpu_shares = (uint64_t)shares;
		if (r->cpuset_cpus && !cpu_list_is_valid(r->cpuset_cpus))
			return fail(c, "config.json: invalid cpu list \"%s\"", r->cpuset_cpus);
	}
	json_t *pids = json_object_get(o, "pids");
	if (pids) {
		if (!json_is_object(pids))
			return fail(c, "config.json: \"resources.pids\" must be an object");
		if ((k = get_i64(c, pids, "limit", -1, &r->has_pids_limit, &r->pids_limit)) < 0)
			return k;
	}
	json_t *b = json_object_get(o, "blockIO");
	if (b) {
		if (!json_is_object(b))
			return fail(c, "config.json: \"resources.blockIO\" must be an object");
		if ((k = parse_throttle(c, json_object_get(b, "throttleReadBpsDevice"),
					"throttleReadBpsDevice", &r->io_read, &r->n_io_read)) < 0 ||
		    (k = parse_throttle(c, json_object_get(b, "throttleWriteBpsDevice"),
					"throttleWriteBpsDevice", &r->io_write, &r->n_io_write)) <
			    0)
			return k;
	}
	json_t *u = json_object_get(o, "unified");
	if (u) {
		if (!json_is_object(u))
			return fail(c, "config.json: \"resources.unified\" must be an object");
		const char *key;
		json_t *v;
		json_object_foreach(u, key, v) {
			if (!streq(key, "cpu.weight"))
				return fail(c, "config.json: unified key \"%s\" is not supported",
					    key);
			uint64_t w;
			if (!json_is_string(v) || parse_uint64(json_string_value(v), &w) < 0 ||
			    w < 1 || w > 10000)
				return fail(c,
					    "config.json: cpu.weight must be \"1\" to \"10000\"");
			r->has_cpu_weight = true;
			r->cpu_weight = w;
		}
	}
	return 0;
}

#define MAX_DEVICES 256

/* linux.devices: absolute paths of nodes of a known type. */
static int parse_devices(ParseCtx *c, json_t *a, ContainerSpec *s)
{
	if (!json_is_array(a) || json_array_size(a) > MAX_DEVICES)
		return fail(c, "config.json: \"linux.devices\" must be an array of at most %d",
			    MAX_DEVICES);
	s->devices = calloc(json_array_size(a) + 1, sizeof(SpecDevice));
	if (!s->devices)
		return -ENOMEM;
	size_t i;
	json_t *e;
	json_array_foreach(a, i, e) {
		SpecDevice *d = &s->devices[s->n_devices];
		_cleanup_free_ char *type = NULL;
		int64_t major = 0, minor = 0, mode = 0666, uid = 0, gid = 0;
		int k;
		if (!json_is_object(e))
			return fail(c, "config.json: \"linux.devices\"[%zu] must be an object", i);
		if ((k = get_string(c, e, "path", true, &d->path)) < 0)
			return k;
		s->n_devices++;
		if ((k = get_string(c, e, "type", true, &type)) < 0 ||
		    (k = get_i64(c, e, "major", 0, NULL, &major)) < 0 ||
		    (k = get_i64(c, e, "minor", 0, NULL, &minor)) < 0 ||
		    (k = get_i64(c, e, "fileMode", 0, NULL, &mode)) < 0 ||
		    (k = get_i64(c, e, "uid", 0, &d->has_uid, &uid)) < 0 ||
		    (k = get_i64(c, e, "gid", 0, &d->has_gid, &gid)) < 0)
			return k;
		if (d->path[0] != '/' || strlen(d->path) > 4000)
			return fail(c, "config.json: device path \"%s\" must be absolute", d->path);
		if (strlen(type) != 1 || !strchr("cbup", type[0]))
			return fail(c, "config.json: device %s: unknown type \"%s\" (c, b, u or p)",
				    d->path, type);
		if (type[0] != 'p' &&
		    (!json_object_get(e, "major") || !json_object_get(e, "minor")))
			return fail(c, "config.json: device %s needs major and minor", d->path);
		if (major > 4095 || minor > 1048575 || mode > 07777 || uid > UINT32_MAX - 1 ||
		    gid > UINT32_MAX - 1)
			return fail(c,
				    "config.json: device %s: major, minor, fileMode, uid or gid "
				    "out of range",
				    d->path);
		d->type = type[0];
		d->major = (uint32_t)major;
		d->minor = (uint32_t)minor;
		d->file_mode = (uint32_t)mode;
		d->uid = (uint32_t)uid;
		d->gid = (uint32_t)gid;
	}
	return 0;
}

/* linux.resources.devices: allow or deny, type a/c/b, major and minor
 * (absent or -1: any), access of "rwm". */
static int parse_device_rules(ParseCtx *c, json_t *a, ContainerSpec *s)
{
	if (!json_is_array(a) || json_array_size(a) > MAX_DEVICES)
		return fail(c, "config.json: \"resources.devices\" must be an array of at most %d",
			    MAX_DEVICES);
	free(s->device_rules);
	s->n_device_rules = 0;
	s->device_rules = calloc(json_array_size(a) + 1, sizeof(SpecDeviceRule));
	if (!s->device_rules)
		return -ENOMEM;
	s->has_device_rules = true;
	size_t i;
	json_t *e;
	json_array_foreach(a, i, e) {
		SpecDeviceRule *d = &s->device_rules[i];
		_cleanup_free_ char *type = NULL, *access = NULL;
		json_t *allow = json_object_get(e, "allow");
		int k;
		if (!json_is_object(e) || !json_is_boolean(allow))
			return fail(c, "config.json: \"resources.devices\"[%zu] needs \"allow\"",
				    i);
		d->major = d->minor = -1;
		if ((k = get_string(c, e, "type", false, &type)) < 0 ||
		    (k = get_string(c, e, "access", false, &access)) < 0 ||
		    (k = get_i64(c, e, "major", -1, NULL, &d->major)) < 0 ||
		    (k = get_i64(c, e, "minor", -1, NULL, &d->minor)) < 0)
			return k;
		d->allow = json_is_true(allow);
		d->type = type && *type ? type[0] : 'a';
		if ((type && strlen(type) > 1) || !strchr("acb", d->type))
			return fail(c,
				    "config.json: \"resources.devices\"[%zu]: unknown type \"%s\" "
				    "(a, c or b)",
				    i, type);
		if (!access || !*access)
			snprintf(d->access, sizeof(d->access), "rwm");
		else if (strlen(access) > 3 || strspn(access, "rwm") != strlen(access))
			return fail(c,
				    "config.json: \"resources.devices\"[%zu]: access \"%s\" is not "
				    "of \"rwm\"",
				    i, access);
		else
			snprintf(d->access, sizeof(d->access), "%s", access);
		if (d->major > UINT32_MAX || d->minor > UINT32_MAX)
			return fail(c,
				    "config.json: \"resources.devices\"[%zu]: major or minor out "
				    "of range",
				    i);
		s->n_device_rules++;
	}
	return 0;
}

static int parse_mounts(ParseCtx *c, json_t *m, ContainerSpec *s)
{
	if (!json_is_array(m))
		return fail(c, "config.json: \"mounts\" must be an array");
	/* Replace the defaults with exactly what the document says. */
	for (size_t i = 0; i < s->n_mounts; i++) {
		free(s->mounts[i].destination);
		free(s->mounts[i].type);
		free(s->mounts[i].source);
		strv_free(s->mounts[i].options);
	}
	s->n_mounts = 0;
	size_t i;
	json_t *e;
	json_array_foreach(m, i, e) {
		if (!json_is_object(e))
			return fail(c, "config.json: \"mounts\"[%zu] must be an object", i);
		_cleanup_free_ char *dest = NULL, *type = NULL, *source = NULL;
		_cleanup_strv_free_ char **opts = NULL;
		int r = get_string(c, e, "destination", true, &dest);
		if (r < 0)
			return r;
		if (dest[0] != '/')
			return fail(c, "config.json: mount destination \"%s\" is not absolute",
				    dest);
		if ((r = get_string(c, e, "type", false, &type)) < 0 ||
		    (r = get_string(c, e, "source", false, &source)) < 0 ||
		    (r = get_strv(c, e, "options", &opts)) < 0)
			return r;
		r = spec_add_mount(s, dest, type, source, (const char *const *)opts);
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_id_maps(ParseCtx *c, json_t *a, const char *key, SpecIdMap **ret, size_t *ret_n)
{
	if (!a)
		return 0;
	if (!json_is_array(a) || json_array_size(a) > ID_MAP_MAX)
		return fail(c, "config.json: \"%s\" must be an array of at most %d", key,
			    ID_MAP_MAX);
	SpecIdMap *m = calloc(json_array_size(a) + 1, sizeof(SpecIdMap));
	if (!m)
		return -ENOMEM;
	size_t i;
	json_t *e;
	json_array_foreach(a, i, e) {
		int64_t cid = -1, hid = -1, size = -1;
		if (!json_is_object(e) || get_i64(c, e, "containerID", 0, NULL, &cid) < 0 ||
		    get_i64(c, e, "hostID", 0, NULL, &hid) < 0 ||
		    get_i64(c, e, "size", 1, NULL, &size) < 0 || cid < 0 || hid < 0 || size < 1 ||
		    cid > UINT32_MAX || hid > UINT32_MAX || size > UINT32_MAX) {
			free(m);
			return fail(c, "config.json: \"%s\"[%zu] needs containerID, hostID, size",
				    key, i);
		}
		m[i] = (SpecIdMap){ (uint32_t)cid, (uint32_t)hid, (uint32_t)size };
	}
	char msg[256];
	if (id_maps_check(m, json_array_size(a), msg, sizeof(msg)) < 0) {
		free(m);
		return fail(c, "config.json: \"%s\": %s", key, msg);
	}
	free(*ret);
	*ret = m;
	*ret_n = json_array_size(a);
	return 0;
}

static int parse_linux(ParseCtx *c, json_t *l, ContainerSpec *s)
{
	if (!json_is_object(l))
		return fail(c, "config.json: \"linux\" must be an object");
	json_t *nss = json_object_get(l, "namespaces");
	if (nss) {
		if (!json_is_array(nss))
			return fail(c, "config.json: \"linux.namespaces\" must be an array");
		for (int t = 0; t < _NS_MAX; t++)
			s->namespaces[t].enabled = false;
		size_t i;
		json_t *e;
		json_array_foreach(nss, i, e) {
			_cleanup_free_ char *type = NULL, *path = NULL;
			if (!json_is_object(e))
				return fail(
					c,
					"config.json: \"linux.namespaces\"[%zu] must be an object",
					i);
			int r = get_string(c, e, "type", true, &type);
			if (r < 0)
				return r;
			r = get_string(c, e, "path", false, &path);
			if (r < 0)
				return r;
			NamespaceType t = namespace_type_from_string(type);
			if (t < 0)
				return fail(c, "config.json: unknown namespace type \"%s\"", type);
			if (s->namespaces[t].enabled)
				return fail(c, "config.json: namespace \"%s\" listed twice", type);
			s->namespaces[t].enabled = true;
			s->namespaces[t].path = TAKE_PTR(path);
		}
	}
	int r = get_string(c, l, "cgroupsPath", false, &s->cgroups_path);
	if (r < 0)
		return r;
	if ((r = parse_id_maps(c, json_object_get(l, "uidMappings"), "uidMappings", &s->uid_maps,
			       &s->n_uid_maps)) < 0 ||
	    (r = parse_id_maps(c, json_object_get(l, "gidMappings"), "gidMappings", &s->gid_maps,
			       &s->n_gid_maps)) < 0)
		return r;
	if (s->namespaces[NS_USER].enabled && (s->n_uid_maps == 0 || s->n_gid_maps == 0))
		return fail(c, "config.json: a user namespace needs uidMappings and gidMappings");
	json_t *sc = json_object_get(l, "seccomp");
	if (sc) {
		if (!json_is_object(sc))
			return fail(c, "config.json: \"linux.seccomp\" must be an object");
		free(s->seccomp_profile);
		s->seccomp_profile = json_dumps(sc, JSON_COMPACT | JSON_PRESERVE_ORDER);
		if (!s->seccomp_profile)
			return -ENOMEM;
	}
	json_t *res = json_object_get(l, "resources");
	if (res && (r = parse_resources(c, res, &s->resources)) < 0)
		return r;
	json_t *rules = json_is_object(res) ? json_object_get(res, "devices") : NULL;
	if (rules && !json_is_null(rules) && (r = parse_device_rules(c, rules, s)) < 0)
		return r;
	json_t *devices = json_object_get(l, "devices");
	if (devices && !json_is_null(devices) && (r = parse_devices(c, devices, s)) < 0)
		return r;
	r = get_string(c, l, "rootfsPropagation", false, &s->rootfs_propagation);
	if (r < 0)
		return r;
	if (s->rootfs_propagation) {
		static const char *const ok[] = { "private",    "rprivate",    "slave",
						  "rslave",     "shared",      "rshared",
						  "unbindable", "runbindable", NULL };
		if (!strv_contains((char *const *)ok, s->rootfs_propagation))
			return fail(c, "config.json: unknown rootfsPropagation \"%s\"",
				    s->rootfs_propagation);
	}
	json_t *sysctl = json_object_get(l, "sysctl");
	if (sysctl) {
		if (!json_is_object(sysctl) || json_object_size(sysctl) > 1024)
			return fail(c, "config.json: \"linux.sysctl\" must be an object of at most "
				       "1024 keys");
		s->sysctls = calloc(json_object_size(sysctl) + 1, sizeof(SpecAnnotation));
		if (!s->sysctls)
			return -ENOMEM;
		const char *key;
		json_t *v;
		json_object_foreach(sysctl, key, v) {
			if (!json_is_string(v))
				return fail(c, "config.json: sysctl \"%s\" must be a string", key);
			SpecAnnotation *a = &s->sysctls[s->n_sysctls++];
			a->key = strdup(key);
			a->value = strdup(json_string_value(v));
			if (!a->key || !a->value)
				return -ENOMEM;
		}
	}
	strv_free(s->masked_paths);
	strv_free(s->readonly_paths);
	s->masked_paths = s->readonly_paths = NULL;
	r = get_strv(c, l, "maskedPaths", &s->masked_paths);
	if (r < 0)
		return r;
	return get_strv(c, l, "readonlyPaths", &s->readonly_paths);
}

int spec_resources_from_json(const char *data, SpecResources *r, char **ret_error)
{
	ParseCtx c = { 0 };
	json_error_t jerr;
	json_t *root = json_loads(data, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		if (ret_error && asprintf(ret_error, "line %d: %s", jerr.line, jerr.text) < 0)
			*ret_error = NULL;
		return -EINVAL;
	}
	int k = parse_resources(&c, root, r);
	if (k >= 0 && !json_empty(json_object_get(root, "devices")))
		k = fail(&c, "devices cannot be changed by update (they are set at create)");
	json_decref(root);
	if (k < 0 && c.error && startswith(c.error, "config.json: "))
		memmove(c.error, c.error + 13, strlen(c.error + 13) + 1);
	if (ret_error)
		*ret_error = TAKE_PTR(c.error);
	free(c.error);
	return k;
}

int spec_from_json(const char *data, ContainerSpec **ret, char **ret_error)
{
	ParseCtx c = { 0 };
	json_error_t jerr;
	/* NUL bytes in strings are let through jansson so that the checks in
	 * get_string() and get_strv() can name the field that holds one;
	 * jansson itself refuses them only with a position. */
	json_t *root = json_loads(data, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
	if (!root) {
		if (ret_error &&
		    asprintf(ret_error, "config.json: line %d: %s", jerr.line, jerr.text) < 0)
			*ret_error = NULL;
		return -EINVAL;
	}
	/* Every cleanup variable is declared before the first goto: a jump
	 * past its initialisation would free an uninitialised pointer. */
	_cleanup_(spec_freep) ContainerSpec *s = NULL;
	_cleanup_free_ char *version = NULL;
	int r = spec_new_default(&s);
	if (r < 0)
		goto out;

	if (!json_is_object(root)) {
		r = fail(&c, "config.json: the document must be an object");
		goto out;
	}
	r = get_string(&c, root, "ociVersion", true, &version);
	if (r < 0)
		goto out;
	if (strncmp(version, "1.", 2) != 0) {
		r = fail(&c, "config.json: unsupported ociVersion \"%s\"", version);
		goto out;
	}

	json_t *p = json_object_get(root, "process");
	if (!p) {
		r = fail(&c, "config.json: missing \"process\"");
		goto out;
	}
	r = parse_process(&c, p, s);
	if (r < 0)
		goto out;

	json_t *rt = json_object_get(root, "root");
	if (!rt || !json_is_object(rt)) {
		r = fail(&c, "config.json: missing \"root\"");
		goto out;
	}
	if ((r = get_string(&c, rt, "path", true, &s->root_path)) < 0 ||
	    (r = get_bool(&c, rt, "readonly", &s->root_readonly)) < 0)
		goto out;
	r = get_string(&c, root, "hostname", false, &s->hostname);
	if (r < 0)
		goto out;
	if (s->hostname && !hostname_is_valid(s->hostname)) {
		r = fail(&c, "config.json: invalid hostname \"%s\"", s->hostname);
		goto out;
	}

	json_t *m = json_object_get(root, "mounts");
	if (m && (r = parse_mounts(&c, m, s)) < 0)
		goto out;
	json_t *l = json_object_get(root, "linux");
	if (l && (r = parse_linux(&c, l, s)) < 0)
		goto out;

	json_t *ann = json_object_get(root, "annotations");
	if (ann) {
		if (!json_is_object(ann)) {
			r = fail(&c, "config.json: \"annotations\" must be an object");
			goto out;
		}
		const char *k;
		json_t *v;
		json_object_foreach(ann, k, v) {
			if (!json_is_string(v)) {
				r = fail(&c, "config.json: annotation \"%s\" must be a string", k);
				goto out;
			}
			if (strlen(json_string_value(v)) != json_string_length(v)) {
				r = fail(&c, "config.json: annotation \"%s\" contains a NUL byte",
					 k);
				goto out;
			}
			r = spec_set_annotation(s, k, json_string_value(v));
			if (r < 0)
				goto out;
		}
	}
	const char *sec = spec_get_annotation(s, ANNOTATION_SECCOMP);
	s->seccomp_unconfined = sec && streq(sec, "unconfined");
	*ret = TAKE_PTR(s);
	r = 0;
out:
	json_decref(root);
	if (r < 0 && ret_error)
		*ret_error = c.error ? c.error : strdup("config.json: out of memory");
	else
		free(c.error);
	return r;
}

int spec_write_file(const ContainerSpec *s, const char *path)
{
	_cleanup_free_ char *json = NULL;
	int r = spec_to_json(s, &json);
	if (r < 0)
		return r;
	return write_file_atomic(path, json, strlen(json), 0600);
}

int spec_read_file(const char *path, ContainerSpec **ret, char **ret_error)
{
	_cleanup_free_ char *data = NULL;
	int r = read_full_file(path, &data, NULL);
	if (r < 0)
		return r;
	return spec_from_json(data, ret, ret_error);
}
