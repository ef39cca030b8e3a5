# Unit tests of cli/'s image modules (images.c, image-*.c, sha256.c, progress.c): one file a module,
# tests/unit/test-MODULE.c, added to UNIT_TESTS here (tests/local.mk).
if ENABLE_TESTS
endif
