/// berth-top's model: samples every running container of an lxcpath twice, `interval` seconds
/// apart, and turns the difference into CPU percentages beside the current memory, pids, block
/// I/O and network totals. Reads files only; starts no process per container.
public struct ContainerTop {
    public enum SortKey: String, CaseIterable, Sendable {
        case name = "n", cpu = "c", memory = "m", blockIO = "b", pids = "p"
    }

    public struct Row: Sendable {
        public let name: String
        /// Percent of one CPU over the interval (200 = two CPUs busy).
        public let cpuPercent: Double?
        public let stats: ContainerStats
    }

    public let lxcpath: String

    public init(lxcpath: String) { self.lxcpath = lxcpath }

    /// One table: `interval` seconds of CPU use per running container, sorted.
    public func sample(interval: Double, sort: SortKey, reverse: Bool) -> [Row] {
        let running = ContainerInventory.list(lxcpath: lxcpath).compactMap { container -> (String, PayloadCgroup, pid_t)? in
            let status = container.queryStatus()
            guard status.state != .stopped, let pid = status.pid else { return nil }
            return (container.name.value, PayloadCgroup.of(running: container.name.value, lxcpath: lxcpath, status: status), pid)
        }
        let before = running.map { ContainerStats(cgroup: $0.1, initPID: $0.2).cpuNanoseconds }
        let start = monotonicSeconds()
        if interval > 0 { CurrentProcess.pause(seconds: interval) }
        let elapsed = max(monotonicSeconds() - start, 0.000_001)
        var rows: [Row] = []
        for (index, entry) in running.enumerated() {
            let stats = ContainerStats(cgroup: entry.1, initPID: entry.2)
            var percent: Double?
            if let a = before[index], let b = stats.cpuNanoseconds, interval > 0 {
                percent = Double(b >= a ? b - a : 0) / 1e9 / elapsed * 100
            }
            rows.append(Row(name: entry.0, cpuPercent: percent, stats: stats))
        }
        return ContainerTop.sorted(rows, by: sort, reverse: reverse)
    }

    static func sorted(_ rows: [Row], by key: SortKey, reverse: Bool) -> [Row] {
        // Names ascend; the numbers descend (biggest first), as a top does; -r turns either.
        let ordered = rows.sorted { a, b in
            switch key {
            case .name: return a.name < b.name
            case .cpu: return (a.cpuPercent ?? 0, b.name) > (b.cpuPercent ?? 0, a.name)
            case .memory: return (a.stats.memoryBytes ?? 0, b.name) > (b.stats.memoryBytes ?? 0, a.name)
            case .blockIO: return (a.stats.blockIOBytes ?? 0, b.name) > (b.stats.blockIOBytes ?? 0, a.name)
            case .pids: return (a.stats.pids ?? 0, b.name) > (b.stats.pids ?? 0, a.name)
            }
        }
        return reverse ? ordered.reversed() : ordered
    }
}
