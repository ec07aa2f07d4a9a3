import SystemPackage

/// The monitor's endings: what one boot leaves to release (a reboot starts the next one), and
/// the end of the monitor itself, in the order a stopping container needs.
extension Monitor {
    /// Releases what one boot set up: the terminals and the cgroup. The console ring and log
    /// survive a reboot.
    func teardown() {
        console?.close()
        console = nil
        for tty in ttys { tty.close() }
        ttys = []
        initPidfd?.closeQuietly()
        initPidfd = nil
        initPID = 0
        // Phys devices go back to the host while the namespace is still held open.
        for problem in network?.detach() ?? [] { logProblem(problem) }
        do throws(BerthError) {
            try cgroup.remove()
            cgroupLeftBehind = false
        } catch {
            logProblem(error.message)
            cgroupLeftBehind = true
        }
        PayloadCgroup.removeMadeParents(madeCgroupParents)
        // One the monitor's own cgroup is still inside goes once the monitor has left it.
        madeCgroupParents = madeCgroupParents.filter(FileSystem.isDirectory)
    }

    /// The end: the socket name released, then the stop waiters answered, STOPPED told to the
    /// watchers and their connections ended, so that whoever hears the container stopped (a
    /// kill waits for its answer, a clean stop and berth-wait -s STOPPED for the end of their
    /// watch or its STOPPED line) sees a container that can start again.
    func finish() {
        // STOPPED is only logged here. The mark keeps the last state until the lock file is
        // emptied, and the watchers hear it last: a berth-wait -s STOPPED that returned on
        // either while the socket and lock were still held let the start after it find the
        // container "already running".
        setState(.stopped, announced: false)
        // Before the socket closes: once it is gone a new start may begin, and it must find
        // nothing of this run.
        waitingCaller?.closeQuietly()
        waitingCaller = nil
        let monitorCgroupGone = plan.cgroupless || monitorCgroup.leave()
        PayloadCgroup.removeMadeParents(madeCgroupParents)
        for fd in holders { fd.closeQuietly() }
        holders = []
        // The MAC addresses are free again before the socket closes: a start that finds this
        // container stopped finds them free too.
        for claim in options.macClaims { claim.release() }
        // The runtime files go only once every cgroup of this run is gone: destroy and stop
        // look for leftovers only where they are (CommandSocket.hasRuntimeFiles).
        listener.close(keepingLockFile: cgroupLeftBehind || !monitorCgroupGone)
        // An ephemeral container is gone before its stop is answered (the socket is closed, so
        // the destroy sees it STOPPED).
        if plan.ephemeral, let name = try? ContainerName(plan.name) {
            do throws(BerthError) {
                try ContainerDestroyer().destroy(Container(lxcpath: plan.lxcpath, name: name), force: false, withSnapshots: true)
            } catch {
                logProblem("destroying the ephemeral container \(plan.name): \(error.message)")
            }
        }
        for waiter in stopWaiters { waiter.closeQuietly() }
        stopWaiters = []
        // Last, as the stop waiters: a clean stop returns when its watch ends, and one ended
        // before the socket and lock were gone let a start right after it find the container
        // still running (seen under load in CI).
        tellWatchers(.stopped)
        for watcher in watchers { watcher.closeQuietly() }
        watchers = []
        consoleLog?.close()
        rawTerminal?.restore()
        // The host ends of the veths are not deleted here: they go with the container's network
        // namespace, which the kernel tears down in the background once its last user is gone,
        // so neither the caller nor this exit waits for it.
    }
}
