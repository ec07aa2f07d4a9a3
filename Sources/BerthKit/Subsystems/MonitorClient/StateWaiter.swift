import SystemPackage

/// Waits for a container to reach one of a set of states, told by its monitor as they change
/// (a `watch` connection); a container without a monitor is STOPPED, and one that is not yet
/// running is watched for by retrying the connection. A container already in a wanted state is
/// known to be from its monitor's mark (MonitorMark), without waking the monitor.
public struct StateWaiter {
    public let paths: ContainerPaths

    public init(paths: ContainerPaths) { self.paths = paths }

    /// True when a state in `states` was reached within `timeout` seconds (nil: no limit).
    public func wait(for states: Set<ContainerState>, timeout: Double?) throws(BerthError) -> Bool {
        let deadline = timeout.map { monotonicSeconds() + $0 }
        let client = MonitorClient(paths: paths)
        // In a wanted state already, as the monitor's mark says: no round trip to the monitor.
        if let recorded = client.socket.recordedState(), states.contains(recorded) { return true }
        var pause: UInt32 = 1_000
        while true {
            if let watch = try client.send(.watch) {
                defer { watch.fd.closeQuietly() }
                while true {
                    let wait = deadline.map { max(0, Int32(($0 - monotonicSeconds()) * 1000)) } ?? -1
                    if !watch.fd.isReadable(milliseconds: wait) { return false }
                    guard let line = watch.fd.readLine() else { break }  // monitor gone: STOPPED
                    if line.hasPrefix("state "), let state = ContainerState(rawValue: String(line.dropFirst(6))), states.contains(state) {
                        return true
                    }
                }
            }
            if states.contains(.stopped) { return true }
            // Not running and not waited for as STOPPED: wait for a monitor to appear.
            if let deadline, monotonicSeconds() >= deadline { return false }
            CurrentProcess.pause(microseconds: pause)
            pause = min(pause * 2, 50_000)
        }
    }
}
