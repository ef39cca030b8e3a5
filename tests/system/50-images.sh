#!/bin/bash
# berth image: the busybox image; rootfs tarballs (and hostile ones); OCI
# image layouts and docker save archives with shared layers, whiteouts and
# run defaults; list, inspect, rm; crash safety; and, opt-in because it
# downloads a Debian system (BERTH_TEST_DEBOOTSTRAP=1), debootstrap.
#
# Every input is made here: tarballs with tar and python3, OCI layouts
# with tar, sha256sum and jq (and, where installed, umoci and skopeo).
. "$(dirname "$0")/lib.sh"
require_root
for tool in python3 jq zstd xz; do
	command -v $tool >/dev/null || t_skip_all "needs $tool"
done
t_begin

DATA=$ROOT/data
mkdir -p "$DATA"
# Host paths the hostile archives aim at: none of them may appear.
EVIL=/tmp/berth-evil-$$
T_EXTRA_CLEANUP="rm -rf $EVIL $EVIL-*"

# The image store, as a checksum: what a refused import must not change.
store_sum() {
	(cd "$ROOT" && find images layers -printf '%p %s %m\n' | sort; sqlite3 state.db \
		'SELECT name FROM images; SELECT digest FROM layers; SELECT * FROM image_layers') |
		md5sum
}
image_dir() { echo "$ROOT/$(db "SELECT json_extract(layers, '\$[0]') FROM images WHERE name='$1'")"; }
xattr() { python3 -c 'import os,sys; print(os.getxattr(sys.argv[1], sys.argv[2], follow_symlinks=False).decode())' "$@" 2>/dev/null; }
setxattr() { python3 -c 'import os,sys; os.setxattr(sys.argv[1], sys.argv[2], sys.argv[3].encode(), follow_symlinks=False)' "$@"; }

# ---- 1. the busybox image -------------------------------------------------

capture berth image create busybox
t_is "image create busybox exits 0" 0 "$RC"
t_is "and prints the image name" busybox "$OUT"
BB=$(image_layer busybox) || exit 1
for f in bin/busybox etc/passwd etc/group etc/hosts etc/resolv.conf etc/hostname; do
	t_ok "the busybox image has /$f" test -s "$BB/$f"
done
t_is "applets are links to /bin/busybox" /bin/busybox "$(readlink "$BB/bin/sh")"
n=$(find "$BB" -type l -lname /bin/busybox | wc -l)
t_ok "with the usual applets ($n links, /bin and /usr/bin)" test "$n" -gt 100 -a -L "$BB/usr/bin/awk"
capture berth run --rm busybox sh -c 'id -un; id -gn nobody; grep -c localhost /etc/hosts'
t_is "users, groups and hosts resolve in a container" "root
nogroup
2" "$OUT"
capture berth image create busybox
t_is "creating it again is refused: exit 125" 125 "$RC"
t_match "saying it exists" '^berth: image `busybox` already exists' "$ERR"
capture berth image create busybox bb2
t_is "image create busybox NAME makes another" "0 bb2" "$RC $OUT$ERR"

# ---- 2. rootfs tarballs ---------------------------------------------------

SRC=$DATA/src
mkdir -p "$SRC"
cp -a "$BB/." "$SRC/"
mkdir "$SRC/t"
echo data >"$SRC/t/file"
chown 1234:5678 "$SRC/t/file"
chmod 4750 "$SRC/t/file"
ln "$SRC/t/file" "$SRC/t/hard"
ln -s file "$SRC/t/rel-link"
ln -s /etc/passwd "$SRC/t/abs-link"
mknod "$SRC/t/null" c 1 3
mkfifo "$SRC/t/fifo"
setxattr "$SRC/t/file" user.berth kept
tar --xattrs --xattrs-include='*' --numeric-owner -C "$SRC" -cf "$DATA/rootfs.tar" .
gzip -c "$DATA/rootfs.tar" >"$DATA/rootfs.tar.gz"
xz -T1 -c "$DATA/rootfs.tar" >"$DATA/rootfs.tar.xz"
zstd -q -c "$DATA/rootfs.tar" >"$DATA/rootfs.tar.zst"

