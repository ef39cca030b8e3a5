#!/bin/bash
# Networks through netavark and aardvark-dns: berth network create, ls,
# inspect, rm and prune; run --net NAME with --ip, --publish, --dns and
# --add-host; two containers on a network reach each other by address and
# by name, and nothing on another network; an --internal network has no way
# out; NAT to a server outside; published TCP and UDP ports from the host
# and from outside; stop and start; a killed supervisor's network torn down
# by the next command; and nothing left behind: links, firewall rules,
# aardvark-dns entries, held ports.
#
# The test runs in a network and mount namespace of its own (it executes
# itself again in one), where it plays the host: netavark makes its bridges
# and firewall rules there, and they vanish with it. /run is a new tmpfs
# there. "Outside" is a network namespace of the test's, joined to this one
# by a veth pair, on documentation addresses (198.51.100.0/24).
. "$(dirname "$0")/lib.sh"
require_root
NETAVARK=
for p in "${BERTH_NETAVARK:-}" /usr/libexec/podman/netavark /usr/lib/podman/netavark; do
	[ -n "$p" ] && [ -x "$p" ] && NETAVARK=$p && break
done
[ -n "$NETAVARK" ] || t_skip_all "netavark is not installed"
command -v iptables-save >/dev/null || t_skip_all "iptables is not installed"
command -v jq >/dev/null || t_skip_all "jq is not installed"
if [ -z "${BERTH_NET_TEST_NS:-}" ]; then
	exec unshare --net --mount --propagation private env BERTH_NET_TEST_NS=1 "$0" "$@"
fi
mount -t tmpfs -o mode=755 berth-test-run /run || t_skip_all "cannot mount a tmpfs on /run"
ip link set lo up
t_begin

OUTSIDE=berth-test-outside
net_cleanup() {
	[ -n "${OUTSIDE_HTTPD:-}" ] && kill "$OUTSIDE_HTTPD" 2>/dev/null
	ip netns del "$OUTSIDE" 2>/dev/null
	return 0
}
trap 'net_cleanup; t_cleanup' EXIT

run() { berth run --rm "$@"; }
# In a container, `timeout` runs under a shell that stays (not its last
# command, which it would exec): as pid 1, the command would ignore
# timeout's SIGTERM.
# busybox's wget, bounded by timeout: its own -T crashes (Debian 12's).
hget() { busybox timeout 3 busybox wget -qO- "$1"; }
# What netavark and aardvark-dns leave on the machine: links, firewall
# rules (without counters), aardvark's files, ports held.
links() { ip -o link | awk -F': ' '{print $2}' | sed 's/@.*//' | sort; }
rules() { iptables-save | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]//'; }
nft_rules() { nft list ruleset 2>/dev/null | grep -v '^#' | sed 's/counter packets [0-9]* bytes [0-9]*//'; }
aardvark_files() { find "$ROOT/run/networks" -type f ! -name '*.lock' 2>/dev/null | sort; }
ports_held() { ss -Hlntu | awk '{print $1, $5}' | sort; }
aardvark_running() { pgrep -f "aardvark-dns --config $ROOT/" >/dev/null; }
no_aardvark() { ! aardvark_running; }

# Outside: a namespace with a web server at 198.51.100.2 that has no route
# to any container subnet, so that its answers reach a container only
# through NAT.
ip netns add "$OUTSIDE"
ip link add berth-t-host type veth peer name berth-t-out netns "$OUTSIDE"
ip addr add 198.51.100.1/24 dev berth-t-host
ip link set berth-t-host up
ip -n "$OUTSIDE" addr add 198.51.100.2/24 dev berth-t-out
ip -n "$OUTSIDE" link set berth-t-out up
ip -n "$OUTSIDE" link set lo up
mkdir -p "$ROOT/www"
echo "outside says hello" >"$ROOT/www/index.html"
ip netns exec "$OUTSIDE" busybox httpd -f -p 198.51.100.2:80 -h "$ROOT/www" &
OUTSIDE_HTTPD=$!

