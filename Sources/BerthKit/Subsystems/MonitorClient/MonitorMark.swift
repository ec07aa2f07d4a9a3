import SystemPackage

/// What a running monitor keeps in its lock file: its pid and the state it is in, one line,
/// `PID STATE` with the state padded to the longest state's name. Every rewrite of one monitor's
/// mark has the same length, so a rewrite never leaves the end of an older, longer line behind.
///
/// The lock file was the monitor's already (its flock makes one monitor per container, and a
/// non-empty file says something of a run may be left to sweep). The state in it lets a command
/// that only needs the state learn it without a round trip to the monitor, which here costs
/// about a third of a millisecond (the monitor must be woken, scheduled and answer): berth-wait
/// for a state the container is in already. It is believed only while a monitor holds the file
/// (`CommandSocket.recordedState`); whatever cannot be read whole sends the command to the
/// socket as before, so the monitor stays the one authority on its state.
enum MonitorMark {
    /// The longest state's name: every state is padded to it.
    static let stateWidth = ContainerState.allCases.map(\.rawValue.utf8.count).max() ?? 8

    /// The line for `pid` in `state`.
    static func line(pid: pid_t, state: ContainerState) -> [UInt8] {
        var bytes = Array("\(pid) \(state.rawValue)".utf8)
        bytes += repeatElement(UInt8(ascii: " "), count: stateWidth - state.rawValue.utf8.count)
        bytes.append(UInt8(ascii: "\n"))
        return bytes
    }

    /// The state of a whole line as `line` writes it; nil for anything else (an empty file, a
    /// line cut short, a mark of an older Berth that held the pid alone).
    static func state(in bytes: [UInt8]) -> ContainerState? {
        guard let newline = bytes.firstIndex(of: UInt8(ascii: "\n")), newline == bytes.count - 1,
              let space = bytes.firstIndex(of: UInt8(ascii: " ")), space > 0,
              newline - space - 1 == stateWidth,
              bytes[..<space].allSatisfy(ASCIIDigits.isDigit) else { return nil }
        var name = bytes[(space + 1)..<newline]
        while name.last == UInt8(ascii: " ") { name = name.dropLast() }
        return String(validating: name, as: UTF8.self).flatMap(ContainerState.init(rawValue:))
    }
}
