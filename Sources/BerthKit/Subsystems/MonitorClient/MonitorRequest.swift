/// What a client asks a monitor, one request per connection, as one text line.
///
/// The replies are lines too (`ok ...` or `err message`); `console` and `watch` keep the
/// connection open afterwards (console bytes, state lines).
public enum MonitorRequest: Equatable, Sendable {
    /// `state`: the state; `ok STATE PID`.
    case state
    /// `initfd`: init's pid, with a pidfd for it passed along (SCM_RIGHTS).
    case initPidfd
    /// `halt SIGNAL|-`: send the halt signal (`-`: the configured or detected one) to init.
    case halt
    /// `freeze` / `thaw`: freeze or thaw every process of the container (state FROZEN).
    case freeze
    case thaw
    /// `hold`: freeze for as long as this connection stays open (a snapshot or copy of a running
    /// container); the monitor thaws when the client closes it or dies. `ok` once FROZEN.
    case hold
    /// `reboot`: send the reboot signal to init; the monitor starts the container again.
    case reboot
    /// `stop`: kill init with the stop signal; the connection closes once everything is cleaned.
    case stop
    /// `watch`: a line `state STATE` now and on each change; EOF means STOPPED.
    case watch
    /// `console TTY ROWS COLS`: relay the console (0) or a tty (1...) over this connection,
    /// after replaying the recent console output.
    case console(tty: Int, rows: Int, cols: Int)
    /// `winch TTY ROWS COLS`: a new window size for a console or tty.
    case winch(tty: Int, rows: Int, cols: Int)

    public var line: String {
        switch self {
        case .state: return "state"
        case .initPidfd: return "initfd"
        case .halt: return "halt"
        case .freeze: return "freeze"
        case .thaw: return "thaw"
        case .hold: return "hold"
        case .reboot: return "reboot"
        case .stop: return "stop"
        case .watch: return "watch"
        case .console(let tty, let rows, let cols): return "console \(tty) \(rows) \(cols)"
        case .winch(let tty, let rows, let cols): return "winch \(tty) \(rows) \(cols)"
        }
    }

    public init?(line: String) {
        let words = line.split(separator: " ").map(String.init)
        guard let verb = words.first else { return nil }
        let numbers = words.dropFirst().compactMap { Int($0) }
        switch verb {
        case "state": self = .state
        case "initfd": self = .initPidfd
        case "halt": self = .halt
        case "freeze": self = .freeze
        case "thaw": self = .thaw
        case "hold": self = .hold
        case "reboot": self = .reboot
        case "stop": self = .stop
        case "watch": self = .watch
        case "console" where numbers.count == 3:
            self = .console(tty: numbers[0], rows: numbers[1], cols: numbers[2])
        case "winch" where numbers.count == 3:
            self = .winch(tty: numbers[0], rows: numbers[1], cols: numbers[2])
        default: return nil
        }
    }
}
