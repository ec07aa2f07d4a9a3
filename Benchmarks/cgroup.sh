#!/usr/bin/env bash
# cgroup.sh - freeze, unfreeze and resource reporting (info -S) of Berth beside LXC, in one run.
#
#   Benchmarks/cgroup.sh [-r RUNS] [-p PREFIX ...]
#
# Each toolkit gets one running busybox container in a private lxcpath under /tmp, with no
# network device (lxc.net.0.type = empty) so that neither needs a bridge; everything is
# destroyed at exit, also on Ctrl-C. The installed tools are used (run `make install` first;
# LXC from apt-get install lxc). Prints "op prefix median_ms min_ms max_ms" per op and then
# the Berth/LXC ratio of the medians. Timing is bash's EPOCHREALTIME around each command.
#
# Some VMs stack a read-only devpts over /dev/pts, on which lxc-start cannot set up its console;
# the script then runs itself again in a private mount namespace without that mount.
set -euo pipefail
export LC_ALL=C

runs=30
prefixes=()
while getopts "r:p:h" opt; do
    case "$opt" in
        r) runs=$OPTARG ;;
        p) prefixes+=("$OPTARG") ;;
        *) sed -n '2,13p' "$0"; exit 2 ;;
    esac
done
[ "${#prefixes[@]}" -gt 0 ] || prefixes=(lxc- berth-)
[ "$(id -u)" = 0 ] || { echo "cgroup.sh: run as root" >&2; exit 1; }

. "$(dirname "$0")/lib.sh"
without_readonly_devpts "$0" "$@"

work=$(mktemp -d /tmp/berth-bench-XXXXXX)
chmod 755 "$work"  # an unprivileged container's root must get through to its rootfs
cleanup() {
    for prefix in "${prefixes[@]}"; do
        "${prefix}stop" -P "$work/$prefix" -n bench -k >/dev/null 2>&1 || true
        "${prefix}destroy" -P "$work/$prefix" -n bench -f >/dev/null 2>&1 || true
    done
    rm -rf "$work"
    remove_monitors_cgroup
}
trap cleanup EXIT
trap 'exit 130' INT TERM

printf 'lxc.net.0.type = empty\n' > "$work/net.conf"
declare -A median
for prefix in "${prefixes[@]}"; do
    path="$work/$prefix"
    mkdir -p "$path"
    "${prefix}create" -P "$path" -n bench -t busybox -f "$work/net.conf" >/dev/null 2>&1
    "${prefix}start" -P "$path" -n bench -d
    "${prefix}wait" -P "$path" -n bench -s RUNNING -t 10
    for op in freeze unfreeze info_S info_s; do : > "$work/$prefix.$op"; done
    for ((i = 0; i < runs; i++)); do
        for op in freeze unfreeze info_S info_s; do
            case "$op" in
                freeze) cmd=("${prefix}freeze" -P "$path" -n bench) ;;
                unfreeze) cmd=("${prefix}unfreeze" -P "$path" -n bench) ;;
                info_S) cmd=("${prefix}info" -P "$path" -n bench -S) ;;
                info_s) cmd=("${prefix}info" -P "$path" -n bench -s) ;;
            esac
            t0=${EPOCHREALTIME/./}
            "${cmd[@]}" >/dev/null
            t1=${EPOCHREALTIME/./}
            echo $(( t1 - t0 )) >> "$work/$prefix.$op"
        done
    done
    "${prefix}stop" -P "$path" -n bench -k >/dev/null
    for op in freeze unfreeze info_S info_s; do
        read -r med min max < <(summary_ms "$work/$prefix.$op")
        printf '%-9s %-7s %8s %8s %8s\n' "$op" "$prefix" "$med" "$min" "$max"
        median[$prefix.$op]=$med
    done
done
if [ -n "${median[lxc-.freeze]:-}" ] && [ -n "${median[berth-.freeze]:-}" ]; then
    for op in freeze unfreeze info_S info_s; do
        awk -v op="$op" -v a="${median[berth-.$op]}" -v b="${median[lxc-.$op]}" 'BEGIN { printf "ratio %-9s berth/lxc %.2f\n", op, a / b }'
    done
fi
