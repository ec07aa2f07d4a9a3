#!/usr/bin/env bash
# network.sh - start and stop -k of a container with a veth on a bridge, Berth beside LXC, in one run.
#
#   Benchmarks/network.sh [-r RUNS] [-p PREFIX ...]
#
# Both toolkits get one busybox container in a private lxcpath under /tmp with the same network:
# a veth on a bridge this script makes (bbench<pid>, 10.210.0.1/24, no NAT), a static address
# and the interface up. Each round times `start` (returns once RUNNING) and `stop -k`, and looks
# for the container's address in between (untimed; a '#' line says when it is missing). The bridge and the containers are removed at exit, also on
# Ctrl-C. The installed tools are used (`make install`; LXC from apt-get install lxc). Prints
# "op prefix median_ms min_ms max_ms" per op, then the Berth/LXC ratio of the medians.
#
# Some VMs stack a read-only devpts over /dev/pts, on which lxc-start cannot set up its console;
# the script then runs itself again in a private mount namespace without that mount.
set -euo pipefail
export LC_ALL=C

runs=20
prefixes=()
while getopts "r:p:h" opt; do
    case "$opt" in
        r) runs=$OPTARG ;;
        p) prefixes+=("$OPTARG") ;;
        *) sed -n '2,14p' "$0"; exit 2 ;;
    esac
done
[ "${#prefixes[@]}" -gt 0 ] || prefixes=(lxc- berth-)
[ "$(id -u)" = 0 ] || { echo "network.sh: run as root" >&2; exit 1; }

. "$(dirname "$0")/lib.sh"
without_readonly_devpts "$0" "$@"

work=$(mktemp -d /tmp/berth-netbench-XXXXXX)
chmod 755 "$work"  # an unprivileged container's root must get through to its rootfs
bridge="bbench$$"
cleanup() {
    for prefix in "${prefixes[@]}"; do
        "${prefix}stop" -P "$work/$prefix" -n bench -k >/dev/null 2>&1 || true
        "${prefix}destroy" -P "$work/$prefix" -n bench -f >/dev/null 2>&1 || true
    done
    ip link del "$bridge" 2>/dev/null || true
    rm -rf "$work"
    remove_monitors_cgroup
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip link add "$bridge" type bridge
ip addr add 10.210.0.1/24 dev "$bridge"
ip link set "$bridge" up
cat > "$work/net.conf" <<CONF
lxc.net.0.type = veth
lxc.net.0.link = $bridge
lxc.net.0.flags = up
lxc.net.0.hwaddr = 10:66:6a:xx:xx:xx
lxc.net.0.ipv4.address = 10.210.0.2/24
CONF

declare -A median
for prefix in "${prefixes[@]}"; do
    path="$work/$prefix"
    mkdir -p "$path"
    "${prefix}create" -P "$path" -n bench -t busybox -f "$work/net.conf" >/dev/null 2>&1
    : > "$work/$prefix.start"; : > "$work/$prefix.stop"
    for ((i = 0; i < runs; i++)); do
        t0=${EPOCHREALTIME/./}
        "${prefix}start" -P "$path" -n bench -d
        t1=${EPOCHREALTIME/./}
        # (LXC's busybox guest runs udhcpc, which may take the static address away again.)
        "${prefix}info" -P "$path" -n bench -i | grep -q 10.210.0.2 || echo "# ${prefix}: no address seen right after start (round $i)"
        t2=${EPOCHREALTIME/./}
        "${prefix}stop" -P "$path" -n bench -k
        t3=${EPOCHREALTIME/./}
        echo $(( t1 - t0 )) >> "$work/$prefix.start"
        echo $(( t3 - t2 )) >> "$work/$prefix.stop"
        # The next start must not find the last run's host end still going away.
        for _ in $(seq 100); do [ -z "$(ip -o link show master "$bridge")" ] && break; sleep 0.01; done
    done
    for op in start stop; do
        read -r med min max < <(summary_ms "$work/$prefix.$op")
        printf '%-6s %-7s %8s %8s %8s\n' "$op" "$prefix" "$med" "$min" "$max"
        median[$prefix.$op]=$med
    done
done
if [ -n "${median[lxc-.start]:-}" ] && [ -n "${median[berth-.start]:-}" ]; then
    for op in start stop; do
        awk -v op="$op" -v a="${median[berth-.$op]}" -v b="${median[lxc-.$op]}" 'BEGIN { printf "ratio %-6s berth/lxc %.2f\n", op, a / b }'
    done
fi
