import BerthKit

/// berth-ls: lists containers.
public struct ListCommand: BerthTool {
    public static let spec = ToolSpec(
        name: "berth-ls",
        abstract: "List containers.",
        discussion: """
                Lists the containers under the lxcpath. Without options, names only, in columns on \
                a terminal and one per line otherwise. -f shows a table with the columns NAME STATE \
                AUTOSTART GROUPS IPV4 IPV6 UNPRIVILEGED; -F picks columns (also PID, INTERFACE, RAM, SWAP); \
                --format json prints every field as a JSON array. A FILTER regular expression keeps \
                the names it matches. --nesting adds the containers defined inside running \
                containers (their own lxcpath), named PARENT/NAME, read from inside each container; \
                one that does not answer within 3 seconds is left out.
                """,
        options: [
            .flag("1", "line", "One name per line."),
            .flag("f", "fancy", "A table with state, autostart, groups, addresses."),
            .value("F", "fancy-format", "COLUMNS", "Comma-separated columns for the table."),
            .flag(nil, "active", "Only running, frozen, starting or stopping containers."),
            .flag(nil, "running", "Only running containers."),
            .flag(nil, "frozen", "Only frozen containers."),
            .flag(nil, "stopped", "Only stopped containers."),
            .flag(nil, "defined", "Only defined containers (all)."),
            .value("g", "groups", "GROUP,...", "Only containers in all these groups."),
            .value(nil, "filter", "REGEX", "Only names matching this regular expression."),
            .value(nil, "format", "FORMAT", "Output format: table or json."),
            .flag("nesting", optionalValue: "NUM", "Also list the containers inside running containers, as PARENT/NAME, NUM levels down (5 when no NUM is given), read from inside each one."),
        ] + CommonOptions.specs,
        positionals: [PositionalSpec("FILTER", "Only names matching this regular expression.")]
    )

    static let columns = ["NAME", "STATE", "AUTOSTART", "GROUPS", "IPV4", "IPV6", "UNPRIVILEGED", "PID", "INTERFACE", "RAM", "SWAP"]

    var oneLine: Bool
    var fancy: Bool
    var fancyFormat: String?
    var active: Bool
    var running: Bool
    var frozen: Bool
    var stopped: Bool
    var defined: Bool
    var groups: String?
    var filterOption: String?
    var format: String
    /// --nesting: how many levels of containers inside containers (0: none).
    var nesting: Int
    let common: CommonOptions
    var filter: String?

    public init(_ arguments: ParsedArguments) throws(BerthError) {
        oneLine = arguments.flag("line")
        fancy = arguments.flag("fancy")
        fancyFormat = arguments.value("fancy-format")
        active = arguments.flag("active")
        running = arguments.flag("running")
        frozen = arguments.flag("frozen")
        stopped = arguments.flag("stopped")
        defined = arguments.flag("defined")
        groups = arguments.value("groups")
        filterOption = arguments.value("filter")
        format = arguments.value("format") ?? "table"
        if let levels = arguments.value("nesting") {
            guard levels.isEmpty || (Int(levels).map { $0 >= 0 } ?? false) else {
                throw BerthError(.invalidArgument, "--nesting: '\(levels)' is not a number of levels")
            }
            nesting = levels.isEmpty ? 5 : Int(levels) ?? 5
        } else {
            nesting = 0
        }
        common = try CommonOptions(arguments)
        filter = arguments.positionals.first
        try validate()
    }

    func validate() throws(BerthError) {
        guard ["table", "json"].contains(format) else { throw BerthError(.invalidArgument, "--format must be table or json, not '\(format)'") }
        if let fancyFormat {
            for column in fancyFormat.split(separator: ",") where !Self.columns.contains(column.uppercased()) {
                throw BerthError(.invalidArgument, "unknown column '\(column)' in -F (\(Self.columns.joined(separator: ", ")))")
            }
        }
    }

