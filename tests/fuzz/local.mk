# libFuzzer harnesses for the parsers of hostile input. They are built with
# clang outside automake's programs (libFuzzer supplies main() and its own
# instrumentation), from the project's sources compiled with the same
# sanitizer flags, so a report points into berth's code.
#
#   make fuzz                    build all, run each FUZZ_SECONDS (60) long
#   make fuzz FUZZ_SECONDS=600   longer
#   make fuzz FUZZ_HARNESSES=oci one of them
#
# New inputs go to tests/fuzz/work/<harness>/ in the build tree (the seed
# corpus under tests/fuzz/corpus/ is only read); a crash is written to
# tests/fuzz/artifacts/ and fails the target.

FUZZ_HARNESSES = parse-size names oci mount-options iso8601 image-ref
FUZZ_BINARIES = \
	tests/fuzz/fuzz-parse-size \
	tests/fuzz/fuzz-names \
	tests/fuzz/fuzz-oci \
	tests/fuzz/fuzz-mount-options \
	tests/fuzz/fuzz-iso8601 \
	tests/fuzz/fuzz-image-ref \
	$(NULL)
FUZZ_SANITIZE = -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_FLAGS = -g -O1 -fno-omit-frame-pointer $(FUZZ_SANITIZE) $(DEFS) \
	-I$(top_builddir) $(JANSSON_CFLAGS) $(SQLITE_CFLAGS)
FUZZ_LINK = $(AM_V_CCLD)$(MKDIR_P) tests/fuzz && $(FUZZ_CC) $(FUZZ_FLAGS) -o $@
FUZZ_LIBS = $(JANSSON_LIBS) $(LIBCAP_LIBS) $(LIBSECCOMP_LIBS)
FUZZ_INCLUDES = $(top_srcdir)/tests/fuzz/fuzz.h
# A harness may include what the module it tests may (Makefile.am):
# fuzz-parse-size tests cli/resources.c, the others common/.

fuzz_parse_size_src = \
	$(top_srcdir)/tests/fuzz/fuzz-parse-size.c \
	$(top_srcdir)/cli/resources.c \
	$(top_srcdir)/common/cgroup.c \
	$(top_srcdir)/common/cgroup-limits.c \
	$(top_srcdir)/common/caps.c \
	$(top_srcdir)/common/log.c \
	$(top_srcdir)/common/oci.c \
	$(top_srcdir)/common/parse.c \
	$(top_srcdir)/common/paths.c \
	$(top_srcdir)/common/rootless.c \
	$(top_srcdir)/common/subid.c \
	$(top_srcdir)/common/util.c \
	$(NULL)
fuzz_names_src = \
	$(top_srcdir)/tests/fuzz/fuzz-names.c \
	$(top_srcdir)/common/parse.c \
	$(NULL)
fuzz_oci_src = \
	$(top_srcdir)/tests/fuzz/fuzz-oci.c \
	$(top_srcdir)/common/caps.c \
	$(top_srcdir)/common/log.c \
	$(top_srcdir)/common/oci.c \
	$(top_srcdir)/common/parse.c \
	$(top_srcdir)/common/paths.c \
	$(top_srcdir)/common/rootless.c \
	$(top_srcdir)/common/subid.c \
	$(top_srcdir)/common/util.c \
	$(NULL)
fuzz_mount_options_src = \
	$(top_srcdir)/tests/fuzz/fuzz-mount-options.c \
	$(top_srcdir)/common/mount-options.c \
	$(top_srcdir)/common/parse.c \
	$(top_srcdir)/common/util.c \
	$(NULL)
fuzz_iso8601_src = \
	$(top_srcdir)/tests/fuzz/fuzz-iso8601.c \
	$(top_srcdir)/common/util.c \
	$(NULL)

fuzz_image_ref_src = \
	$(top_srcdir)/tests/fuzz/fuzz-image-ref.c \
	$(top_srcdir)/cli/image-ref.c \
	$(top_srcdir)/common/log.c \
	$(top_srcdir)/common/parse.c \
	$(top_srcdir)/common/util.c \
	$(NULL)

