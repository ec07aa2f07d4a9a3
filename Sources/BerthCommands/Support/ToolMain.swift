import BerthKit

/// A Berth tool: its command line (`spec`), how it reads a parsed one, and what it does.
public protocol BerthTool: Sendable {
    static var spec: ToolSpec { get }
    /// Reads the parsed words; a bad value or combination is a usage error (BerthError).
    init(_ arguments: ParsedArguments) throws(BerthError)
    func run() throws
}

/// Ends a tool with a given exit status without a message (berth-stop's 2 for "not running",
/// attach's and execute's status of the command).
public struct ToolExit: Error {
    public let status: Int32
    public init(_ status: Int32) { self.status = status }
}

extension BerthTool {
    /// The tool as `arguments` (without the program name) ask for it.
    public static func parse(_ arguments: [String]) throws(BerthError) -> Self {
        switch try ArgumentScanner.parse(arguments, spec: spec) {
        case .run(let parsed): return try Self(parsed)
        case .help, .version: throw BerthError(.invalidArgument, "--help and --version print, they do not run")
        }
    }

    /// `--help`.
    public static func helpMessage() -> String { ToolHelp.text(spec) }

    /// Parses, runs, and ends the process with LXC's exit statuses: 0 on success, 1 on any error
    /// (usage errors included), or the status a tool throws as `ToolExit`. Errors print as
    /// `tool: message`.
    public static func runAsTool(_ arguments: [String]) -> Never {
        // A blocked signal mask survives exec, and some callers (threaded test harnesses,
        // supervisors) spawn with signals blocked; then `timeout` or `kill` could never stop a
        // tool. Ignored signals stay ignored: that is a caller's deliberate choice (nohup).
        ProcessSignals.unblockAll()
        do {
            switch try ArgumentScanner.parse(arguments, spec: spec) {
            case .help:
                print(ToolHelp.text(spec), terminator: "")
                ToolExit.exit(0)
            case .version:
                print(BerthVersion.string)
                ToolExit.exit(0)
            case .run(let parsed):
                try Self(parsed).run()
                ToolExit.exit(0)
            }
        } catch let error as BerthError {
            Terminal.writeError("\(spec.name): \(error.message)\n")
            if error.code == .invalidArgument && error.errno == nil {
                Terminal.writeError("usage: \(spec.name) \(ToolHelp.usage(spec))\n")
            }
            // Interrupted: the signal is usually redelivered when the operation's SignalBlock
            // ends and the process dies by it; when the caller had it ignored, the status still
            // says which signal it was, as a shell would.
            ToolExit.exit(error.signal.map { 128 + $0 } ?? 1)
        } catch let exit as ToolExit {
            ToolExit.exit(exit.status)
        } catch {
            Terminal.writeError("\(spec.name): \(error)\n")
            ToolExit.exit(1)
        }
    }
}

extension ToolExit {
    /// exit(3): standard output is flushed (a tool's printed result), then the process ends.
    static func exit(_ status: Int32) -> Never { Glibc.exit(status) }
}