gcc -static -O2 -o "$ROOT/udp-echo" "$(dirname "$0")/helpers/udp-echo.c" 2>/dev/null
UDP=()
[ -x "$ROOT/udp-echo" ] && UDP=(-v "$ROOT/udp-echo:/udp-echo:ro")

# ---- network commands ----
capture berth network ls
t_match "network ls shows the default network" "berth +bridge +10\.90\.0\.0/16 +10\.90\.0\.1" "$OUT"
t_is "the default network is a row of the state DB" "berth|10.90.0.0/16|berth0" \
	"$(db "SELECT name, subnet, interface FROM networks")"
capture berth network create --subnet 10.91.100.0/24 --label team=web neta
t_is "network create prints the name" "0 neta" "$RC $OUT"
capture berth network create netb
t_is "a network without --subnet gets a free 10.91.N.0/24" "0 10.91.0.0/24 10.91.0.1 berth2" \
	"$RC $(db "SELECT subnet, gateway, interface FROM networks WHERE name='netb'" | tr '|' ' ')"
berth network create --internal --subnet 10.91.200.0/24 neti >/dev/null
capture berth network inspect neta
t_is "network inspect shows the subnet, the bridge and the labels" "10.91.100.0/24 10.91.100.1 berth1 web false" \
	"$(jq -r '.[0] | "\(.subnets[0].subnet) \(.subnets[0].gateway) \(.network_interface) \(.labels.team) \(.internal)"' <<<"$OUT")"
capture berth network inspect neti
t_is "an --internal network says so" "true" "$(jq -r '.[0].internal' <<<"$OUT")"
t_is "network ls -q lists every network" "berth neta netb neti" "$(berth network ls -q | tr '\n' ' ' | sed 's/ $//')"

nets_before=$(db "SELECT count(*) FROM networks")
for bad in "network create neta|network \`neta\` already exists" \
	"network create --subnet 10.91.100.128/25 x|overlaps the subnet of network neta" \
	"network create --subnet fd00::/64 x|IPv6 networks are not supported" \
	"network create --subnet 10.1.2.0/33 x|invalid --subnet" \
	"network create --gateway 10.91.7.1 x|--gateway needs --subnet" \
	"network create --subnet 10.91.7.0/24 --gateway 10.91.8.1 x|not a host address of the subnet" \
	"network create --driver macvlan x|berth has \`bridge\` only" \
	"network create host|invalid network name" \
	"network rm berth|the default network \`berth\` cannot be removed" \
	"network rm nosuch|no such network: nosuch" \
	"network inspect nosuch|no such network: nosuch" \
	"network frob|network"; do
	args=${bad%%|*}
	# shellcheck disable=SC2086
	capture berth $args
	t_ok "berth $args: exit 125" test "$RC" -eq 125
	t_match "berth $args: says why" "${bad#*|}" "$ERR"
done
t_is "the refused commands changed no network" "$nets_before" "$(db "SELECT count(*) FROM networks")"

# ---- run's options: refused clearly, with nothing recorded ----
ctrs_before=$(db "SELECT count(*) FROM containers")
for bad in "--publish 8080:80|--publish needs a network: add --net bridge" \
	"--dns 192.0.2.1|--dns needs a network" \
	"--add-host db:192.0.2.1|--add-host needs a network" \
	"--net nosuch|no such network: nosuch" \
	"--net bridge --publish 70000:80|host port \`70000\` is not a number from 1 to 65535" \
	"--net bridge --publish 8080|expected \\[HOSTIP:\\]HOSTPORT:CTRPORT" \
	"--net bridge --publish 8080:80/sctp|unknown protocol \`sctp\`" \
	"--net bridge --publish 8080:80 --publish 8080:81|host port 8080/tcp is published twice" \
	"--net bridge --ip 10.91.100.5|--ip 10.91.100.5 is not a free host address of network berth" \
	"--net neta --ip 10.91.100.1|not a free host address of network neta" \
	"--net neta,netb --ip 10.91.100.5|--ip needs a single network" \
	"--net neta,neta|is given twice" \
	"--net neti --publish 8080:80|--publish needs a network with a way out" \
	"--net bridge --add-host nocolon|invalid --add-host" \
	"--net bridge --dns not-an-ip|invalid --dns"; do
	# shellcheck disable=SC2086
	capture run ${bad%%|*} busybox true
	t_ok "run ${bad%%|*}: exit 125" test "$RC" -eq 125
	t_match "run ${bad%%|*}: says why" "${bad#*|}" "$ERR"
