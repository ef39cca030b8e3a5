#!/bin/bash
# A private container registry and OCI image layouts made from scratch, for
# the system tests that pull from a registry. Sourced after lib.sh:
#
#   . "$(dirname "$0")/registry-lib.sh"
#   REG_DIR=$ROOT/registry
#   T_EXTRA_CLEANUP="registry_kill $REG_DIR"
#   registry_setup "$REG_DIR" && registry_start "$REG_DIR"
#   oci_layout_make "$ROOT/img" --layers 3 >/dev/null
#   registry_push_layout "$ROOT/img" app:v1 "$REG_DIR"
#
# The registry is docker-registry (distribution 2.8) on 127.0.0.1:5000,
# over TLS with a self-signed certificate and with htpasswd logins. That
# fixed address is only safe in a network namespace of the test's own,
# where 127.0.0.1 belongs to the test (see 89-network.sh for the re-exec):
# registry_start refuses to run in the host's.
#
# Every function keeps its state under the folder it is given; the layout
# builders run in a subshell, so that their `cd`, umask, `set -e` and traps
# stay theirs. They need tar, gzip, sha256sum, jq and python3; --zstd needs
# zstd (a test checks `command -v zstd` and skips without it). Pushing and
# inspecting need skopeo (1.9 here).
#
# skopeo, run as root, records every blob it moves in
# /var/lib/containers/cache/blob-info-cache-v1.boltdb, shared with the host.
# registry_private_blob_cache gives it a private one in the test's mount
# namespace.

REG_ADDR=127.0.0.1:5000
REG_USER=alice
REG_PASSWORD=secret
# bcrypt at cost 4 (the lowest): the registry checks it on every request.
# shellcheck disable=SC2016 # a salt, not an expansion
REG_BCRYPT_SALT='$2b$04$abcdefghijklmnopqrstuu'
OCI_CREATED=1970-01-01T00:00:00Z

# ---- the registry ----------------------------------------------------------

# registry_setup DIR: the certificate, the certs.d folder for skopeo's
# --cert-dir, the htpasswd file and docker-registry's config.yml.
registry_setup() (
	set -eu
	dir=$1
	mkdir -p "$dir/certs" "$dir/certs.d/$REG_ADDR" "$dir/data"
	# A self-signed certificate is its own CA. Go checks the subjectAltName
	# only (not the CN), so both names a client may dial are in it.
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj "/CN=${REG_ADDR%:*}" -addext "subjectAltName=IP:${REG_ADDR%:*},DNS:localhost" \
		-keyout "$dir/certs/registry.key" -out "$dir/certs/registry.crt" 2>/dev/null
	cp "$dir/certs/registry.crt" "$dir/certs.d/$REG_ADDR/ca.crt"
	hash=$(perl -e 'print crypt($ARGV[0], $ARGV[1])' "$REG_PASSWORD" "$REG_BCRYPT_SALT")
	# shellcheck disable=SC2016 # bcrypt's prefix, not an expansion
	case $hash in
	'$2b$04$'*) ;;
	*) echo "registry_setup: this libc's crypt() has no bcrypt" >&2; exit 1 ;;
	esac
	echo "$REG_USER:$hash" >"$dir/htpasswd"
	cat >"$dir/config.yml" <<-EOF
		version: 0.1
		log:
		  level: error
		  accesslog:
		    disabled: true
		storage:
		  filesystem:
		    rootdirectory: "$dir/data"
		  delete:
		    enabled: true
		  maintenance:
		    uploadpurging:
		      enabled: false
		http:
		  addr: $REG_ADDR
		  secret: berth-test-secret
		  tls:
		    certificate: "$dir/certs/registry.crt"
		    key: "$dir/certs/registry.key"
		auth:
		  htpasswd:
		    realm: berth-test
		    path: "$dir/htpasswd"
	EOF
)

# _registry_pid DIR: the pid in DIR/pid, if that process is still the
# registry started with DIR's config (a pid can be reused).
_registry_pid() {
	local pid
	pid=$(cat "$1/pid" 2>/dev/null) || return 1
	[ -n "$pid" ] && tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" |
		grep -qF "docker-registry serve $1/config.yml " || return 1
	echo "$pid"
}

