/// What a monitor answers to `state`: `STATE PID`, then, for a container whose cgroups are not
/// at Berth's own place for its name (lxc.cgroup.dir and the like), `cgroup=DIR:DIR...` (the
/// payload's directories, as PayloadCgroup lists them) and `inner=NAME`.
public struct MonitorStatus: Sendable, Equatable {
    public let state: ContainerState
    public let pid: Int32?
    public let cgroupDirectories: [String]?
    public let cgroupInner: String?

    public init(state: ContainerState, pid: Int32?, cgroupDirectories: [String]? = nil, cgroupInner: String? = nil) {
        self.state = state
        self.pid = pid
        self.cgroupDirectories = cgroupDirectories
        self.cgroupInner = cgroupInner
    }

    /// Parses the words after `ok`; what is missing or unknown reads as STOPPED / nil.
    init(words: [String]) {
        self.init(state: words.first.flatMap(ContainerState.init(rawValue:)) ?? .stopped, words: words.dropFirst())
    }

    /// `PID [cgroup=... inner=...]` after a state known otherwise (the `initfd` reply).
    init(state: ContainerState, words: ArraySlice<String>) {
        self.state = state
        let pid = words.first.flatMap { Int32($0) }
        self.pid = pid.flatMap { $0 > 0 ? $0 : nil }
        var directories: [String]?
        var inner: String?
        for word in words.dropFirst() {
            if word.hasPrefix("cgroup=") {
                directories = word.dropFirst("cgroup=".count).split(separator: ":").map(String.init)
            } else if word.hasPrefix("inner=") {
                inner = String(word.dropFirst("inner=".count))
            }
        }
        cgroupDirectories = directories
        cgroupInner = inner
    }

    /// The words a monitor sends after `ok`: `cgroup` only when it is not where other commands
    /// would look for the name.
    public static func words(state: ContainerState?, pid: Int32, cgroupDirectories: [String]?, cgroupInner: String?) -> String {
        var line = (state.map { $0.rawValue + " " } ?? "") + "\(pid)"
        if let cgroupDirectories {
            line += " cgroup=" + cgroupDirectories.joined(separator: ":")
            if let cgroupInner { line += " inner=" + cgroupInner }
        }
        return line
    }
}
