# Sets CGROUP_ROOT to the cgroup v2 mount berth uses, found as
# common/cgroup.c finds it: /sys/fs/cgroup on a pure v2 system (the test
# VM), /sys/fs/cgroup/unified on a hybrid one (this project's hosts), else
# the first cgroup2 mount; empty without one. Sourced by the system tests,
# the valgrind cycle and the benchmarks.
CGROUP_ROOT=
for d in /sys/fs/cgroup /sys/fs/cgroup/unified \
	$(awk '$3 == "cgroup2" { print $2 }' /proc/self/mounts 2>/dev/null); do
	if [ "$(stat -f -c %T "$d" 2>/dev/null)" = cgroup2fs ]; then
		CGROUP_ROOT=$d
		break
	fi
done