for ext in tar tar.gz tar.xz tar.zst; do
	capture berth image import "r-$ext" "$DATA/rootfs.$ext"
	t_is "import of a .$ext rootfs: exit 0, the name on stdout" "0 r-$ext" "$RC $OUT$ERR"
	t_is "nothing on stderr when it is not a terminal (no progress bar)" "" "$ERR"
done
R=$(image_dir r-tar.zst)
t_is "ownership and modes (setuid) are kept" "1234:5678 4750" "$(stat -c '%u:%g %a' "$R/t/file")"
t_is "hard links are kept" "$(stat -c %i "$R/t/file")" "$(stat -c %i "$R/t/hard")"
t_is "relative symlinks are kept" file "$(readlink "$R/t/rel-link")"
t_is "absolute symlinks are kept, as data" /etc/passwd "$(readlink "$R/t/abs-link")"
t_is "device nodes are kept" "character special file 1:3" "$(stat -c '%F %t:%T' "$R/t/null")"
t_is "fifos are kept" fifo "$(stat -c %F "$R/t/fifo")"
t_is "xattrs are kept" kept "$(xattr "$R/t/file" user.berth)"
capture berth run --rm r-tar.zst cat /t/file
t_is "a container runs from the imported image" data "$OUT"
t_match "the digest recorded is the file's sha256" "^sha256:$(sha256sum "$DATA/rootfs.tar.zst" | cut -d' ' -f1)\$" \
	"$(db "SELECT digest FROM images WHERE name='r-tar.zst'")"
t_is "the size recorded is what the image takes on disk" \
	"$(du -s -B1 "$R" | cut -f1)" "$(db "SELECT size FROM images WHERE name='r-tar.zst'")"

OUT=$(script -qec "$BERTH image import r-tty $DATA/rootfs.tar.gz" /dev/null)
t_match "on a terminal, a progress bar is drawn" 'rootfs\.tar\.gz \[[#.]+\] +[0-9]+%' "$OUT"

# ---- hostile archives -----------------------------------------------------

mkdir -p "$EVIL-dir"
shadow_links=$(stat -c %h /etc/shadow)
python3 - "$DATA" "$EVIL" <<'EOF'
import io, sys, tarfile
data, evil = sys.argv[1], sys.argv[2]
def f(name, body=b'x'):
    t = tarfile.TarInfo(name); t.size = len(body); return (t, io.BytesIO(body))
def d(name):
    t = tarfile.TarInfo(name); t.type = tarfile.DIRTYPE; t.mode = 0o755; return (t, None)
def link(name, target, kind):
    t = tarfile.TarInfo(name); t.type = kind; t.linkname = target; return (t, None)
def mk(name, entries):
    with tarfile.open(f'{data}/{name}', 'w') as t:
        for e in entries: t.addfile(*e)
mk('dotdot.tar', [d('ok'), f('../../../../../../../..' + evil + '-dotdot')])
mk('absolute.tar', [d('ok'), f(evil + '-abs')])
mk('symlink.tar', [link('link', evil + '-dir', tarfile.SYMTYPE), f('link/pwned')])
mk('symlink-root.tar', [link('root', '/', tarfile.SYMTYPE), f('root' + evil + '-root')])
mk('hardlink.tar', [link('shadow', '/etc/shadow', tarfile.LNKTYPE)])
mk('hardlink-dotdot.tar', [link('shadow', '../../../../../../etc/shadow', tarfile.LNKTYPE)])
mk('hardlink-symlink.tar', [link('r', '/', tarfile.SYMTYPE), link('shadow', 'r/etc/shadow', tarfile.LNKTYPE)])
mk('bomb.tar', [f('f%d' % i) for i in range(2000)])
EOF
head -c 32M /dev/zero >"$DATA/zeros"
tar -C "$DATA" -cf - zeros | gzip -c >"$DATA/sizebomb.tar.gz"
head -c $(($(stat -c %s "$DATA/rootfs.tar.gz") / 2)) "$DATA/rootfs.tar.gz" >"$DATA/truncated.tar.gz"
head -c 200000 "$DATA/rootfs.tar" >"$DATA/truncated.tar"

