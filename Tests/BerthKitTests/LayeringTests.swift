import Foundation
import Testing

/// The library's folders form layers: no two folders under Sources/BerthKit use each other's
/// types (a type counts as a folder's when a file there declares it at the top level), and no
/// file outside Subsystems/System calls the C shim or the C library's system calls: the rest of
/// Berth goes through System's typed wrappers, and hands descriptors on as `FileDescriptor`.
@Suite struct LayeringTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources/BerthKit").path

    /// Every Swift file of the library: its folder (relative) and its text without comments.
    static let files: [(folder: String, path: String, text: String)] = {
        guard let walker = FileManager.default.enumerator(atPath: root) else { return [] }
        var result: [(String, String, String)] = []
        while let relative = walker.nextObject() as? String {
            guard relative.hasSuffix(".swift"), let text = try? String(contentsOfFile: root + "/" + relative, encoding: .utf8) else { continue }
            let code = text.split(separator: "\n", omittingEmptySubsequences: false)
                .map { line in line.range(of: "//").map { String(line[..<$0.lowerBound]) } ?? String(line) }
                .joined(separator: "\n")
            result.append(((relative as NSString).deletingLastPathComponent, relative, code))
        }
        return result
    }()

    static func topLevelTypes(_ text: String) -> [String] {
        let pattern = try? NSRegularExpression(pattern: "^(?:public |final |indirect )*(?:struct|class|enum|protocol|actor) ([A-Z][A-Za-z0-9_]*)", options: [.anchorsMatchLines])
        let range = NSRange(text.startIndex..., in: text)
        return (pattern?.matches(in: text, range: range) ?? []).compactMap { Range($0.range(at: 1), in: text).map { String(text[$0]) } }
    }

    @Test func noTwoFoldersUseEachOthersTypes() throws {
        try #require(!Self.files.isEmpty)
        var owner: [String: String] = [:]
        for file in Self.files { for type in Self.topLevelTypes(file.text) { owner[type] = file.folder } }
        var uses: [String: Set<String>] = [:]
        for file in Self.files {
            for (type, folder) in owner where folder != file.folder {
                if file.text.range(of: "\\b\(type)\\b", options: .regularExpression) != nil { uses[file.folder, default: []].insert(folder) }
            }
        }
        for (a, targets) in uses {
            for b in targets where a < b && uses[b]?.contains(a) == true {
                Issue.record("\(a) and \(b) use each other's types")
            }
        }
    }

    @Test func onlySystemCallsTheCShim() {
        for file in Self.files where !file.folder.hasPrefix("Subsystems/System") {
            #expect(file.text.range(of: "\\bberth_[a-z_]+\\(", options: .regularExpression) == nil, "\(file.path) calls the C shim")
            #expect(!file.text.contains("import CBerthLinux"), "\(file.path) imports the C shim")
        }
    }

    @Test func noFileOverFourHundredLines() {
        for file in Self.files {
            let lines = file.text.split(separator: "\n", omittingEmptySubsequences: false).count
            #expect(lines <= 401, "\(file.path) has \(lines) lines")
        }
    }

    /// The C library calls that only Subsystems/System makes. A file may still declare and call
    /// a function of its own by one of these names (`func read(` of a cgroup file, say).
    static let systemCalls = [
        "open", "openat", "close", "read", "write", "pread", "pwrite", "mkdir", "mkdirat", "rmdir", "unlink", "unlinkat",
        "rename", "renameat", "stat", "lstat", "fstat", "fstatat", "statvfs", "chmod", "fchmod", "fchmodat", "chown",
        "lchown", "fchown", "fchownat", "symlink", "symlinkat", "readlink", "readlinkat", "link", "linkat", "mknod",
        "mknodat", "mount", "umount", "umount2", "kill", "waitpid", "fork", "execve", "execvp", "pipe", "dup", "dup2",
        "fcntl", "ioctl", "poll", "socket", "socketpair", "bind", "listen", "accept", "connect", "send", "recv",
        "sendmsg", "recvmsg", "setsockopt", "getuid", "geteuid", "getgid", "getpid", "getppid", "setns", "unshare",
        "prctl", "setuid", "setgid", "setgroups", "setsid", "chdir", "fchdir", "sethostname", "opendir", "readdir",
        "closedir", "access", "ftruncate", "fsync", "lseek", "flock", "signal", "sigprocmask", "sigtimedwait",
        "usleep", "sleep", "nanosleep", "strerror", "getpwuid", "uname", "isatty", "tcgetattr", "tcsetattr",
        "futimens", "utimensat", "_exit",
    ]

    @Test func onlySystemCallsTheCLibrary() throws {
        try #require(!Self.files.isEmpty)
        // Errors is the layer below System: its errno text (strerror) is its own.
        for file in Self.files where !file.folder.hasPrefix("Subsystems/System") && !file.folder.hasPrefix("Subsystems/Errors") {
            for name in Self.systemCalls where !file.text.contains("func \(name)(") {
                // A call, bare or as Glibc.name; `stat()` with no arguments makes the struct.
                let call = "(?<![\\w.])(?:Glibc\\.)?\(name)\\((?!\\))"
                #expect(file.text.range(of: call, options: .regularExpression) == nil, "\(file.path) calls \(name)() directly")
            }
        }
    }

    @Test func descriptorsCrossFilesTyped() {
        // A stored or passed descriptor outside System is a FileDescriptor, never an Int32.
        let raw = "(?:fd|Fd|FD|pidfd|socket|descriptor|ptx|pty|netns)[A-Za-z]*: \\[?Int32"
        for file in Self.files where !file.folder.hasPrefix("Subsystems/System") {
            #expect(file.text.range(of: raw, options: .regularExpression) == nil, "\(file.path) keeps a descriptor as Int32")
        }
    }

    @Test func thePlanLearnsTheHostOnlyThroughItsInputs() throws {
        // Building a start plan reads nothing itself: files, directories, the caller and the
        // kernel reach it as StartInputs (made by the starter, or by a test).
        let plan = Self.files.filter { ["StartPlan.swift", "StartPlan+Checks.swift", "ProcessSettings.swift", "AutoMounts.swift", "MountEntry.swift"].contains(($0.path as NSString).lastPathComponent) }
        try #require(plan.count == 5)
        for file in plan {
            for reach in ["FileSystem.", "CurrentProcess.", "ProcessEnvironment.", "LSMSupport.", ".current()"] {
                #expect(!file.text.contains(reach), "\(file.path) reaches the host (\(reach))")
            }
        }
    }
}