    public func run() throws {
        let context = try ToolContext(program: Self.spec.name, options: common)
        let pattern = filterOption ?? filter
        let regex: Regex<AnyRegexOutput>?
        do { regex = try pattern.map { try Regex($0) } } catch {
            throw BerthError(.invalidArgument, "bad filter regular expression '\(pattern ?? "")': \(error)")
        }
        let wantedGroups = groups.map { $0.split(separator: ",").map(String.init) } ?? []
        let needsConfig = fancy || fancyFormat != nil || format == "json" || !wantedGroups.isEmpty
        var rows: [ContainerSummary] = []
        var names: [String] = []
        // With --nesting every active container is looked into, also one the filters leave out.
        var active: [Container] = []
        for container in ContainerInventory.list(lxcpath: context.lxcpath) {
            let matches = regex.map { container.name.value.contains($0) } ?? true
            guard matches || nesting > 0 else { continue }
            let status = container.queryStatus()
            if nesting > 0 && status.state.isActive { active.append(container) }
            if !matches || !stateMatches(status.state) { continue }
            if needsConfig {
                let summary = ContainerSummary(container, status: status)
                if !wantedGroups.allSatisfy(summary.groups.contains) { continue }
                rows.append(summary)
            }
            names.append(container.name.value)
        }
        // The containers inside running ones, after them, filtered as they are (the regular
        // expression on their own names).
        if nesting > 0 {
            let lister = NestedLister(depth: nesting)
            for container in active {
                let (inside, problem) = lister.list(inside: container)
                if let problem { Terminal.writeError("berth-ls: \(container.name): cannot list the containers inside it: \(problem)\n") }
                for nested in inside {
                    let own = String(nested.name.split(separator: "/").last ?? "")
                    if let regex, !own.contains(regex) { continue }
                    if !stateMatches(nested.state) || !wantedGroups.allSatisfy(nested.groups.contains) { continue }
                    rows.append(nested)
                    names.append(nested.name)
                }
            }
        }
        if format == "json" {
            print(JSONValue.array(rows.map(\.json)).render())
        } else if fancy || fancyFormat != nil {
            let chosen = fancyFormat.map { $0.split(separator: ",").map { $0.uppercased() } } ?? Array(Self.columns.prefix(7))
            printTable(rows, columns: chosen, lxcpath: context.lxcpath)
        } else {
            printNames(names)
        }
    }

    func stateMatches(_ state: ContainerState) -> Bool {
        if !(active || running || frozen || stopped) { return true }
        return (active && state.isActive) || (running && state == .running) || (frozen && state == .frozen) || (stopped && state == .stopped)
    }

    func cell(_ row: ContainerSummary, _ column: String, lxcpath: String) -> String {
        func list(_ items: [String]) -> String { items.isEmpty ? "-" : items.joined(separator: ", ") }
        switch column {
        case "NAME": return row.name
        case "STATE": return row.state.rawValue
        case "AUTOSTART": return row.autostart ? "1" : "0"
        case "GROUPS": return list(row.groups)
        case "IPV4": return list(row.ipv4)
        case "IPV6": return list(row.ipv6)
        case "UNPRIVILEGED": return row.unprivileged ? "true" : "false"
        case "PID": return row.pid.map(String.init) ?? "-"
        case "INTERFACE": return list(row.interfaces)
        case "RAM", "SWAP":
            // Read only when asked for, and only of a running container, as lxc-ls does.
            guard row.state.isActive, let pid = row.pid else { return "-" }
            let stats = ContainerStats(cgroup: PayloadCgroup.of(running: row.name, lxcpath: lxcpath, status: row.status), initPID: pid)
            return (column == "RAM" ? stats.memoryBytes : stats.swapBytes).map(Self.mebibytes) ?? "-"
        default: return "-"
        }
    }

    /// Bytes in MiB with two decimals and LXC's unit text (`3.66MB`).
    static func mebibytes(_ bytes: UInt64) -> String {
        let hundredths = (bytes * 100 + 524_288) / 1_048_576
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)MB"
    }

    func printTable(_ rows: [ContainerSummary], columns: [String], lxcpath: String) {
        let cells = rows.map { row in columns.map { cell(row, $0, lxcpath: lxcpath) } }
        let widths = columns.indices.map { i in ([columns[i]] + cells.map { $0[i] }).map(\.count).max() ?? 0 }
        func line(_ values: [String]) -> String {
            var text = ""
            for (i, value) in values.enumerated() {
                text += i == values.count - 1 ? value : value + String(repeating: " ", count: widths[i] - value.count + 1)
            }
            return text
        }
        print(line(columns))
        for row in cells { print(line(row)) }
    }

    func printNames(_ names: [String]) {
        guard !names.isEmpty else { return }
        guard !oneLine, let width = Terminal.width else {
            for name in names { print(name) }
            return
        }
        // Columns as ls(1) lays them out: as many as fit, filled down first.
        let cellWidth = (names.map(\.count).max() ?? 0) + 2
        let perLine = max(1, width / cellWidth)
        let lines = (names.count + perLine - 1) / perLine
        for row in 0..<lines {
            var text = ""
            for column in 0..<perLine {
                let index = column * lines + row
                guard index < names.count else { break }
                let name = names[index]
                let last = column == perLine - 1 || (column + 1) * lines + row >= names.count
                text += last ? name : name + String(repeating: " ", count: cellWidth - name.count)
            }
            print(text)
        }
    }
}
