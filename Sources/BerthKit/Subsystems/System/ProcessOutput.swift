import SystemPackage

extension ChildProcess {
    /// Runs a short helper to completion and returns its standard output (for example
    /// `busybox --list-full`). Standard error passes through to the caller's, or, with
    /// `withErrors`, is read with the output (for a message that quotes what the helper said).
    public static func output(_ executable: String, arguments: [String], withErrors: Bool = false, directory: String? = nil) throws(BerthError) -> (ChildProcess.Termination, [UInt8]) {
        // Close-on-exec on both ends: the child gets the write end only through dup2 onto its
        // stdout (which clears the flag on the copy), never as a stray descriptor.
        let (readEnd, writeEnd) = try FileDescriptor.closeOnExecPipe(display: executable)
        let block = SignalBlock()
        defer { block.unblockAndRedeliver() }
        let child: ChildProcess
        do {
            child = try spawn(executable, arguments: arguments, environment: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"], directory: directory, stdout: writeEnd,
                          stderr: withErrors ? writeEnd : nil)
        } catch {
            readEnd.closeQuietly()
            writeEnd.closeQuietly()
            throw error
        }
        // Close our copy of the write end first, or reading would never see end-of-file.
        writeEnd.closeQuietly()
        let output = readEnd.readToEnd()
        readEnd.closeQuietly()
        return (child.wait(), output)
    }

    /// Runs a helper to completion and returns its standard output; when it fails, the error
    /// says `what` failed, how the helper ended and quotes the last lines it wrote (standard
    /// error and output together).
    @discardableResult
    static func check(_ executable: String, _ arguments: [String], what: String, directory: String? = nil) throws(BerthError) -> [UInt8] {
        let (ended, output) = try self.output(executable, arguments: arguments, withErrors: true, directory: directory)
        guard ended.succeeded else {
            let said = String(decoding: output, as: UTF8.self).split(separator: "\n").suffix(3).joined(separator: "; ")
            throw BerthError(.system, "\(what): \(Path.base(executable)) \(ended.description)\(said.isEmpty ? "" : ": \(said)")")
        }
        return output
    }
}
