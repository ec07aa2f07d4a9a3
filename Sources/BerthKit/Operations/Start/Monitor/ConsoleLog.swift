/// The console log file (`lxc.console.logfile`), kept under `lxc.console.size` bytes: when the
/// next output would pass the limit the file starts over, after being renamed to `FILE.1` when
/// `lxc.console.rotate` is set (one old generation is kept, as in LXC). 0 means no limit.
final class ConsoleLog {
    let path: String
    let limit: Int
    let rotate: Bool
    private var fd: Int32
    private var size: Int

    /// Opens (creates) the log for appending; fails with the file named.
    init(path: String, limit: Int, rotate: Bool) throws(BerthError) {
        self.path = path
        self.limit = limit
        self.rotate = rotate
        fd = try syscall("open console log", path) { open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600) }
        var info = stat()
        size = fstat(fd, &info) == 0 ? Int(info.st_size) : 0
    }

    func append(_ bytes: [UInt8]) {
        guard fd >= 0, !bytes.isEmpty else { return }
        var chunk = bytes[...]
        if limit > 0 {
            if chunk.count > limit { chunk = chunk.suffix(limit) }
            if size + chunk.count > limit { startOver() }
        }
        if Descriptor.writeAll(fd, Array(chunk)) { size += chunk.count }
    }

    private func startOver() {
        if rotate {
            // Rename first: the monitor's descriptor follows the renamed file, so reopen the path.
            _ = rename(path, path + ".1")
            Glibc.close(fd)
            fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_TRUNC | O_CLOEXEC, 0o600)
        } else {
            _ = ftruncate(fd, 0)
        }
        size = 0
    }

    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }
}
