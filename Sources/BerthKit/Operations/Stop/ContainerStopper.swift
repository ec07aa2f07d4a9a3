import SystemPackage

/// berth-stop: asks a running container's init to halt (or reboot), waits, and kills it when it
/// does not stop in time. All of it goes through the container's monitor, which does the
/// signalling (through init's pidfd) and the cleanup.
public struct ContainerStopper {
    public let container: Container

    public init(container: Container) { self.container = container }

    private var client: MonitorClient { MonitorClient(paths: container.paths) }

    /// Kills init with `lxc.signal.stop` and returns once the monitor has cleaned up and gone.
    /// False when the container was not running.
    @discardableResult
    public func kill() throws(BerthError) -> Bool {
        guard let reply = try client.send(.stop) else { return false }
        // The monitor closes this connection as its very last act.
        _ = reply.fd.readToEnd()
        reply.fd.closeQuietly()
        return true
    }

    /// Sends the halt signal and waits up to `timeout` seconds (nil: for ever) for the container
    /// to stop; then kills it, unless `noKill`. False when the container was not running.
    public func shutdown(timeout: Double?, noKill: Bool) throws(BerthError) -> Bool {
        guard let watch = try client.send(.watch) else { return false }
        defer { watch.fd.closeQuietly() }
        guard let halt = try client.send(.halt) else { return true }  // stopped in between
        halt.fd.closeQuietly()
        if waitForEnd(watch.fd, timeout: timeout) { return true }
        if noKill {
            throw BerthError(.busy, "\(container.name) did not stop within \(Int(timeout ?? 0)) s (left running: --nokill)")
        }
        try kill()
        return true
    }

    /// Sends the halt signal and returns at once (`berth-stop -W`, as lxc-stop's --nowait): the
    /// container stops when its init is done, without a kill after any timeout. False when the
    /// container was not running.
    public func requestHalt() throws(BerthError) -> Bool {
        guard let halt = try client.send(.halt) else { return false }
        halt.fd.closeQuietly()
        return true
    }

    /// Asks init to reboot and waits until the container runs again.
    public func reboot(timeout: Double?) throws(BerthError) -> Bool {
        guard let watch = try client.send(.watch) else { return false }
        defer { watch.fd.closeQuietly() }
        guard let request = try client.send(.reboot) else { return false }
        request.fd.closeQuietly()
        let deadline = timeout.map { monotonicSeconds() + $0 }
        var left = false
        while true {
            let wait = deadline.map { max(0, Int32(($0 - monotonicSeconds()) * 1000)) } ?? -1
            if !watch.fd.isReadable(milliseconds: wait) {
                throw BerthError(.busy, "\(container.name) did not come back within \(Int(timeout ?? 0)) s of the reboot request")
            }
            guard let line = watch.fd.readLine() else {
                throw BerthError(.system, "\(container.name) stopped instead of rebooting")
            }
            if line != "state RUNNING" { left = true } else if left { return true }
        }
    }

    /// True when the watch connection ended (the monitor is gone) within `timeout`.
    private func waitForEnd(_ fd: FileDescriptor, timeout: Double?) -> Bool {
        let deadline = timeout.map { monotonicSeconds() + $0 }
        while true {
            let wait = deadline.map { max(0, Int32(($0 - monotonicSeconds()) * 1000)) } ?? -1
            if !fd.isReadable(milliseconds: wait) { return false }
            if fd.readAvailable() == nil { return true }
        }
    }
}
