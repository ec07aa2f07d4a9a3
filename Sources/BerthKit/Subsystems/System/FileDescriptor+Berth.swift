import CBerthLinux
import SystemPackage

/// Berth hands descriptors from file to file as swift-system's `FileDescriptor`, never as a bare
/// `Int32`; these are the reads and writes it needs on sockets, pipes and ptys beyond what
/// swift-system offers (non-blocking sends, line reads that keep a passed descriptor, closing
/// everything else before an exec). Only this layer turns one back into its raw number.
extension FileDescriptor {
    /// Writes all of `bytes`, retrying short writes and EINTR, waiting while a non-blocking
    /// descriptor is full. False when the other end is gone.
    @discardableResult
    public func writeFully(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { raw in
                // MSG_NOSIGNAL is not available for pipes; SIGPIPE is ignored or blocked by callers.
                Glibc.write(rawValue, raw.baseAddress.map { $0 + offset }, raw.count - offset)
            }
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN {
                    _ = waitUntil(Int16(POLLOUT), milliseconds: 1000)
                    continue
                }
                return false
            }
            offset += n
        }
        return true
    }

    @discardableResult
    public func writeFully(_ text: String) -> Bool { writeFully(Array(text.utf8)) }

    /// Writes as much of `bytes` as a non-blocking descriptor takes now: the count written (0
    /// when it takes nothing), or nil when the other end is gone.
    public func writeAvailable(_ bytes: [UInt8]) -> Int? {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { raw in Glibc.write(rawValue, raw.baseAddress.map { $0 + offset }, raw.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN { break }
                return nil
            }
            offset += n
        }
        return offset
    }

    /// Writes all of `text` to a non-blocking descriptor now, or reports false: for short
    /// messages to clients that are never waited for.
    public func sendNow(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return writeAvailable(bytes) == bytes.count
    }

    /// One read of up to `max` bytes: nil on end of file or error (EAGAIN gives an empty array).
    public func readAvailable(max: Int = 65_536) -> [UInt8]? {
        while true {
            let (bytes, error) = readOnce(upTo: max)
            // A short read is copied into an array of its own size: callers keep some (the
            // console's pending output), and the read's array holds `max` bytes of storage.
            if !bytes.isEmpty { return bytes.count * 4 < max ? bytes.withUnsafeBufferPointer { Array($0) } : bytes }
            if error == 0 { return nil }
            if error == EINTR { continue }
            if error == EAGAIN { return [] }
            return nil
        }
    }

    /// One read(2) of up to `count` bytes, straight into the new array's uninitialised
    /// storage (nothing is cleared or copied first): the bytes, and errno when it failed.
    func readOnce(upTo count: Int) -> ([UInt8], Int32) {
        var error: Int32 = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            let n = Glibc.read(rawValue, buffer.baseAddress, count)
            if n < 0 { error = errno }
            initialized = Swift.max(n, 0)
        }
        return (bytes, error)
    }

    /// One read of up to `count` bytes, retried when interrupted: empty at end of file.
    func readChunk(upTo count: Int, _ display: String) throws(BerthError) -> [UInt8] {
        while true {
            let (bytes, error) = readOnce(upTo: count)
            if error == 0 { return bytes }
            if error != EINTR { throw BerthError.system("read", display, Errno(rawValue: error)) }
        }
    }

    /// Reads one `\n`-terminated line (without the newline), a byte at a time so nothing after
    /// the line is consumed. nil on end of file before any byte.
    public func readLine(limit: Int = 65_536) -> String? {
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while bytes.count < limit {
            let n = Glibc.read(rawValue, &byte, 1)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            if byte == UInt8(ascii: "\n") { return String(decoding: bytes, as: UTF8.self) }
            bytes.append(byte)
        }
        return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self)
    }

    /// Reads until end of file, waiting on a non-blocking descriptor.
    public func readToEnd() -> [UInt8] {
        var result: [UInt8] = []
        while let chunk = readAvailable() {
            if chunk.isEmpty {
                _ = waitUntil(Int16(POLLIN), milliseconds: -1)
                continue
            }
            result += chunk
        }
        return result
    }

    /// O_NONBLOCK on.
    public func setNonBlocking() {
        let flags = fcntl(rawValue, F_GETFL)
        if flags >= 0 { _ = fcntl(rawValue, F_SETFL, flags | O_NONBLOCK) }
    }

    /// FD_CLOEXEC on: an exec does not pass it on.
    func setCloseOnExec() { _ = fcntl(rawValue, F_SETFD, FD_CLOEXEC) }

    /// True when there is data (or end of file) to read within `milliseconds`.
    public func isReadable(milliseconds: Int32 = 100) -> Bool { waitUntil(Int16(POLLIN), milliseconds: milliseconds) }

    /// poll(2) of this one descriptor for `events`; true when one came (or the descriptor hung up).
    func waitUntil(_ events: Int16, milliseconds: Int32) -> Bool {
        var entry = pollfd(fd: rawValue, events: events, revents: 0)
        while true {
            let n = poll(&entry, 1, milliseconds)
            if n < 0 && errno == EINTR { continue }
            return n > 0
        }
    }

    /// One line from a Unix socket, with a descriptor sent along (SCM_RIGHTS) received, not
    /// dropped; nil at end of file. Nothing after the newline is consumed (console bytes may
    /// follow a reply, the next message its own descriptor): the waiting bytes are peeked at
    /// first, and exactly those up to the newline are then read with recvmsg. Two system calls
    /// for a line that has arrived whole, not one per byte.
    public func readLineWithDescriptor() -> (line: String, descriptor: FileDescriptor?)? {
        var bytes: [UInt8] = []
        var received: FileDescriptor?
        while true {
            // MSG_PEEK waits like a read and leaves the bytes (and any descriptor) queued.
            let waiting = peekLine(upTo: 512)
            guard waiting > 0 else {
                received?.closeQuietly()
                return nil
            }
            var chunk = [UInt8](repeating: 0, count: waiting)
            let (n, fd) = UnixSocket.receive(self, into: &chunk)
            if let fd { received = fd }
            guard n > 0 else {
                received?.closeQuietly()
                return nil
            }
            if chunk[n - 1] == UInt8(ascii: "\n") {
                bytes += chunk[0..<(n - 1)]
                return (String(decoding: bytes, as: UTF8.self), received)
            }
            bytes += chunk[0..<n]
        }
    }

    /// How many of the bytes waiting on this socket (at most `limit`) make up the rest of the
    /// current line: through its newline, or all of them when none has come yet. Waits for at
    /// least one byte; 0 at end of file, -1 on error.
    private func peekLine(upTo limit: Int) -> Int {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: limit) { buffer in
            while true {
                let n = recv(rawValue, buffer.baseAddress, limit, Int32(MSG_PEEK))
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return n }
                if let newline = buffer[0..<n].firstIndex(of: UInt8(ascii: "\n")) { return newline + 1 }
                return n
            }
        }
    }

    /// close(2), for where nothing can be done about a failure (the descriptor is gone either
    /// way on Linux, so it is never retried).
    public func closeQuietly() { _ = Glibc.close(rawValue) }

    /// Closes every descriptor above standard error except `keep`, so that nothing a caller had
    /// open reaches what this process runs next (a container, a template, a hook).
    public static func closeAll(except keep: [FileDescriptor]) {
        // Before the close: its number may be reused by the next open.
        for directory in HeldDirectory.all { directory.forget() }
        var first: Int32 = 3
        for fd in Set(keep.map(\.rawValue)).filter({ $0 >= 3 }).sorted() {
            if fd > first { _ = berth_close_range(UInt32(first), UInt32(fd - 1)) }
            first = fd + 1
        }
        _ = berth_close_range(UInt32(first), UInt32.max)
    }

    /// A pipe whose two ends are close-on-exec: (read end, write end).
    static func closeOnExecPipe(display: String) throws(BerthError) -> (read: FileDescriptor, write: FileDescriptor) {
        var fds: [Int32] = [-1, -1]
        guard Glibc.pipe(&fds) == 0 else { throw BerthError.system("pipe", display, currentErrno) }
        let ends = (read: FileDescriptor(rawValue: fds[0]), write: FileDescriptor(rawValue: fds[1]))
        // Callers are single-threaded here: no exec can come between pipe and the flag.
        ends.read.setCloseOnExec()
        ends.write.setCloseOnExec()
        return ends
    }

    /// Makes this descriptor the process's standard input, output and error (dup2 onto 0, 1
    /// and 2), closing it unless it is one of them.
    func becomeStandardStreams() {
        for target in Int32(0)...2 { _ = Glibc.dup2(rawValue, target) }
        if rawValue > 2 { closeQuietly() }
    }

    /// `/proc/self/fd/N`: a path that names this open file, for calls that take a path only
    /// (mount, the l*xattr calls) but must not walk the file's real path again.
    var procPath: String { "/proc/self/fd/\(rawValue)" }
}
