# Unit tests of cli/'s modules other than the commands and the image code: one file a module,
# tests/unit/test-MODULE.c, added to UNIT_TESTS here (tests/local.mk).
if ENABLE_TESTS
endif