# _registry_own_ns net|mnt: this shell runs in a namespace of that kind
# that one of its ancestors is not in, i.e. not in the machine's. (Not
# compared with pid 1's: where pid 1 holds capabilities that root here
# lacks, its /proc/1/ns links cannot be read.)
_registry_own_ns() {
	local self p=$$ ns
	self=$(readlink "/proc/self/ns/$1") || return 1
	while p=$(sed -E 's/.*\) . ([0-9]+) .*/\1/' "/proc/$p/stat" 2>/dev/null) && [ "$p" -gt 0 ]; do
		ns=$(readlink "/proc/$p/ns/$1" 2>/dev/null) || continue
		[ "$ns" != "$self" ] && return 0
	done
	return 1
}

# _registry_listening PID: PID holds the listening socket on REG_ADDR
# (so a port some other process held would not pass for ready).
_registry_listening() {
	ss -Hltnp "sport = :${REG_ADDR##*:}" 2>/dev/null | grep -q "pid=$1,"
}

# registry_start DIR: starts the registry, waits up to 10 s until it
# listens (it takes about 0.1 s). Fails (showing its log) if it does not
# come up. The log is not empty in normal use: at level error, distribution
# still logs each 404, such as skopeo's HEAD for a blob it is about to push.
registry_start() {
	local dir=$1 pid i
	_registry_pid "$dir" >/dev/null && return 0
	if ! _registry_own_ns net; then
		echo "registry_start: run the test in a network namespace of its own" >&2
		return 1
	fi
	# A clean environment: docker-registry reads REGISTRY_* variables as
	# configuration, over config.yml.
	env -i PATH="$PATH" docker-registry serve "$dir/config.yml" \
		>"$dir/registry.log" 2>&1 </dev/null &
	pid=$!
	# Out of the job table: bash would report a SIGKILL'd job ("Killed") on
	# the test's stderr. It still reaps it.
	disown "$pid"
	echo "$pid" >"$dir/pid"
	for ((i = 0; i < 200; i++)); do
		_registry_listening "$pid" && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	echo "registry_start: docker-registry did not come up; its log:" >&2
	sed 's/^/  /' "$dir/registry.log" >&2
	registry_kill "$dir"
	return 1
}

# _registry_signal DIR SIGNAL: sends SIGNAL to the registry and waits up to
# 5 s for it to end; nothing to do if it is not running.
_registry_signal() {
	local dir=$1 pid i
	pid=$(_registry_pid "$dir") || { rm -f "$dir/pid"; return 0; }
	kill "-$2" "$pid" 2>/dev/null
	for ((i = 0; i < 100; i++)); do
		if [ ! -d "/proc/$pid" ] || _registry_zombie "$pid"; then
			rm -f "$dir/pid"
			return 0
		fi
		sleep 0.05
	done
	return 1
}
_registry_zombie() { [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ]; }

# registry_stop DIR: SIGTERM (distribution shuts down gracefully), SIGKILL
# if that does not end it. registry_kill DIR: SIGKILL. Both idempotent.
registry_stop() { _registry_signal "$1" TERM || _registry_signal "$1" KILL; }
registry_kill() { _registry_signal "$1" KILL; }

registry_creds() { echo "$REG_USER:$REG_PASSWORD"; }

# registry_certdir DIR: the folder for skopeo's --cert-dir. containers/image
# reads *.crt (CAs) and *.cert/*.key (client pairs) from that folder
# itself; the host:port level of certs.d is only for the system folders
# (/etc/containers/certs.d/HOST:PORT).
registry_certdir() { echo "$1/certs.d/$REG_ADDR"; }

# registry_private_blob_cache DIR: a private skopeo blob-info cache, in this
# mount namespace only, so runs do not share what they pushed, and the host's
# cache is left alone. Only where the cache folder exists (making it would
# change the host), and never in the host's mount namespace.
registry_private_blob_cache() {
	local cache=/var/lib/containers/cache
	if ! _registry_own_ns mnt; then
		echo "registry_private_blob_cache: not in a mount namespace of the test's own" >&2
		return 1
	fi
	[ -d "$cache" ] || return 0
	mkdir -p "$1/blob-info-cache"
	mount --bind "$1/blob-info-cache" "$cache"
}

