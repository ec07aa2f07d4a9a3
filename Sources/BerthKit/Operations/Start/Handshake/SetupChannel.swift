import SystemPackage

/// The monitor's or the child's end of the start handshake's socketpair: sends and receives
/// `SetupMessage`s, each one line with its descriptor attached. The only code that reads or
/// writes that socket.
struct SetupChannel {
    let fd: FileDescriptor

    /// Sends `message` (and its descriptor). A failure names what was being sent; the other
    /// side has gone.
    func send(_ message: SetupMessage) throws(BerthError) {
        let bytes = Array((message.line + "\n").utf8)
        var offset = 0
        // The descriptor goes with the first bytes; a short write sends the rest without it.
        while offset < bytes.count {
            let n = UnixSocket.send(fd, bytes[offset...], passing: offset == 0 ? message.descriptor : nil)
            if n < 0 {
                if errno == EINTR { continue }
                throw BerthError.system("sending '\(message.word)'", "over the start handshake", currentErrno)
            }
            offset += n
        }
    }

    /// Sends `message` where nothing can be done about a failure (a child reporting its own
    /// failure just before it exits).
    func sendIfPossible(_ message: SetupMessage) {
        try? send(message)
    }

    /// The next message; nil at end of file (the other side exited, or the child exec'd: its
    /// end is close-on-exec). A line that is no message is a failure of its own.
    func receive() throws(BerthError) -> SetupMessage? {
        guard let (line, descriptor) = fd.readLineWithDescriptor() else { return nil }
        guard let message = SetupMessage(line: line, descriptor: descriptor) else {
            descriptor?.closeQuietly()
            throw BerthError(.system, "unexpected word over the start handshake: '\(PrintableText.escaped(String(line.prefix(80))))'")
        }
        return message
    }

    /// The next message, which must be `expected` (compared by its word); a `failed` from the
    /// other side is thrown as its reason, end of file as `ended`.
    func receive(_ expected: String, ended: @autoclosure () -> String) throws(BerthError) -> SetupMessage {
        guard let message = try receive() else { throw BerthError(.system, ended()) }
        if case .failed(let why) = message { throw BerthError(.system, why) }
        guard message.word == expected else {
            message.descriptor?.closeQuietly()
            throw BerthError(.system, "expected '\(expected)' over the start handshake, got '\(message.word)'")
        }
        return message
    }

    /// True when a message (or end of file) is waiting, within `milliseconds`.
    func hasMessage(milliseconds: Int32 = 0) -> Bool { fd.isReadable(milliseconds: milliseconds) }
}
