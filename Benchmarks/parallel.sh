#!/usr/bin/env bash
# parallel.sh - K starts at once, as lifecycle.sh -K times them, split into their two phases.
#
#   Benchmarks/parallel.sh [-k K] [-r ROUNDS] [-b BERTH_BIN_DIR] [-B SECOND_BIN_DIR] [-L]
#
# A round makes K new busybox containers with each toolkit in a private lxcpath (LXC on lxcbr0,
# Berth with its installed defaults), then, as lifecycle.sh's parallel round does: starts all K
# at once (`timeout ... start -d` in the background), waits for every start to return (the
# "starts" phase), then runs `timeout ... wait -s RUNNING` for each, one after another (the
# "waits" phase). It reads /proc/stat around each phase for the CPU time the host spent busy
# and idle (in the kernel's 10 ms ticks, so a single round's figure is coarse), then stops and
# destroys the K containers. The toolkits take turns, in the opposite order every other round
# (A B, B A, ...), so that the VM's drift falls on both.
#   -B DIR   a second Berth build (`make install DESTDIR=... PREFIX=/usr`, then DIR=.../usr/bin),
#            measured as "berth2": an A/B of two builds, with LXC too unless -L.
#   -L       leave LXC out.
# Prints one line per toolkit and round, then each toolkit's medians and the median of its
# per-round ratios to the first toolkit's (LXC's, or with -L the first Berth's). Every
# container, lxcpath and bridge the script made, and LXC's lxc.pivot cgroups, are removed at
# exit, also on failure or Ctrl-C. Default K 20, ROUNDS 10; run as root.
set -euo pipefail
export LC_ALL=C
. "$(dirname "$0")/lib.sh"
without_readonly_devpts "$0" "$@"

count=20
rounds=10
bin=$(dirname "$(command -v berth 2>/dev/null || echo /usr/local/bin/berth)")
bin2=""
with_lxc=1
while getopts "k:r:b:B:Lh" opt; do
    case "$opt" in
        k) count=$OPTARG ;;
        r) rounds=$OPTARG ;;
        b) bin=$OPTARG ;;
        B) bin2=$OPTARG ;;
        L) with_lxc=0 ;;
        *) sed -n '2,20p' "$0"; exit 2 ;;
    esac
done
[ "$(id -u)" = 0 ] || { echo "parallel.sh: run as root" >&2; exit 1; }
for dir in "$bin" ${bin2:+"$bin2"}; do
    [ -x "$dir/berth" ] || { echo "parallel.sh: no berth in $dir (make install, or -b/-B DIR)" >&2; exit 1; }
done
[ "$with_lxc" = 0 ] || command -v lxc-start >/dev/null ||
    { echo "parallel.sh: no lxc-start (apt-get install lxc, or -L)" >&2; exit 1; }

kits=()
[ "$with_lxc" = 1 ] && kits+=(lxc)
kits+=(berth)
[ -n "$bin2" ] && kits+=(berth2)
[ "${#kits[@]}" -ge 2 ] || { echo "parallel.sh: -L needs -B: nothing to compare" >&2; exit 2; }

