#!/usr/bin/env bash
# startup.sh - the process floor: what a Berth tool costs before it does any work, paired
# against /bin/true and LXC's C tools.
#
#   Benchmarks/startup.sh [-r RUNS] [-b BERTH_BIN_DIR]
#
# Pairs, each run alternately (A B A B ...) RUNS times after a warm-up, wall time per run from
# the shell's own clock: `berth --version` vs `/bin/true`, and `berth-ls` vs `lxc-ls` on one
# empty lxcpath (apt-get install lxc). Prints "pair median_A_ms median_B_ms median_ratio", the
# ratio taken pair by pair so drift of the machine's speed cancels out. BERTH_BIN_DIR defaults
# to the directory of the berth on PATH.
set -euo pipefail
export LC_ALL=C

runs=200
bin=$(dirname "$(command -v berth 2>/dev/null || echo /usr/local/bin/berth)")
while getopts "r:b:h" opt; do
    case "$opt" in
        r) runs=$OPTARG ;;
        b) bin=$OPTARG ;;
        *) sed -n '2,12p' "$0"; exit 2 ;;
    esac
done
[ -x "$bin/berth" ] || { echo "startup.sh: no berth in $bin (make install, or -b DIR)" >&2; exit 1; }
empty=$(mktemp -d /tmp/berth-startup-XXXXXX)
trap 'rm -rf "$empty"' EXIT

# Nanoseconds of one run of "$@" (output discarded).
one() {
    local start end
    start=$(date +%s%N)
    "$@" >/dev/null 2>&1 || true
    end=$(date +%s%N)
    echo $(( end - start ))
}

# pair NAME -- A... -- B...: alternating runs, medians and the median of the ratios.
pair() {
    local name=$1; shift; shift
    local a=() b=()
    while [ "$1" != "--" ]; do a+=("$1"); shift; done
    shift
    b=("$@")
    one "${a[@]}" >/dev/null; one "${b[@]}" >/dev/null  # warm-up
    local i ta tb rows=""
    for ((i = 0; i < runs; i++)); do
        ta=$(one "${a[@]}"); tb=$(one "${b[@]}")
        rows+="$ta $tb"$'\n'
    done
    printf '%s' "$rows" | awk -v name="$name" '
        { a[NR] = $1; b[NR] = $2; r[NR] = $1 / $2 }
        function median(v, n,   i, j, t) {
            for (i = 2; i <= n; i++) { t = v[i]; for (j = i - 1; j >= 1 && v[j] > t; j--) v[j + 1] = v[j]; v[j + 1] = t }
            return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
        }
        END { printf "%s %.3f %.3f %.2f\n", name, median(a, NR) / 1e6, median(b, NR) / 1e6, median(r, NR) }'
}

echo "# pair median_A_ms median_B_ms median_A/B ($runs runs each, alternating)"
pair "berth--version/true" -- "$bin/berth" --version -- /bin/true
if command -v lxc-ls >/dev/null; then
    pair "berth-ls/lxc-ls(empty)" -- "$bin/berth-ls" -P "$empty" -- lxc-ls -P "$empty"
else
    echo "# lxc-ls not installed (apt-get install lxc): berth-ls alone"
    pair "berth-ls/true" -- "$bin/berth-ls" -P "$empty" -- /bin/true
fi