before=$(store_sum)
# expect_refused NAME REGEX ARGS...: exit 125, one line, the store as before.
expect_refused() {
	local name=$1 re=$2
	shift 2
	capture berth image import "$@"
	t_is "$name: refused with exit 125" 125 "$RC"
	t_match "$name: one clear line" "^berth: $re" "$ERR"
	t_is "$name: stderr is a single line" 1 "$(printf '%s\n' "$ERR" | wc -l)"
	t_is "$name: no DB row, no folder left in the store" "$before" "$(store_sum)"
}
expect_refused "path traversal (../)" ".*dotdot.tar: refusing entry .*: \`\.\.\` in the path" \
	evil "$DATA/dotdot.tar"
expect_refused "absolute path" ".*absolute.tar: refusing entry \`$EVIL-abs\`: absolute path" \
	evil "$DATA/absolute.tar"
expect_refused "a file through a symlink to a host folder" ".*symlink.tar: refusing entry \`link/pwned\`: .*symlink" \
	evil "$DATA/symlink.tar"
expect_refused "a file through a symlink to /" ".*symlink-root.tar: refusing entry .*symlink" \
	evil "$DATA/symlink-root.tar"
expect_refused "a hard link to /etc/shadow" ".*hardlink.tar: refusing entry \`shadow\`: hard link to \`/etc/shadow\`: absolute path" \
	evil "$DATA/hardlink.tar"
expect_refused "a hard link out through ../" ".*refusing entry \`shadow\`: hard link to .*\`\.\.\`" \
	evil "$DATA/hardlink-dotdot.tar"
expect_refused "a hard link through a symlink" ".*refusing entry \`shadow\`: .*symlink" \
	evil "$DATA/hardlink-symlink.tar"
expect_refused "a tar bomb of many files" ".*bomb.tar: more than 1000 entries: refusing a possible tar bomb" \
	--max-files 1000 evil "$DATA/bomb.tar"
expect_refused "a compression bomb" ".*sizebomb.tar.gz: unpacks to more than 1048576 bytes" \
	--max-size 1M evil "$DATA/sizebomb.tar.gz"
expect_refused "a truncated .tar.gz" ".*truncated.tar.gz: damaged or truncated archive" \
	evil "$DATA/truncated.tar.gz"
expect_refused "a truncated .tar" ".*truncated.tar: damaged or truncated archive" \
	evil "$DATA/truncated.tar"
expect_refused "a file that is no archive" ".*: not a tar archive" evil /etc/passwd
expect_refused "a missing file" "\`/nonexistent.tar\`: No such file" evil /nonexistent.tar
expect_refused "a folder" "\`$DATA\` is a folder: for an OCI image layout write oci:" evil "$DATA"
expect_refused "an existing name" "image \`busybox\` already exists" busybox "$DATA/rootfs.tar"
expect_refused "an invalid name" "invalid image name" ../x "$DATA/rootfs.tar"
t_ok "nothing was written where the archives pointed" \
	test ! -e "$EVIL-dotdot" -a ! -e "$EVIL-abs" -a ! -e "$EVIL-root" -a -z "$(ls -A "$EVIL-dir")"
t_is "/etc/shadow got no new hard link" "$shadow_links" "$(stat -c %h /etc/shadow)"
capture berth image import --help
t_match "image import --help documents the tar-bomb limits" 'max-files N.*default 1000000' "$OUT"

# ---- 4. OCI image layouts -------------------------------------------------

