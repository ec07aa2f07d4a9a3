/// Creates a container atomically: everything is built in a hidden staging directory
/// `<lxcpath>/.<name>.creating-<pid>` and published with one `rename`, so a container either
/// exists complete or not at all. A failed or interrupted template (SIGINT, SIGTERM, SIGHUP)
/// leaves nothing behind; after a SIGKILL the hidden staging directory is swept by the next
/// create of that name.
public struct ContainerCreator {
    public let system: SystemConfig
    /// Warnings (legacy keys, ignored lines) for the caller to show.
    public var warn: (String) -> Void
    /// Progress lines for a person ("Running template ...").
    public var info: (String) -> Void

    public init(system: SystemConfig, warn: @escaping (String) -> Void = { _ in }, info: @escaping (String) -> Void = { _ in }) {
        self.system = system
        self.warn = warn
        self.info = info
    }

    /// The file a template leaves in the container directory (`--path`) when it did what was
    /// asked without making a container (the download template's listing, a template's help),
    /// then exiting 0: Berth's convention, not LXC's (a marker, not an exit status, so that no
    /// LXC template's failure can be taken for it). The create removes what it prepared and
    /// returns nil.
    public static let templateMadeNothing = ".berth-made-nothing"

    /// The new container, or nil when the template made none on purpose (`templateMadeNothing`).
    public func create(_ request: CreateRequest) throws(BerthError) -> Container? {
        // Everything that can be checked without touching the disk is checked first, so that
        // bad input makes nothing at all.
        // dir, btrfs (a subvolume; the lxcpath must be on btrfs), or best: btrfs where the
        // lxcpath is on btrfs, else dir. Overlay needs a lower layer: it is made by cloning.
        var useBtrfs = false
        switch request.backingStore {
        case "dir": break
        case "best": useBtrfs = BtrfsVolume.isBtrfs(FileSystem.isDirectory(request.lxcpath) ? request.lxcpath : Path.parent(request.lxcpath))
        case "btrfs":
            guard FileSystem.isDirectory(request.lxcpath) || FileSystem.isDirectory(Path.parent(request.lxcpath)),
                  BtrfsVolume.isBtrfs(FileSystem.isDirectory(request.lxcpath) ? request.lxcpath : Path.parent(request.lxcpath)) else {
                throw BerthError(.unsupported, "-B btrfs: \(request.lxcpath) is not on a btrfs filesystem")
            }
            useBtrfs = true
        case "overlay", "overlayfs", "aufs":
            throw BerthError(.unsupported, "-B \(request.backingStore) needs a container to layer on: create it with -B dir, then clone it with berth-copy -s -B overlay")
        case "lvm", "zfs", "loop", "rbd", "nbd":
            throw BerthError(.unsupported, "backing store '\(request.backingStore)' is not supported (dir, btrfs, best)")
        default:
            throw BerthError(.invalidArgument, "unknown backing store '\(request.backingStore)' (dir, btrfs, best)")
        }
        if useBtrfs && request.rootfsDirectory != nil {
            throw BerthError(.invalidArgument, "--dir and -B btrfs exclude each other: a btrfs rootfs is a subvolume in the container's directory")
        }
        let template = try Template.resolve(request.template, templateDirectory: system.templateDirectory)
        // A user other than root makes unprivileged containers only, from the ids delegated to
        // it, and with the built-in template (its files are handed to the container's root in
        // a user namespace).
        let userMaps = CurrentProcess.isRoot ? nil : try ContainerCreator.delegatedMaps(subordinateDirectory: system.subordinateDirectory)
        if userMaps != nil {
            guard template == .busybox || template == .none else {
                throw BerthError(.unsupported, "as a user other than root, only -t busybox and -t none are supported for now")
            }
            guard request.backingStore == "dir" || request.backingStore == "best", request.rootfsDirectory == nil else {
                throw BerthError(.unsupported, "as a user other than root, containers are made with -B dir in the container's directory")
            }
        }
        let busybox = template == .busybox ? try BusyboxTemplate(arguments: request.templateArguments) : nil
        if template == .none && !request.templateArguments.isEmpty {
            throw BerthError(.invalidArgument, "-t none takes no template arguments")
        }
        let base = try baseConfig(request)
        for text in request.overrides where ConfigParser.parseAssignment(text) == nil {
            throw BerthError(.invalidArgument, "-s '\(text)': expected KEY=VALUE with an lxc.* key")
        }
        let rootfsDirectory = request.rootfsDirectory.map { Path.stripTrailingSlashes(Path.absolute($0)) }
        if let dir = rootfsDirectory, FileSystem.exists(dir), !((try? FileSystem.list(dir))?.isEmpty ?? false) {
            throw BerthError(.alreadyExists, "--dir \(dir) exists and is not an empty directory")
        }
        if let dir = rootfsDirectory, let open = StartInputs.exposingDirectory(of: dir) {
            throw BerthError(.permissionDenied, "--dir \(dir): \(StartPlan.exposureMessage(dir, open))")
        }

        let paths = ContainerPaths(lxcpath: request.lxcpath, name: request.name)
        let signals = SignalBlock()
        defer { signals.unblockAndRedeliver() }
        let lock = try ContainerLock.acquire(paths)
        // A create that fails leaves no trace, not even its lock file; the lock of an existing
        // container stays where it is.
        defer { FileSystem.exists(paths.directory) ? lock.release() : lock.releaseAndRemove() }
        guard !FileSystem.exists(paths.directory) else {
            throw BerthError(.alreadyExists, "Container already exists: \(paths.directory)")
        }
        sweepLeftovers(paths)

        let staging = Path.join(paths.lxcpath, paths.stagingPrefix + String(CurrentProcess.id))
        var madeRootfsDirectory = false
        var templateMadeNothing = false
        do throws(BerthError) {
            try FileSystem.makeDirectory(staging, mode: 0o770)
            let rootfs = rootfsDirectory ?? Path.join(staging, "rootfs")
            if useBtrfs {
                try BtrfsVolume.create(rootfs)
            } else if !FileSystem.exists(rootfs) {
                try FileSystem.makeDirectories(Path.parent(rootfs))
                try FileSystem.makeDirectory(rootfs, mode: 0o755)
                madeRootfsDirectory = rootfsDirectory != nil
            }
            let finalRootfs = rootfsDirectory ?? paths.defaultRootfs
            var document = base
            try document.modernizeKeys()
            document.prependComments([
                "Berth container config, written by berth-create on \(Timestamp.utcNow())",
                "Template: \(template.displayName)" + (request.templateArguments.isEmpty ? "" : "  Arguments: \(request.templateArguments.joined(separator: " "))"),
                "",
            ])
            // Random MAC digits are fixed now, so the container keeps its address across starts.
            try document.rewriteValues { key, value in
                key.hasSuffix(".hwaddr") && value.lowercased().contains("x") ? MACAddress.expand(value) : nil
            }
            try document.set("lxc.rootfs.path", "\(useBtrfs ? "btrfs" : "dir"):\(finalRootfs)")
            try document.set("lxc.uts.name", request.name.value)
            // -s values go in before the template runs, so it sees them (the debian template
            // configures the guest's network from lxc.net.0).
            let overrides = request.overrides.compactMap(ConfigParser.parseAssignment)
            for (key, value) in overrides {
                if ConfigKeyTable.lookup(key)?.multiplicity == .list { try document.append(key, value) } else { try document.set(key, value) }
            }
            if let userMaps, document.values("lxc.idmap").isEmpty {
                for map in userMaps { try document.append("lxc.idmap", "\(map.kind == .uid ? "u" : "g") \(map.inside) \(map.outside) \(map.count)") }
            } else if (request.unprivileged || (system.unprivilegedByDefault && !request.privileged)) && document.values("lxc.idmap").isEmpty {
                let subuid = Path.join(system.subordinateDirectory, "subuid"), subgid = Path.join(system.subordinateDirectory, "subgid")
                let uids = SubordinateIDs.rootRange(file: subuid, avoiding: [subgid])
                let gids = SubordinateIDs.rootRange(file: subgid, avoiding: [subuid])
                try document.append("lxc.idmap", "u 0 \(uids.start) \(uids.count)")
                try document.append("lxc.idmap", "g 0 \(gids.start) \(gids.count)")
            }
            let configPath = Path.join(staging, "config")
            // A veth on the managed bridge gets a free address; the allocation lock is held
            // until this container's staging config names it, where other creates look.
            // (With berth.net.static = 0 the container asks the bridge's DHCP server instead.)
            if let bridge = try system.managedBridge, bridge.staticAddresses {
                let others = system.allLxcpaths.filter { $0 != request.lxcpath }
                let allocator = AddressAllocator(bridge: bridge, lxcpaths: [request.lxcpath] + others)
                if !allocator.needs(document).isEmpty {
                    let addressLock = try AddressAllocator.lock(request.lxcpath)
                    defer { addressLock.release() }
                    try allocator.assign(&document)
                    try FileSystem.writeAtomically(configPath, text: document.render())
                }
            }
            try FileSystem.writeAtomically(configPath, text: document.render())

            switch template {
            case .none:
                break
            case .busybox:
                info("Building a busybox rootfs in \(finalRootfs)")
                let lines = try busybox?.build(rootfs: rootfs, name: request.name) ?? []
                for (key, value) in lines { try document.append(key, value) }
                try FileSystem.writeAtomically(configPath, text: document.render())
            case .external(let program):
                if try !runTemplate(program, request: request, staging: staging, rootfs: rootfs, signals: signals) {
                    templateMadeNothing = true
                    throw BerthError(.templateFailed, "template \(program) made no container")
                }
            }

            if userMaps != nil {
                // The rootfs was made by this user; in the container's user namespace (this
                // user's own id seen as 65536 there) its files become the container root's.
                let maps = try IDMap.parse(document.values("lxc.idmap"), origin: "lxc.idmap")
                try UserNamespaceRunner.run(maps) { () throws(BerthError) in
                    try OwnershipShift.reassign(rootfs, uid: (65_536, 0), gid: (65_536, 0))
                    // Its root must get through this directory to the rootfs, and nobody else
                    // (files its root makes are its subordinate ids', setuid ones too): the
                    // directory's group becomes the container root's, mode 0770.
                    try FileSystem.setOwner(staging, uid: uid_t.max, gid: 0)
                    try FileSystem.setMode(staging, 0o770)
                }
            }
            if request.shiftIDs {
                let maps = try IDMap.parse(document.values("lxc.idmap"), origin: "lxc.idmap")
                guard let uid = IDMap.host(0, .uid, in: maps), let gid = IDMap.host(0, .gid, in: maps) else {
                    throw BerthError(.invalidArgument, "--shift-ids needs an lxc.idmap (or --unprivileged)")
                }
                info("Shifting the rootfs's owners to host uid \(uid) / gid \(gid)")
                try OwnershipShift.shift(rootfs, uidBase: uid, gidBase: gid)
            }
            // External templates write the staging paths they were given; they must name the
            // container's real place.
            var written = ConfigDocument(text: try FileSystem.readText(configPath), file: configPath)
            try written.rewriteValues { _, value in
                value.contains(staging) ? value.replacingOccurrences(of: staging, with: paths.directory) : nil
            }
            // A template may append its own value for a key given with -s; the admin's wins.
            for (key, value) in overrides where ConfigKeyTable.lookup(key)?.multiplicity != .list {
                try written.set(key, value)
            }
            try FileSystem.writeAtomically(configPath, text: written.render())
            // The finished config must load: a template that wrote an unknown key or a bad value
            // fails the create here, naming the line.
            try ConfigLoader.load(configPath, warn: warn).checkHonoured()

            if let sig = signals.pendingSignal() {
                throw BerthError.interrupted(sig, "interrupted by signal \(sig); nothing was created")
            }
            // Publish: one rename makes the complete container appear; NOREPLACE guarantees it
            // never replaces anything that appeared meanwhile.
            try FileSystem.renameNoReplace(staging, to: paths.directory)
        } catch {
            try? FileSystem.removeTree(staging)
            if madeRootfsDirectory, let dir = rootfsDirectory { try? FileSystem.removeTree(dir) }
            else if let dir = rootfsDirectory { emptyDirectory(dir) }
            if templateMadeNothing { return nil }
            throw error
        }
        let created = Container(lxcpath: request.lxcpath, name: request.name)
        // Its static address is reserved with the bridge's DHCP server now, not at its first
        // start: until then a lease could hand the address to another container.
        if let bridge = try system.managedBridge, let config = try? created.loadConfig() {
            do throws(BerthError) { try ManagedNetwork(bridge: bridge).reserve(name: request.name.value, config: config) } catch {
                warn("\(request.name): its address is not reserved with the DHCP server of \(bridge.name) yet (it will be at its start): \(error.message)")
            }
        }
        return created
    }

