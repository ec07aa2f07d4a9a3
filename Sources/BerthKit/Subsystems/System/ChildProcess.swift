import CBerthLinux
import SystemPackage

/// A helper program Berth runs (a template, later hooks): started in its own process group with
/// a death signal, waited for while the caller's stop signals are forwarded to it.
public struct ChildProcess {
    /// How a child ended.
    public enum Termination: Equatable, Sendable {
        case exited(Int32)
        case signaled(Int32)
        /// The caller got this stop signal while waiting; the child was stopped because of it.
        case interrupted(Int32)

        /// The status a shell would report: the code, or 128 + signal.
        public var shellStatus: Int32 {
            switch self {
            case .exited(let code): return code
            case .signaled(let sig), .interrupted(let sig): return 128 + sig
            }
        }

        /// How a process ended, from the status waitpid(2) stored: the one place Berth decodes
        /// one (the C macros WIFEXITED and friends are not imported; these are their definitions).
        public init(waitStatus status: Int32) {
            let signal = status & 0x7f
            self = signal == 0 ? .exited((status >> 8) & 0xff) : .signaled(signal)
        }

        /// The end in words, for messages: "exited with status N", "was killed by signal N".
        public var description: String {
            switch self {
            case .exited(let code): return "exited with status \(code)"
            case .signaled(let sig): return "was killed by signal \(sig)"
            case .interrupted(let sig): return "was stopped because of signal \(sig)"
            }
        }

        /// True for a clean exit (status 0).
        public var succeeded: Bool { self == .exited(0) }
    }

    public let pid: pid_t
    public let executable: String

    /// Starts `executable` with `arguments` (argv[1...]) and exactly `environment`.
    /// Standard descriptors left nil are inherited.
    public static func spawn(
        _ executable: String, arguments: [String], environment: [String],
        directory: String? = nil, stdin: FileDescriptor? = nil, stdout: FileDescriptor? = nil, stderr: FileDescriptor? = nil
    ) throws(BerthError) -> ChildProcess {
        let argv = CStringArray([executable] + arguments)
        let envp = CStringArray(environment)
        let pid = argv.withPointers { a in
            envp.withPointers { e in
                berth_spawn(executable, a, e, directory, stdin?.rawValue ?? -1, stdout?.rawValue ?? -1, stderr?.rawValue ?? -1)
            }
        }
        guard pid > 0 else { throw BerthError.system("fork", executable, currentErrno) }
        return ChildProcess(pid: pid, executable: executable)
    }

    /// Waits for the child to end. The caller must hold a `SignalBlock` (which blocks SIGCHLD
    /// and the stop signals). A stop signal sent to the caller meanwhile is passed on to the
    /// child's process group as SIGTERM, then SIGKILL after `grace` seconds; the result is then
    /// `.interrupted(signal)` and the signal stays pending for the caller to act on.
    public func wait(grace: Double = 5) -> Termination {
        var watched = SignalBlock.makeSet(SignalBlock.stopSignals + [SIGCHLD])
        var interruptedBy: Int32?
        var killAt: Double?
        while true {
            if let done = reap() {
                if let sig = interruptedBy {
                    // Leave the signal pending so the caller can redeliver it after cleaning up.
                    kill(getpid(), sig)
                    return .interrupted(sig)
                }
                return done
            }
            var timeout = timespec(tv_sec: 0, tv_nsec: 100_000_000)
            let sig = sigtimedwait(&watched, nil, &timeout)
            if sig > 0 && sig != SIGCHLD && interruptedBy == nil {
                interruptedBy = sig
                kill(-pid, SIGTERM)
                killAt = monotonicSeconds() + grace
            }
            if let deadline = killAt, monotonicSeconds() >= deadline {
                kill(-pid, SIGKILL)
                killAt = nil
            }
        }
    }

    /// Waits for the child to end, forwarding nothing: for callers whose signals are another
    /// loop's to handle (the monitor runs hooks while its signalfd holds the stop signals).
    public func waitWithoutForwarding() -> Termination {
        // Not our child (reaped by someone else): nothing more to learn; it has ended.
        ProcessControl.waitFor(pid) ?? .exited(0)
    }

    private func reap() -> Termination? { ProcessControl.reapIfEnded(pid) }
}

/// A NULL-terminated `char *[]` built from Swift strings, alive for the span of a closure.
struct CStringArray {
    private let strings: [String]
    init(_ strings: [String]) { self.strings = strings }

    func withPointers<R>(_ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
        let pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) } + [nil]
        defer { for p in pointers { free(p) } }
        return pointers.withUnsafeBufferPointer { buffer in
            // The array always holds the terminating nil, so it has a base address.
            guard let base = buffer.baseAddress else { preconditionFailure("empty argv array") }
            return body(base)
        }
    }
}
