#!/usr/bin/env bash
# memory.sh - host memory per running busybox container, LXC against Berth, counted three ways.
#
#   Benchmarks/memory.sh [-k K] [-r ROUNDS] [-b BERTH_BIN_DIR]
#
# Each round makes K busybox containers with each toolkit (LXC first, then Berth, each in a
# private lxcpath, LXC on lxcbr0, Berth with its installed defaults), starts them all at once as
# lifecycle.sh -K does, waits for RUNNING and 3 s more, and reads the host before and after:
#   memavail  the drop of MemAvailable (what lifecycle.sh reports),
#   free      the drop of free pages counting the pages parked on the per-CPU free lists
#             (/proc/zoneinfo "count:"), which MemFree and MemAvailable leave out,
#   charged   the growth of what the kernel charges to somebody: anonymous pages, shmem,
#             slab, kernel stacks, page tables, vmalloc and per-CPU areas,
#   monitor   the PSS of a monitor (monitor_anon: of it, its anonymous memory),
#   guest     the PSS of a container's processes.
# All per container, in kB; medians over the rounds and Berth/LXC. Every container, lxcpath,
# bridge and LXC's lxc.pivot cgroup the script made is removed at exit, also on failure.
# Default K 20, ROUNDS 3; run as root, after `make install` (Berth's default config) and
# `apt-get install lxc`.
set -euo pipefail
export LC_ALL=C
. "$(dirname "$0")/lib.sh"
without_readonly_devpts "$0" "$@"

count=20
rounds=3
bin=$(dirname "$(command -v berth 2>/dev/null || echo /usr/local/bin/berth)")
while getopts "k:r:b:h" opt; do
    case "$opt" in
        k) count=$OPTARG ;;
        r) rounds=$OPTARG ;;
        b) bin=$OPTARG ;;
        *) sed -n '2,19p' "$0"; exit 2 ;;
    esac
done
[ "$(id -u)" = 0 ] || { echo "memory.sh: run as root" >&2; exit 1; }
[ -x "$bin/berth" ] || { echo "memory.sh: no berth in $bin (make install, or -b DIR)" >&2; exit 1; }
command -v lxc-start >/dev/null || { echo "memory.sh: no lxc-start (apt-get install lxc)" >&2; exit 1; }

work=$(mktemp -d /tmp/berth-memory-XXXXXX)
chmod 755 "$work"
note_host_state
tool() {   # tool lxc|berth OP ARGS...: the toolkit's command on its private lxcpath
    if [ "$1" = lxc ]; then "lxc-$2" -P "$work/lxc" "${@:3}"; else "$bin/berth-$2" -P "$work/berth" "${@:3}"; fi
}
cleanup() {
    set +e
    for kit in lxc berth; do clear_containers "$kit" "$work/$kit"; done
    restore_host_state "$bin"
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
lxc_bridge_up
mkdir -p "$work/lxc" "$work/berth"

# round KIT: one line "memavail free charged monitor monitor_anon guest", per container.
round() {
    local kit=$1 names=() n i init monitor ns p m=0 ma=0 g=0
    for (( i = 0; i < count; i++ )); do
        names+=("m$i")
        tool "$kit" create -n "m$i" -t busybox >"$work/create.log" 2>&1 ||
            { echo "memory.sh: $kit create of m$i failed:" >&2; tail -3 "$work/create.log" >&2; exit 1; }
    done
    sync; sleep 1
    read -r a0 f0 c0 < <(host_memory)
    for n in "${names[@]}"; do tool "$kit" start -n "$n" -d >/dev/null 2>&1 & done
    wait
    for n in "${names[@]}"; do
        tool "$kit" wait -n "$n" -s RUNNING -t 30 >/dev/null || { echo "memory.sh: $kit container $n did not reach RUNNING in 30 s" >&2; exit 1; }
    done
    sleep 3
    read -r a1 f1 c1 < <(host_memory)
    for n in "${names[@]}"; do
        init=$(tool "$kit" info -n "$n" -p -H)
        monitor=$(awk '{print $4}' "/proc/$init/stat")
        m=$(( m + $(pss "$monitor") ))
        ma=$(( ma + $(pss "$monitor" Pss_Anon) ))
        ns=$(readlink "/proc/$init/ns/pid")
        for p in /proc/[0-9]*; do
            [ "$(readlink "$p/ns/pid" 2>/dev/null)" = "$ns" ] && g=$(( g + $(pss "${p#/proc/}") ))
        done
    done
    for n in "${names[@]}"; do tool "$kit" stop -n "$n" -k >/dev/null 2>&1; done
    for n in "${names[@]}"; do tool "$kit" destroy -n "$n" >/dev/null 2>&1; done
    echo $(( (a0 - a1) / count )) $(( (f0 - f1) / count )) $(( (c1 - c0) / count )) $(( m / count )) $(( ma / count )) $(( g / count ))
}

echo "# memory.sh K=$count rounds=$rounds bin=$bin kernel=$(uname -r) cpus=$(nproc) $(date -u +%FT%TZ)"
echo "# per container, kB: memavail free charged monitor monitor_anon guest"
for (( r = 1; r <= rounds; r++ )); do
    for kit in lxc berth; do
        line=$(round "$kit")
        echo "$kit $line"
        echo "$line" >> "$work/$kit.samples"
    done
done
col=1
for what in memavail free charged monitor monitor_anon guest; do
    l=$(awk -v c=$col '{print $c}' "$work/lxc.samples" | median)
    b=$(awk -v c=$col '{print $c}' "$work/berth.samples" | median)
    awk -v w="$what" -v l="$l" -v b="$b" 'BEGIN {printf "%-12s LXC %6d  Berth %6d  Berth/LXC %s\n", w, l, b, (l > 0 ? sprintf("%.2f", b / l) : "NA")}'
    col=$(( col + 1 ))
done