# oci_blob FILE: moves FILE into the layout as a blob; prints "digest size".
oci_blob() {
	local h
	h=$(sha256sum "$1" | cut -d' ' -f1)
	mv "$1" "$L/blobs/sha256/$h"
	echo "sha256:$h $(stat -c %s "$L/blobs/sha256/$h")"
}
# oci_layer DIR gzip|zstd|none: prints "mediatype digest size diff_id".
oci_layer() {
	local t=$DATA/layer.tar diff blob mt
	tar --xattrs --xattrs-include='*' --numeric-owner -C "$1" -cf "$t" .
	diff=sha256:$(sha256sum "$t" | cut -d' ' -f1)
	case $2 in
	gzip) gzip -n "$t" && t=$t.gz mt=application/vnd.oci.image.layer.v1.tar+gzip ;;
	zstd) zstd -q --rm "$t" && t=$t.zst mt=application/vnd.oci.image.layer.v1.tar+zstd ;;
	*) mt=application/vnd.oci.image.layer.v1.tar ;;
	esac
	blob=$(oci_blob "$t")
	echo "$mt $blob $diff"
}
# oci_image TAG CONFIG_DEFAULTS_JSON LAYERLINE...: adds an image to the layout.
oci_image() {
	local tag=$1 defaults=$2 layers='[]' diffs='[]' mt d s diff cfg man
	shift 2
	for l in "$@"; do
		read -r mt d s diff <<<"$l"
		layers=$(jq -c --arg mt "$mt" --arg d "$d" --argjson s "$s" '. + [{mediaType: $mt, digest: $d, size: $s}]' <<<"$layers")
		diffs=$(jq -c --arg d "$diff" '. + [$d]' <<<"$diffs")
	done
	jq -n --argjson c "$defaults" --argjson diffs "$diffs" \
		'{architecture: "amd64", os: "linux", config: $c, rootfs: {type: "layers", diff_ids: $diffs}}' >"$DATA/config.json"
	read -r d s <<<"$(oci_blob "$DATA/config.json")"
	jq -n --arg d "$d" --argjson s "$s" --argjson layers "$layers" \
		'{schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
		  config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $d, size: $s},
		  layers: $layers}' >"$DATA/manifest.json"
	read -r d s <<<"$(oci_blob "$DATA/manifest.json")"
	jq --arg d "$d" --argjson s "$s" --arg tag "$tag" \
		'.manifests += [{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $d, size: $s,
		  annotations: {"org.opencontainers.image.ref.name": $tag}}]' "$L/index.json" >"$DATA/index.json"
	mv "$DATA/index.json" "$L/index.json"
}
oci_init() {
	L=$1
	mkdir -p "$L/blobs/sha256"
	echo '{"imageLayoutVersion": "1.0.0"}' >"$L/oci-layout"
	echo '{"schemaVersion": 2, "manifests": []}' >"$L/index.json"
}

L1=$DATA/l1 L2=$DATA/l2 L3=$DATA/l3 L4=$DATA/l4
mkdir -p "$L1" "$L2/data" "$L2/opq" "$L2/srv" "$L2/etc" "$L3/l3" "$L4"
cp -a "$BB/." "$L1/"
echo 'app:x:1000:1000:app:/home/app:/bin/sh' >>"$L1/etc/passwd"
printf 'app:x:1000:\nextra:x:2000:app\n' >>"$L1/etc/group"
mkdir -p "$L1/data" "$L1/opq" "$L1/home/app"
echo keep >"$L1/data/keep"
echo gone >"$L1/data/gone"
echo old >"$L1/opq/old"
echo v1 >"$L1/etc/app.conf"
: >"$L2/data/.wh.gone"
: >"$L2/opq/.wh..wh..opq"
echo new >"$L2/opq/new"
echo v2 >"$L2/etc/app.conf"
echo three >"$L3/l3/marker"
echo four >"$L4/four"
oci_init "$DATA/oci"
LAYER1=$(oci_layer "$L1" gzip)
LAYER2=$(oci_layer "$L2" gzip)
LAYER3=$(oci_layer "$L3" zstd)
LAYER4=$(oci_layer "$L4" none)
DEFAULTS='{"Env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "GREETING=hello"],
	"Entrypoint": ["/bin/sh", "-c"], "Cmd": ["echo $GREETING from $(pwd) as $(id -u):$(id -g) $(id -G)"],
	"WorkingDir": "/srv", "User": "app"}'
oci_image v1 "$DEFAULTS" "$LAYER1" "$LAYER2" "$LAYER3"
oci_image v2 '{"Cmd": ["cat", "/four"], "User": "1234:5678"}' "$LAYER1" "$LAYER4"
oci_image nocmd '{}' "$LAYER1"
diff1=$(cut -d' ' -f4 <<<"$LAYER1") diff2=$(cut -d' ' -f4 <<<"$LAYER2")

