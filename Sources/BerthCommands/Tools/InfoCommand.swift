import BerthKit

/// berth-info: shows a container's state and details.
public struct InfoCommand: BerthTool {
    public static let spec = ToolSpec(
        name: "berth-info",
        abstract: "Show information about a container.",
        discussion: """
                Without options: name, state, and for a running container its PID, addresses and \
                resource use. -s, -p, -i and -S pick fields; -c KEY prints a config value as \
                'KEY = value'. With -H and a single field, only the value is printed, for scripts. \
                --format json prints everything as one JSON object.
                """,
        options: [
            NameOption.spec,
            .value("c", "config", "KEY", "Print this config key's value (repeatable)."),
            .flag("i", "ips", "Show the IP addresses the container has (loopback and IPv6 link-local left out); with -H only the addresses, one per line."),
            .flag("s", "state", "Show the state."),
            .flag("p", "pid", "Show the PID of init."),
            .flag("S", "stats", "Show resource use."),
            .flag("H", "no-humanize", "Raw numbers; a single field prints only its value."),
            .value(nil, "format", "FORMAT", "Output format: text or json."),
        ] + CommonOptions.specs,
        positionals: [.containerName]
    )

    let container: NameOption
    var config: [String]
    var ips: Bool
    var state: Bool
    var pid: Bool
    var stats: Bool
    var noHumanize: Bool
    var format: String
    let common: CommonOptions
    var positionalName: String?

    public init(_ arguments: ParsedArguments) throws(BerthError) {
        container = NameOption(arguments)
        config = arguments.values("config")
        ips = arguments.flag("ips")
        state = arguments.flag("state")
        pid = arguments.flag("pid")
        stats = arguments.flag("stats")
        noHumanize = arguments.flag("no-humanize")
        format = arguments.value("format") ?? "text"
        common = try CommonOptions(arguments)
        positionalName = arguments.positionals.first
        try validate()
    }

    func validate() throws(BerthError) {
        guard ["text", "json"].contains(format) else { throw BerthError(.invalidArgument, "--format must be text or json, not '\(format)'") }
    }

    public func run() throws {
        let context = try ToolContext(program: Self.spec.name, options: common)
        let name = try container.resolve(positional: positionalName)
        let target = Container(lxcpath: context.lxcpath, name: name)
        guard target.isDefined else { throw BerthError(.notFound, "\(name) doesn't exist") }
        let settings = try target.loadConfig(warn: context.warn)
        for key in config where ConfigKeyTable.lookup(key) == nil {
            throw BerthError(.invalidArgument, "-c \(key): unknown config key")
        }
        let summary = ContainerSummary(target, config: settings)

        if format == "json" {
            var pairs: [(String, JSONValue)] = [
                ("name", .string(summary.name)),
                ("state", .string(summary.state.rawValue)),
                ("pid", summary.pid.map { .number(Int64($0)) } ?? .null),
                ("ips", .array((summary.ipv4 + summary.ipv6).map(JSONValue.string))),
                ("autostart", .bool(summary.autostart)),
                ("groups", .array(summary.groups.map(JSONValue.string))),
                ("unprivileged", .bool(summary.unprivileged)),
                ("rootfs", settings.rootfs.map { .string($0.text) } ?? .null),
            ]
            if let stats = runningStats(summary, lxcpath: context.lxcpath) {
                func value(_ n: UInt64?) -> JSONValue { n.map { .number(Int64(clamping: $0)) } ?? .null }
                pairs.append(("stats", .object([
                    ("cpu_ns", value(stats.cpuNanoseconds)), ("memory_bytes", value(stats.memoryBytes)),
                    ("memory_peak_bytes", value(stats.memoryPeakBytes)), ("pids", value(stats.pids)),
                    ("blkio_bytes", value(stats.blockIOBytes)),
                    ("interfaces", .array(stats.interfaces.map { nic in
                        .object([("name", .string(nic.name)), ("rx_bytes", value(nic.receivedBytes)), ("tx_bytes", value(nic.sentBytes))])
                    })),
                ])))
            }
            if !config.isEmpty {
                pairs.append(("config", .object(config.map { ($0, .array(settings.values($0).map(JSONValue.string))) })))
            }
            print(JSONValue.object(pairs).render())
            return
        }

        var fields: [(String, String)] = []
        for key in config {
            let values = settings.values(key)
            if values.isEmpty { fields.append((key, "")) }
            for value in values { fields.append((key, value)) }
        }
        let anyFilter = ips || state || pid || stats || !config.isEmpty
        if !anyFilter { fields.append(("Name", summary.name)) }
        if state || !anyFilter { fields.append(("State", summary.state.rawValue)) }
        if pid || !anyFilter, let p = summary.pid { fields.append(("PID", String(p))) }
        if ips || !anyFilter { for ip in summary.ipv4 + summary.ipv6 { fields.append(("IP", ip)) } }
        // Resource use exists only while running; stopped containers have none to show.
        if stats || !anyFilter, let usage = runningStats(summary, lxcpath: context.lxcpath) {
            func size(_ n: UInt64?) -> String {
                guard let n else { return "unknown" }
                return noHumanize ? String(n) : InfoCommand.humanBytes(n)
            }
            if let ns = usage.cpuNanoseconds {
                fields.append(("CPU use", noHumanize ? String(ns) : InfoCommand.seconds(ns)))
            }
            fields.append(("BlkIO use", size(usage.blockIOBytes)))
            fields.append(("Memory use", size(usage.memoryBytes)))
            if usage.memoryPeakBytes != nil { fields.append(("Memory peak", size(usage.memoryPeakBytes))) }
            if let pids = usage.pids { fields.append(("PIDs", String(pids))) }
            for nic in usage.interfaces {
                fields.append(("Link", nic.name))
                fields.append((" TX bytes", size(nic.sentBytes)))
                fields.append((" RX bytes", size(nic.receivedBytes)))
                fields.append((" Total bytes", size(nic.sentBytes + nic.receivedBytes)))
            }
        }

        // One kind of field asked for with -H: the bare values, one per line (every address
        // of -iH), for scripts.
        if noHumanize && !stats && !fields.isEmpty && Set(fields.map(\.0)).count == 1 && [ips, state, pid, !config.isEmpty].filter({ $0 }).count == 1 {
            for field in fields { print(field.1) }
            return
        }
        for (key, value) in fields {
            if key.hasPrefix("lxc.") {
                print("\(key) = \(value)")
            } else {
                let label = key + ":"
                print(label + String(repeating: " ", count: max(1, 16 - label.count)) + value)
            }
        }
    }

    /// The resource use of a running container; nil when it is not running.
    func runningStats(_ summary: ContainerSummary, lxcpath: String) -> ContainerStats? {
        guard summary.state != .stopped, let pid = summary.pid else { return nil }
        return ContainerStats(cgroup: PayloadCgroup.of(running: summary.name, lxcpath: lxcpath, status: summary.status), initPID: pid)
    }

    /// `1.20 MiB`, as lxc-info prints sizes.
    public static func humanBytes(_ n: UInt64) -> String {
        let units = ["bytes", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(n)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(n) bytes" : "\(InfoCommand.twoDecimals(value)) \(units[unit])"
    }

    static func seconds(_ ns: UInt64) -> String { "\(twoDecimals(Double(ns) / 1e9)) seconds" }

    static func twoDecimals(_ value: Double) -> String {
        let hundredths = Int((value * 100).rounded())
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}