# registry_push_layout LAYOUT[:TAG] REF DIR: copies the image (or, for an
# image index, every image in it) to docker://REG_ADDR/REF, keeping the
# layout's digests: with --preserve-digests skopeo fails rather than
# convert the manifest or recompress a layer. An index needs --all: without
# it, skopeo 1.9 pushes the host's platform alone, as a plain manifest,
# even with --preserve-digests; and --multi-arch index-only is refused by
# distribution 2.8, which wants every manifest an index lists.
registry_push_layout() {
	local src=$1 ref=$2 dir=$3 layout tag all=()
	_oci_split "$src" layout tag
	[ "$(_oci_entry "$layout" "$tag" mediaType)" = application/vnd.oci.image.index.v1+json ] &&
		all=(--all)
	skopeo copy -q --preserve-digests "${all[@]}" --dest-tls-verify=true \
		--dest-cert-dir "$(registry_certdir "$dir")" --dest-creds "$(registry_creds)" \
		"oci:$layout:$tag" "docker://$REG_ADDR/$ref"
}

# registry_pull_layout REF LAYOUT[:TAG] DIR: the other way, for checks.
registry_pull_layout() {
	local ref=$1 dst=$2 dir=$3 layout tag
	_oci_split "$dst" layout tag
	skopeo copy -q --preserve-digests --src-tls-verify=true \
		--src-cert-dir "$(registry_certdir "$dir")" --src-creds "$(registry_creds)" \
		"docker://$REG_ADDR/$ref" "oci:$layout:$tag"
}

# registry_inspect REF DIR [skopeo inspect options]: skopeo inspect with
# the certificate and the login.
registry_inspect() {
	local ref=$1 dir=$2
	shift 2
	skopeo inspect --tls-verify=true --cert-dir "$(registry_certdir "$dir")" \
		--creds "$(registry_creds)" "$@" "docker://$REG_ADDR/$ref"
}

# registry_manifest_digest REF DIR: the digest of the manifest (or index)
# the registry serves for REF: the sha256 of its exact bytes (skopeo
# inspect --raw adds no newline).
registry_manifest_digest() {
	local out
	out=$(set -o pipefail; registry_inspect "$1" "$2" --raw | sha256sum) || return 1
	echo "sha256:${out%% *}"
}

