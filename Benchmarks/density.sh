#!/usr/bin/env bash
# density.sh - how many busybox containers this host runs at once, and what they cost.
#
#   Benchmarks/density.sh [-n N] [-j PARALLEL] [-b BERTH_BIN_DIR]
#
# Makes N overlay copies of one busybox container (berth-copy -s, so they share its files) on a
# bridge of the script's own (berthdens0, 10.78.0.1/20: the managed bridge's default /24 holds
# only 253 addresses), starts them PARALLEL at a time, and reports: the time until all are
# RUNNING, memory per running container (three ways, see host_memory in lib.sh), berth-ls -f
# and berth-info latency with all of them running, and the time to stop them. Every container,
# the lxcpath and the bridge are removed at exit, also on failure or Ctrl-C. A start that fails
# is reported with its error and the host limits that usually cause it. Default N 500,
# PARALLEL 8; run as root.
set -euo pipefail
export LC_ALL=C
. "$(dirname "$0")/lib.sh"

count=500
parallel=8
bin=$(dirname "$(command -v berth 2>/dev/null || echo /usr/local/bin/berth)")
while getopts "n:j:b:h" opt; do
    case "$opt" in
        n) count=$OPTARG ;;
        j) parallel=$OPTARG ;;
        b) bin=$OPTARG ;;
        *) sed -n '2,13p' "$0"; exit 2 ;;
    esac
done
[ "$(id -u)" = 0 ] || { echo "density.sh: run as root" >&2; exit 1; }
[ -x "$bin/berth" ] || { echo "density.sh: no berth in $bin (make install, or -b DIR)" >&2; exit 1; }

work=$(mktemp -d /tmp/berth-density-XXXXXX)
chmod 755 "$work"
lxcpath=$work/lxc
mkdir -p "$lxcpath" "$work/etc"
repo=$(cd "$(dirname "$0")/.." && pwd)
cp "$repo/config/default.conf" "$work/etc/default.conf"
sed -i 's/berthbr0/berthdens0/' "$work/etc/default.conf"
cat > "$work/etc/berth.conf" <<CONF
lxc.default_config = $work/etc/default.conf
berth.net.bridge = berthdens0
berth.net.ipv4 = 10.78.0.1/20
CONF
export BERTH_CONFIG_DIR=$work/etc
b() { "$bin/berth-$1" -P "$lxcpath" "${@:2}"; }

cleanup() {
    set +e
    for dir in "$lxcpath"/*/; do
        [ -d "$dir" ] || continue
        b destroy -n "$(basename "$dir")" -f >/dev/null 2>&1
    done
    # The bridge's DHCP server stops with the bridge (berth-net stop); a bridge left without
    # it is deleted by hand.
    "$bin/berth-net" stop >/dev/null 2>&1
    ip link del berthdens0 2>/dev/null
    rm -rf "$work"
    remove_monitors_cgroup
}
trap cleanup EXIT

ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

echo "# density.sh N=$count parallel=$parallel bin=$bin kernel=$(uname -r) cpus=$(nproc) $(date -u +%FT%TZ)"
b create -n base -t busybox >/dev/null
start=$(date +%s%N)
seq 1 "$count" | xargs -P "$parallel" -I{} "$bin/berth-copy" -P "$lxcpath" -n base -N c{} -s -B overlay >/dev/null
echo "copies $count $(ms "$start") ms"

sync
echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true
read -r avail0 free0 charged0 < <(host_memory)
start=$(date +%s%N)
seq 1 "$count" | xargs -P "$parallel" -I{} sh -c '"$0/berth-start" -P "$1" -n c{} 2>>"$2/start-errors" || echo c{} >> "$2/start-failed"' "$bin" "$lxcpath" "$work"
elapsed=$(ms "$start")
running=$(b ls --running | wc -w)
echo "all_running $running/$count in $elapsed ms"
if [ -s "$work/start-failed" ]; then
    echo "# $(wc -l < "$work/start-failed") starts failed; first errors:"
    sort "$work/start-errors" | uniq -c | sort -rn | head -5 | sed 's/^/#   /'
    echo "# limits: pid_max=$(cat /proc/sys/kernel/pid_max) threads-max=$(cat /proc/sys/kernel/threads-max)" \
        "pty.max=$(cat /proc/sys/kernel/pty/max) pty.nr=$(cat /proc/sys/kernel/pty/nr)" \
        "inotify.max_user_instances=$(cat /proc/sys/fs/inotify/max_user_instances)" \
        "bridge_ports=$(ls /sys/class/net/berthdens0/brif 2>/dev/null | wc -l)/1024" \
        "user_namespaces=$(cat /proc/sys/user/max_user_namespaces)"
fi
sleep 2
read -r avail1 free1 charged1 < <(host_memory)
per=$(( running > 0 ? running : 1 ))
echo "memory_per_container $(( (avail0 - avail1) / per )) kB by MemAvailable, $(( (free0 - free1) / per )) kB of free pages, $(( (charged1 - charged0) / per )) kB charged ($running running; see lib.sh host_memory)"
monitor=$(pgrep -f "berth monitor\] $lxcpath c1\$" | head -1 || true)
[ -n "$monitor" ] && echo "monitor_pss $(pss "$monitor") kB (of which anonymous $(pss "$monitor" Pss_Anon) kB)"

for i in 1 2 3 4 5; do t=$(date +%s%N); b ls -f >/dev/null; ms "$t"; done | median | sed 's/^/ls_f_ms /'
for i in 1 2 3 4 5; do t=$(date +%s%N); b info -n c1 >/dev/null; ms "$t"; done | median | sed 's/^/info_ms /'

start=$(date +%s%N)
seq 1 "$count" | xargs -P "$parallel" -I{} "$bin/berth-stop" -P "$lxcpath" -n c{} -k >/dev/null 2>&1 || true
echo "all_stopped $(ms "$start") ms"
start=$(date +%s%N)
seq 1 "$count" | xargs -P "$parallel" -I{} "$bin/berth-destroy" -P "$lxcpath" -n c{} >/dev/null 2>&1 || true
echo "all_destroyed $(ms "$start") ms"
