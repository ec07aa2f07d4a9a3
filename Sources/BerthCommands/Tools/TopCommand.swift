import SystemPackage

import BerthKit

/// berth-top: a live table of the running containers' resource use.
public struct TopCommand: BerthTool {
    public static let spec = ToolSpec(
        name: "berth-top",
        abstract: "Show the running containers' resource use.",
        discussion: """
                One line per running container: CPU use over the last interval (100% = one CPU), \
                memory now and at its peak, processes, block I/O and network bytes. On a terminal the \
                table is redrawn in place every -d seconds until Ctrl+C; with --batch (or when the \
                output is not a terminal) one table, measured over -d seconds, is printed.
                """,
        options: [
            .value("d", "delay", "SECS", "Seconds between refreshes (and the sampling interval)."),
            .value("s", "sort", "KEY", "Sort by n (name), c (CPU), m (memory), b (block I/O) or p (pids)."),
            .flag("r", "reverse", "Reverse the order."),
            .flag("b", "batch", "Print one table and exit."),
        ] + CommonOptions.specs,
        positionals: []
    )

    var delay: Double
    var sort: String
    var reverse: Bool
    var batch: Bool
    let common: CommonOptions

    public init(_ arguments: ParsedArguments) throws(BerthError) {
        delay = try arguments.seconds("delay") ?? 2
        sort = arguments.value("sort") ?? "n"
        reverse = arguments.flag("reverse")
        batch = arguments.flag("batch")
        common = try CommonOptions(arguments)
        try validate()
    }

    func validate() throws(BerthError) {
        if ContainerTop.SortKey(rawValue: sort) == nil { throw BerthError(.invalidArgument, "-s must be one of n, c, m, b, p, not '\(sort)'") }
        if !(delay > 0 && delay <= 3600) { throw BerthError(.invalidArgument, "-d must be more than 0 and at most 3600 seconds") }
    }

    public func run() throws {
        let context = try ToolContext(program: Self.spec.name, options: common)
        let top = ContainerTop(lxcpath: context.lxcpath)
        let key = ContainerTop.SortKey(rawValue: sort) ?? .name
        let live = !batch && Terminal.isTerminal(.standardOutput)
        repeat {
            let rows = top.sample(interval: delay, sort: key, reverse: reverse)
            // Home and clear, then the table: redrawn in place on a terminal.
            FileDescriptor.standardOutput.writeFully((live ? "\u{1b}[H\u{1b}[2J" : "") + TopCommand.table(rows))
        } while live
    }

    static func table(_ rows: [ContainerTop.Row]) -> String {
        let header = ["Container", "CPU%", "CPU s", "Memory", "Peak", "PIDs", "BlkIO", "Net RX", "Net TX"]
        var lines = [header]
        for row in rows {
            let s = row.stats
            let rx = s.interfaces.reduce(UInt64(0)) { $0 + $1.receivedBytes }
            let tx = s.interfaces.reduce(UInt64(0)) { $0 + $1.sentBytes }
            lines.append([
                row.name,
                row.cpuPercent.map { InfoCommand.twoDecimals($0) } ?? "-",
                s.cpuNanoseconds.map { InfoCommand.twoDecimals(Double($0) / 1e9) } ?? "-",
                s.memoryBytes.map(InfoCommand.humanBytes) ?? "-",
                s.memoryPeakBytes.map(InfoCommand.humanBytes) ?? "-",
                s.pids.map { String($0) } ?? "-",
                s.blockIOBytes.map(InfoCommand.humanBytes) ?? "-",
                s.interfaces.isEmpty ? "-" : InfoCommand.humanBytes(rx),
                s.interfaces.isEmpty ? "-" : InfoCommand.humanBytes(tx),
            ])
        }
        let widths = header.indices.map { column in lines.map { $0[column].count }.max() ?? 0 }
        var text = ""
        for line in lines {
            let cells = line.enumerated().map { column, cell in
                // The name left-aligned, the numbers right-aligned.
                let pad = String(repeating: " ", count: widths[column] - cell.count)
                return column == 0 ? cell + pad : pad + cell
            }
            text += cells.joined(separator: "  ") + "\n"
        }
        if rows.isEmpty { text += "(no running containers)\n" }
        return text
    }
}
