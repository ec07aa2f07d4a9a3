extension ChildProcess {
    /// Runs a short helper to completion and returns its standard output (for example
    /// `busybox --list-full`). Standard error passes through to the caller's.
    public static func output(_ executable: String, arguments: [String]) throws(BerthError) -> (ChildProcess.Termination, [UInt8]) {
        var fds: [Int32] = [-1, -1]
        try syscall("pipe", executable) { pipe(&fds) }
        // Close-on-exec on both ends: the child gets the write end only through dup2 onto its
        // stdout (which clears the flag on the copy), never as a stray descriptor.
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        let block = SignalBlock()
        defer { block.unblockAndRedeliver() }
        let child: ChildProcess
        do {
            child = try spawn(executable, arguments: arguments, environment: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"], stdout: fds[1])
        } catch {
            close(fds[0])
            close(fds[1])
            throw error
        }
        // Close our copy of the write end first, or reading would never see end-of-file.
        close(fds[1])
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            let n = read(fds[0], &chunk, chunk.count)
            if n < 0 && currentErrno == .interrupted { continue }
            if n <= 0 { break }
            output.append(contentsOf: chunk[0..<n])
        }
        close(fds[0])
        return (child.wait(), output)
    }
}
