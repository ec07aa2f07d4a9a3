#!/usr/bin/env bash
# create.sh - busybox create and destroy, and tool start-up, for Berth beside LXC, in one run.
#
#   Benchmarks/create.sh [-r RUNS] [-p PREFIX ...]
#
# Each toolkit gets its own private lxcpath under /tmp (removed at exit, also on Ctrl-C).
# Times come from hyperfine (apt-get install hyperfine); LXC from apt-get install lxc. The
# installed tools are used, so run `make install` first. Prints hyperfine's summary per op and
# a final table "op prefix mean_ms" plus the Berth/LXC ratio. Each create and destroy sample
# starts after a sync, so one toolkit's writeback does not land in the other's samples.
set -euo pipefail
export LC_ALL=C

runs=20
prefixes=()
while getopts "r:p:h" opt; do
    case "$opt" in
        r) runs=$OPTARG ;;
        p) prefixes+=("$OPTARG") ;;
        *) sed -n '2,9p' "$0"; exit 2 ;;
    esac
done
[ "${#prefixes[@]}" -gt 0 ] || prefixes=(lxc- berth-)
[ "$(id -u)" = 0 ] || { echo "create.sh: run as root" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "create.sh: needs hyperfine" >&2; exit 1; }

work=$(mktemp -d /tmp/berth-bench-XXXXXX)
chmod 755 "$work"  # an unprivileged container's root must get through to its rootfs
cleanup() {
    for prefix in "${prefixes[@]}"; do
        for dir in "$work/$prefix"*/; do
            [ -d "$dir" ] || continue
            for c in "$dir"*/; do
                [ -d "$c" ] && "${prefix}destroy" -P "${dir%/}" -n "$(basename "$c")" -f >/dev/null 2>&1 || true
            done
        done
    done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

results=()
measure() {  # op prefix hyperfine-args...
    local op=$1 prefix=$2; shift 2
    local out="$work/$op-$prefix.json"
    hyperfine -N --style basic --runs "$runs" --warmup 2 --export-json "$out" "$@" >&2
    local mean
    mean=$(python3 -c 'import json,sys; print("%.2f" % (json.load(open(sys.argv[1]))["results"][0]["mean"]*1000))' "$out")
    results+=("$op $prefix $mean")
}

for prefix in "${prefixes[@]}"; do
    command -v "${prefix}create" >/dev/null || { echo "create.sh: ${prefix}create not in PATH" >&2; exit 1; }
    path="$work/${prefix}path"
    mkdir -p "$path"
    c="-P $path -n bench"
    measure create "$prefix" --prepare "sh -c '${prefix}destroy $c >/dev/null 2>&1; sync'" \
        "${prefix}create $c -t busybox"
    measure destroy "$prefix" --prepare "sh -c '${prefix}destroy $c >/dev/null 2>&1; ${prefix}create $c -t busybox >/dev/null 2>&1; sync'" \
        "${prefix}destroy $c"
    "${prefix}create" $c -t busybox >/dev/null 2>&1
    measure ls_version "$prefix" "${prefix}ls --version"
    measure ls "$prefix" "${prefix}ls -P $path"
    measure info "$prefix" "${prefix}info $c"
    "${prefix}destroy" $c >/dev/null 2>&1
done

echo
echo "op prefix mean_ms"
printf '%s\n' "${results[@]}"
if [ "${#prefixes[@]}" = 2 ]; then
    echo
    echo "op ratio(${prefixes[1]}/${prefixes[0]})"
    printf '%s\n' "${results[@]}" | awk -v a="${prefixes[0]}" -v b="${prefixes[1]}" '
        $2 == a { base[$1] = $3 } $2 == b { mine[$1] = $3; order[++n] = $1 }
        END { for (i = 1; i <= n; i++) { op = order[i]; if (base[op] > 0) printf "%s %.3f\n", op, mine[op] / base[op] } }'
fi
