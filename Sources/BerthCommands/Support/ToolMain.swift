import ArgumentParser
import BerthKit

/// The entry point every tool's one-line `main.swift` calls.
public protocol BerthTool: ParsableCommand {}

extension BerthTool {
    /// Parses, runs, and ends the process with LXC's exit statuses: 0 on success, 1 on any error
    /// (usage errors included), or the status a tool throws as `ExitCode` (berth-stop's 2 for
    /// "not running", attach's payload status). Errors print as `tool: message`.
    public static func runAsTool(_ arguments: [String]? = nil) -> Never {
        let program = configuration.commandName ?? "berth"
        // A blocked signal mask survives exec, and some callers (threaded test harnesses,
        // supervisors) spawn with signals blocked; then `timeout` or `kill` could never stop a
        // tool. Ignored signals stay ignored: that is a caller's deliberate choice (nohup).
        var none = sigset_t()
        sigemptyset(&none)
        sigprocmask(SIG_SETMASK, &none, nil)
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
            Glibc.exit(0)
        } catch let error as BerthError {
            Terminal.writeError("\(program): \(error.message)\n")
            // Interrupted: the signal is usually redelivered when the operation's SignalBlock
            // ends and the process dies by it; when the caller had it ignored, the
            // status still says which signal it was, as a shell would.
            Glibc.exit(error.signal.map { 128 + $0 } ?? 1)
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .success {
                if !message.isEmpty { print(message) }
                Glibc.exit(0)
            }
            if !message.isEmpty { Terminal.writeError("\(message)\n") }
            // ArgumentParser reports usage errors as 64; LXC's tools say 1.
            Glibc.exit(code == .validationFailure ? 1 : code.rawValue)
        }
    }
}

