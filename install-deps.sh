#!/bin/sh
# Installs what berth needs to build, test and benchmark, from Debian's or
# Ubuntu's archive (Debian 12 / Ubuntu 22.04 or newer). Run as root.
set -e
PACKAGES="
  build-essential autoconf automake pkg-config
  libsqlite3-dev libuv1-dev libjansson-dev libcmocka-dev
  libseccomp-dev libarchive-dev libsystemd-dev libcap-dev libssl-dev
  clang clang-format llvm libclang-rt-14-dev libbpf-dev libelf-dev zlib1g-dev bpftool valgrind
  busybox-static sqlite3 python3 iproute2 procps util-linux
  go-md2man man-db bash-completion
  zstd xz-utils jq debootstrap e2fsprogs
  qemu-system-x86 linux-image-amd64 cpio
  podman conmon crun runc containerd
  netavark aardvark-dns iptables nftables
  skopeo golang-github-pelletier-go-toml docker-registry openssl
  uidmap fuse-overlayfs fuse3 passt bubblewrap
"
if [ "$(id -u)" != 0 ]; then
	echo "install-deps.sh: run as root (sudo ./install-deps.sh)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# bpftool is its own package on Debian 12; on Ubuntu it comes with
# linux-tools. linux-image-amd64 (the VM tests' kernel) is Debian's name.
avail=""
for p in $PACKAGES; do
	if apt-cache show "$p" >/dev/null 2>&1; then avail="$avail $p"; else echo "install-deps.sh: skipping $p (not in this archive)"; fi
done
# docker-registry is for the tests, which start their own: the service its
# package enables on install is stopped again, unless it was there before.
registry_before=$(dpkg-query -W -f='${Status}' docker-registry 2>/dev/null || true)
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $avail
case $registry_before in
*" installed") ;;
*)
	if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
		systemctl disable --now docker-registry.service >/dev/null 2>&1 || true
	fi
	;;
esac
