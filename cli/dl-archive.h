/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* libarchive, for image import, opened with dlopen() when first needed (common/dl.h
 * says why). Include this header instead of the library's own. */

#include <archive.h>
#include <archive_entry.h>

#define DL_ARCHIVE_SYMS(X)                         \
	X(archive_entry_clone)                     \
	X(archive_entry_filetype)                  \
	X(archive_entry_free)                      \
	X(archive_entry_gid)                       \
	X(archive_entry_hardlink)                  \
	X(archive_entry_mtime)                     \
	X(archive_entry_new)                       \
	X(archive_entry_pathname)                  \
	X(archive_entry_perm)                      \
	X(archive_entry_set_filetype)              \
	X(archive_entry_set_gid)                   \
	X(archive_entry_set_hardlink)              \
	X(archive_entry_set_mtime)                 \
	X(archive_entry_set_pathname)              \
	X(archive_entry_set_perm)                  \
	X(archive_entry_set_rdev)                  \
	X(archive_entry_set_size)                  \
	X(archive_entry_set_symlink)               \
	X(archive_entry_set_uid)                   \
	X(archive_entry_size)                      \
	X(archive_entry_size_is_set)               \
	X(archive_entry_symlink)                   \
	X(archive_entry_uid)                       \
	X(archive_entry_xattr_add_entry)           \
	X(archive_entry_xattr_clear)               \
	X(archive_entry_xattr_next)                \
	X(archive_entry_xattr_reset)               \
	X(archive_errno)                           \
	X(archive_error_string)                    \
	X(archive_filter_bytes)                    \
	X(archive_read_data)                       \
	X(archive_read_data_block)                 \
	X(archive_read_free)                       \
	X(archive_read_new)                        \
	X(archive_read_next_header)                \
	X(archive_read_open)                       \
	X(archive_read_open_filename)              \
	X(archive_read_support_filter_bzip2)       \
	X(archive_read_support_filter_gzip)        \
	X(archive_read_support_filter_lzma)        \
	X(archive_read_support_filter_xz)          \
	X(archive_read_support_filter_zstd)        \
	X(archive_read_support_format_raw)         \
	X(archive_read_support_format_tar)         \
	X(archive_set_error)                       \
	X(archive_write_add_filter_gzip)           \
	X(archive_write_close)                     \
	X(archive_write_data)                      \
	X(archive_write_data_block)                \
	X(archive_write_disk_new)                  \
	X(archive_write_disk_set_options)          \
	X(archive_write_finish_entry)              \
	X(archive_write_free)                      \
	X(archive_write_header)                    \
	X(archive_write_new)                       \
	X(archive_write_open)                      \
	X(archive_write_set_bytes_per_block)       \
	X(archive_write_set_format_pax_restricted) \
	X(archive_write_set_format_raw)            \
	X(archive_write_set_options)

#define X(s) extern __typeof__(s) *sym_##s;
DL_ARCHIVE_SYMS(X)
#undef X

/* Loads ARCHIVE_SONAME (once); 0, or -ENOPKG after logging why. */
int dl_archive_load(void);

#ifndef DL_ARCHIVE_DEFINE
#define archive_entry_clone sym_archive_entry_clone
#define archive_entry_filetype sym_archive_entry_filetype
#define archive_entry_free sym_archive_entry_free
#define archive_entry_gid sym_archive_entry_gid
#define archive_entry_hardlink sym_archive_entry_hardlink
#define archive_entry_mtime sym_archive_entry_mtime
#define archive_entry_new sym_archive_entry_new
#define archive_entry_pathname sym_archive_entry_pathname
#define archive_entry_perm sym_archive_entry_perm
#define archive_entry_set_filetype sym_archive_entry_set_filetype
#define archive_entry_set_gid sym_archive_entry_set_gid
#define archive_entry_set_hardlink sym_archive_entry_set_hardlink
#define archive_entry_set_mtime sym_archive_entry_set_mtime
#define archive_entry_set_pathname sym_archive_entry_set_pathname
#define archive_entry_set_perm sym_archive_entry_set_perm
#define archive_entry_set_rdev sym_archive_entry_set_rdev
#define archive_entry_set_size sym_archive_entry_set_size
#define archive_entry_set_symlink sym_archive_entry_set_symlink
#define archive_entry_set_uid sym_archive_entry_set_uid
#define archive_entry_size sym_archive_entry_size
#define archive_entry_size_is_set sym_archive_entry_size_is_set
#define archive_entry_symlink sym_archive_entry_symlink
#define archive_entry_uid sym_archive_entry_uid
#define archive_entry_xattr_add_entry sym_archive_entry_xattr_add_entry
#define archive_entry_xattr_clear sym_archive_entry_xattr_clear
#define archive_entry_xattr_next sym_archive_entry_xattr_next
#define archive_entry_xattr_reset sym_archive_entry_xattr_reset
#define archive_errno sym_archive_errno
#define archive_error_string sym_archive_error_string
#define archive_filter_bytes sym_archive_filter_bytes
#define archive_read_data sym_archive_read_data
#define archive_read_data_block sym_archive_read_data_block
#define archive_read_free sym_archive_read_free
#define archive_read_new sym_archive_read_new
#define archive_read_next_header sym_archive_read_next_header
#define archive_read_open sym_archive_read_open
#define archive_read_open_filename sym_archive_read_open_filename
#define archive_read_support_filter_bzip2 sym_archive_read_support_filter_bzip2
#define archive_read_support_filter_gzip sym_archive_read_support_filter_gzip
#define archive_read_support_filter_lzma sym_archive_read_support_filter_lzma
#define archive_read_support_filter_xz sym_archive_read_support_filter_xz
#define archive_read_support_filter_zstd sym_archive_read_support_filter_zstd
#define archive_read_support_format_raw sym_archive_read_support_format_raw
#define archive_read_support_format_tar sym_archive_read_support_format_tar
#define archive_set_error sym_archive_set_error
#define archive_write_add_filter_gzip sym_archive_write_add_filter_gzip
#define archive_write_close sym_archive_write_close
#define archive_write_data sym_archive_write_data
#define archive_write_data_block sym_archive_write_data_block
#define archive_write_disk_new sym_archive_write_disk_new
#define archive_write_disk_set_options sym_archive_write_disk_set_options
#define archive_write_finish_entry sym_archive_write_finish_entry
#define archive_write_free sym_archive_write_free
#define archive_write_header sym_archive_write_header
#define archive_write_new sym_archive_write_new
#define archive_write_open sym_archive_write_open
#define archive_write_set_bytes_per_block sym_archive_write_set_bytes_per_block
#define archive_write_set_format_pax_restricted sym_archive_write_set_format_pax_restricted
#define archive_write_set_format_raw sym_archive_write_set_format_raw
#define archive_write_set_options sym_archive_write_set_options
#endif