EXTRA_DIST += \
	tests/fuzz/corpus \
	tests/fuzz/fuzz-image-ref.c \
	tests/fuzz/fuzz.h \
	tests/fuzz/fuzz-iso8601.c \
	tests/fuzz/fuzz-mount-options.c \
	tests/fuzz/fuzz-names.c \
	tests/fuzz/fuzz-oci.c \
	tests/fuzz/fuzz-parse-size.c \
	tests/fuzz/iso8601.dict \
	tests/fuzz/oci.dict \
	$(NULL)
CLEANFILES += $(FUZZ_BINARIES)

if HAVE_FUZZER
tests/fuzz/fuzz-parse-size: $(fuzz_parse_size_src) $(FUZZ_INCLUDES) config.h
	$(FUZZ_LINK) $(CLI_INCLUDES) $(fuzz_parse_size_src) $(FUZZ_LIBS)
tests/fuzz/fuzz-names: $(fuzz_names_src) $(FUZZ_INCLUDES) config.h
	$(FUZZ_LINK) $(COMMON_INCLUDES) $(fuzz_names_src) $(FUZZ_LIBS)
tests/fuzz/fuzz-oci: $(fuzz_oci_src) $(FUZZ_INCLUDES) config.h
	$(FUZZ_LINK) $(COMMON_INCLUDES) $(fuzz_oci_src) $(FUZZ_LIBS)
tests/fuzz/fuzz-mount-options: $(fuzz_mount_options_src) $(FUZZ_INCLUDES) config.h
	$(FUZZ_LINK) $(COMMON_INCLUDES) $(fuzz_mount_options_src) $(FUZZ_LIBS)
tests/fuzz/fuzz-iso8601: $(fuzz_iso8601_src) $(FUZZ_INCLUDES) config.h
	$(FUZZ_LINK) $(COMMON_INCLUDES) $(fuzz_iso8601_src) $(FUZZ_LIBS)
tests/fuzz/fuzz-image-ref: $(fuzz_image_ref_src) $(FUZZ_INCLUDES) config.h
	$(FUZZ_LINK) $(CLI_INCLUDES) $(fuzz_image_ref_src) $(FUZZ_LIBS)

fuzz-build: $(FUZZ_BINARIES)

# Each harness runs on a scratch corpus seeded from the committed one; the
# last lines of its log (executions, coverage) are printed, and the whole
# log is kept next to it. FUZZ_SECONDS comes from the make command line or
# the environment.
fuzz: fuzz-build
	@secs=$${FUZZ_SECONDS:-60}; failed=; \
	for h in $(FUZZ_HARNESSES); do \
		$(MKDIR_P) tests/fuzz/work/$$h tests/fuzz/artifacts || exit 1; \
		dict=; \
		if test -f $(srcdir)/tests/fuzz/$$h.dict; then dict=-dict=$(srcdir)/tests/fuzz/$$h.dict; fi; \
		echo "  FUZZ     fuzz-$$h for $$secs s"; \
		if ./tests/fuzz/fuzz-$$h -max_total_time=$$secs -timeout=10 -rss_limit_mb=2048 \
			-print_final_stats=1 -artifact_prefix=tests/fuzz/artifacts/fuzz-$$h- \
			$$dict tests/fuzz/work/$$h $(srcdir)/tests/fuzz/corpus/$$h \
			>tests/fuzz/fuzz-$$h.log 2>&1; then \
			grep -E '^(Done|stat::number_of_executed_units|#[0-9]+.*DONE)' \
				tests/fuzz/fuzz-$$h.log | sed 's/^/           /'; \
		else \
			tail -n 40 tests/fuzz/fuzz-$$h.log; \
			echo "fuzz-$$h FAILED: see tests/fuzz/fuzz-$$h.log and tests/fuzz/artifacts/"; \
			failed="$$failed $$h"; \
		fi; \
	done; \
	test -z "$$failed" || { echo "make fuzz: failed:$$failed"; exit 1; }
else
fuzz-build fuzz:
	@echo "make fuzz needs clang with libFuzzer (-fsanitize=fuzzer): install the Debian"; \
	echo "package clang (or name one with ./configure FUZZ_CC=clang-NN) and re-run configure."; \
	exit 77
endif

clean-fuzz:
	-rm -rf tests/fuzz/work tests/fuzz/artifacts tests/fuzz/fuzz-*.log
.PHONY: fuzz fuzz-build clean-fuzz
