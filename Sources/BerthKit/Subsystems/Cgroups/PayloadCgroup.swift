import SystemPackage

/// A running container's own cgroup, `berth.payload.<name>`, in every hierarchy the host has:
/// each v1 hierarchy and the cgroup2 mount (hybrid hosts have both). It sits below the cgroup
/// of the host's init in each hierarchy, as LXC's `lxc.payload.<name>` does; Berth's name
/// differs so that Berth and LXC can run containers of the same name side by side.
///
/// The monitor creates it before init exists, the child joins it before it unshares its cgroup
/// namespace (so that the container sees its own cgroup as `/`), and the monitor removes it when
/// the container has stopped. A directory left by a monitor that was killed is removed by the
/// next start (`sweep`).
public struct PayloadCgroup: Sendable {
    /// The cgroup's directories, one per hierarchy: the v1 ones in mount order, then the v2 one.
    /// The limits are written here.
    public let directories: [String]
    /// The layout the directories were derived from.
    public let layout: CgroupLayout
    /// The directory in each v1 hierarchy (parallel to `layout.v1`), and in the v2 tree.
    let v1Directories: [String]
    let v2Directory: String?
    /// lxc.cgroup.dir.container.inner: the processes live in this child of each directory, so
    /// that the limits above them are out of the container's reach.
    public let inner: String?

    /// The directories for `name` on this host (nothing is created).
    /// `prefix` names the kind: `berth.payload.` for the container, `berth.monitor.` for its
    /// monitor (MonitorCgroup).
    ///
    /// `lxcpath` keeps containers of one name in different lxcpaths apart: outside the default
    /// lxcpath the leaf gets `.<8 hex digits>` of a hash of the lxcpath (`berth.payload.web.1a2b3c4d`).
    public init(name: String, lxcpath: String?, layout: CgroupLayout = .current(), initCgroups: String? = nil,
                prefix: String = "berth.payload.") {
        self.init(path: PayloadCgroup.leaf(prefix: prefix, name: name, lxcpath: lxcpath), inner: nil, layout: layout,
                  baseCgroups: initCgroups)
    }

    /// The directories of the cgroup at `path` below the base in every hierarchy: the cgroups of
    /// `baseCgroups` (`/proc/PID/cgroup` text; the host init's when nil).
    public init(path: String, inner: String?, layout: CgroupLayout = .current(), baseCgroups: String? = nil) {
        let memberships = baseCgroups.map(PayloadCgroup.parse) ?? PayloadCgroup.hostInitMemberships
        var v1: [String] = []
        for hierarchy in layout.v1 {
            // /proc/1/cgroup names a v1 hierarchy by its controllers, comma-joined as mounted.
            let key = hierarchy.controllers.joined(separator: ",")
            let base = memberships[key] ?? "/"
            v1.append(PayloadCgroup.join(hierarchy.mountPoint, base, path))
        }
        let v2 = layout.v2MountPoint.map { PayloadCgroup.join($0, memberships[""] ?? "/", path) }
        self.init(directories: v1 + (v2.map { [$0] } ?? []), layout: layout, v1Directories: v1, v2Directory: v2, inner: inner)
    }

    /// The cgroup a running container's monitor reported (`directories` as `directories` lists
    /// them); nil when they do not fit this host's layout.
    public init?(reported directories: [String], inner: String?, layout: CgroupLayout = .current()) {
        let v1Count = layout.v1.count
        guard directories.count == v1Count + (layout.v2MountPoint == nil ? 0 : 1),
              directories.allSatisfy({ $0.hasPrefix("/") }) else { return nil }
        self.init(directories: directories, layout: layout, v1Directories: Array(directories.prefix(v1Count)),
                  v2Directory: layout.v2MountPoint == nil ? nil : directories.last, inner: inner)
    }

    /// The payload cgroup of a running container, from what its monitor said (`status`), or
    /// Berth's own place for the name when the monitor said nothing (the standard placement).
    public static func of(running name: String, lxcpath: String, status: MonitorStatus, layout: CgroupLayout = .current()) -> PayloadCgroup {
        if let reported = status.cgroupDirectories,
           let cgroup = PayloadCgroup(reported: reported, inner: status.cgroupInner, layout: layout) {
            return cgroup
        }
        return PayloadCgroup(name: name, lxcpath: lxcpath, layout: layout)
    }