# Verification, while the store has none of these layers (a layer the
# store has is trusted by its digest and not read again).
before=$(store_sum)
capture berth image import x "oci:$DATA/oci"
t_match "a layout of several images needs a tag" '^berth: oci:.* holds 3 images: name one with oci:DIR:TAG \(tags: v1, v2, nocmd\)' "$ERR"
capture berth image import x "oci:$DATA/oci:v9"
t_match "an unknown tag is named" 'no image tagged `v9` \(tags: v1, v2, nocmd\)' "$ERR"
cp -a "$DATA/oci" "$DATA/bad"
blob=$DATA/bad/blobs/sha256/$(cut -d' ' -f2 <<<"$LAYER3" | cut -d: -f2)
printf 'X' | dd of="$blob" bs=1 seek=100 conv=notrunc status=none
expect_refused "a layer whose blob does not match its digest" "oci:.*: layer 3 .*: blob digest mismatch: expected sha256:" \
	x "oci:$DATA/bad:v1"
cp -a "$DATA/oci" "$DATA/bad2"
L=$DATA/bad2
fake=sha256:$(echo not the content | sha256sum | cut -d' ' -f1)
oci_image v1 '{}' "$(cut -d' ' -f1-3 <<<"$LAYER4") $fake"
jq '.manifests |= [.[-1]]' "$L/index.json" >"$DATA/i.json" && mv "$DATA/i.json" "$L/index.json"
expect_refused "a layer whose content does not match its diff_id" ".*: layer \(diff_id\) digest mismatch: expected $fake" \
	x "oci:$DATA/bad2:v1"
manifest=$DATA/bad2/blobs/sha256/$(jq -r '.manifests[0].digest' "$DATA/bad2/index.json" | cut -d: -f2)
echo ' ' >>"$manifest"
expect_refused "a manifest that does not match its digest" ".*size mismatch|.*digest mismatch" x "oci:$DATA/bad2:v1"

capture berth image import app "oci:$DATA/oci:v1"
t_is "import oci:DIR:TAG: exit 0, the name on stdout" "0 app" "$RC $OUT$ERR"
t_is "each layer is unpacked into layers/<diff_id>" \
	"$(for l in "$LAYER1" "$LAYER2" "$LAYER3"; do cut -d' ' -f4 <<<"$l" | cut -d: -f2; done | sort)" \
	"$(ls "$ROOT/layers" | sort)"
