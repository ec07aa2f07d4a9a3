import SystemPackage

/// Seccomp programs generated before, kept in root's runtime directory (`/run/berth/seccomp`,
/// 0700 as /run/berth), one file per policy: a start whose policy was generated before reads
/// about a kilobyte instead of compiling the policy with libseccomp (about 0.2 ms of the
/// container's first process here, on the start's critical path).
///
/// A file is named after a hash of its key, and its first line is the key, compared whole (a
/// hash collision is a miss): the identity of the running binary (device, inode, size and change
/// time of /proc/self/exe; libseccomp and the built-in policy are in it), so an upgraded Berth
/// generates anew, and the policy (its canonical text, or "built-in"). Then the program's length
/// and hash, then the program as hex; a file that does not match all of it is a miss and is
/// replaced. A file is written under a name of its writer's own and renamed, so a reader sees a
/// whole file or none. A miss in a directory of more than 64 files removes the files of other
/// binaries.
///
/// Only root's starts use it (the caller says where): /run/berth is root's alone, while another
/// user's runtime directory is not trusted with a filter, and a container never sees either.
public enum SeccompProgramCache {
    /// Root's cache directory.
    static let rootDirectory = "/run/berth/seccomp"

    /// The cache directory of the calling user: root's, or none.
    public static var callerDirectory: String? { CurrentProcess.isRoot ? rootDirectory : nil }

    /// The program of `source`: from `directory` when it was generated before, else generated
    /// now and kept there (`writer` makes the file's temporary name unique: the caller's pid
    /// on the host). Without a directory it is generated every time. The built-in policy is
    /// parsed only to be generated (see SeccompPolicySource).
    public static func program(for source: SeccompPolicySource, origin: String, directory: String?, writer: Int32) throws(BerthError) -> SeccompProgram {
        guard let directory, let identity = binaryIdentity() else {
            return try SeccompFilter(policy: source.policy(), origin: origin).program()
        }
        let key = identity + " " + source.cacheName
        let path = directory + "/" + FNVHash.hex(key.utf8) + ".bpf"
        if let text = try? FileSystem.readText(path), let program = parse(text, key: key) { return program }
        let program = try SeccompFilter(policy: source.policy(), origin: origin).program()
        // Keeping it is best effort: a start never fails for its cache.
        try? store(program, key: key, at: path, directory: directory, writer: writer)
        prune(directory, keeping: identity)
        return program
    }

    /// How many programs the directory keeps before a miss removes other binaries' programs.
    static let pruneAbove = 64

    /// Removes the programs of other binaries (an upgrade's leftovers), on a miss and once the
    /// directory holds more than `pruneAbove`: two binaries in use side by side (an installed
    /// Berth and a build) keep theirs.
    static func prune(_ directory: String, keeping identity: String) {
        let names = (try? FileSystem.list(directory)) ?? []
        guard names.count > pruneAbove else { return }
        for name in names where name.hasSuffix(".bpf") {
            let path = directory + "/" + name
            guard let text = try? FileSystem.readText(path), !text.hasPrefix(identity + " ") else { continue }
            try? FileSystem.removeFile(path)
        }
    }

    /// The running binary's device, inode, size and change time.
    static func binaryIdentity() -> String? {
        FileSystem.status("/proc/self/exe").flatMap(identity)
    }

    /// A binary's identity from its status; nil for one without a name on disk (attach's sealed
    /// in-memory copy, a file an upgrade replaced): each of those would be a new key, so they
    /// generate their program every time rather than fill the directory.
    static func identity(_ st: stat) -> String? {
        guard st.st_nlink > 0 else { return nil }
        return "\(st.st_dev):\(st.st_ino):\(st.st_size):\(st.st_ctim.tv_sec).\(st.st_ctim.tv_nsec)"
    }

    /// The file's text: key, length and hash, program.
    static func text(of program: SeccompProgram, key: String) -> String {
        let bytes = program.instructions
        return key + "\n\(bytes.count) \(FNVHash.hex(bytes))\n" + bytes.map { byte in
            let digits = String(byte, radix: 16)
            return byte < 16 ? "0" + digits : digits
        }.joined() + "\n"
    }

    /// The program in `text` when it was kept for `key` and is whole; nil otherwise.
    static func parse(_ text: String, key: String) -> SeccompProgram? {
        let lines = text.splitBytes(UInt8(ascii: "\n"), omittingEmpty: false)
        guard lines.count >= 3, lines[0].utf8.elementsEqual(key.utf8) else { return nil }
        let header = lines[1].splitBytes(UInt8(ascii: " "))
        guard header.count == 2, let count = Int(header[0]), count > 0, count % 8 == 0 else { return nil }
        let hex = Array(lines[2].utf8)
        guard hex.count == count * 2 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        var index = 0
        while index < hex.count {
            guard let high = nibble(hex[index]), let low = nibble(hex[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        guard FNVHash.hex(bytes).utf8.elementsEqual(header[1].utf8) else { return nil }
        return SeccompProgram(instructions: bytes)
    }

    static func nibble(_ char: UInt8) -> UInt8? {
        switch char {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return char - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return char - UInt8(ascii: "a") + 10
        default: return nil
        }
    }

    static func store(_ program: SeccompProgram, key: String, at path: String, directory: String, writer: Int32) throws(BerthError) {
        try FileSystem.makeDirectoryIfMissing(directory, mode: 0o700)
        let temporary = "\(path).\(writer).tmp"
        try? FileSystem.removeFile(temporary)
        try FileSystem.createFile(temporary, bytes: Array(text(of: program, key: key).utf8), mode: 0o600)
        do throws(BerthError) { try FileSystem.rename(temporary, to: path) } catch {
            try? FileSystem.removeFile(temporary)
            throw error
        }
    }
}

extension SeccompPolicy {
    /// The policy as one line of text that names every part of it (the cache's key).
    var canonicalText: String {
        func name(_ action: Action) -> String {
            switch action {
            case .allow: return "allow"
            case .kill: return "kill"
            case .trap: return "trap"
            case .log: return "log"
            case .errno(let n): return "errno:\(n)"
            }
        }
        let rules = self.rules.map { rule in
            ([rule.syscall, name(rule.action)] + rule.comparisons.map { "[\($0.argument),\($0.op.rawValue),\($0.value),\($0.mask)]" }).joined(separator: " ")
        }
        return (["default " + name(defaultAction)] + rules).joined(separator: "; ")
    }
}