    /// No cgroup at all: a container of a user other than root, who has no delegated cgroup to
    /// make one in. Every operation over its (no) directories does nothing.
    public static func none(layout: CgroupLayout = .current()) -> PayloadCgroup {
        PayloadCgroup(directories: [], layout: layout, v1Directories: [], v2Directory: nil, inner: nil)
    }

    private init(directories: [String], layout: CgroupLayout, v1Directories: [String], v2Directory: String?, inner: String?) {
        self.directories = directories
        self.layout = layout
        self.v1Directories = v1Directories
        self.v2Directory = v2Directory
        self.inner = inner
    }

    /// Where the container's processes live: the directories, or their inner child.
    public var processDirectories: [String] { inner.map { inner in directories.map { Path.join($0, inner) } } ?? directories }

    /// The v2 directory the processes live in (for CLONE_INTO_CGROUP).
    var processV2Directory: String? { v2Directory.map { directory in inner.map { Path.join(directory, $0) } ?? directory } }

    /// The directory holding `controller`'s files, or nil when the host does not have it.
    public func directory(for controller: String) -> String? {
        switch layout.location(of: controller) {
        case .v1(let hierarchy)?:
            return layout.v1.firstIndex(of: hierarchy).map { v1Directories[$0] }
        case .v2?:
            return v2Directory
        case nil:
            return nil
        }
    }

    /// Writes the container's limits (see CgroupTranslator). On v2, a controller must be enabled
    /// in the parent's `cgroup.subtree_control` before its files exist in the child.
    public func apply(_ writes: [CgroupWrite]) throws(BerthError) {
        // Device rules on cgroup v2 are one eBPF program, not files.
        var filter = DeviceFilter()
        var hasFilter = false
        for write in writes where write.version == .v2 && write.controller == "devices" {
            try filter.add(allow: write.file == "devices.allow", write.value, origin: write.origin)
            hasFilter = true
        }
        if hasFilter {
            guard let v2Directory else { throw BerthError(.unsupported, "device rules: this host has no cgroup v2 hierarchy") }
            try filter.attach(to: v2Directory)
        }
        for write in writes where !(write.version == .v2 && write.controller == "devices") {
            let directory: String?
            switch write.version {
            case .v1:
                if case .v1(let hierarchy)? = layout.location(of: write.controller) {
                    directory = layout.v1.firstIndex(of: hierarchy).map { v1Directories[$0] }
                } else {
                    directory = nil
                }
            case .v2:
                directory = v2Directory
                if let v2 = v2Directory, write.controller != "cgroup" {
                    try enableV2(write.controller, above: v2, origin: write.origin)
                }
            }
            guard let directory else {
                throw BerthError(.unsupported, "\(write.origin): the \(write.controller) controller is not available on this host")
            }
            let path = Path.join(directory, write.file)
            do throws(BerthError) { try PayloadCgroup.write(path, write.value) } catch {
                throw BerthError(error.code, "\(write.origin): setting \(write.file) to \(write.value): \(error.message)", errno: error.errno)
            }
        }
    }

    /// Enables `controller` for `directory`: in its parent's `cgroup.subtree_control`, and in
    /// those above it that lack it too (lxc.cgroup.dir puts the cgroup deeper), top first.
    private func enableV2(_ controller: String, above directory: String, origin: String) throws(BerthError) {
        let top = layout.v2MountPoint ?? "/"
        var pending: [String] = []
        var parent = Path.parent(directory)
        while parent.hasPrefix(top) {
            let control = Path.join(parent, "cgroup.subtree_control")
            let enabled = ((try? FileSystem.readText(control)) ?? "").split(whereSeparator: { $0 == " " || $0 == "\n" })
            if enabled.contains(where: { $0 == controller }) { break }
            pending.insert(control, at: 0)
            if parent.count <= top.count { break }
            parent = Path.parent(parent)
        }
        for control in pending {
            do throws(BerthError) { try PayloadCgroup.write(control, "+\(controller)") } catch {
                throw BerthError(error.code, "\(origin): enabling the \(controller) controller in \(control): \(error.message)", errno: error.errno)
            }
        }
    }