work=$(mktemp -d /tmp/berth-parallel-XXXXXX)
chmod 755 "$work"
note_host_state
tool() {   # tool KIT OP ARGS...: the toolkit's command on its private lxcpath, under a timeout
    case "$1" in
        lxc) timeout -k 5 60 "lxc-$2" -P "$work/lxc" "${@:3}" ;;
        berth) timeout -k 5 60 "$bin/berth-$2" -P "$work/berth" "${@:3}" ;;
        berth2) timeout -k 5 60 "$bin2/berth-$2" -P "$work/berth2" "${@:3}" ;;
    esac
}
cleanup() {
    set +e
    for kit in "${kits[@]}"; do clear_containers "$kit" "$work/$kit"; done
    restore_host_state "$bin"
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
[ "$with_lxc" = 1 ] && lxc_bridge_up
for kit in "${kits[@]}"; do mkdir -p "$work/$kit"; done

# "busy idle" CPU time of the whole host so far, in ms (USER_HZ ticks of 10 ms).
cpu_ms() { awk '/^cpu / {print ($2 + $3 + $4 + $7 + $8) * 10, ($5 + $6) * 10}' /proc/stat; }

# round KIT: one line "starts waits total busy_starts idle_starts busy_waits idle_waits" (ms).
round() {
    local kit=$1 names=() n i pids=() t0 t1 t2 b0 i0 b1 i1 b2 i2
    for (( i = 0; i < count; i++ )); do
        names+=("p$i")
        tool "$kit" create -n "p$i" -t busybox >"$work/create.log" 2>&1 ||
            { echo "parallel.sh: $kit create of p$i failed:" >&2; tail -3 "$work/create.log" >&2; exit 1; }
    done
    sync; sleep 1
    read -r b0 i0 < <(cpu_ms)
    t0=${EPOCHREALTIME/./}
    for n in "${names[@]}"; do
        tool "$kit" start -n "$n" -d >>"$work/start.log" 2>&1 &
        pids+=($!)
    done
    for p in "${pids[@]}"; do
        wait "$p" || { echo "parallel.sh: a $kit start failed:" >&2; tail -3 "$work/start.log" >&2; exit 1; }
    done
    t1=${EPOCHREALTIME/./}
    read -r b1 i1 < <(cpu_ms)
    for n in "${names[@]}"; do
        tool "$kit" wait -n "$n" -s RUNNING -t 30 >/dev/null ||
            { echo "parallel.sh: $kit container $n did not reach RUNNING" >&2; exit 1; }
    done
    t2=${EPOCHREALTIME/./}
    read -r b2 i2 < <(cpu_ms)
    pids=()
    for n in "${names[@]}"; do tool "$kit" stop -n "$n" -k >/dev/null 2>&1 & pids+=($!); done
    for p in "${pids[@]}"; do wait "$p" || true; done
    clear_containers "$kit" "$work/$kit"
    echo $(( (t1 - t0) / 1000 )) $(( (t2 - t1) / 1000 )) $(( (t2 - t0) / 1000 )) \
        $(( b1 - b0 )) $(( i1 - i0 )) $(( b2 - b1 )) $(( i2 - i1 ))
}

echo "# parallel.sh K=$count rounds=$rounds kits=${kits[*]} bin=$bin${bin2:+ bin2=$bin2} kernel=$(uname -r) cpus=$(nproc) $(date -u +%FT%TZ)"
echo "# kit round: starts waits total (ms); CPU busy and idle during the starts, then the waits (ms, 10 ms ticks)"
for (( r = 1; r <= rounds; r++ )); do
    order=("${kits[@]}")
    if (( r % 2 == 0 )); then
        order=()
        for (( i = ${#kits[@]} - 1; i >= 0; i-- )); do order+=("${kits[$i]}"); done
    fi
    for kit in "${order[@]}"; do
        line=$(round "$kit")
        echo "$kit $r: $line"
        echo "$r $line" >> "$work/$kit.samples"
    done
done

# Medians per kit, and the median of the per-round ratios to the first kit.
first=${kits[0]}
printf '%-7s %8s %8s %8s %10s %10s   %s\n' kit starts waits total busy_start busy_wait "total/$first (range)"
for kit in "${kits[@]}"; do
    cols=()
    for col in 2 3 4 5 7; do cols+=("$(awk -v c=$col '{print $c}' "$work/$kit.samples" | median)"); done
    ratio=$(awk 'NR == FNR {t[$1] = $4; next} ($1 in t) && t[$1] > 0 {print $4 / t[$1]}' \
        "$work/$first.samples" "$work/$kit.samples" | sort -n |
        awk '{v[NR] = $1} END {m = (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2); printf "%.3f (%.2f-%.2f)", m, v[1], v[NR]}')
    printf '%-7s %8s %8s %8s %10s %10s   %s\n' "$kit" "${cols[@]}" "$ratio"
done