# registry_blob_path DIR DIGEST: where distribution 2.8's filesystem driver
# keeps a blob (shared by every repository; a repository holds a link).
registry_blob_path() {
	local hex=${2#sha256:}
	echo "$1/data/docker/registry/v2/blobs/sha256/${hex:0:2}/$hex/data"
}

# registry_blob_corrupt DIR REPO DIGEST: damages a blob of REPO in place,
# 16 bytes in its middle, keeping its size, so that a pull fails its
# digest check.
registry_blob_corrupt() (
	set -eu
	dir=$1 repo=$2 hex=${3#sha256:}
	blob=$(registry_blob_path "$dir" "$hex")
	link=$dir/data/docker/registry/v2/repositories/$repo/_layers/sha256/$hex/link
	if [ ! -f "$link" ] || [ ! -f "$blob" ]; then
		echo "registry_blob_corrupt: $repo has no blob sha256:$hex" >&2
		exit 1
	fi
	size=$(stat -c %s "$blob")
	[ "$size" -ge 32 ] || { echo "registry_blob_corrupt: blob too small" >&2; exit 1; }
	# Each byte inverted, so every one of them changes.
	off=$((size / 2 - 8))
	python3 - "$blob" "$off" <<-'EOF'
		import sys
		path, off = sys.argv[1], int(sys.argv[2])
		with open(path, "r+b") as f:
		    f.seek(off)
		    data = f.read(16)
		    f.seek(off)
		    f.write(bytes(b ^ 0xFF for b in data))
	EOF
	[ "$(stat -c %s "$blob")" = "$size" ]
	[ "$(sha256sum <"$blob" | cut -d' ' -f1)" != "$hex" ]
)

# ---- OCI image layouts -----------------------------------------------------

# _oci_split LAYOUT[:TAG] LAYOUT_VAR TAG_VAR: a tag is what follows the
# last colon, if no slash follows it; else "latest".
_oci_split() {
	# Odd local names: printf -v would set a local named like the
	# caller's variable instead of the caller's.
	local _os_s=$1 _os_l=$1 _os_t=latest
	if [[ $_os_s == *:* && ${_os_s##*:} != */* && -n ${_os_s##*:} ]]; then
		_os_l=${_os_s%:*} _os_t=${_os_s##*:}
	fi
	printf -v "$2" %s "$_os_l"
	printf -v "$3" %s "$_os_t"
}

# _oci_entry LAYOUT TAG FIELD: a field of index.json's entry for TAG (or of
# its only entry when it has no tag).
_oci_entry() {
	jq -er --arg t "$2" --arg f "$3" '
		[.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $t)] as $m |
		(if ($m | length) > 0 then $m[0] elif (.manifests | length) == 1 then .manifests[0]
		 else error("no image tagged \($t)") end) | .[$f]' "$1/index.json"
}

# oci_layout_layers LAYOUT[:TAG]: the layer digests of an image, bottom first.
oci_layout_layers() {
	local layout tag d
	_oci_split "$1" layout tag
	d=$(_oci_entry "$layout" "$tag" digest) || return 1
	jq -r '.layers[].digest' "$layout/blobs/sha256/${d#sha256:}"
}

# _oci_blob LAYOUT FILE: moves FILE into the layout's blobs; prints
# "sha256:HEX SIZE".
_oci_blob() {
	local h
	h=$(sha256sum "$2" | cut -d' ' -f1)
	chmod 644 "$2"
	mv "$2" "$1/blobs/sha256/$h"
	echo "sha256:$h $(stat -c %s "$1/blobs/sha256/$h")"
}

# _oci_index_add LAYOUT MEDIATYPE DIGEST SIZE TAG [PLATFORM_JSON]: points
# TAG in index.json at a blob, replacing what TAG pointed at.
_oci_index_add() {
	local l=$1 entry
	entry=$(jq -cn --arg mt "$2" --arg d "$3" --argjson s "$4" --arg t "$5" --argjson p "${6:-null}" \
		'{mediaType: $mt, digest: $d, size: $s} + (if $p then {platform: $p} else {} end) +
		 {annotations: {"org.opencontainers.image.ref.name": $t}}')
	[ -f "$l/index.json" ] || echo '{"schemaVersion":2,"manifests":[]}' >"$l/index.json"
	jq -c --arg t "$5" --argjson e "$entry" \
		'.manifests = [.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] != $t)] + [$e]' \
		"$l/index.json" >"$l/index.json.new"
	mv "$l/index.json.new" "$l/index.json"
}

_oci_init() {
	mkdir -p "$1/blobs/sha256"
	echo '{"imageLayoutVersion":"1.0.0"}' >"$1/oci-layout"
}

# oci_layout_make DIR [--layers N] [--whiteout] [--zstd] [--arch A]
#   [--variant V] [--config-json JSON] [--tag T] [--salt S] [--dotdot]
#   [--device]
# Adds an image to the OCI layout DIR (made if missing) under tag T
# (default latest); prints its manifest digest. The same options give the
# same digests.
#   layer 1: /bin/busybox (the host's, static) and its applet links;
#   layer K: /etc/layerK "layer K", /data/common "from layer K";
#   the top layer, with --whiteout (needs N >= 3): /etc/.wh.layer2 and an
#     opaque /data (.wh..wh..opq) holding after-opaque (and common);
#     with --salt S: /etc/salt; with --dotdot: an entry ../escape; with
#     --device: dev/evil, a character device 1:3; with --big MB, layer 1
#     also has /big, MB MiB of random bytes.
oci_layout_make() (
	set -eu -o pipefail
	umask 022
	dir=$1
	shift
	layers=3 whiteout='' comp=gzip arch=amd64 variant='' tag=latest salt='' dotdot='' device=''
	big=0
	config='{"Env":["PATH=/bin","FROM_IMAGE=yes"],"Entrypoint":["/bin/sh","-c"],"Cmd":["echo hello from the image"],"WorkingDir":"/data","Labels":{"org.example.test":"yes"},"ExposedPorts":{"80/tcp":{}},"StopSignal":"SIGUSR1"}'
	while [ $# -gt 0 ]; do
		case $1 in
		--layers) layers=$2 && shift ;;
		--whiteout) whiteout=1 ;;
		--zstd) comp=zstd ;;
		--arch) arch=$2 && shift ;;
		--variant) variant=$2 && shift ;;
		--config-json) config=$2 && shift ;;
		--tag) tag=$2 && shift ;;
		--salt) salt=$2 && shift ;;
		--dotdot) dotdot=1 ;;
		--device) device=1 ;;
		--big) big=$2 && shift ;;
		*) echo "oci_layout_make: unknown option $1" >&2 && exit 1 ;;
		esac
		shift
	done
	if ! [[ $layers =~ ^[1-9][0-9]*$ ]]; then
		echo "oci_layout_make: --layers wants a number from 1" >&2
		exit 1
	fi
	if [ -n "$whiteout" ] && [ "$layers" -lt 3 ]; then
		echo "oci_layout_make: --whiteout needs 3 layers or more" >&2
		exit 1
	fi
	config=$(jq -ce 'if type == "object" then . else error end' <<<"$config" 2>/dev/null) || {
		echo "oci_layout_make: --config-json wants a JSON object" >&2
		exit 1
	}
	[ $comp = gzip ] || command -v zstd >/dev/null || {
		echo "oci_layout_make: --zstd needs zstd" >&2
		exit 1
	}
	_oci_init "$dir"
	work=$(mktemp -d "$dir/.build.XXXXXX")
	trap 'rm -rf "$work"' EXIT

	layer_json='[]' diff_ids='[]' history='[]'
	for ((k = 1; k <= layers; k++)); do
		root=$work/root$k
		mkdir -p "$root"
		if [ $k = 1 ]; then
			mkdir "$root/bin"
			# --big MB: random bytes (which do not compress) in /big.
			[ "$big" = 0 ] || head -c "$((big << 20))" /dev/urandom >"$root/big"
			cp /bin/busybox "$root/bin/busybox"
			chmod 755 "$root/bin/busybox"
			for a in sh ls cat true echo sleep id env pwd stat test; do
				ln -s busybox "$root/bin/$a"
			done
		else
			mkdir -p "$root/etc" "$root/data"
			echo "layer $k" >"$root/etc/layer$k"
			echo "from layer $k" >"$root/data/common"
			echo "only in layer $k" >"$root/data/only$k"
		fi
		if [ $k = "$layers" ]; then
			mkdir -p "$root/etc"
			[ -z "$salt" ] || printf '%s\n' "$salt" >"$root/etc/salt"
			if [ -n "$whiteout" ]; then
				: >"$root/etc/.wh.layer2"
				: >"$root/data/.wh..wh..opq"
				echo "after the opaque marker" >"$root/data/after-opaque"
			fi
		fi
		tarball=$work/layer$k.tar
		# Entries named without a "./" prefix and no entry for the root,
		# whose mode would be that of the scratch folder.
		(cd "$root" && find . -mindepth 1 -maxdepth 1 -printf '%P\0' | LC_ALL=C sort -z) |
			tar --format=gnu --sort=name --mtime=@0 --numeric-owner --owner=0 --group=0 \
				-C "$root" --null -T - -cf "$tarball"
		if [ $k = "$layers" ] && [ -n "$dotdot$device" ]; then
			# GNU tar strips "../" from names it writes; python's tarfile
			# writes what it is given.
			python3 - "$tarball" ${dotdot:+dotdot} ${device:+device} <<-'EOF'
				import io, sys, tarfile
				with tarfile.open(sys.argv[1], "a", format=tarfile.GNU_FORMAT) as t:
				    for kind in sys.argv[2:]:
				        if kind == "dotdot":
				            data = b"escaped\n"
				            ti = tarfile.TarInfo("../escape")
				            ti.size, ti.mode, ti.mtime = len(data), 0o644, 0
				            t.addfile(ti, io.BytesIO(data))
				        else:
				            ti = tarfile.TarInfo("dev")
				            ti.type, ti.mode, ti.mtime = tarfile.DIRTYPE, 0o755, 0
				            t.addfile(ti)
				            ti = tarfile.TarInfo("dev/evil")
				            ti.type, ti.mode, ti.mtime = tarfile.CHRTYPE, 0o666, 0
				            ti.devmajor, ti.devminor = 1, 3
				            t.addfile(ti)
			EOF
		fi
		diff=sha256:$(sha256sum "$tarball" | cut -d' ' -f1)
		if [ $comp = zstd ]; then
			zstd -q --no-progress -19 --rm "$tarball"
			tarball=$tarball.zst mt=application/vnd.oci.image.layer.v1.tar+zstd
		else
			gzip -n "$tarball"
			tarball=$tarball.gz mt=application/vnd.oci.image.layer.v1.tar+gzip
		fi
		read -r d s <<<"$(_oci_blob "$dir" "$tarball")"
		layer_json=$(jq -c --arg mt "$mt" --arg d "$d" --argjson s "$s" \
			'. + [{mediaType: $mt, digest: $d, size: $s}]' <<<"$layer_json")
		diff_ids=$(jq -c --arg d "$diff" '. + [$d]' <<<"$diff_ids")
		history=$(jq -c --arg c "$OCI_CREATED" --arg b "layer $k" \
			'. + [{created: $c, created_by: $b}]' <<<"$history")
	done

	platform=$(jq -cn --arg a "$arch" --arg v "$variant" \
		'{architecture: $a, os: "linux"} + (if $v != "" then {variant: $v} else {} end)')
	jq -cn --arg c "$OCI_CREATED" --argjson p "$platform" --argjson cfg "$config" \
		--argjson diffs "$diff_ids" --argjson h "$history" \
		'{created: $c} + $p + {config: $cfg, rootfs: {type: "layers", diff_ids: $diffs}, history: $h}' \
		>"$work/config.json"
	read -r d s <<<"$(_oci_blob "$dir" "$work/config.json")"
	jq -cn --arg d "$d" --argjson s "$s" --argjson layers "$layer_json" \
		'{schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
		  config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $d, size: $s},
		  layers: $layers}' >"$work/manifest.json"
	read -r d s <<<"$(_oci_blob "$dir" "$work/manifest.json")"
	_oci_index_add "$dir" application/vnd.oci.image.manifest.v1+json "$d" "$s" "$tag" "$platform"
	echo "$d"
)