    /// The directory name: `prefix + name`, plus the lxcpath's hash outside the default lxcpath.
    static func leaf(prefix: String, name: String, lxcpath: String?) -> String {
        guard let lxcpath, !prefix.isEmpty, Path.stripTrailingSlashes(lxcpath) != SystemConfig.defaultLXCPath else { return prefix + name }
        var hash: UInt32 = 2_166_136_261  // FNV-1a, 32 bits: short, stable across runs and builds
        for byte in Path.stripTrailingSlashes(lxcpath).utf8 {
            hash = (hash ^ UInt32(byte)) &* 16_777_619
        }
        return prefix + name + "." + ASCIIDigits.hex(UInt64(hash), count: 8)
    }

    /// mount + cgroup path (`/system.slice`, `/`) + leaf, with no doubled or trailing slashes.
    static func join(_ mount: String, _ base: String, _ leaf: String) -> String {
        // On the bytes: '/' is ASCII (see Path).
        var result = mount
        for component in (base + "/" + leaf).splitBytes(UInt8(ascii: "/")) {
            let text = String(component)
            if result.isEmpty { result = text } else if result.utf8.last == UInt8(ascii: "/") { result += text } else { result += "/" + text }
        }
        return result
    }

    /// The host init's cgroups (/proc/1/cgroup), read once per process: every cgroup of a
    /// container is placed below them, and a start places two (the payload and the monitor).
    static let hostInitMemberships = parse((try? FileSystem.readText("/proc/1/cgroup")) ?? "")

    /// `/proc/PID/cgroup` lines `N:controllers:/path` as controllers → path ("" for cgroup2).
    static func parse(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        let colon = UInt8(ascii: ":")
        for line in text.splitBytes(UInt8(ascii: "\n")) {
            // The hierarchy's number, its controllers, and the path (which may hold colons).
            guard let first = line.utf8.firstIndex(of: colon) else { continue }
            let controllersStart = line.utf8.index(after: first)
            guard let second = line.utf8[controllersStart...].firstIndex(of: colon) else { continue }
            var path = String(line[line.utf8.index(after: second)...])
            // The host init's own leaf (systemd's init.scope) is not where containers belong.
            if path.hasSuffix("/init.scope") { path = String(path.dropLast("/init.scope".count)) }
            result[String(line[controllersStart..<second])] = path.isEmpty ? "/" : path
        }
        return result
    }

