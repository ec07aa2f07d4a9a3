import SystemPackage

/// The host's syslog socket, as lxc.log.syslog writes a container's log to it: one datagram
/// per line, `<PRI>berth[PID]: message` (the daemon adds the time), sent to /dev/log or to
/// `BERTH_SYSLOG_SOCKET` (a test's own socket). Connected lazily and again after a failed send,
/// so a syslog daemon that restarts gets the lines that follow.
public final class SyslogSocket: @unchecked Sendable {
    /// The facilities LXC takes for lxc.log.syslog, with their syslog numbers.
    public enum Facility: Int, Sendable, CaseIterable {
        case daemon = 3
        case local0 = 16, local1, local2, local3, local4, local5, local6, local7

        public init?(name: String) {
            guard let found = Facility.allCases.first(where: { "\($0)" == name }) else { return nil }
            self = found
        }

        public static var names: String { allCases.map { "\($0)" }.joined(separator: ", ") }
    }

    public let facility: Facility
    public let path: String
    private var fd: FileDescriptor?

    public init(facility: Facility) {
        self.facility = facility
        path = ProcessEnvironment.value("BERTH_SYSLOG_SOCKET") ?? "/dev/log"
    }

    deinit { fd?.closeQuietly() }

    /// Whether something listens at the socket now.
    public var isListening: Bool {
        guard let probe = UnixSocket.connectDatagram(to: path) else { return false }
        probe.closeQuietly()
        return true
    }

    /// Sends one line at syslog `severity` (0 emergency ... 7 debug).
    public func send(severity: Int, _ message: String) {
        let datagram = Array("<\(facility.rawValue * 8 + severity)>berth[\(CurrentProcess.id)]: \(message)".utf8)
        for _ in 0..<2 {
            if fd == nil {
                fd = UnixSocket.connectDatagram(to: path)
                // A daemon that does not read must never stall the monitor: a full queue
                // drops the line instead (EAGAIN).
                fd?.setNonBlocking()
            }
            guard let socket = fd else { return }
            if UnixSocket.send(socket, datagram[...]) >= 0 || currentErrno == .resourceTemporarilyUnavailable { return }
            // The daemon went away (or restarted): connect again once.
            socket.closeQuietly()
            fd = nil
        }
    }
}
