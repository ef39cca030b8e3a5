# shellcheck shell=bash
# Registries: a pull of a three-layer image from a local registry
# (docker-registry over TLS, with a login) by `berth image pull`, by
# `podman pull` and by `skopeo copy` alone (into an OCI layout: the floor
# of anything built on it); then the second pull of the same image, which
# fetches nothing. Sourced by run.sh.
#
# The registry and every pull run in a network and mount namespace of the
# bench's own: the registry's fixed address (127.0.0.1:5000) is private
# there, and the blob cache of skopeo and podman
# (/var/lib/containers/cache) is a tmpfs of that namespace, not the host's.

REG_HOLD_PID=

registry_bench_cleanup()
{
	[ -n "$REG_HOLD_PID" ] || return 0
	in_reg bash -c ". '$BENCH_SRC/../tests/system/registry-lib.sh'; registry_kill '$WORK/registry'" \
		>/dev/null 2>&1
	kill "$REG_HOLD_PID" 2>/dev/null
	wait "$REG_HOLD_PID" 2>/dev/null || true
	REG_HOLD_PID=
	return 0
}

in_reg() { nsenter --net="/proc/$REG_HOLD_PID/ns/net" --mount="/proc/$REG_HOLD_PID/ns/mnt" "$@"; }

section_registry()
{
	log "registry: image pull of a three-layer image: berth, podman, skopeo copy; second pulls"
	md "## Registries: a pull of a three-layer image from a local registry"
	md ""
	local missing=
	for t in skopeo docker-registry openssl; do
		command -v "$t" >/dev/null || missing+=" $t"
	done
	if [ -n "$missing" ]; then
		md "_Skipped: not installed:$missing._"
		return 0
	fi
	# The namespaces: loopback up, the blob cache on a tmpfs.
	unshare --net --mount --propagation private bash -c '
		ip link set lo up
		if [ -d /var/lib/containers/cache ]; then mount -t tmpfs berth-bench-cache /var/lib/containers/cache; fi
		exec sleep infinity' &
	REG_HOLD_PID=$!
	sleep 0.3
	local reg=$WORK/registry lib=$BENCH_SRC/../tests/system/registry-lib.sh
	in_reg bash -c ". '$lib'; registry_setup '$reg' >/dev/null && registry_start '$reg' &&
		oci_layout_make '$WORK/reg-image' --layers 3 --big 24 >/dev/null &&
		registry_push_layout '$WORK/reg-image:latest' bench/img:1 '$reg'" ||
		die "the registry could not be set up"
	local ref=127.0.0.1:5000/bench/img:1 certs=$reg/certs.d/127.0.0.1:5000 size
	size=$(du -sb "$WORK/reg-image/blobs" | cut -f1)
	local login="--cert-dir $certs --creds alice:secret"
	local br=$WORK/berth-registry
	local nb="nsenter --net=/proc/$REG_HOLD_PID/ns/net --mount=/proc/$REG_HOLD_PID/ns/mnt"
	CMD[berth-pull]="$nb $BERTH --root $br image pull -q $login $ref"
	PREP[berth-pull]="$nb $BERTH --root $br image rm $ref"
	CMD[berth-pull-again]="$nb $BERTH --root $br image pull -q $login $ref"
	CMD[skopeo-copy]="$nb skopeo copy -q --src-cert-dir $certs --src-creds alice:secret docker://$ref oci:$WORK/skopeo-out:x"
	PREP[skopeo-copy]="rm -rf $WORK/skopeo-out"
	${CMD[berth-pull]} >/dev/null || die "berth image pull failed"
	${CMD[skopeo-copy]} || die "skopeo copy failed"
	local tools=(berth-pull skopeo-copy berth-pull-again) podman_note=
	if [ "$PODMAN_OK" = 1 ]; then
		local pm="$nb ${PODMAN[*]:4}"
		CMD[podman-pull]="$pm pull -q --cert-dir $certs --creds alice:secret $ref"
		PREP[podman-pull]="$pm rmi -f $ref"
		CMD[podman-pull-again]="$pm pull -q --cert-dir $certs --creds alice:secret $ref"
		SLOW[podman-pull]=1
		SLOW[podman-pull-again]=1
		if ${CMD[podman-pull]} >/dev/null 2>"$WORK/podman-pull.err"; then
			tools+=(podman-pull podman-pull-again)
		else
			podman_note="podman pull failed: $(tail -1 "$WORK/podman-pull.err")"
		fi
	else
		podman_note=$PODMAN_WHY
	fi
	interleave "${tools[@]}" || die "the registry section failed"

	md "The image: three gzip layers, $((size >> 20)) MiB of blobs (busybox and 24 MiB of random bytes, which do not compress, then two small layers), on docker-registry 2.8 over TLS with an htpasswd login, on the loopback of a namespace of the bench's own. Each first pull starts from a store without the image (removed before it, untimed); each second pull finds it stored."
	md ""
	md_times_table "${tools[@]}"
	md ""
	local bp sc ba
	bp=$(median_ms "$WORK/times/berth-pull")
	sc=$(median_ms "$WORK/times/skopeo-copy")
	ba=$(median_ms "$WORK/times/berth-pull-again")
	local rr
	rr=$(round_ratios berth-pull skopeo-copy)
	md "- berth pull / skopeo copy alone: ×$(ratio "$bp" "$sc") (per round ×$(cut -d' ' -f2 <<<"$rr")–×$(cut -d' ' -f3 <<<"$rr")): what berth adds to skopeo's download (the manifest and config asked for first, unpacking, recording)."
	if [[ " ${tools[*]} " == *" podman-pull "* ]]; then
		local pp
		pp=$(median_ms "$WORK/times/podman-pull")
		rr=$(round_ratios berth-pull podman-pull)
		md "- berth pull / podman pull: ×$(ratio "$bp" "$pp") (per round ×$(cut -d' ' -f2 <<<"$rr")–×$(cut -d' ' -f3 <<<"$rr")). Goal: at most ×1."
		md "- Second pull: berth $ba ms (goal: at most 50 ms), podman $(median_ms "$WORK/times/podman-pull-again") ms."
	else
		md "- Second pull: berth $ba ms (goal: at most 50 ms)."
		md "- podman: not measured ($podman_note)."
	fi
	md ""
	registry_bench_cleanup
}