    /// Makes the directories (not their inner child: see `createInner`), with the cgroups above
    /// them that do not exist yet (lxc.cgroup.dir); returns those, top first, for
    /// `removeMadeParents`. A leftover
    /// of a crashed monitor (no processes in it) is reused; one with processes means the
    /// container still runs somewhere, which is an error — unless `shared` (a cgroup several
    /// monitors use, as lxc.cgroup.dir.monitor.pivot). `skippingV2`: the v2 directory is made
    /// already, and its process is in it (a monitor born there).
    @discardableResult
    public func create(shared: Bool = false, skippingV2: Bool = false) throws(BerthError) -> [String] {
        var madeParents: [String] = []
        var swept = shared
        var index = 0
        // mkdir first, looking only when it fails: a lookup in cgroupfs costs about what the
        // mkdir does, and a start makes one cgroup in every hierarchy.
        while index < directories.count {
            let directory = directories[index]
            if skippingV2 && directory == v2Directory {
                index += 1
                continue
            }
            let processes = inner.map { Path.join(directory, $0) } ?? directory
            let cpuset = hasCpuset(index)
            switch PayloadCgroup.makeCgroup(directory, copyingCpuset: cpuset) {
            case nil:
                break
            case .fileExists?:
                // A leftover of a killed monitor: swept once (thawed, emptied, removed), then
                // made again from the first hierarchy; one that keeps processes is an error.
                if !swept {
                    swept = true
                    sweep()
                    index = 0
                    continue
                }
                for busy in [directory, processes] where !shared && !PayloadCgroup.processes(in: busy).isEmpty {
                    throw BerthError(.busy, "cgroup \(busy) still has processes: a previous run of the container was not cleaned up")
                }
                // A shared cgroup another process made a moment ago may not have its cpuset yet.
                if shared && cpuset { try? PayloadCgroup.copyParentCpuset(into: directory, onlyIfEmpty: true) }
            case .noSuchFileOrDirectory?:
                // The cgroups above (lxc.cgroup.dir), top first: each needs its parent's
                // cpuset before a child can have one.
                let top = index < layout.v1.count ? layout.v1[index].mountPoint : (layout.v2MountPoint ?? "/")
                var missing: [String] = []
                var above = Path.parent(directory)
                while above.count > top.count, above.hasPrefix(top + "/"), !FileSystem.isDirectory(above) {
                    missing.insert(above, at: 0)
                    above = Path.parent(above)
                }
                for parent in missing {
                    if let error = PayloadCgroup.makeCgroup(parent, copyingCpuset: cpuset) { throw BerthError.system("mkdir", parent, error) }
                    madeParents.append(parent)
                }
                if let error = PayloadCgroup.makeCgroup(directory, copyingCpuset: cpuset) { throw BerthError.system("mkdir", directory, error) }
            case let error?:
                throw BerthError.system("mkdir", directory, error)
            }
            index += 1
        }
        return madeParents
    }

    /// Makes the inner cgroups (lxc.cgroup.dir.container.inner) once `create` made the
    /// directories and the device rules are on them (the kernel takes "a" only on a cgroup
    /// without children).
    public func createInner() throws(BerthError) {
        guard let inner else { return }
        for (index, directory) in directories.enumerated() {
            let path = Path.join(directory, inner)
            if let error = PayloadCgroup.makeCgroup(path, copyingCpuset: hasCpuset(index)), error != .fileExists { throw BerthError.system("mkdir", path, error) }
        }
    }

    /// Whether the directory at `index` is in the v1 hierarchy of cpuset (which a new cgroup
    /// must copy from its parent).
    private func hasCpuset(_ index: Int) -> Bool { index < layout.v1.count && layout.v1[index].controllers.contains("cpuset") }

    /// One new cgroup directory: nil, or why mkdir failed. v1 cpuset starts with no cpus and no
    /// memory nodes, and a task cannot join such a cgroup: the parent's are copied, as
    /// clone_children would.
    private static func makeCgroup(_ directory: String, copyingCpuset: Bool) -> Errno? {
        if let error = CgroupMountsDirectory.makeDirectory(directory) { return error }
        guard copyingCpuset else { return nil }
        do throws(BerthError) { try copyParentCpuset(into: directory) } catch { return error.errno ?? .ioError }
        return nil
    }

    /// Copies the parent's cpus and memory nodes into the v1 cpuset cgroup `directory`; with
    /// `onlyIfEmpty`, each file only while it is still empty (a shared cgroup another process
    /// made a moment ago: the same values whoever writes them).
    private static func copyParentCpuset(into directory: String, onlyIfEmpty: Bool = false) throws(BerthError) {
        for file in ["cpuset.cpus", "cpuset.mems"] {
            let path = Path.join(directory, file)
            if onlyIfEmpty, let current = try? CgroupMountsDirectory.readText(path), !current.allSatisfy(\.isWhitespace) { continue }
            guard let parent = try? CgroupMountsDirectory.readText(Path.join(Path.parent(directory), file)) else { continue }
            try PayloadCgroup.write(path, parent)
        }
    }

    /// Removes the cgroups `create` made above the directories, deepest first, as far as they
    /// are empty (another container may have made its own below one meanwhile).
    public static func removeMadeParents(_ made: [String]) {
        for directory in made.reversed() { _ = FileSystem.removeEmptyDirectory(directory) }
    }

