import CBerthLinux

/// Reading and writing raw file descriptors (sockets, pipes, ptys) without Foundation.
public enum Descriptor {
    /// Writes all of `bytes`, retrying short writes and EINTR. False when the other end is gone.
    @discardableResult
    public static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { raw in
                // MSG_NOSIGNAL is not available for pipes; SIGPIPE is ignored or blocked by callers.
                Glibc.write(fd, raw.baseAddress.map { $0 + offset }, raw.count - offset)
            }
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN {
                    var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                    _ = poll(&pfd, 1, 1000)
                    continue
                }
                return false
            }
            offset += n
        }
        return true
    }

    @discardableResult
    public static func writeAll(_ fd: Int32, _ text: String) -> Bool { writeAll(fd, Array(text.utf8)) }

    /// Writes as much of `bytes` as a non-blocking `fd` takes now: the count written (0 when it
    /// takes nothing), or nil when the other end is gone.
    public static func writeSome(_ fd: Int32, _ bytes: [UInt8]) -> Int? {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { raw in Glibc.write(fd, raw.baseAddress.map { $0 + offset }, raw.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN { break }
                return nil
            }
            offset += n
        }
        return offset
    }

    /// Writes all of `text` to a non-blocking `fd` now, or reports false: for short messages to
    /// clients that are never waited for.
    public static func sendNow(_ fd: Int32, _ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return writeSome(fd, bytes) == bytes.count
    }

    /// Closes every descriptor above stderr except `keep`, so that nothing a caller had open
    /// reaches what this process runs next (a container, a template, a hook).
    public static func closeAll(except keep: [Int32]) {
        var first: Int32 = 3
        for fd in Set(keep).filter({ $0 >= 3 }).sorted() {
            if fd > first { _ = berth_close_range(UInt32(first), UInt32(fd - 1)) }
            first = fd + 1
        }
        _ = berth_close_range(UInt32(first), UInt32.max)
    }

    /// One read of up to `max` bytes: nil on EOF or error (EAGAIN gives an empty array).
    public static func readSome(_ fd: Int32, max: Int = 65_536) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: max)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, max) }
            if n > 0 { return Array(buffer[0..<n]) }
            if n == 0 { return nil }
            if errno == EINTR { continue }
            if errno == EAGAIN { return [] }
            return nil
        }
    }

    /// Reads one `\n`-terminated line (without the newline), a byte at a time so nothing after
    /// the line is consumed. nil on EOF before any byte.
    public static func readLine(_ fd: Int32, limit: Int = 65_536) -> String? {
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while bytes.count < limit {
            let n = Glibc.read(fd, &byte, 1)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            if byte == UInt8(ascii: "\n") { return String(decoding: bytes, as: UTF8.self) }
            bytes.append(byte)
        }
        return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self)
    }

    /// Reads until EOF.
    public static func readToEnd(_ fd: Int32) -> [UInt8] {
        var result: [UInt8] = []
        while let chunk = readSome(fd) {
            if chunk.isEmpty {
                var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                _ = poll(&pfd, 1, -1)
                continue
            }
            result += chunk
        }
        return result
    }

    public static func setNonBlocking(_ fd: Int32) {
        let flags = fcntl(fd, F_GETFL)
        if flags >= 0 { _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK) }
    }

    /// True when `fd` has data (or end of file) to read within `milliseconds`.
    public static func isReadable(_ fd: Int32, milliseconds: Int32 = 100) -> Bool {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&entry, 1, milliseconds) > 0
    }

    /// One line from a Unix socket, read a byte at a time with recvmsg so that a descriptor sent
    /// along (SCM_RIGHTS) is received, not dropped. nil at end of file.
    public static func readLineWithDescriptor(_ socket: Int32) -> (line: String, descriptor: Int32?)? {
        var bytes: [UInt8] = []
        var received: Int32?
        var byte: UInt8 = 0
        while true {
            var fd: Int32 = -1
            let n = berth_recv_with_fd(socket, &byte, 1, &fd)
            if fd >= 0 { received = fd }
            guard n == 1 else {
                if let received { close(received) }
                return nil
            }
            if byte == UInt8(ascii: "\n") { return (String(decoding: bytes, as: UTF8.self), received) }
            bytes.append(byte)
        }
    }
}
