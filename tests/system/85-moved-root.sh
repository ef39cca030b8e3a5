#!/bin/bash
# A root moved (mv) or restored from a backup (cp -a) and used with
# --root NEWPLACE runs its own files, never the original's: the state DB
# and each container's config.json name what is under the root relative to
# it (docs/state-db.md, "Moving a root"). A root of an older berth
# (absolute paths, schema 7) is migrated, wherever it is by then.
. "$(dirname "$0")/lib.sh"
require_root
t_begin

# Roots of their own, in the test's folder; every place each of them has
# been is cleaned up.
ROOTS=()
at() {
	local r=$1
	shift
	"$BERTH" --root "$r" "$@"
}
db_at() { sqlite3 -cmd ".timeout 10000" "$1/state.db" "$2"; }
cleanup_roots() {
	local r ids
	for r in "${ROOTS[@]}"; do
		[ -f "$r/state.db" ] || continue
		ids=$(db_at "$r" "SELECT id FROM containers" 2>/dev/null)
		# shellcheck disable=SC2086
		[ -n "$ids" ] && at "$r" rm -f $ids >/dev/null 2>&1
		wait_for 5 eval "! pgrep -f 'berth-supervisor --root $r ' >/dev/null"
		pkill -KILL -f "berth-supervisor --root $r " 2>/dev/null
	done
}
trap 'cleanup_roots; t_cleanup' EXIT
DATA=$ROOT/data
mkdir -p "$DATA"