    /// Removes the directories, and the child cgroups the container made in them (deepest
    /// first). The kernel refuses (EBUSY) while exiting tasks are still being released, so each
    /// removal is retried for up to a second.
    public func remove() throws(BerthError) {
        var failures: [String] = []
        for directory in directories.flatMap(PayloadCgroup.subtree) where FileSystem.isDirectory(directory) {
            var attempt = 0
            while let err = FileSystem.removeEmptyDirectory(directory) {
                if err == .noSuchFileOrDirectory { break }
                attempt += 1
                guard err == .resourceBusy, attempt < 200 else {
                    failures.append("\(directory): \(err.berthDescription)")
                    break
                }
                CurrentProcess.pause(microseconds: 5_000)
            }
        }
        if !failures.isEmpty {
            throw BerthError(.system, "cannot remove cgroup \(failures.joined(separator: ", "))")
        }
    }

    /// Removes what a killed monitor left of `container`: its payload and monitor cgroups, where
    /// `config` placed them (Berth's own place when there is no config, or its placement is bad:
    /// then no start made them anywhere else). Only where the monitor's socket or lock file is:
    /// a monitor removes them after its cgroups, and keeps the lock file when one could not go
    /// (CommandSocket.hasRuntimeFiles), so without them the hierarchies are not searched.
    public static func sweepLeftovers(of container: Container, config: ContainerConfig?) {
        guard CommandSocket(paths: container.paths).hasRuntimeFiles else { return }
        let name = container.name.value, lxcpath = container.paths.lxcpath
        let placement = config.flatMap { try? CgroupPlacement(config: $0, name: name, lxcpath: lxcpath) { $0 } }
            ?? .standard(name: name, lxcpath: lxcpath)
        let base = placement.relative ? try? FileSystem.readText("/proc/self/cgroup") : nil
        let payload = PayloadCgroup(path: placement.payload, inner: placement.inner, baseCgroups: base)
        payload.sweep()
        // The shared monitors' cgroup is never a leftover; a monitor of an earlier Berth, which
        // had a cgroup of its own there too, may have left one.
        let monitor = placement.monitorShared ? CgroupPlacement.ownMonitor(name: name, lxcpath: lxcpath) : placement.monitor
        PayloadCgroup(path: monitor, inner: nil, layout: payload.layout, baseCgroups: base).sweep()
    }

    /// Removes directories a killed monitor left, when they hold no processes.
    public func sweep() {
        guard directories.contains(where: FileSystem.isDirectory) else { return }
        // A container frozen when its monitor was killed cannot act on the death signal its
        // processes got; thawed, they die of it (and nothing else is done to them).
        let freezer = CgroupFreezer(cgroup: self)
        if freezer.isFrozen {
            try? freezer.set(frozen: false, timeout: 1)
            let deadline = monotonicSeconds() + 1
            while !isEmpty && monotonicSeconds() < deadline {
                CurrentProcess.pause(microseconds: 2_000)
            }
        }
        if isEmpty { try? remove() }
    }

    /// No process in the directories or below them (an inner cgroup, the container's own).
    var isEmpty: Bool {
        directories.flatMap(PayloadCgroup.subtree).allSatisfy { PayloadCgroup.processes(in: $0).isEmpty }
    }

    /// `directory` and the cgroups below it, deepest first (the order rmdir needs).
    static func subtree(_ directory: String) -> [String] {
        let children = ((try? FileSystem.subdirectories(directory)) ?? []).map { Path.join(directory, $0) }
        return children.flatMap(subtree) + [directory]
    }

    static func processes(in directory: String) -> [String] {
        ((try? FileSystem.readText(Path.join(directory, "cgroup.procs"))) ?? "").split(separator: "\n").map(String.init)
    }

    static func write(_ path: String, _ text: String) throws(BerthError) {
        // O_TRUNC means nothing to cgroupfs; it keeps a fake tree of plain files honest.
        let fd = try CgroupMountsDirectory.open(path, O_WRONLY | O_TRUNC)
        defer { fd.closeQuietly() }
        // One write: cgroupfs takes a value whole, from the first write only.
        try FileSystem.writeOnce(fd, Array(text.utf8), path)
    }
}
