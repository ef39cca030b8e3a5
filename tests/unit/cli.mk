# Unit tests of cli/'s modules other than the commands and the image code: one file a module,
# tests/unit/test-MODULE.c, added to UNIT_TESTS here (tests/local.mk).
if ENABLE_TESTS
# Each links libcli.a as berth does, with cli/'s include row; cli-test.h
# holds what they share (the error lines caught, a temporary root).
UNIT_TESTS += tests/unit/test-resources
tests_unit_test_resources_SOURCES = tests/unit/test-resources.c tests/unit/cli-test.h
tests_unit_test_resources_CPPFLAGS = $(AM_CPPFLAGS) $(CLI_INCLUDES)
tests_unit_test_resources_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_resources_LDADD = $(CLI_LIBS) $(CMOCKA_LIBS)
# strdup() fails on demand (out of memory).
tests_unit_test_resources_LDFLAGS = $(AM_LDFLAGS) -Wl,--wrap=strdup
UNIT_TESTS += tests/unit/test-mounts
tests_unit_test_mounts_SOURCES = tests/unit/test-mounts.c tests/unit/cli-test.h
tests_unit_test_mounts_CPPFLAGS = $(AM_CPPFLAGS) $(CLI_INCLUDES)
tests_unit_test_mounts_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_mounts_LDADD = $(CLI_LIBS) $(CMOCKA_LIBS)
UNIT_TESTS += tests/unit/test-user
tests_unit_test_user_SOURCES = tests/unit/test-user.c tests/unit/cli-test.h
tests_unit_test_user_CPPFLAGS = $(AM_CPPFLAGS) $(CLI_INCLUDES)
tests_unit_test_user_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_user_LDADD = $(CLI_LIBS) $(CMOCKA_LIBS)
UNIT_TESTS += tests/unit/test-userns
tests_unit_test_userns_SOURCES = tests/unit/test-userns.c tests/unit/cli-test.h
tests_unit_test_userns_CPPFLAGS = $(AM_CPPFLAGS) $(CLI_INCLUDES)
tests_unit_test_userns_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_userns_LDADD = $(CLI_LIBS) $(CMOCKA_LIBS)
UNIT_TESTS += tests/unit/test-limits-output
tests_unit_test_limits_output_SOURCES = tests/unit/test-limits-output.c tests/unit/cli-test.h
tests_unit_test_limits_output_CPPFLAGS = $(AM_CPPFLAGS) $(CLI_INCLUDES)
tests_unit_test_limits_output_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_limits_output_LDADD = $(CLI_LIBS) $(CMOCKA_LIBS)
# `berth trace`'s modules are in libcli.a only with eBPF (cli/local.mk).
if ENABLE_BPF
UNIT_TESTS += tests/unit/test-trace-format
tests_unit_test_trace_format_SOURCES = tests/unit/test-trace-format.c tests/unit/cli-test.h
tests_unit_test_trace_format_CPPFLAGS = $(AM_CPPFLAGS) $(CLI_INCLUDES)
tests_unit_test_trace_format_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_trace_format_LDADD = $(CLI_LIBS) $(CMOCKA_LIBS)
UNIT_TESTS += tests/unit/test-trace-attrib
tests_unit_test_trace_attrib_SOURCES = tests/unit/test-trace-attrib.c tests/unit/cli-test.h
tests_unit_test_trace_attrib_CPPFLAGS = $(AM_CPPFLAGS) $(CLI_INCLUDES)
tests_unit_test_trace_attrib_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_trace_attrib_LDADD = $(CLI_LIBS) $(CMOCKA_LIBS)
endif
UNIT_TESTS += tests/unit/test-container
tests_unit_test_container_SOURCES = tests/unit/test-container.c tests/unit/cli-test.h
tests_unit_test_container_CPPFLAGS = $(AM_CPPFLAGS) $(CLI_INCLUDES)
tests_unit_test_container_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_container_LDADD = $(CLI_LIBS) $(CMOCKA_LIBS)
UNIT_TESTS += tests/unit/test-bulk
tests_unit_test_bulk_SOURCES = tests/unit/test-bulk.c tests/unit/cli-test.h
tests_unit_test_bulk_CPPFLAGS = $(AM_CPPFLAGS) $(CLI_INCLUDES)
tests_unit_test_bulk_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_bulk_LDADD = $(CLI_LIBS) $(CMOCKA_LIBS)
UNIT_TESTS += tests/unit/test-cancel
tests_unit_test_cancel_SOURCES = tests/unit/test-cancel.c tests/unit/cli-test.h
tests_unit_test_cancel_CPPFLAGS = $(AM_CPPFLAGS) $(CLI_INCLUDES)
tests_unit_test_cancel_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_cancel_LDADD = $(CLI_LIBS) $(CMOCKA_LIBS)
UNIT_TESTS += tests/unit/test-control
tests_unit_test_control_SOURCES = tests/unit/test-control.c tests/unit/cli-test.h
tests_unit_test_control_CPPFLAGS = $(AM_CPPFLAGS) $(CLI_INCLUDES)
tests_unit_test_control_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_control_LDADD = $(CLI_LIBS) $(CMOCKA_LIBS)
UNIT_TESTS += tests/unit/test-launch
tests_unit_test_launch_SOURCES = tests/unit/test-launch.c tests/unit/cli-test.h
tests_unit_test_launch_CPPFLAGS = $(AM_CPPFLAGS) $(CLI_INCLUDES)
tests_unit_test_launch_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_launch_LDADD = $(CLI_LIBS) $(CMOCKA_LIBS)
UNIT_TESTS += tests/unit/test-system-repair
tests_unit_test_system_repair_SOURCES = tests/unit/test-system-repair.c tests/unit/cli-test.h
tests_unit_test_system_repair_CPPFLAGS = $(AM_CPPFLAGS) $(CLI_INCLUDES)
tests_unit_test_system_repair_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_system_repair_LDADD = $(CLI_LIBS) $(CMOCKA_LIBS)
UNIT_TESTS += tests/unit/test-cmd-run
tests_unit_test_cmd_run_SOURCES = tests/unit/test-cmd-run.c tests/unit/cli-test.h
tests_unit_test_cmd_run_CPPFLAGS = $(AM_CPPFLAGS) $(CLI_INCLUDES)
tests_unit_test_cmd_run_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_cmd_run_LDADD = $(CLI_LIBS) $(CMOCKA_LIBS)
endif
