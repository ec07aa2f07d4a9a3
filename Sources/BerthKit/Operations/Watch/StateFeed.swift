import SystemPackage

/// berth-monitor: the state changes of an lxcpath's containers as they happen, as lxc-monitor
/// prints them. Each running container's monitor is watched (a `watch` connection, which the
/// monitor feeds with every state it enters and closes when it ends); a container that starts
/// later is found by listing the lxcpath again every `interval` seconds. Only changes are told:
/// the states the containers are in when the feed starts are its starting point. A new socket in
/// the monitors' runtime directory (inotify) makes it look again at once, so a container that
/// starts is followed from its first moments.
public struct StateFeed {
    public let lxcpath: String
    /// Which containers to follow, by name.
    public let includes: (String) -> Bool
    public var interval: Double = 1

    public init(lxcpath: String, includes: @escaping (String) -> Bool) {
        self.lxcpath = lxcpath
        self.includes = includes
    }

    /// Runs until the process is ended, calling `report` for every change.
    public func run(report: (String, ContainerState) -> Void) -> Never {
        var last: [String: ContainerState] = [:]
        var watches: [String: FileDescriptor] = [:]
        // Watches made in the first round: their first state line is where the feed starts,
        // not a change.
        var startingPoint: Set<String> = []
        var first = true
        var sockets = DirectoryWatch(CommandSocket.runtimeDirectoryOfCaller)
        while true {
            // The runtime directory is made by the first monitor: watched from then on.
            if sockets == nil { sockets = DirectoryWatch(CommandSocket.runtimeDirectoryOfCaller) }
            let present = ContainerInventory.list(lxcpath: lxcpath).filter { includes($0.name.value) }
            let names = Set(present.map(\.name.value))
            for container in present where watches[container.name.value] == nil {
                let name = container.name.value
                // A container without a monitor is STOPPED; one that has one tells its state
                // on the new connection first.
                if let watch = try? MonitorClient(paths: container.paths).send(.watch) {
                    watches[name] = watch.fd
                    if first { startingPoint.insert(name) }
                } else {
                    if let previous = last[name], previous != .stopped { report(name, .stopped) }
                    last[name] = .stopped
                }
            }
            // Destroyed containers are forgotten (their watch, if any, has ended by then).
            for name in last.keys where !names.contains(name) && watches[name] == nil { last[name] = nil }
            first = false

            var fds = PollSet()
            let polled = watches.map { (name: $0.key, fd: $0.value, index: fds.add($0.value)) }
            let socketEvents = sockets.map { fds.add($0.fd) }
            _ = fds.wait(milliseconds: Int32(interval * 1000))
            if let socketEvents, fds.isReady(socketEvents) { sockets?.drain() }
            for entry in polled where fds.isReady(entry.index) {
                if let line = entry.fd.readLine(), line.hasPrefix("state "),
                   let state = ContainerState(rawValue: String(line.dropFirst(6))) {
                    if startingPoint.remove(entry.name) == nil && last[entry.name] != state { report(entry.name, state) }
                    last[entry.name] = state
                } else {
                    // End of the connection: the monitor is gone, the container STOPPED.
                    entry.fd.closeQuietly()
                    watches[entry.name] = nil
                    if last[entry.name] != .stopped { report(entry.name, .stopped) }
                    last[entry.name] = .stopped
                }
            }
        }
    }
}
