# Unit tests of supervisor/'s modules: one file a module,
# tests/unit/test-MODULE.c, added to UNIT_TESTS here (tests/local.mk).
if ENABLE_TESTS
endif
