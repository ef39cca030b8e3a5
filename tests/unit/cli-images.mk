# Unit tests of cli/'s image modules (images.c, image-*.c, sha256.c, progress.c): one file a module,
# tests/unit/test-MODULE.c, added to UNIT_TESTS here (tests/local.mk).
if ENABLE_TESTS
# Linked from libcli.a as berth links it; libarchive and libcrypto are
# opened with dlopen(), so only their headers are needed.
CLI_IMAGES_CPPFLAGS = $(AM_CPPFLAGS) $(CLI_INCLUDES)
CLI_IMAGES_CFLAGS = $(UNIT_CFLAGS) $(LIBARCHIVE_CFLAGS) $(LIBCRYPTO_CFLAGS)
CLI_IMAGES_LDADD = $(CLI_LIBS) $(CMOCKA_LIBS)

UNIT_TESTS += tests/unit/test-image-unpack
tests_unit_test_image_unpack_SOURCES = tests/unit/test-image-unpack.c tests/unit/image-test-util.h
tests_unit_test_image_unpack_CPPFLAGS = $(CLI_IMAGES_CPPFLAGS)
tests_unit_test_image_unpack_CFLAGS = $(CLI_IMAGES_CFLAGS)
tests_unit_test_image_unpack_LDADD = $(CLI_IMAGES_LDADD)

UNIT_TESTS += tests/unit/test-image-ref
tests_unit_test_image_ref_SOURCES = tests/unit/test-image-ref.c tests/unit/image-test-util.h
tests_unit_test_image_ref_CPPFLAGS = $(CLI_IMAGES_CPPFLAGS)
tests_unit_test_image_ref_CFLAGS = $(CLI_IMAGES_CFLAGS)
tests_unit_test_image_ref_LDADD = $(CLI_IMAGES_LDADD)

UNIT_TESTS += tests/unit/test-pack
tests_unit_test_pack_SOURCES = tests/unit/test-pack.c tests/unit/image-test-util.h
tests_unit_test_pack_CPPFLAGS = $(CLI_IMAGES_CPPFLAGS)
tests_unit_test_pack_CFLAGS = $(CLI_IMAGES_CFLAGS)
tests_unit_test_pack_LDADD = $(CLI_IMAGES_LDADD)

UNIT_TESTS += tests/unit/test-image-oci
tests_unit_test_image_oci_SOURCES = tests/unit/test-image-oci.c tests/unit/image-test-util.h
tests_unit_test_image_oci_CPPFLAGS = $(CLI_IMAGES_CPPFLAGS)
tests_unit_test_image_oci_CFLAGS = $(CLI_IMAGES_CFLAGS)
tests_unit_test_image_oci_LDADD = $(CLI_IMAGES_LDADD)

UNIT_TESTS += tests/unit/test-image-docker-archive
tests_unit_test_image_docker_archive_SOURCES = tests/unit/test-image-docker-archive.c tests/unit/image-test-util.h
tests_unit_test_image_docker_archive_CPPFLAGS = $(CLI_IMAGES_CPPFLAGS)
tests_unit_test_image_docker_archive_CFLAGS = $(CLI_IMAGES_CFLAGS)
tests_unit_test_image_docker_archive_LDADD = $(CLI_IMAGES_LDADD)

UNIT_TESTS += tests/unit/test-image-layers
tests_unit_test_image_layers_SOURCES = tests/unit/test-image-layers.c tests/unit/image-test-util.h
tests_unit_test_image_layers_CPPFLAGS = $(CLI_IMAGES_CPPFLAGS)
tests_unit_test_image_layers_CFLAGS = $(CLI_IMAGES_CFLAGS)
tests_unit_test_image_layers_LDADD = $(CLI_IMAGES_LDADD)

UNIT_TESTS += tests/unit/test-images
tests_unit_test_images_SOURCES = tests/unit/test-images.c tests/unit/image-test-util.h
tests_unit_test_images_CPPFLAGS = $(CLI_IMAGES_CPPFLAGS)
tests_unit_test_images_CFLAGS = $(CLI_IMAGES_CFLAGS)
tests_unit_test_images_LDADD = $(CLI_IMAGES_LDADD)

UNIT_TESTS += tests/unit/test-sha256
tests_unit_test_sha256_SOURCES = tests/unit/test-sha256.c
tests_unit_test_sha256_CPPFLAGS = $(CLI_IMAGES_CPPFLAGS)
tests_unit_test_sha256_CFLAGS = $(CLI_IMAGES_CFLAGS)
tests_unit_test_sha256_LDADD = $(CLI_IMAGES_LDADD)

UNIT_TESTS += tests/unit/test-image-config
tests_unit_test_image_config_SOURCES = tests/unit/test-image-config.c
tests_unit_test_image_config_CPPFLAGS = $(CLI_IMAGES_CPPFLAGS)
tests_unit_test_image_config_CFLAGS = $(CLI_IMAGES_CFLAGS)
tests_unit_test_image_config_LDADD = $(CLI_IMAGES_LDADD)

UNIT_TESTS += tests/unit/test-image-resolve
tests_unit_test_image_resolve_SOURCES = tests/unit/test-image-resolve.c tests/unit/image-test-util.h
tests_unit_test_image_resolve_CPPFLAGS = $(CLI_IMAGES_CPPFLAGS)
tests_unit_test_image_resolve_CFLAGS = $(CLI_IMAGES_CFLAGS)
tests_unit_test_image_resolve_LDADD = $(CLI_IMAGES_LDADD)

UNIT_TESTS += tests/unit/test-image-import
tests_unit_test_image_import_SOURCES = tests/unit/test-image-import.c tests/unit/image-test-util.h
tests_unit_test_image_import_CPPFLAGS = $(CLI_IMAGES_CPPFLAGS)
tests_unit_test_image_import_CFLAGS = $(CLI_IMAGES_CFLAGS)
tests_unit_test_image_import_LDADD = $(CLI_IMAGES_LDADD)

UNIT_TESTS += tests/unit/test-image-busybox
tests_unit_test_image_busybox_SOURCES = tests/unit/test-image-busybox.c tests/unit/image-test-util.h
tests_unit_test_image_busybox_CPPFLAGS = $(CLI_IMAGES_CPPFLAGS)
tests_unit_test_image_busybox_CFLAGS = $(CLI_IMAGES_CFLAGS)
tests_unit_test_image_busybox_LDADD = $(CLI_IMAGES_LDADD)

UNIT_TESTS += tests/unit/test-progress
tests_unit_test_progress_SOURCES = tests/unit/test-progress.c
tests_unit_test_progress_CPPFLAGS = $(CLI_IMAGES_CPPFLAGS)
tests_unit_test_progress_CFLAGS = $(CLI_IMAGES_CFLAGS)
tests_unit_test_progress_LDADD = $(CLI_IMAGES_LDADD)

UNIT_TESTS += tests/unit/test-image-debootstrap
tests_unit_test_image_debootstrap_SOURCES = tests/unit/test-image-debootstrap.c tests/unit/image-test-util.h
tests_unit_test_image_debootstrap_CPPFLAGS = $(CLI_IMAGES_CPPFLAGS)
tests_unit_test_image_debootstrap_CFLAGS = $(CLI_IMAGES_CFLAGS)
tests_unit_test_image_debootstrap_LDADD = $(CLI_IMAGES_LDADD)
endif