done
t_is "the refused runs recorded nothing" "$ctrs_before" "$(db "SELECT count(*) FROM containers")"

ctrs_before=$(db "SELECT count(*) FROM containers")
capture env BERTH_NETAVARK=/nonexistent/netavark "$BERTH" run --rm --net bridge busybox true
t_is "without netavark: exit 125" "125" "$RC"
t_match "... naming what is missing" "netavark is not installed" "$ERR"
t_is "... and nothing recorded" "$ctrs_before" "$(db "SELECT count(*) FROM containers")"
t_is "... nor a namespace left" "" "$(ls "$ROOT/run/netns" 2>/dev/null)"

# ---- a first container: the rules netavark keeps for every network ----
# netavark makes its own chains (NETAVARK_FORWARD, NETAVARK-HOSTPORT-*) at
# its first set-up and keeps them, empty, as under Podman; what a
# container adds must go with it.
run --net bridge --publish 9999:80 busybox true
# Its supervisor tears the network down after `run` returned.
wait_for 10 t_no_supervisors
links_before=$(links)
rules_before=$(rules)
nft_before=$(nft_rules)
ports_before=$(ports_held)

# ---- the container's view ----
capture run --net bridge --hostname web1 --add-host db.example:192.0.2.10 busybox sh -c \
	'ip -o -4 addr show eth0; ip route; echo ---; cat /etc/hosts; echo ---; cat /etc/resolv.conf; echo ---; cat /etc/hostname'
t_is "run --net bridge: exit 0" "0" "$RC"
t_match "the container has an address of the default network on eth0" "eth0 +inet 10\.90\.[0-9]+\.[0-9]+/16" "$OUT"
t_match "its default route is the bridge's gateway" "default via 10\.90\.0\.1 dev eth0" "$OUT"
t_match "/etc/hosts names the container" $'10\\.90\\.[0-9.]+\tweb1' "$OUT"
t_match "/etc/hosts has --add-host" $'192\\.0\\.2\\.10\tdb\\.example' "$OUT"
t_match "/etc/resolv.conf points at aardvark-dns on the gateway" "nameserver 10\.90\.0\.1" "$OUT"
t_match "/etc/hostname is the hostname" $'---\nweb1$' "$OUT"
capture run --net neta --ip 10.91.100.50 busybox ip -o -4 addr show eth0
t_match "--ip gives that address" "inet 10\.91\.100\.50/24" "$OUT"
capture run --net neta,netb busybox ip -o -4 addr
t_match "two networks: eth0 on the first" "eth0 +inet 10\.91\.100\." "$OUT"
t_match "two networks: eth1 on the second" "eth1 +inet 10\.91\.0\." "$OUT"
berth network create --disable-dns --subnet 10.91.201.0/24 netn >/dev/null
capture run --net netn --dns 192.0.2.53 busybox cat /etc/resolv.conf
t_is "without aardvark-dns, --dns is the container's name server" "nameserver 192.0.2.53" "$OUT"
capture run --net bridge busybox cat /proc/sys/net/ipv4/ping_group_range
t_is "ICMP datagram sockets are everyone's, as in a namespace of the container's own" \
	"$(printf '0\t2147483647')" "$OUT"
u_id=$(berth run -d --net bridge --userns auto --publish 8383:80 busybox httpd -f -p 80 -h /etc)
capture hget http://127.0.0.1:8383/hostname
t_is "--userns auto: its root serves port 80, published" "${u_id:0:12}" "$OUT"
berth rm -f "$u_id" >/dev/null
capture run --net none busybox ip -o link
t_is "--net none: loopback only" "1" "$(grep -c . <<<"$OUT")"
capture run --net private busybox ip -o link
t_is "--net private: loopback only" "1" "$(grep -c . <<<"$OUT")"
capture run --net host busybox ip -o link
t_match "--net host: the host's links" "berth-t-host" "$OUT"

