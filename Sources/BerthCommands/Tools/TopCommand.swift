import SystemPackage

import ArgumentParser
import BerthKit

/// berth-top: a live table of the running containers' resource use.
public struct TopCommand: BerthTool {
    public static let configuration = CommandConfiguration(
        commandName: "berth-top",
        abstract: "Show the running containers' resource use.",
        discussion: """
            One line per running container: CPU use over the last interval (100% = one CPU), \
            memory now and at its peak, processes, block I/O and network bytes. On a terminal the \
            table is redrawn in place every -d seconds until Ctrl+C; with --batch (or when the \
            output is not a terminal) one table, measured over -d seconds, is printed.
            """,
        version: BerthVersion.string
    )

    @Option(name: [.customShort("d"), .long], help: ArgumentHelp("Seconds between refreshes (and the sampling interval).", valueName: "SECS"))
    var delay: Double = 2
    @Option(name: [.customShort("s"), .long], help: ArgumentHelp("Sort by n (name), c (CPU), m (memory), b (block I/O) or p (pids).", valueName: "KEY"))
    var sort: String = "n"
    @Flag(name: [.customShort("r"), .long], help: "Reverse the order.") var reverse = false
    @Flag(name: [.customShort("b"), .long], help: "Print one table and exit.") var batch = false
    @OptionGroup var common: CommonOptions

    public init() {}

    public func validate() throws {
        if ContainerTop.SortKey(rawValue: sort) == nil { throw ValidationError("-s must be one of n, c, m, b, p, not '\(sort)'") }
        if !(delay > 0 && delay <= 3600) { throw ValidationError("-d must be more than 0 and at most 3600 seconds") }
    }

    public func run() throws {
        let context = try ToolContext(program: Self.configuration.commandName ?? "berth-top", options: common)
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
