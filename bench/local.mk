# Benchmarks against runc, crun, podman, bubblewrap and unshare (as root;
# installs what is missing with apt-get). Results go to bench/results/.
# Timing never enters a pass/fail test: `make check` does not run these.
#   make bench [BENCH_SECTIONS="latency cycle idle cli throughput"]
#   make bench-profile   where the time of `berth run --rm` goes
BENCH_ENV = \
	BERTH="$(abs_top_builddir)/berth" \
	BERTH_SUPERVISOR="$(abs_top_builddir)/berth-supervisor" \
	$(NULL)

bench: all
	$(BENCH_ENV) bash $(top_srcdir)/bench/run.sh $(BENCH_SECTIONS)

bench-profile: all
	$(BENCH_ENV) bash $(top_srcdir)/bench/profile.sh

.PHONY: bench bench-profile
