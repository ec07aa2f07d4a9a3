import SystemPackage

/// What a running container uses, read from its cgroup files (v1 or v2, wherever each controller
/// lives) and from its init's network namespace (`/proc/PID/net/dev`), without starting a
/// process. A value the host cannot tell (no such controller) is nil.
public struct ContainerStats: Sendable, Equatable {
    /// CPU time of all its processes, in nanoseconds.
    public var cpuNanoseconds: UInt64?
    /// Memory in use now, and the most it has used, in bytes.
    public var memoryBytes: UInt64?
    public var memoryPeakBytes: UInt64?
    /// Swap in use now, in bytes (nil where the host does not account swap).
    public var swapBytes: UInt64?
    /// Processes (tasks) now.
    public var pids: UInt64?
    /// Bytes read and written on block devices.
    public var blockIOBytes: UInt64?
    /// Bytes sent and received per network interface (loopback left out).
    public var interfaces: [Interface] = []

    public struct Interface: Sendable, Equatable {
        public let name: String
        public let receivedBytes: UInt64
        public let sentBytes: UInt64
    }

    public init() {}

    /// The numbers of the container with cgroup `cgroup` and init `pid` (nil: no network part).
    public init(cgroup: PayloadCgroup, initPID pid: pid_t?) {
        func read(_ controller: String, _ file: String) -> String? {
            cgroup.directory(for: controller).flatMap { try? FileSystem.readText(Path.join($0, file)) }
        }
        func number(_ text: String?) -> UInt64? {
            text.flatMap { UInt64($0.splitBytes(where: ContainerStats.isBlank).first ?? "") }
        }
        let v2 = { (controller: String) -> Bool in cgroup.layout.location(of: controller) == .v2 }

        if v2("cpu") {
            cpuNanoseconds = ContainerStats.field("usage_usec", in: read("cpu", "cpu.stat")).map { $0 * 1000 }
        } else {
            cpuNanoseconds = number(read("cpuacct", "cpuacct.usage"))
        }
        if v2("memory") {
            memoryBytes = number(read("memory", "memory.current"))
            memoryPeakBytes = number(read("memory", "memory.peak"))
            swapBytes = number(read("memory", "memory.swap.current"))
        } else {
            memoryBytes = number(read("memory", "memory.usage_in_bytes"))
            memoryPeakBytes = number(read("memory", "memory.max_usage_in_bytes"))
            // v1 counts memory and swap together (memsw), where swap accounting is on.
            if let both = number(read("memory", "memory.memsw.usage_in_bytes")), let memory = memoryBytes {
                swapBytes = both > memory ? both - memory : 0
            }
        }
        pids = number(read("pids", "pids.current"))
        if v2("io") {
            // io.stat: one line per device, `MAJ:MIN rbytes=N wbytes=N rios=N ...`.
            blockIOBytes = read("io", "io.stat").map { text in
                text.splitBytes(where: ContainerStats.isBlank).reduce(UInt64(0)) { sum, word in
                    let pair = word.splitBytes(UInt8(ascii: "="))
                    guard pair.count == 2, pair[0] == "rbytes" || pair[0] == "wbytes", let n = UInt64(pair[1]) else { return sum }
                    return sum + n
                }
            }
        } else {
            // blkio.throttle.io_service_bytes ends with `Total N` (recursive in newer kernels).
            let text = read("blkio", "blkio.throttle.io_service_bytes_recursive") ?? read("blkio", "blkio.throttle.io_service_bytes")
            blockIOBytes = ContainerStats.field("Total", in: text) ?? (text == nil ? nil : 0)
        }
        if let pid, let dev = try? FileSystem.readText("/proc/\(pid)/net/dev") {
            interfaces = ContainerStats.parseNetDev(dev)
        }
    }

    /// A space or a line's end, between the numbers of cgroup files. (Their text is cut on bytes
    /// throughout: cutting it into Characters made `berth-info` of a running container spend
    /// about a tenth of its instructions on /proc/PID/net/dev alone.)
    static func isBlank(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") }

    /// The number after `key ` on a line of `text`.
    static func field(_ key: String, in text: String?) -> UInt64? {
        guard let text else { return nil }
        for line in text.splitBytes(UInt8(ascii: "\n")) {
            let words = line.splitBytes(UInt8(ascii: " "))
            if words.count == 2, words[0] == key { return UInt64(words[1]) }
        }
        return nil
    }

    /// `/proc/net/dev`: two header lines, then `name: rx_bytes packets ... (8 fields) tx_bytes ...`.
    static func parseNetDev(_ text: String) -> [Interface] {
        text.splitBytes(UInt8(ascii: "\n")).dropFirst(2).compactMap { line in
            guard let colon = line.utf8.firstIndex(of: UInt8(ascii: ":")) else { return nil }
            let name = String(line[..<colon].drop(while: { $0 == " " }))
            let fields = line[line.utf8.index(after: colon)...].splitBytes(UInt8(ascii: " ")).compactMap { UInt64($0) }
            guard name != "lo", fields.count >= 9 else { return nil }
            return Interface(name: name, receivedBytes: fields[0], sentBytes: fields[8])
        }
    }
}