    /// The config a new container starts from: `-f FILE` (replacing the default, as LXC does),
    /// else the system's default.conf, else nothing. It is loaded once to check it.
    func baseConfig(_ request: CreateRequest) throws(BerthError) -> ConfigDocument {
        let file = request.configFile ?? (FileSystem.exists(system.defaultConfig) ? system.defaultConfig : nil)
        guard let file else { return ConfigDocument(text: "", file: "(none)") }
        guard FileSystem.isFile(file) else { throw BerthError(.notFound, "config file \(file) does not exist") }
        _ = try ConfigLoader.load(file, warn: warn)
        return ConfigDocument(text: try FileSystem.readText(file), file: file)
    }

    /// Runs an external template with LXC's interface and waits for it, passing stop signals on.
    /// Runs an external template; false when it made nothing on purpose (`templateMadeNothing`).
    func runTemplate(_ program: String, request: CreateRequest, staging: String, rootfs: String, signals: SignalBlock) throws(BerthError) -> Bool {
        info("Running template \(program)")
        var environment = ProcessEnvironment.current
        environment["LXC_NAME"] = request.name.value
        environment["LXC_PATH"] = request.lxcpath
        environment["LXC_ROOTFS_PATH"] = rootfs
        environment["LXC_CONFIG_FILE"] = Path.join(staging, "config")
        environment["BERTH_INTERACTIVE"] = Terminal.stderrIsTerminal ? "1" : "0"
        if environment["PATH"] == nil { environment["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" }
        let arguments = ["--path=\(staging)", "--rootfs=\(rootfs)", "--name=\(request.name.value)"] + request.templateArguments
        let child = try ChildProcess.spawn(program, arguments: arguments, environment: environment.map { "\($0.key)=\($0.value)" }.sorted())
        switch child.wait() {
        case .exited(0):
            return !FileSystem.exists(Path.join(staging, Self.templateMadeNothing))
        case .interrupted(let sig):
            throw BerthError.interrupted(sig, "interrupted by signal \(sig) while template \(program) ran; nothing was created")
        case let other:
            throw BerthError(.templateFailed, "template \(program) failed (exit status \(other.shellStatus)); nothing was created")
        }
    }

    /// Removes what earlier creates of this name left when they were killed (SIGKILL, power
    /// loss). Only called under the container lock, so no live create owns them.
    func sweepLeftovers(_ paths: ContainerPaths) {
        let names = (try? FileSystem.list(paths.lxcpath)) ?? []
        let doomed = names.filter { $0.hasPrefix(paths.stagingPrefix) || $0.hasPrefix(paths.removalPrefix) }.map { Path.join(paths.lxcpath, $0) }
        guard !doomed.isEmpty else { return }
        // A user's leftovers hold files of its subordinate ids: removed in a user namespace.
        if !CurrentProcess.isRoot, let maps = try? ContainerCreator.delegatedMaps(subordinateDirectory: system.subordinateDirectory) {
            try? UserNamespaceRunner.run(maps) { () throws(BerthError) in for path in doomed { try? FileSystem.removeTree(path) } }
        } else {
            for path in doomed { try? FileSystem.removeTree(path) }
        }
    }

    func emptyDirectory(_ dir: String) {
        for name in (try? FileSystem.list(dir)) ?? [] { try? FileSystem.removeTree(Path.join(dir, name)) }
    }
}

extension ContainerCreator {
    /// The uid and gid ranges /etc/subuid and /etc/subgid delegate to the calling user, as
    /// container ids 0-65535; an error saying what to ask the administrator for when there are
    /// none.
    static func delegatedMaps(subordinateDirectory: String) throws(BerthError) -> [IDMap] {
        let uid = CurrentProcess.realUser
        let name = UserDatabase.name(of: uid) ?? "\(uid)"
        guard let uids = SubordinateIDs.delegated(to: name, uid: uid, file: Path.join(subordinateDirectory, "subuid")),
              let gids = SubordinateIDs.delegated(to: name, uid: uid, file: Path.join(subordinateDirectory, "subgid")) else {
            throw BerthError(.unsupported, "no subordinate ids for \(name) in \(subordinateDirectory)/subuid and subgid: a container of a user other than root needs 65536 of each (an administrator runs: usermod --add-subuids 200000-265535 --add-subgids 200000-265535 \(name))")
        }
        return [IDMap(kind: .uid, inside: 0, outside: uids.start, count: uids.count), IDMap(kind: .gid, inside: 0, outside: gids.start, count: gids.count)]
    }
}
