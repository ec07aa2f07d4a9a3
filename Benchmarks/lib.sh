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

# "median min max" in ms of the microsecond samples in file $1, one per line.
summary_ms() {
    sort -n "$1" | awk '{a[NR]=$1} END {
        m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2
        printf "%.2f %.2f %.2f\n", m/1000, a[1]/1000, a[NR]/1000 }'
}