# oci_index_make DIR [--tag T] LAYOUT[:TAG]...: an OCI layout whose tag T
# (default latest) is an image index of the images given (each a layout
# from oci_layout_make; TAG defaults to latest), with the platform of each
# from its config. Their blobs are copied in. Prints the index digest.
oci_index_make() (
	set -eu -o pipefail
	umask 022
	dir=$1 tag=latest
	shift
	if [ "${1:-}" = --tag ]; then
		tag=$2
		shift 2
	fi
	[ $# -gt 0 ] || { echo "oci_index_make: no image given" >&2; exit 1; }
	_oci_init "$dir"
	manifests='[]' layout='' t=''
	for src in "$@"; do
		_oci_split "$src" layout t
		mt=$(_oci_entry "$layout" "$t" mediaType)
		if [ "$mt" != application/vnd.oci.image.manifest.v1+json ]; then
			echo "oci_index_make: $src is not an image manifest" >&2
			exit 1
		fi
		d=$(_oci_entry "$layout" "$t" digest)
		s=$(_oci_entry "$layout" "$t" size)
		cfg=$(jq -r .config.digest "$layout/blobs/sha256/${d#sha256:}")
		platform=$(jq -c '{architecture, os} + (if .variant then {variant} else {} end)' \
			"$layout/blobs/sha256/${cfg#sha256:}")
		cp -n "$layout"/blobs/sha256/* "$dir/blobs/sha256/"
		manifests=$(jq -c --arg mt "$mt" --arg d "$d" --argjson s "$s" --argjson p "$platform" \
			'. + [{mediaType: $mt, digest: $d, size: $s, platform: $p}]' <<<"$manifests")
	done
	tmp=$(mktemp "$dir/.index.XXXXXX")
	jq -cn --argjson m "$manifests" \
		'{schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: $m}' >"$tmp"
	read -r d s <<<"$(_oci_blob "$dir" "$tmp")"
	_oci_index_add "$dir" application/vnd.oci.image.index.v1+json "$d" "$s" "$tag"
	echo "$d"
)
