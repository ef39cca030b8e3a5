#!/bin/bash
# Counts test points over every TAP result file of the last `make check`
# (the .trs files automake's tap-driver writes) and of the VM run, and
# prints one line: "N passed, N failed". SKIP counts as neither.
cd "$(dirname "$0")/.." || exit 1
find . -name '*.trs' -print0 2>/dev/null |
	xargs -0 -r cat |
	awk '/^:test-result: (PASS|XFAIL)/ { p++ } /^:test-result: (FAIL|XPASS|ERROR)/ { f++ }
	     END { printf "%d passed, %d failed\n", p, f }'
