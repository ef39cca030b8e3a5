#!/bin/sh
# BERTH_SUPERVISOR for running berth-supervisor under valgrind memcheck:
#
#   BERTH_SUPERVISOR=tests/valgrind/supervisor.sh \
#   BERTH_VALGRIND_SUPERVISOR=/path/to/build/berth-supervisor berth run ...
#
# valgrind follows fork() (the supervisor's own, and the container init's
# clone) without --trace-children, so each process gets a log of its own,
# BERTH_VALGRIND_LOGS/vg.PID.log; the container command itself, which the
# init execs, runs natively.
: "${BERTH_VALGRIND_SUPERVISOR:?set it to the berth-supervisor to check}"
# Under valgrind /proc/self/exe is valgrind's: say where berth-stage is.
BERTH_STAGE=${BERTH_STAGE:-$(dirname "$BERTH_VALGRIND_SUPERVISOR")/berth-stage}
export BERTH_STAGE
logs=${BERTH_VALGRIND_LOGS:-/tmp/berth-valgrind}
mkdir -p "$logs"
exec valgrind --leak-check=full --show-leak-kinds=definite,indirect,possible \
	--errors-for-leak-kinds=definite,indirect,possible --error-exitcode=1 \
	--child-silent-after-fork=no --trace-children=no \
	--suppressions="$(dirname "$0")/berth.supp" \
	--log-file="$logs/vg.%p.log" "$BERTH_VALGRIND_SUPERVISOR" "$@"
