#!/bin/bash
# Counts the test points of the last `make check-all`: every TAP result
# file automake's tap-driver wrote (.trs), and the TAP logs of the VM run
# (tests/vm/work/logs, remade by each run). Prints one line:
# "N passed, N failed". SKIP counts as neither.
cd "$(dirname "$0")/.." || exit 1
{
	find . -name '*.trs' -not -path './tests/vm/work/*' -not -path './build-asan/*' -print0 2>/dev/null | xargs -0 -r cat |
		awk '/^:test-result: (PASS|XFAIL)/ { print "P" } /^:test-result: (FAIL|XPASS|ERROR)/ { print "F" }'
	if [ -f tests/ci-extra.log ]; then
		awk '/^ok [0-9]/ && !/# SKIP/ { print "P" } /^not ok [0-9]/ { print "F" }' tests/ci-extra.log
	fi
	if [ -d tests/vm/work/logs ]; then
		find tests/vm/work/logs -name '*.log' ! -name console.log ! -name stream.txt -print0 |
			xargs -0 -r cat |
			awk '/^ok [0-9]/ && !/# SKIP/ { print "P" } /^not ok [0-9]/ && !/# TODO/ { print "F" }'
	fi
} | awk '$1 == "P" { p++ } $1 == "F" { f++ } END { printf "%d passed, %d failed\n", p, f }'
