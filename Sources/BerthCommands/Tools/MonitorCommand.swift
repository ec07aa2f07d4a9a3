import BerthKit
import SystemPackage

/// berth-monitor: prints the state changes of an lxcpath's containers, as lxc-monitor does.
public struct MonitorCommand: BerthTool {
    public static let spec = ToolSpec(
        name: "berth-monitor",
        abstract: "Print the state changes of containers as they happen.",
        discussion: """
            Follows the containers of the lxcpath whose names match REGEX (all without -n) and \
            prints a line each time one changes state, as lxc-monitor does: 'NAME' changed state \
            to [STATE]; with --format json one JSON object a line. It runs until it is ended \
            (Ctrl+C). The states the containers are in when it starts are not printed.
            """,
        options: [
            .value("n", "name", "REGEX", "Follow the containers whose names match this regular expression (default: all)."),
            .value(nil, "format", "FORMAT", "Output format: text (LXC's lines) or json."),
        ] + CommonOptions.specs,
        positionals: [PositionalSpec("REGEX", "The same as -n.")]
    )

    var pattern: String?
    var format: String
    let common: CommonOptions

    public init(_ arguments: ParsedArguments) throws(BerthError) {
        pattern = arguments.value("name") ?? arguments.positionals.first
        format = arguments.value("format") ?? "text"
        common = try CommonOptions(arguments)
        guard ["text", "json"].contains(format) else { throw BerthError(.invalidArgument, "--format: '\(format)' (text or json)") }
    }

    public func run() throws {
        let context = try ToolContext(program: Self.spec.name, options: common)
        let regex: Regex<AnyRegexOutput>?
        do { regex = try pattern.map { try Regex($0) } } catch {
            throw BerthError(.invalidArgument, "bad regular expression '\(pattern ?? "")': \(error)")
        }
        let json = format == "json"
        // As lxc-monitor: the expression matches anywhere in the name unless anchored.
        StateFeed(lxcpath: context.lxcpath) { name in regex.map { name.contains($0) } ?? true }.run { name, state in
            // Unbuffered, a line at a time: a reader of a pipe sees each change when it happens.
            let line = json
                ? JSONValue.object([("name", .string(name)), ("state", .string(state.rawValue))]).render()
                : "'\(name)' changed state to [\(state.rawValue)]"
            FileDescriptor.standardOutput.writeFully(line + "\n")
        }
    }
}
