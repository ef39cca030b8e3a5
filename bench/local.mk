# Benchmarks against runc, crun, podman, bubblewrap and unshare (as root;
# installs what is missing with apt-get). Results go to bench/results/.
# Timing never enters a pass/fail test: `make check` does not run these.
#   make bench [BENCH_SECTIONS="latency cycle idle cli throughput"]
#              [BENCH_BASELINE=BUILD-FOLDER]  another build beside this one
#   make bench-profile   where the time of `berth run --rm` goes
#   make bench-vm        latency against crun and runc inside the test VM,
#                        where they run with their cgroup v2 manager
BENCH_ENV = \
	BENCH_BASELINE="$(BENCH_BASELINE)" \
	BERTH="$(abs_top_builddir)/berth" \
	BERTH_SUPERVISOR="$(abs_top_builddir)/berth-supervisor" \
	$(NULL)

bench: all
	$(BENCH_ENV) bash $(top_srcdir)/bench/run.sh $(BENCH_SECTIONS)

bench-profile: all
	$(BENCH_ENV) bash $(top_srcdir)/bench/profile.sh

# The VM's log of bench/vm-latency.sh holds the table on "# REPORT" lines.
bench-vm: all
	@out=$(abs_top_srcdir)/bench/results/`date -u +%Y-%m-%d-%H%M`-vm-guest.md; \
	bash $(top_srcdir)/tests/vm/harness/vm-run \
		--builddir=$(abs_top_builddir) --workdir=$(abs_top_builddir)/tests/vm/work \
		--timeout 1800 --test-timeout 1500 $(abs_top_srcdir)/bench/vm-latency.sh || exit $$?; \
	{ echo "# berth in the test VM — `date -u '+%Y-%m-%d %H:%M UTC'`"; echo; \
	  echo "Host: `uname -r`, `nproc` cores; the guest: Debian's kernel under qemu TCG, full cgroup v2 (tests/vm/README.md). Made by \`make bench-vm\` (bench/vm-latency.sh), berth `git -C $(abs_top_srcdir) describe --always --dirty 2>/dev/null`."; echo; \
	  echo "Start-to-exit latency of \`/bin/true\`, same rootfs and the same six namespaces for everyone:"; echo; \
	  sed -n 's/^# REPORT \{0,1\}//p' $(abs_top_builddir)/tests/vm/work/logs/bench/vm-latency.log; } > $$out; \
	cat $$out; echo "bench-vm: report in $$out"

EXTRA_DIST += bench/vm-latency.sh bench/oci-bundle.sh bench/runtime.sh bench/runtime-cycle.py \
	bench/network.sh bench/rootless.sh
.PHONY: bench bench-profile bench-vm
