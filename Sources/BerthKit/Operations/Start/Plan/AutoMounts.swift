/// `lxc.mount.auto`: which of proc, sys and cgroup the container gets, and how.
public struct AutoMounts: Sendable, Equatable {
    public enum Proc: String, Sendable { case mixed, rw }
    public enum Sys: String, Sendable { case mixed, ro, rw }
    public enum Cgroup: String, Sendable { case mixed, ro, rw }

    public var proc: Proc?
    public var sys: Sys?
    public var cgroup: Cgroup?
    /// `shmounts:HOST[:CONTAINER]`: a shared tmpfs on the host at HOST, bound into the container
    /// at CONTAINER (`/dev/.lxc-mounts` by default) as a slave, so what the host mounts below
    /// HOST later appears inside and nothing mounted inside comes out (LXD's helper, as LXC).
    public var sharedMounts: (host: String, container: String)?

    public static func == (a: AutoMounts, b: AutoMounts) -> Bool {
        a.proc == b.proc && a.sys == b.sys && a.cgroup == b.cgroup
            && a.sharedMounts?.host == b.sharedMounts?.host && a.sharedMounts?.container == b.sharedMounts?.container
    }

    public init(proc: Proc? = nil, sys: Sys? = nil, cgroup: Cgroup? = nil) {
        self.proc = proc
        self.sys = sys
        self.cgroup = cgroup
    }

    /// Parses the (possibly several) `lxc.mount.auto` values: `proc:mixed sys:ro cgroup`.
    /// `proc` alone means `proc:mixed`, `sys` means `sys:rw`, `cgroup` means `cgroup:mixed`
    /// (LXC's meanings); `cgroup-full:*` is read as `cgroup:*`: under the container's cgroup
    /// namespace the full tree is its own subtree, as with LXC.
    public init(parsing values: [String], where origin: String) throws(BerthError) {
        self.init()
        for word in values.flatMap({ $0.splitBytes(UInt8(ascii: " ")).map(String.init) }) {
            let parts = word.split(separator: ":", maxSplits: 1).map(String.init)
            let kind = parts[0], mode = parts.count > 1 ? parts[1] : nil
            let bad = BerthError(.invalidConfig, "\(origin): lxc.mount.auto: unknown value '\(word)' (proc:mixed|rw, sys:mixed|ro|rw, cgroup:mixed|ro|rw)")
            switch kind {
            case "proc":
                guard let value = Proc(rawValue: mode ?? "mixed") else { throw bad }
                proc = value
            case "sys":
                guard let value = Sys(rawValue: mode ?? "rw") else { throw bad }
                sys = value
            case "cgroup", "cgroup-full":
                // `:force` (mount even when the container could mount them itself) is what Berth does anyway.
                let text = (mode ?? "mixed").split(separator: ":").first.map(String.init) ?? "mixed"
                guard let value = Cgroup(rawValue: text == "force" ? "mixed" : text) else { throw bad }
                cgroup = value
            case "shmounts":
                let paths = (mode ?? "").split(separator: ":", maxSplits: 1).map(String.init)
                guard let host = paths.first, host.hasPrefix("/"), paths.count == 1 || paths[1].hasPrefix("/"),
                      !(host + "/" + (paths.count > 1 ? paths[1] : "")).split(separator: "/").contains("..") else {
                    throw BerthError(.invalidConfig, "\(origin): lxc.mount.auto: '\(word)' should be shmounts:HOST_PATH[:CONTAINER_PATH] with absolute paths and no '..'")
                }
                sharedMounts = (Path.stripTrailingSlashes(host), paths.count > 1 ? Path.stripTrailingSlashes(paths[1]) : "/dev/.lxc-mounts")
            default:
                throw bad
            }
        }
    }
}