# An absolute layer folder of an image, as the DB holds it now or held it
# (absolute) before.
layer_of() {
	local p
	p=$(db_at "$1" "SELECT json_extract(layers, '\$[0]') FROM images WHERE name='$2'")
	case $p in
	/*) echo "$p" ;;
	?*) echo "$1/$p" ;;
	esac
}

# An OCI layout of two layers: busybox, and /hello over it.
oci_blob() {
	local h
	h=$(sha256sum "$1" | cut -d' ' -f1)
	mv "$1" "$L/blobs/sha256/$h"
	echo "sha256:$h $(stat -c %s "$L/blobs/sha256/$h")"
}
make_layout() {
	L=$DATA/oci
	mkdir -p "$L/blobs/sha256" "$DATA/top"
	echo '{"imageLayoutVersion": "1.0.0"}' >"$L/oci-layout"
	echo hello >"$DATA/top/hello"
	local layers='[]' diffs='[]' dir d s diff
	for dir in "$1" "$DATA/top"; do
		tar --numeric-owner -C "$dir" -cf "$DATA/layer.tar" .
		diff=sha256:$(sha256sum "$DATA/layer.tar" | cut -d' ' -f1)
		read -r d s <<<"$(oci_blob "$DATA/layer.tar")"
		layers=$(jq -c --arg d "$d" --argjson s "$s" \
			'. + [{mediaType: "application/vnd.oci.image.layer.v1.tar", digest: $d, size: $s}]' <<<"$layers")
		diffs=$(jq -c --arg d "$diff" '. + [$d]' <<<"$diffs")
	done
	jq -n --argjson diffs "$diffs" '{architecture: "amd64", os: "linux", config: {},
		rootfs: {type: "layers", diff_ids: $diffs}}' >"$DATA/config.json"
	read -r d s <<<"$(oci_blob "$DATA/config.json")"
	jq -n --arg d "$d" --argjson s "$s" --argjson layers "$layers" \
		'{schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
		  config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $d, size: $s},
		  layers: $layers}' >"$DATA/manifest.json"
	read -r d s <<<"$(oci_blob "$DATA/manifest.json")"
	jq -n --arg d "$d" --argjson s "$s" '{schemaVersion: 2, manifests: [{mediaType:
		"application/vnd.oci.image.manifest.v1+json", digest: $d, size: $s,
		annotations: {"org.opencontainers.image.ref.name": "v1"}}]}' >"$L/index.json"
}

# A root with busybox, a layered image `app` and a stopped container
# `keep` whose writable layer holds /data ("one").
make_root() {
	local r=$1 berth=${2:-$BERTH}
	ROOTS+=("$r")
	"$berth" --root "$r" run --name keep busybox sh -c 'echo one >>/data' >/dev/null || return 1
	[ -d "${L:-}" ] || make_layout "$(layer_of "$r" busybox)"
	"$berth" --root "$r" image import app "oci:$L:v1" >/dev/null
}

# A running container's root: the lowerdir of its overlay, as the kernel
# has it.
lowerdir_of() {
	local pid
	pid=$(at "$1" status --format json "$2" | jq -r .pid)
	grep -o 'lowerdir=[^,]*' "/proc/$pid/mountinfo" | head -n 1
}

# The checks, for root r; old: where it was before a move, which must not
# come back.
check_root() {
	local r=$1 what=$2 old=$3 out
	capture at "$r" start -a keep
	t_is "$what: start runs the stopped container on its own writable layer" "0 |" "$RC $ERR|"
	capture at "$r" run --rm busybox sh -c 'echo ok'
	t_is "$what: run of a one-folder image" "0 ok" "$RC $OUT$ERR"
	capture at "$r" run --rm app cat /hello
	t_is "$what: run of a layered image" "0 hello" "$RC $OUT$ERR"
	capture at "$r" image ls --format json
	t_is "$what: image ls shows the images' folders under the root" "0 3 0" \
		"$RC $(jq '[.[].layers[]] | length' <<<"$OUT") $(jq --arg r "$r/" \
			'[.[].layers[] | select(startswith($r) | not)] | length' <<<"$OUT")"
	capture at "$r" status keep
	t_match "$what: status shows the container's paths under the root" \
		"Rootfs: +$r/images/[0-9a-f]{64}/rootfs.*Bundle: +$r/containers/[0-9a-f]{64}" \
		"$(tr '\n' ' ' <<<"$OUT")"
	at "$r" run -d --name live app sleep 1000 >/dev/null
	out=$(lowerdir_of "$r" live)
	t_match "$what: a running container's overlay stacks the root's own layers" \
		"^lowerdir=$r/layers/[0-9a-f]{64}:$r/layers/[0-9a-f]{64}$" "$out"
	at "$r" rm -f live >/dev/null
	t_is "$what: the DB holds the paths relative to the root" \
		"containers/$(db_at "$r" "SELECT id FROM containers WHERE name='keep'") images/" \
		"$(db_at "$r" "SELECT bundle, substr(rootfs, 1, 7) FROM containers WHERE name='keep'" | tr '|' ' ')"
	[ -z "$old" ] || t_ok "$what: nothing of the old place was made again" test ! -e "$old"
}

# ---- moved: mv A B ----
A=$ROOT/a B=$ROOT/b
make_root "$A"
mv "$A" "$B"
ROOTS+=("$B")
check_root "$B" "moved" "$A"
capture at "$B" start -a keep
t_is "moved: the writable layer came along (written by both starts and the run)" "one one one" \
	"$(cat "$B"/containers/*/upper/data | tr '\n' ' ' | sed 's/ $//')"

# ---- copied: cp -a A C ----
# The copy runs its own files while the original is whole; then the
# original's images go, and everything works as before.
snapshot() { find "$1" -printf '%p %s %T@ %m\n' | sort | md5sum; }
check_copy() {
	local orig=$1 copy=$2 what=$3 before
	cp -a "$orig" "$copy"
	ROOTS+=("$copy")
	before=$(snapshot "$orig")
	capture at "$copy" start -a keep
	t_is "$what, the original whole: start runs the copy's container" "0 |" "$RC $ERR|"
	at "$copy" run -d --name live app sleep 1000 >/dev/null
	t_match "$what, the original whole: a running container stacks the copy's layers" \
		"^lowerdir=$copy/layers/[0-9a-f]{64}:$copy/layers/[0-9a-f]{64}$" "$(lowerdir_of "$copy" live)"
	at "$copy" rm -f live >/dev/null
	t_is "$what, the original whole: it is untouched (its writable layer too)" "$before one" \
		"$(snapshot "$orig") $(cat "$orig"/containers/*/upper/data)"
	rm -rf "${orig:?}/images" "${orig:?}/layers"
	before=$(snapshot "$orig")
	check_root "$copy" "$what, the original's images gone" ""
	t_is "$what: the original is untouched" "$before one" \
		"$(snapshot "$orig") $(cat "$orig"/containers/*/upper/data)"
}
A=$ROOT/a2
make_root "$A"
check_copy "$A" "$ROOT/c" "copied"

