#!/usr/bin/env bash
# storage.sh - clones, copies, snapshots and destroys of Berth beside LXC, in one run.
#
#   Benchmarks/storage.sh [-r RUNS] [-s SIZE_MB] [-p PREFIX ...]
#
# Each toolkit gets a busybox container (about 2 MB) and the same container with SIZE_MB (400 by
# default) of random data added, in a private lxcpath under /tmp, stopped. Per round it times:
#   oclone   copy -n B -N O -s -B overlay   (an overlay clone)
#   osnap    snapshot -n O                  (a snapshot of that overlay clone)
#   odestroy destroy -n O -s
#   copy     copy -n B -N F                 (a full copy: rsync for LXC)
#   fdestroy destroy -n F
#   dsnap    snapshot -n B                  (a dir snapshot: a full copy for both)
#   restore  snapshot -n B -r snap0 -N R    (restore as a new container)
# (the snapshots and R are removed untimed after each round). Prints "op size prefix median_ms
# min_ms max_ms", then the Berth/LXC ratio of the medians. Everything is removed at exit, also
# on Ctrl-C. The installed tools are used (`make install`; LXC from apt-get install lxc).
set -euo pipefail
export LC_ALL=C

runs=5
size=400
prefixes=()
while getopts "r:s:p:h" opt; do
    case "$opt" in
        r) runs=$OPTARG ;;
        s) size=$OPTARG ;;
        p) prefixes+=("$OPTARG") ;;
        *) sed -n '2,18p' "$0"; exit 2 ;;
    esac
done
[ "${#prefixes[@]}" -gt 0 ] || prefixes=(lxc- berth-)
[ "$(id -u)" = 0 ] || { echo "storage.sh: run as root" >&2; exit 1; }
. "$(dirname "$0")/lib.sh"

work=$(mktemp -d /tmp/berth-storagebench-XXXXXX)
chmod 755 "$work"  # an unprivileged container's root must get through to its rootfs
cleanup() {
    for prefix in "${prefixes[@]}"; do
        path="$work/$prefix"
        [ -d "$path" ] || continue
        for name in $(ls "$path"); do "${prefix}snapshot" -P "$path" -n "$name" -d ALL >/dev/null 2>&1 || true; done
        for name in R O F big small; do "${prefix}destroy" -P "$path" -n "$name" -f -s >/dev/null 2>&1 || true; done
    done
    rm -rf "$work"
    remove_monitors_cgroup
}
trap cleanup EXIT
trap 'exit 130' INT TERM

printf 'lxc.net.0.type = empty\n' > "$work/net.conf"
head -c "${size}M" /dev/urandom > "$work/blob"
ops=(oclone osnap odestroy copy fdestroy dsnap restore)
declare -A median
for prefix in "${prefixes[@]}"; do
    path="$work/$prefix"
    mkdir -p "$path"
    for base in small big; do
        "${prefix}create" -P "$path" -n "$base" -t busybox -f "$work/net.conf" >/dev/null 2>&1
        [ "$base" = big ] && cp "$work/blob" "$path/big/rootfs/blob"
        for op in "${ops[@]}"; do : > "$work/$prefix.$base.$op"; done
        for ((i = 0; i < runs; i++)); do
            sync
            for op in "${ops[@]}"; do
                case "$op" in
                    oclone) cmd=("${prefix}copy" -P "$path" -n "$base" -N O -s -B overlay) ;;
                    osnap) cmd=("${prefix}snapshot" -P "$path" -n O) ;;
                    odestroy) cmd=("${prefix}destroy" -P "$path" -n O -s) ;;
                    copy) cmd=("${prefix}copy" -P "$path" -n "$base" -N F) ;;
                    fdestroy) cmd=("${prefix}destroy" -P "$path" -n F) ;;
                    dsnap) cmd=("${prefix}snapshot" -P "$path" -n "$base") ;;
                    restore) cmd=("${prefix}snapshot" -P "$path" -n "$base" -r snap0 -N R) ;;
                esac
                t0=${EPOCHREALTIME/./}
                "${cmd[@]}" >/dev/null 2>&1 || { echo "storage.sh: ${cmd[*]} failed" >&2; exit 1; }
                t1=${EPOCHREALTIME/./}
                echo $(( t1 - t0 )) >> "$work/$prefix.$base.$op"
            done
            "${prefix}destroy" -P "$path" -n R >/dev/null 2>&1
            "${prefix}snapshot" -P "$path" -n "$base" -d snap0 >/dev/null 2>&1
        done
        for op in "${ops[@]}"; do
            read -r med min max < <(summary_ms "$work/$prefix.$base.$op")
            printf '%-9s %-6s %-7s %9s %9s %9s\n' "$op" "$base" "$prefix" "$med" "$min" "$max"
            median[$prefix.$base.$op]=$med
        done
        "${prefix}destroy" -P "$path" -n "$base" -s >/dev/null 2>&1
    done
done
if [ -n "${median[lxc-.small.copy]:-}" ] && [ -n "${median[berth-.small.copy]:-}" ]; then
    for base in small big; do
        for op in "${ops[@]}"; do
            awk -v op="$op" -v base="$base" -v a="${median[berth-.$base.$op]}" -v b="${median[lxc-.$base.$op]}" \
                'BEGIN { printf "ratio %-9s %-6s berth/lxc %.2f\n", op, base, a / b }'
        done
    done
fi