# ---- two containers on one network; another network; internal ----
berth run -d --name a1 --net neta busybox httpd -f -p 80 -h /etc >/dev/null
a1_id=$(db "SELECT id FROM containers WHERE name='a1'")
a1_ip=$(db "SELECT ip FROM container_networks WHERE container_id='$a1_id'")
a1_mac=$(db "SELECT mac FROM container_networks WHERE container_id='$a1_id'")
t_match "the DB has a1's address on neta" "^10\.91\.100\.[0-9]+$" "$a1_ip"
capture berth exec a1 cat /sys/class/net/eth0/address
t_is "the DB's MAC is a1's" "$a1_mac" "$OUT"
capture run --net neta busybox sh -c "timeout 3 wget -qO- http://$a1_ip/hostname; exit \$?"
t_is "a container reaches another on its network by address" "${a1_id:0:12}" "$OUT"
capture run --net neta busybox sh -c 'timeout 3 wget -qO- http://a1/hostname; exit $?'
t_is "... and by name (aardvark-dns)" "${a1_id:0:12}" "$OUT"
capture run --net neta busybox sh -c "timeout 3 wget -qO- http://${a1_id:0:12}/hostname; exit \$?"
t_is "... and by short id" "${a1_id:0:12}" "$OUT"
capture run --net netb busybox sh -c "timeout 2 wget -qO- http://$a1_ip/hostname; exit \$?"
t_ok "a container on another network cannot reach it" test "$RC" -ne 0 -a -z "$OUT"
capture run --net netb busybox nslookup a1
t_no_match "nor find its name" "$a1_ip" "$OUT"

capture run --net bridge busybox sh -c 'timeout 3 wget -qO- http://198.51.100.2/index.html; exit $?'
t_is "a container reaches a server outside through NAT" "outside says hello" "$OUT"
t_no_match "(the outside has no route to the container's subnet)" "10\.90" "$(ip -n "$OUTSIDE" route)"
capture run --net neti busybox sh -c 'ip route; timeout 2 wget -qO- http://198.51.100.2/index.html'
t_no_match "an --internal network has no default route" "default" "$OUT"
t_no_match "... and no way out" "outside says hello" "$OUT"

# ---- published ports ----
capture berth run -d --name web --net bridge --publish 8080:80 --publish 5353:53/udp "${UDP[@]}" \
	busybox sh -c '[ -x /udp-echo ] && /udp-echo 53 & exec httpd -f -p 80 -h /etc'
