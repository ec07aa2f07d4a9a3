import SystemPackage

/// The console log file (`lxc.console.logfile`), kept under `lxc.console.size` bytes: when the
/// next output would pass the limit the file starts over, after being renamed to `FILE.1` when
/// `lxc.console.rotate` is set (one old generation is kept, as in LXC). 0 means no limit.
final class ConsoleLog {
    let path: String
    let limit: Int
    let rotate: Bool
    private var fd: FileDescriptor?
    private var size: Int

    /// Opens (creates) the log for appending; fails with the file named.
    init(path: String, limit: Int, rotate: Bool) throws(BerthError) {
        self.path = path
        self.limit = limit
        self.rotate = rotate
        let file = try FileSystem.open(path, O_WRONLY | O_CREAT | O_APPEND, mode: 0o600, display: "console log \(path)")
        fd = file
        size = (try? FileSystem.status(of: file, display: path)).map { Int($0.st_size) } ?? 0
    }

    func append(_ bytes: [UInt8]) {
        guard fd != nil, !bytes.isEmpty else { return }
        var chunk = bytes[...]
        if limit > 0 {
            if chunk.count > limit { chunk = chunk.suffix(limit) }
            if size + chunk.count > limit { startOver() }
        }
        // startOver may have replaced the descriptor: the current one is written.
        if fd?.writeFully(Array(chunk)) == true { size += chunk.count }
    }

    private func startOver() {
        if rotate {
            // Rename first: the monitor's descriptor follows the renamed file, so reopen the path.
            try? FileSystem.rename(path, to: path + ".1")
            fd?.closeQuietly()
            fd = try? FileSystem.open(path, O_WRONLY | O_CREAT | O_APPEND | O_TRUNC, mode: 0o600)
        } else if let fd {
            try? FileSystem.truncate(fd, to: 0, display: path)
        }
        size = 0
    }

    func close() {
        fd?.closeQuietly()
        fd = nil
    }
}