# ---- an older berth's root (schema 7, absolute paths), then moved ----
# The state a berth before schema 8 leaves: the same tables (without the
# later columns), with absolute paths in the DB and in config.json.
age_root() {
	local r=$1 f x
	db_at "$r" "UPDATE containers SET bundle = iif(bundle LIKE '/%', bundle, '$r/' || bundle),
		rootfs = (SELECT group_concat(iif(value LIKE '/%', value, '$r/' || value), ':')
			FROM json_each('[\"' || replace(rootfs, ':', '\",\"') || '\"]'));
		UPDATE images SET layers = (SELECT json_group_array(iif(value LIKE '/%', value, '$r/' || value))
			FROM json_each(images.layers));
		ALTER TABLE containers DROP COLUMN engine;
		DROP TRIGGER image_names_unique; DROP TRIGGER images_name_unique;
		DROP TRIGGER images_rename_unique; DROP TRIGGER images_delete_names;
		DROP TABLE image_names;
		ALTER TABLE images DROP COLUMN manifest; ALTER TABLE images DROP COLUMN image_config;
		DROP TRIGGER containers_delete_networks;
		DROP TABLE container_ports; DROP TABLE container_networks; DROP TABLE networks;
		PRAGMA user_version = 7;" || return 1
	for f in "$r"/containers/*/config.json; do
		x=$(dirname "$f")
		jq --arg b "$x" --arg r "$r" 'def abs($d): if startswith("/") then . else $d + "/" + . end;
			.root.path |= abs($b) |
			.annotations["org.berth.overlay.upperdir"] |= abs($b) |
			.annotations["org.berth.overlay.workdir"] |= abs($b) |
			.annotations["org.berth.overlay.lowerdir"] |= (split(":") | map(ltrimstr("../../") | abs($r)) | join(":"))' \
			"$f" >"$f.new" && mv "$f.new" "$f" && chmod 600 "$f"
	done
}
O=$ROOT/o M=$ROOT/m
make_root "$O"
age_root "$O"
t_is "an old root: schema 7, absolute paths" "7 $O/containers/" \
	"$(db_at "$O" "PRAGMA user_version") $(db_at "$O" "SELECT substr(bundle, 1, length('$O/containers/')) FROM containers")"
mv "$O" "$M"
ROOTS+=("$M")
capture at "$M" list -q
t_is "an old root, moved: it is migrated to the current schema (11)" "0 11" "$RC $(db_at "$M" "PRAGMA user_version")"
check_root "$M" "an old root, moved" "$O"

P=$ROOT/p
make_root "$P"
age_root "$P"
check_copy "$P" "$ROOT/q" "an old root, copied"

# ---- a root made by an older build of berth, if one is given ----
if [ -x "${BERTH_OLD:-}" ]; then
	OLD_SUP=$(dirname "$BERTH_OLD")/berth-supervisor
	X=$ROOT/x Y=$ROOT/y
	BERTH_SUPERVISOR=$OLD_SUP make_root "$X" "$BERTH_OLD"
	t_match "an older build's root has absolute paths" "^$X/containers/" \
		"$(db_at "$X" "SELECT bundle FROM containers")"
	mv "$X" "$Y"
	ROOTS+=("$Y")
	check_root "$Y" "an older build's root, moved" "$X"
else
	t_skip "a root made by an older build of berth: set BERTH_OLD to its berth"
fi

cleanup_roots
t_end