t_is "run -d with --publish: exit 0" "0" "$RC"
web_id=$OUT
web_ip=$(db "SELECT ip FROM container_networks WHERE container_id='$web_id'")
capture hget http://127.0.0.1:8080/hostname
t_is "--publish 8080:80: the host reaches it on 127.0.0.1:8080" "${web_id:0:12}" "$OUT"
capture hget http://198.51.100.1:8080/hostname
t_is "... and on its own address" "${web_id:0:12}" "$OUT"
capture ip netns exec "$OUTSIDE" busybox timeout 3 busybox wget -qO- http://198.51.100.1:8080/hostname
t_is "... and a client outside on the host's address" "${web_id:0:12}" "$OUT"
if [ ${#UDP[@]} -gt 0 ]; then
	capture "$ROOT/udp-echo" 127.0.0.1 5353 ping
	t_is "--publish 5353:53/udp: a UDP answer through 127.0.0.1" "echo:ping" "$OUT"
	capture ip netns exec "$OUTSIDE" "$ROOT/udp-echo" 198.51.100.1 5353 ping
	t_is "... and from outside" "echo:ping" "$OUT"
else
	t_skip "no static C compiler for the UDP helper"
	t_skip "no static C compiler for the UDP helper"
fi
capture berth list
t_match "list shows the address and the ports" "web .*$web_ip +8080->80/tcp,5353->53/udp" "$(grep ' web ' <<<"$OUT")"
capture berth status web
t_match "status shows the network" "Networks: +berth: eth0 $web_ip \(02:" "$OUT"
t_match "status shows the TCP port" "Ports: +8080->80/tcp" "$OUT"
t_match "... and the UDP one the same way" $'\n +5353->53/udp' "$OUT"
capture berth inspect web
t_is "inspect shows both" "$web_ip 8080/tcp->80 5353/udp->53" \
	"$(jq -r '.[0].state | "\(.networks[0].ip) \(.ports | map("\(.host_port)/\(.protocol)->\(.container_port)") | sort | reverse | join(" "))"' <<<"$OUT")"
capture run --net container:web busybox sh -c 'timeout 3 wget -qO- http://127.0.0.1/hostname; exit $?'
t_is "--net container:web shares web's network" "${web_id:0:12}" "$OUT"
capture berth run --rm --net bridge --publish 8080:80 busybox true
t_is "a port another container holds is refused" "125" "$RC"
t_match "... saying so" "port 8080/tcp is already in use" "$ERR"
t_is "... and the --rm container is gone" "" "$(db "SELECT name FROM containers WHERE command LIKE '%true%' AND auto_remove=1")"
t_match "web's supervisor holds the published UDP port" "users:\(\(\"berth-" "$(ss -Hlunp | grep ':5353 ')"

capture berth generate systemd web
t_match "generate systemd waits for the network" "After=local-fs.target network-online.target" "$OUT"
t_match "... wants it" "Wants=network-online.target" "$OUT"
t_match "... and names the address and ports" "# Networks: $web_ip; published ports: 8080->80/tcp,5353->53/udp" "$OUT"
unit_start=$(sed -n 's/^ExecStart=//p' <<<"$OUT")

berth stop -t 1 web >/dev/null
capture hget http://127.0.0.1:8080/hostname
t_ok "stopped: the port answers no more" test -z "$OUT"
t_is "stopped: its rules are gone" "0" "$(rules | grep -c "$web_id")"
t_ok "stopped: its namespace file is gone" test ! -e "$ROOT/run/netns/$web_id"
# The unit's own ExecStart brings it back.
$unit_start >/dev/null
capture hget http://127.0.0.1:8080/hostname
t_is "started again (the unit's ExecStart): the port is back" "${web_id:0:12}" "$OUT"
t_is "... with the same address" "$web_ip" "$(db "SELECT ip FROM container_networks WHERE container_id='$web_id'")"

# ---- a killed supervisor ----
sup=$(db "SELECT supervisor_pid FROM containers WHERE id='$web_id'")
kill -KILL "$sup"
wait_for 5 sh -c "! kill -0 $sup 2>/dev/null"
t_ok "killed supervisor: its rules are still there" test "$(rules | grep -c "$web_id")" -gt 0
capture berth list
t_match "the next command sees it ended" "web .*exited \(unknown\)" "$(grep ' web ' <<<"$OUT")"
t_is "... and tears its network down: no rule left" "0" "$(rules | grep -c "$web_id")"
t_ok "... no namespace file left" test ! -e "$ROOT/run/netns/$web_id"
capture hget http://127.0.0.1:8080/hostname
t_ok "... the port answers no more" test -z "$OUT"
berth start web >/dev/null
capture hget http://127.0.0.1:8080/hostname
t_is "start sets it up again" "${web_id:0:12}" "$OUT"
sup=$(db "SELECT supervisor_pid FROM containers WHERE id='$web_id'")
kill -KILL "$sup"
wait_for 5 sh -c "! kill -0 $sup 2>/dev/null"
capture berth system check
t_match "system check tears down what a killed supervisor left" "fixed: web was running" "$OUT"
t_is "... no rule left" "0" "$(rules | grep -c "$web_id")"

# ---- back to back, and at once ----
# A --rm container's network is torn down after `run` returned; the next
# set-up waits for that teardown, so the same port is free again.
ok=0
for i in 1 2 3 4; do
	run --net bridge --publish 8181:80 busybox true && ok=$((ok + 1))
done
t_is "four runs back to back publish the same port, each in turn" "4" "$ok"
pids=()
for i in 1 2 3 4 5 6; do
	berth run -d --name par$i --net bridge busybox sleep 1000 >/dev/null &
	pids+=($!)
done
wait "${pids[@]}"
t_is "six runs at once: six containers" "6" "$(db "SELECT count(*) FROM containers WHERE name LIKE 'par%' AND state='running'")"
t_is "... with six different addresses" "6" \
	"$(db "SELECT count(DISTINCT ip) FROM container_networks a JOIN containers c ON c.id = a.container_id WHERE c.name LIKE 'par%'")"
capture run --net bridge busybox sh -c 'for i in 1 2 3 4 5 6; do nslookup par$i >/dev/null || exit 1; done; echo all'
t_is "... each found by name" "all" "$OUT"
berth rm -f par1 par2 par3 par4 par5 par6 >/dev/null

# ---- network rm, prune ----
capture berth network rm neta
t_is "network rm of a network in use: exit 125" "125" "$RC"
t_match "... naming the container" "network neta is in use by container a1" "$ERR"
capture berth network rm -f neta
t_is "network rm -f removes its containers, then it" "0 neta" "$RC $(tail -1 <<<"$OUT")"
t_is "... a1 is gone" "" "$(db "SELECT name FROM containers WHERE name='a1'")"
t_is "... with its address" "0" "$(db "SELECT count(*) FROM container_networks WHERE container_id='$a1_id'")"
capture berth network prune
t_is "network prune removes the unused ones, not the default" "netb neti netn" "$(sort <<<"$OUT" | tr '\n' ' ' | sed 's/ $//')"
t_is "... leaving the default one" "berth" "$(berth network ls -q | tr '\n' ' ' | sed 's/ $//')"

# ---- a lost DB: --repair records the addresses and ports again ----
berth network create --subnet 10.91.150.0/24 netr >/dev/null
rep_id=$(berth run -d --name rep --net netr --publish 8282:80 busybox httpd -f -p 80 -h /etc)
rep_ip=$(db "SELECT ip FROM container_networks WHERE container_id='$rep_id'")
: >"$ROOT/state.db"
rm -f "$ROOT/state.db-wal" "$ROOT/state.db-shm"
capture berth system check --repair
t_match "--repair records the container's address and port again" \
	"fixed: recorded the 1 address and 1 port of container rep again" "$OUT"
t_match "... and its network, from its configuration" "fixed: recorded network netr again" "$OUT"
t_is "... the same address" "$rep_ip" "$(db "SELECT ip FROM container_networks WHERE container_id='$rep_id'")"
t_is "... on the same network" "netr 10.91.150.0/24" "$(db "SELECT name, subnet FROM networks WHERE name='netr'" | tr '|' ' ')"
capture hget http://127.0.0.1:8282/hostname
t_is "... and it still answers on its port" "${rep_id:0:12}" "$OUT"
capture run --net netr busybox ip -o -4 addr show eth0
t_no_match "a new container does not get its address" "inet $rep_ip/" "$OUT"
berth rm -f rep >/dev/null
berth network rm netr >/dev/null

# ---- nothing left behind ----
berth rm -f web >/dev/null
wait_for 10 t_no_supervisors
t_ok "aardvark-dns ended with the last container on a network with DNS" wait_for 5 no_aardvark
t_is "no link left" "$links_before" "$(links)"
t_is "no firewall rule left (iptables-save)" "$rules_before" "$(rules)"
t_is "no firewall rule left (nft list ruleset)" "$nft_before" "$(nft_rules)"
t_is "no aardvark-dns entry left" "" "$(aardvark_files)"
t_is "no port held" "$ports_before" "$(ports_held)"
t_is "no namespace file left" "" "$(ls "$ROOT/run/netns" 2>/dev/null)"
t_is "no row of a removed container left" "0 0" \
	"$(db "SELECT count(*) FROM container_networks") $(db "SELECT count(*) FROM container_ports")"

net_cleanup
t_end
