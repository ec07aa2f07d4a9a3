import CBerthLinux
import SystemPackage

/// Who this process is and what it does to itself: its ids, its identity inside a user
/// namespace, its working directory, pauses and an immediate exit. The rest of Berth asks here
/// instead of calling the C library.
public enum CurrentProcess {
    /// getpid(2).
    public static var id: pid_t { getpid() }

    /// How many threads this process has: procfs gives /proc/self/task two links more than
    /// that (one stat, no listing). nil when /proc does not say.
    public static var threadCount: Int? {
        guard let st = FileSystem.linkStatus("/proc/self/task"), st.st_nlink > 2 else { return nil }
        return Int(st.st_nlink) - 2
    }
    /// getppid(2): 0 when the parent is outside this pid namespace.
    public static var parentID: pid_t { getppid() }
    /// geteuid(2): whose files and containers this command works with.
    public static var effectiveUser: uid_t { geteuid() }
    /// getuid(2).
    public static var realUser: uid_t { getuid() }
    /// getgid(2).
    public static var realGroup: gid_t { getgid() }
    /// True when running as root (effective uid 0).
    public static var isRoot: Bool { geteuid() == 0 }

    /// This process's seccomp mode (0 none, 2 filter; a process in strict mode 1 could not ask).
    static var seccompMode: Int { Int(max(berth_seccomp_mode(), 0)) }

    /// _exit(2): ends a forked child at once, without running anything the parent registered
    /// (atexit handlers, buffered output the parent would flush too).
    public static func exitNow(_ status: Int32) -> Never { _exit(status) }

    /// Sleeps `seconds` (fractions allowed), resuming after a signal until the time is up.
    public static func pause(seconds: Double) {
        guard seconds > 0 else { return }
        var wanted = timespec(seconds: seconds)
        var left = timespec()
        while nanosleep(&wanted, &left) != 0 && errno == EINTR { wanted = left }
    }

    /// Sleeps `microseconds`.
    public static func pause(microseconds: UInt32) { pause(seconds: Double(microseconds) / 1e6) }

    /// chdir(2).
    static func changeDirectory(_ path: String) throws(BerthError) {
        try syscall("chdir", path) { chdir(path) }
    }

    // Changing identity goes groups, then gid, then uid: each later step takes away the right
    // to the earlier one. Callers make the three calls in that order.

    /// setgroups(2): exactly `groups` as the supplementary groups.
    static func setGroups(_ groups: [gid_t]) throws(BerthError) {
        try syscall("setgroups", groups.isEmpty ? "[]" : groups.map(String.init).joined(separator: ",")) {
            groups.withUnsafeBufferPointer { setgroups($0.count, $0.baseAddress) }
        }
    }

    /// setgid(2).
    static func setGroup(_ gid: gid_t) throws(BerthError) { try syscall("setgid", "\(gid)") { setgid(gid) } }

    /// Takes the ids of the root of the user namespace just entered (setns keeps the host's,
    /// which it does not map): groups dropped first (setgroups may be denied there; then there
    /// are none of the host's to drop), the gid before the uid, which would forbid it after.
    static func becomeUserNamespaceRoot() throws(BerthError) {
        try? setGroups([])
        try setGroup(0)
        try setUser(0)
    }

    /// setuid(2).
    static func setUser(_ uid: uid_t) throws(BerthError) { try syscall("setuid", "\(uid)") { setuid(uid) } }

    /// setsid(2): a new session (and process group) led by this process, with no controlling
    /// terminal yet. Fails only for a process group leader, which a fresh child is not.
    static func startSession() { _ = setsid() }

    /// fchdir(2) into the directory open at `fd`.
    static func changeDirectory(to fd: FileDescriptor, display: String) throws(BerthError) {
        try syscall("fchdir", display) { fchdir(fd.rawValue) }
    }

    /// execve(2) of `program` with `arguments` (argv[0] included) and `environment`: returns
    /// only when it failed, with the errno.
    static func execute(_ program: String, arguments: [String], environment: [String]) -> Errno {
        CStringArray(arguments).withPointers { argv in
            CStringArray(environment).withPointers { envp in
                _ = execve(program, argv, envp)
                return currentErrno
            }
        }
    }

    /// execvp(3): `arguments[0]` looked up in PATH, the environment kept. Returns only when it
    /// failed, with the errno.
    static func executeSearchingPath(_ arguments: [String]) -> Errno {
        guard let program = arguments.first else { return .invalidArgument }
        return CStringArray(arguments).withPointers { argv in
            _ = execvp(program, argv)
            return currentErrno
        }
    }

    /// sethostname(2) in this process's UTS namespace.
    static func setHostname(_ name: String) throws(BerthError) {
        try syscall("sethostname", name) { sethostname(name, name.utf8.count) }
    }

    /// The kernel's release (`uname -r`).
    static var kernelRelease: String {
        var names = utsname()
        uname(&names)
        return withUnsafeBytes(of: &names.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }
}

/// The users of a passwd file (/etc/passwd unless said), read directly: the static binary
/// loads no NSS modules, and /etc/subuid, which names are matched against, is a file too.
public enum UserDatabase {
    /// One line of the file: name, uid, primary gid and login shell.
    struct Entry {
        let name: String
        let uid: uid_t
        let gid: gid_t
        let shell: String
    }

    /// Every well-formed line; none when the file cannot be read.
    static func entries(_ passwd: String = "/etc/passwd") -> [Entry] {
        guard let text = try? FileSystem.readText(passwd) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: ":", omittingEmptySubsequences: false)
            guard fields.count >= 7, let uid = uid_t(fields[2]), let gid = gid_t(fields[3]) else { return nil }
            return Entry(name: String(fields[0]), uid: uid, gid: gid, shell: String(fields[6]))
        }
    }

    /// The uid of the login `name`, nil when there is no such user.
    public static func uid(of name: String) -> uid_t? { entries().first { $0.name == name }?.uid }

    /// The login name of `uid`, nil when it has none.
    static func name(of uid: uid_t) -> String? { entries().first { $0.uid == uid }?.name }

    /// The primary group of `uid`, nil when it has no line.
    static func primaryGroup(of uid: uid_t) -> gid_t? { entries().first { $0.uid == uid }?.gid }
}

extension CurrentProcess {
    /// malloc_trim(3): gives the heap's free pages back to the kernel. A long-lived process
    /// (a container's monitor) calls it once its set-up garbage is freed, so it does not keep
    /// that memory for the container's whole life.
    static func returnFreeMemory() { _ = berth_malloc_trim() }
}
