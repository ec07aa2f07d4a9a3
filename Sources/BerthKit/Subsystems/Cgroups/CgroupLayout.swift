/// How the host's cgroups are mounted: pure v1, pure v2 (unified), or hybrid (controllers on v1
/// with a cgroup2 mount beside them, as on this project's CI hosts).
public struct CgroupLayout: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case v1 = "legacy (v1)"
        case v2 = "unified (v2)"
        case hybrid = "hybrid (v1 controllers, v2 mounted)"
        case none = "none"
    }

    /// A v1 hierarchy: its mount point and the controllers (or `name=systemd`) it carries.
    public struct Hierarchy: Sendable, Equatable {
        public let mountPoint: String
        public let controllers: [String]
    }

    public let kind: Kind
    public let v1: [Hierarchy]
    /// The cgroup2 mount point, if any.
    public let v2MountPoint: String?
    /// Controllers enabled at the v2 root (`cgroup.controllers`).
    public let v2Controllers: [String]

    /// Reads the layout from mountinfo text; `readFile` reads files below the v2 mount (a seam so
    /// tests can describe fake trees).
    public static func detect(mountinfo: String, readFile: (String) -> String?) -> CgroupLayout {
        var v1: [Hierarchy] = []
        var v2: String?
        // Only cgroup and cgroup2 lines are cut into fields: their type follows the lone "-"
        // (a mount point's own spaces are escaped as \040), so a line without " - cgroup" is
        // neither, and most of a host's mounts are passed over.
        for line in MountTable.lines(of: mountinfo) where line.containsBytes(" - cgroup") {
            // Fields: id parent major:minor root mountpoint options [optional...] - fstype source superoptions
            let fields = MountTable.fields(of: line)
            guard let dash = fields.firstIndex(of: "-"), dash + 3 < fields.count + 1, fields.count > 4 else { continue }
            let fstype = fields[dash + 1]
            // Only a cgroup mount's point is unescaped: the other lines need none of it.
            if fstype == "cgroup2" {
                if v2 == nil { v2 = MountTable.unescape(fields[4]) }
            } else if fstype == "cgroup", dash + 3 < fields.count {
                let mountPoint = MountTable.unescape(fields[4])
                let options = fields[dash + 3].splitBytes(UInt8(ascii: ",")).map(String.init)
                let controllers = options.filter { !["rw", "ro", "relatime", "nosuid", "nodev", "noexec", "clone_children"].contains($0) && !$0.hasPrefix("release_agent=") }
                v1.append(Hierarchy(mountPoint: mountPoint, controllers: controllers))
            }
        }
        let v2Controllers = v2.flatMap { readFile(Path.join($0, "cgroup.controllers")) }?
            .utf8.split(whereSeparator: { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\n") }).map { String(Substring($0)) } ?? []
        let realV1 = v1.filter { $0.controllers.contains { !$0.hasPrefix("name=") } }
        let kind: Kind
        switch (realV1.isEmpty, v2 == nil) {
        case (true, true): kind = v1.isEmpty ? .none : .v1
        case (true, false): kind = .v2
        case (false, true): kind = .v1
        case (false, false): kind = .hybrid
        }
        return CgroupLayout(kind: kind, v1: v1, v2MountPoint: v2, v2Controllers: v2Controllers)
    }

    /// The layout of this host.
    public static func current() -> CgroupLayout {
        detect(mountinfo: (try? FileSystem.readText("/proc/self/mountinfo")) ?? "") { try? CgroupMountsDirectory.readText($0) }
    }
}

extension CgroupLayout {
    /// Where a controller lives on this host: a v1 hierarchy that carries it, else the cgroup2
    /// mount when it is enabled there, else nowhere.
    public enum Location: Sendable, Equatable {
        case v1(Hierarchy)
        case v2
    }

    /// The location of `controller` (`memory`, `cpu`, ...). v1 wins on hybrid hosts, where the
    /// kernel lets each controller be bound to one hierarchy only and v1 took them.
    public func location(of controller: String) -> Location? {
        if let hierarchy = v1.first(where: { $0.controllers.contains(controller) }) { return .v1(hierarchy) }
        if v2MountPoint != nil && (v2Controllers.contains(controller) || controller == "cgroup") { return .v2 }
        return nil
    }
}
