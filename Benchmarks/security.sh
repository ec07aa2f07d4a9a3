#!/usr/bin/env bash
# security.sh - what the seccomp policy costs at start: berth-start -d with Berth's default
# policy and with none, beside lxc-start -d without a policy and with LXC's common.seccomp,
# all in one run.
#
#   Benchmarks/security.sh [-r RUNS]
#
# One busybox container per case in a private lxcpath under /tmp with no network device, started
# and killed RUNS times; prints "case median_ms min_ms" (start until the tool returns, the
# container RUNNING) and the ratios. Removed at exit, also on Ctrl-C. Like cgroup.sh, it runs
# itself in a private mount namespace when /dev/pts is a read-only devpts (lxc-start fails there).
set -euo pipefail
export LC_ALL=C

runs=20
while getopts "r:h" opt; do
    case "$opt" in
        r) runs=$OPTARG ;;
        *) sed -n '2,11p' "$0"; exit 2 ;;
    esac
done
[ "$(id -u)" = 0 ] || { echo "security.sh: run as root" >&2; exit 1; }
. "$(dirname "$0")/lib.sh"
without_readonly_devpts "$0" "$@"

work=$(mktemp -d /tmp/berth-bench-XXXXXX)
chmod 755 "$work"  # an unprivileged container's root must get through to its rootfs
cases=(berth-default berth-none lxc-none lxc-common)
cleanup() {
    for c in "${cases[@]}"; do
        prefix=${c%%-*}-
        "${prefix}stop" -P "$work/$c" -n bench -k >/dev/null 2>&1 || true
        "${prefix}destroy" -P "$work/$c" -n bench -f >/dev/null 2>&1 || true
    done
    rm -rf "$work"
    remove_monitors_cgroup
}
trap cleanup EXIT
trap 'exit 130' INT TERM

declare -A median
for c in "${cases[@]}"; do
    prefix=${c%%-*}-
    mkdir -p "$work/$c"
    printf 'lxc.net.0.type = empty\n' > "$work/$c.conf"
    case "$c" in
        berth-none) echo "lxc.seccomp.profile = none" >> "$work/$c.conf" ;;
        lxc-common) echo "lxc.seccomp.profile = /usr/share/lxc/config/common.seccomp" >> "$work/$c.conf" ;;
    esac
    "${prefix}create" -P "$work/$c" -n bench -t busybox -f "$work/$c.conf" >/dev/null 2>&1
    : > "$work/$c.times"
    for ((i = 0; i < runs; i++)); do
        t0=${EPOCHREALTIME/./}
        "${prefix}start" -P "$work/$c" -n bench -d
        t1=${EPOCHREALTIME/./}
        echo $(( t1 - t0 )) >> "$work/$c.times"
        "${prefix}stop" -P "$work/$c" -n bench -k >/dev/null
    done
    read -r med min _ < <(summary_ms "$work/$c.times")
    printf '%-14s %8s %8s\n' "$c" "$med" "$min"
    median[$c]=$med
done
awk -v a="${median[berth-default]}" -v b="${median[berth-none]}" -v c="${median[lxc-none]}" -v d="${median[lxc-common]}" 'BEGIN {
    printf "ratio berth default/none %.2f\n", a / b
    printf "ratio lxc common/none    %.2f\n", d / c
    printf "ratio berth default / lxc common %.2f\n", a / d }'
