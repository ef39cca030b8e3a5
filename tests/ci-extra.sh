#!/bin/bash
# The checks CI runs after `make check-all`:
#   - `make format-check`: the sources are as .clang-format says,
#   - every libFuzzer harness for FUZZ_SECONDS (default 30),
#   - the unit and system tests again in a build with ASan + UBSan,
#   - the supervisor under valgrind memcheck for a run/stop cycle.
# Each check is one TAP line in tests/ci-extra.log, which tests/summary.sh
# counts. Run from the top of a built tree, as root.
set -u
top=$(pwd)
log=$top/tests/ci-extra.log
: >"$log"
n=0
result() {
	n=$((n + 1))
	if [ "$2" = 0 ]; then echo "ok $n - $1" | tee -a "$log"; else echo "not ok $n - $1" | tee -a "$log"; fi
}

# The house format (.clang-format); what differs is shown.
make -s format-check >tests/format-check.log 2>&1
rc=$?
result "make format-check" "$rc"
[ "$rc" = 0 ] || head -40 tests/format-check.log

# Fuzzing: a short run of each harness; any crash fails it.
if make -s fuzz FUZZ_SECONDS="${FUZZ_SECONDS:-30}"; then result "make fuzz (${FUZZ_SECONDS:-30} s per harness)" 0
else
	rc=$?
	if [ "$rc" = 77 ]; then echo "ok $((n + 1)) - make fuzz # SKIP no libFuzzer" | tee -a "$log"; n=$((n + 1))
	else result "make fuzz" 1; fi
fi

# ASan + UBSan: a second build, then the unit and system tests in it. A
# copy of the sources, as the tree itself is configured in place.
asan=$top/build-asan
rm -rf "$asan"
mkdir -p "$asan"
(cd "$top" && git ls-files -z | xargs -0 tar -c) | tar -x -C "$asan"
if (cd "$asan" && autoreconf -fi >/dev/null 2>&1 && ./configure -q --enable-asan >/dev/null &&
	make -s -j"$(nproc)" >/dev/null 2>&1); then
	result "configure --enable-asan builds" 0
	# The slow suites (podman, containerd, the registry) ran in the plain
	# build already: once each per CI run.
	(cd "$asan" && BERTH_SLOW_SUITES_DONE=1 make -s check >/dev/null 2>&1)
	status=$?
	pass=$(cat "$asan"/tests/*/*.trs 2>/dev/null | grep -c '^:test-result: PASS')
	fail=$(cat "$asan"/tests/*/*.trs 2>/dev/null | grep -cE '^:test-result: (FAIL|ERROR)')
	echo "# under ASan: $pass test points passed, $fail failed" | tee -a "$log"
	result "unit and system tests under ASan + UBSan (no sanitizer report)" "$((status != 0 || fail != 0))"
	if [ "$fail" != 0 ]; then
		grep -h -B2 -A6 '^not ok' "$asan"/tests/*/*.log | head -60
	fi
else
	result "configure --enable-asan builds" 1
fi

# valgrind memcheck on the supervisor.
if command -v valgrind >/dev/null; then
	bash tests/valgrind/run-stop-cycle.sh "$top" >tests/valgrind.log 2>&1
	result "berth-supervisor under valgrind memcheck for a run/stop cycle" $?
	tail -5 tests/valgrind.log
else
	echo "ok $((n + 1)) - valgrind # SKIP valgrind not installed" | tee -a "$log"
fi