t_is "and recorded in the layers table" 3 "$(db 'SELECT count(*) FROM layers')"
t_is "whiteouts become 0:0 character devices" "character special file 0:0" \
	"$(stat -c '%F %t:%T' "$ROOT/layers/${diff2#sha256:}/data/gone")"
t_ok "the .wh. files themselves are not in the layer" test ! -e "$ROOT/layers/${diff2#sha256:}/data/.wh.gone"
t_is "opaque markers become trusted.overlay.opaque=y" y "$(xattr "$ROOT/layers/${diff2#sha256:}/opq" trusted.overlay.opaque)"
capture berth run --rm app
t_is "run IMAGE without COMMAND runs Entrypoint+Cmd with Env, WorkingDir, User" \
	"hello from /srv as 1000:1000 1000 2000" "$OUT"
capture berth run --rm app 'echo $HOME; cat /etc/app.conf; ls /data; ls /opq; test -e /l3/marker && echo l3'
t_is "a COMMAND replaces Cmd but keeps Entrypoint; the layers stack, whiteouts hide" \
	"/home/app
v2
keep
new
l3" "$OUT"
capture berth run --rm -e GREETING=bye --workdir /tmp app
t_is "-e and --workdir override the image's" "bye from /tmp as 1000:1000 1000 2000" "$OUT"
t_is "image list shows the layer count" 3 "$(berth image list | awk '$1 == "app" {print $3}')"
capture berth image inspect app
t_is "image inspect: JSON with the run defaults" '["/bin/sh","-c"]' "$(jq -c .config.Entrypoint <<<"$OUT")"
t_is "image inspect: the layers, top first, with digests" \
	"$(cut -d' ' -f4 <<<"$LAYER3") $diff2 $diff1" "$(jq -r '[.layers[].digest] | join(" ")' <<<"$OUT")"
t_is "image inspect: the manifest digest" "$(jq -r '.manifests[0].digest' "$DATA/oci/index.json")" \
	"$(jq -r .digest <<<"$OUT")"
sum=$(db "SELECT sum(size) FROM layers")
t_is "the image size is the sum of its layers (du)" "$sum" "$(jq .size <<<"$OUT")"

capture berth image import app2 "oci:$DATA/oci:v2"
t_is "a second image reuses the layer it shares" "0 4" "$RC $(ls "$ROOT/layers" | wc -l)"
t_is "two images reference the shared layer" 2 "$(db "SELECT count(*) FROM image_layers WHERE digest='$diff1'")"
capture berth run --rm app2
t_is "and runs" four "$OUT"
capture berth run --rm app2 sh -c 'id -u; id -g; echo $HOME'
t_is "a numeric User uid:gid needs no /etc/passwd entry (HOME is then /, as in Docker)" "1234
5678
/" "$OUT"
capture berth image import nocmd "oci:$DATA/oci:nocmd"
capture berth run --rm nocmd
t_is "an image without Cmd still needs a COMMAND" "125 berth: missing COMMAND to run in \`nocmd\`" "$RC $ERR"

# Removal: in use, shared layers, -f.
id=$(berth run -d --name user app 'sleep 60')
capture berth image rm app
t_is "image rm of an image in use is refused" 125 "$RC"
t_match "naming the reason" '^berth: image app is used by 1 container' "$ERR"
capture berth image rm -f app
t_is "image rm -f removes the container first" "0 user app" "$RC $(echo $OUT)"
t_is "the container is gone" 0 "$(db "SELECT count(*) FROM containers WHERE name='user'")"
t_is "layers only app used are removed; the shared one stays" \
	"$(printf '%s\n' "${diff1#sha256:}" "$(cut -d' ' -f4 <<<"$LAYER4" | cut -d: -f2)" | sort)" "$(ls "$ROOT/layers" | sort)"
berth image rm app2 nocmd >/dev/null
t_is "removing the last image that uses a layer removes it" "0 0" \
	"$(ls -A "$ROOT/layers" | wc -l) $(db 'SELECT count(*) FROM layers')"

# A User the image's /etc/passwd does not know: a clear error at run.
oci_init "$DATA/ghost"
oci_image v1 '{"Cmd": ["true"], "User": "ghost"}' "$(oci_layer "$L1" gzip)"
berth image import ghost "oci:$DATA/ghost" >/dev/null
capture berth run --rm ghost
t_is "an image User not in its /etc/passwd is refused at run" \
	"125 berth: unknown user \`ghost\`: not in the container's /etc/passwd" "$RC $ERR"
berth image rm ghost >/dev/null

# Two imports of the same new layers at once: both unpack, one folder wins
# each digest, both images use it.
"$BERTH" image import c1 "oci:$DATA/oci:v1" >"$DATA/c1.out" 2>&1 &
p1=$!
"$BERTH" image import c2 "oci:$DATA/oci:v1" >"$DATA/c2.out" 2>&1 &
p2=$!
wait $p1
r1=$?
wait $p2
t_is "two concurrent imports of the same layers both succeed" "0 0 c1 c2" "$r1 $? $(cat "$DATA/c1.out") $(cat "$DATA/c2.out")"
t_is "and share one folder per layer" "3 3 2" \
	"$(ls "$ROOT/layers" | wc -l) $(db 'SELECT count(*) FROM layers') $(db "SELECT count(*) FROM image_layers WHERE digest='$diff1'")"
t_is "no temporary folder is left" "" "$(ls -d "$ROOT"/layers/.tmp-* "$ROOT"/images/.tmp-* 2>/dev/null)"
berth image rm c1 c2 >/dev/null

# More layers than one overlay mount can take: a clear error at run.
oci_init "$DATA/many"
many=()
for i in $(seq 1 60); do
	mkdir -p "$DATA/m/$i" && echo "$i" >"$DATA/m/$i/f$i"
	many+=("$(oci_layer "$DATA/m/$i" gzip)")
done
oci_image v1 '{"Cmd": ["true"]}' "$(oci_layer "$L1" gzip)" "${many[@]}"
capture berth image import many "oci:$DATA/many:v1"
t_is "an image of 61 layers imports" "0 many" "$RC $OUT$ERR"
capture berth run --rm many
t_match "but run says plainly that it has too many layers for one overlay mount" \
	'^berth: image `many` has 61 layers: too many for one overlay mount' "$ERR"
berth image rm many >/dev/null

# ---- docker save archives -------------------------------------------------

# The legacy `docker save` layout: <id>/layer.tar, <config hex>.json,
# manifest.json, a duplicate layer as a symlink.
DA=$DATA/da
mkdir -p "$DA"
mkdir "$DA/aaa" "$DA/bbb" "$DA/ccc"
tar --numeric-owner -C "$L1" -cf "$DA/aaa/layer.tar" .
tar --xattrs --xattrs-include='*' --numeric-owner -C "$L2" -cf "$DA/bbb/layer.tar" .
ln -s ../bbb/layer.tar "$DA/ccc/layer.tar"
d1=sha256:$(sha256sum "$DA/aaa/layer.tar" | cut -d' ' -f1)
d2=sha256:$(sha256sum "$DA/bbb/layer.tar" | cut -d' ' -f1)
cfg=$(jq -n --argjson c "$DEFAULTS" --arg d1 "$d1" --arg d2 "$d2" \
	'{architecture: "amd64", os: "linux", config: $c, rootfs: {type: "layers", diff_ids: [$d1, $d2, $d2]}}')
printf '%s' "$cfg" >"$DA/cfg"
cfghex=$(sha256sum "$DA/cfg" | cut -d' ' -f1)
mv "$DA/cfg" "$DA/$cfghex.json"
jq -n --arg c "$cfghex.json" '[{Config: $c, RepoTags: ["test/app:1"], Layers: ["aaa/layer.tar", "bbb/layer.tar", "ccc/layer.tar"]}]' >"$DA/manifest.json"
tar -C "$DA" -cf "$DATA/docker.tar" manifest.json aaa bbb ccc "$cfghex.json"
capture berth image import dapp "docker-archive:$DATA/docker.tar"
t_is "import docker-archive:FILE: exit 0" "0 dapp" "$RC $OUT$ERR"
capture berth run --rm dapp 'echo $GREETING; ls /data'
t_is "its defaults and layers are used" "hello
keep" "$OUT"
capture berth image import dapp2 "docker-archive:$DATA/docker.tar:test/app:1"
t_is "docker-archive:FILE:REPO:TAG picks by tag" "0 dapp2" "$RC $OUT$ERR"
berth image rm dapp2 >/dev/null
sed -i "s/$cfghex/$(printf '%064d' 0)/" "$DA/manifest.json"
mv "$DA/$cfghex.json" "$DA/$(printf '%064d' 0).json"
tar -C "$DA" -cf "$DATA/docker-bad.tar" manifest.json aaa bbb ccc "$(printf '%064d' 0).json"
before=$(store_sum)
expect_refused "a docker archive whose config does not match its name" \
	"docker-archive:.*: config digest mismatch" x "docker-archive:$DATA/docker-bad.tar"
if command -v skopeo >/dev/null; then
	# skopeo writes no zstd layers into docker archives: a gzip-only layout.
	oci_init "$DATA/oci-gz"
	oci_image v1 "$DEFAULTS" "$(oci_layer "$L1" gzip)" "$(oci_layer "$L2" gzip)" "$(oci_layer "$L3" gzip)"
	skopeo copy -q "oci:$DATA/oci-gz:v1" "docker-archive:$DATA/skopeo.tar:test/app:1" >/dev/null 2>"$DATA/skopeo.err" ||
		t_diag "skopeo: $(cat "$DATA/skopeo.err")"
	capture berth image import sapp "docker-archive:$DATA/skopeo.tar"
	t_is "a docker-archive written by skopeo imports" "0 sapp" "$RC $OUT$ERR"
	capture berth run --rm sapp
	t_is "and runs with its defaults" "hello from /srv as 1000:1000 1000 2000" "$OUT"
else
	t_skip "skopeo-written docker archives (skopeo is not installed)"
fi
if command -v umoci >/dev/null; then
	# umoci writes the whiteouts itself when a file is deleted.
	U=$DATA/umoci
	umoci init --layout "$U" && umoci new --image "$U:base" &&
		umoci unpack --image "$U:base" "$DATA/ub" >/dev/null &&
		cp -a "$BB/." "$DATA/ub/rootfs/" && echo doomed >"$DATA/ub/rootfs/doomed" &&
		umoci repack --image "$U:base" "$DATA/ub" >/dev/null &&
		rm "$DATA/ub/rootfs/doomed" && umoci repack --image "$U:base" "$DATA/ub" >/dev/null &&
		umoci config --image "$U:base" --config.cmd 'ls' --config.cmd '/doomed' >/dev/null
	capture berth image import uapp "oci:$U:base"
	t_is "an OCI layout written by umoci imports" "0 uapp" "$RC $OUT$ERR"
	capture berth run --rm uapp
	t_match "a file umoci deleted in a later layer is gone" "No such file" "$OUT$ERR"
else
	t_skip "umoci-written layouts (umoci is not installed)"
fi

# ---- 6. crash safety ------------------------------------------------------

# An import killed half-way (SIGKILL) leaves only a .tmp- folder, which
# `run` never sees and the next import removes.
mkfifo "$DATA/fifo"
(head -c 400000 "$DATA/rootfs.tar" && sleep 30) >"$DATA/fifo" &
writer=$!
"$BERTH" image import half "$DATA/fifo" 2>/dev/null &
importer=$!
wait_for 5 sh -c "[ -n \"\$(ls -A '$ROOT'/images/.tmp-*/rootfs 2>/dev/null)\" ]"
# The shell reports a job killed by a signal on its own stderr.
exec 3>&2 2>/dev/null
kill -KILL $importer
wait $importer
exec 2>&3 3>&-
kill $writer 2>/dev/null
wait $writer 2>/dev/null
t_ok "the killed import left its half-made folder" test -n "$(ls -d "$ROOT"/images/.tmp-* 2>/dev/null)"
t_is "but no DB row" 0 "$(db "SELECT count(*) FROM images WHERE name='half'")"
capture berth run --rm half true
t_match "so run cannot use it" '^berth: image `half` not found' "$ERR"
t_ok "its unpacking process died with it" wait_for 5 sh -c "! pgrep -f '[i]mage import half' >/dev/null"
berth image import whole "$DATA/rootfs.tar" >/dev/null
t_is "the next import removes the stale folder" "" "$(ls -d "$ROOT"/images/.tmp-* 2>/dev/null)"
capture berth run --rm whole cat /t/file
t_is "and works" data "$OUT"

# ---- 3. debootstrap (opt-in) -----------------------------------------------

if [ "${BERTH_TEST_DEBOOTSTRAP:-}" = 1 ]; then
	start=$(date +%s)
	capture berth image debootstrap deb
	t_is "image debootstrap NAME: exit 0, the name on stdout" "0 deb" "$RC $OUT"
	t_diag "debootstrap took $(($(date +%s) - start)) s"
	capture berth run --rm deb cat /etc/debian_version
	t_match "a Debian system runs" '^[0-9]+' "$OUT"
	capture berth run --rm deb </dev/null
	t_is "its default command is bash" 0 "$RC"
	t_ok "the downloaded packages are not kept in the image" \
		test -z "$(ls "$(image_dir deb)/var/cache/apt/archives/"*.deb 2>/dev/null)"
else
	t_skip "image debootstrap (downloads a Debian system, minutes: set BERTH_TEST_DEBOOTSTRAP=1)"
fi
capture berth image debootstrap deb2 'bad suite'
t_is "a bad suite is refused" "125 berth: invalid suite \`bad suite\`" "$RC $ERR"
if [ -x /usr/sbin/debootstrap ]; then
	# A suite the mirror does not have: debootstrap fails after one request;
	# the mirror chosen is the machine's own Debian archive from apt's sources.
	mirror=$(grep -rhoE '^(URIs:|deb( \[[^]]*\])?)[[:space:]]+https?://[^[:space:]]+' \
		/etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null | grep -oE 'https?://[^[:space:]]+' |
		grep -E '/debian/?$' | grep -v security | head -1)
	before=$(store_sum)
	capture timeout 120 "$BERTH" image debootstrap deb3 zz-nosuchsuite
	t_is "debootstrap of a suite the mirror lacks: exit 125" 125 "$RC"
	t_match "the machine's apt mirror is used" "debootstrap zz-nosuchsuite from ${mirror:-http://deb.debian.org/debian} " "$ERR"
	t_match "the failure is said in one last line" $'\nberth: debootstrap zz-nosuchsuite failed \\(exit status [0-9]+\\): see its output above$' "$ERR"
	t_is "and the store is as before" "$before" "$(store_sum)"
else
	t_skip "image debootstrap failures (debootstrap is not installed)"
fi

t_end
