# lib.sh - what the benchmark scripts share; sourced, not run.

# Some VMs stack a read-only devpts over /dev/pts, on which lxc-start cannot set up its
# console: run the calling script again in a private mount namespace without that mount.
# Call as: without_readonly_devpts "$0" "$@"
without_readonly_devpts() {
    if [ -z "${BERTH_BENCH_UNSHARED:-}" ] && awk '$2 == "/dev/pts" && $4 ~ /^ro/' /proc/mounts | grep -q .; then
        export BERTH_BENCH_UNSHARED=1
        exec unshare -m --propagation private bash -c 'umount /dev/pts && exec "$0" "$@"' "$@"
    fi
}

# The monitors' shared cgroup (berth.monitors) that the benchmark's starts made, once empty:
# rmdir leaves it where a monitor still runs.
remove_monitors_cgroup() {
    rmdir /sys/fs/cgroup/berth.monitors /sys/fs/cgroup/*/berth.monitors 2>/dev/null || true
}

# "median min max" in ms of the microsecond samples in file $1, one per line.
summary_ms() {
    sort -n "$1" | awk '{a[NR]=$1} END {
        m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2
        printf "%.2f %.2f %.2f\n", m/1000, a[1]/1000, a[NR]/1000 }'
}

# The median of the numbers on standard input, one per line.
median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2)}'; }

# A field of /proc/PID/smaps_rollup in kB ("${2:-Pss}": Pss, Pss_Anon, ...), 0 when PID is gone.
pss() { awk -v f="${2:-Pss}:" '$1 == f {print $2}' "/proc/$1/smaps_rollup" 2>/dev/null || echo 0; }

# The host's memory now, in kB: "memavail free charged".
#   memavail  MemAvailable.
#   free      MemFree plus the pages parked on the per-CPU free lists (/proc/zoneinfo "count:"),
#             which MemFree leaves out; their level drifts by thousands of pages within seconds,
#             so a difference of MemFree or MemAvailable over a few seconds carries that noise.
#   charged   what the kernel has handed out to somebody: anonymous pages, shmem, slab, kernel
#             stacks, page tables, vmalloc and per-CPU areas.
host_memory() {
    local pcp
    pcp=$(awk '$1 == "count:" {s += $2} END {print s + 0}' /proc/zoneinfo)
    awk -v pcp_kb=$(( pcp * $(getconf PAGESIZE) / 1024 )) '
        {v[$1] = $2}
        END {
            print v["MemAvailable:"], v["MemFree:"] + pcp_kb,
                  v["AnonPages:"] + v["Shmem:"] + v["Slab:"] + v["KernelStack:"] + v["PageTables:"] + v["VmallocUsed:"] + v["Percpu:"]
        }' /proc/meminfo
}

# Side by side with LXC: what the host had before, so that the script removes only what it made.
# Call note_host_state once before making anything, lxc_bridge_up when LXC will run (its default
# config puts a veth on lxcbr0), and restore_host_state BERTH_BIN_DIR from the EXIT trap.
note_host_state() {
    made_lxcbr=0
    had_berthbr=0
    ip link show berthbr0 >/dev/null 2>&1 && had_berthbr=1
    # LXC's monitor parks itself in lxc.pivot in every hierarchy while it cleans up, and leaves it.
    had_pivot=0
    compgen -G "/sys/fs/cgroup/*/lxc.pivot" >/dev/null && had_pivot=1
    return 0
}
lxc_bridge_up() {
    if ! ip link show lxcbr0 >/dev/null 2>&1; then
        ip link add lxcbr0 type bridge && ip addr add 10.0.3.1/24 dev lxcbr0 && ip link set lxcbr0 up
        made_lxcbr=1
    fi
}
restore_host_state() {
    [ "$made_lxcbr" = 1 ] && ip link del lxcbr0 2>/dev/null
    [ "$had_pivot" = 0 ] && rmdir /sys/fs/cgroup/*/lxc.pivot /sys/fs/cgroup/lxc.pivot 2>/dev/null
    if [ "$had_berthbr" = 0 ]; then
        "$1/berth-net" stop >/dev/null 2>&1
        ip link del berthbr0 2>/dev/null
    fi
    remove_monitors_cgroup
}

# Every container under LXCPATH stopped and destroyed with the caller's `tool KIT OP ARGS...`.
# Call as: clear_containers KIT LXCPATH
clear_containers() {
    local dir
    for dir in "$2"/*/; do
        [ -d "$dir" ] || continue
        tool "$1" stop -n "$(basename "$dir")" -k >/dev/null 2>&1
        tool "$1" destroy -n "$(basename "$dir")" >/dev/null 2>&1
    done
    return 0
}
