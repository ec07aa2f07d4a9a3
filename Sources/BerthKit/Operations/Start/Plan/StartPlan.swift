/// Everything a start does, decided up front from the container's config and the host: which
/// namespaces, which mounts, which devices, what init runs and how the container is stopped.
/// Building it checks the config (every error names the key and the line); executing it is then
/// a short list of steps (`ContainerSetup` in the child, `Monitor` around it).
public struct StartPlan: Sendable {
    public let name: String
    public let lxcpath: String
    public let configPath: String
    /// The directory that becomes the container's `/`.
    public let rootfs: String
    /// lxc.rootfs.mount: the host directory the rootfs is mounted on in the container's mount
    /// namespace before pivot_root (else on its own directory). The host's stays as it is.
    public let rootfsMount: String?
    /// For an overlay rootfs: the layers mounted on `rootfs` (in the container's mount namespace).
    public let overlay: OverlayLayers?
    public let hostname: String
    public let namespaces: NamespaceSet
    /// `lxc.namespace.share.NAME = TARGET`: namespaces joined instead of made. TARGET is a
    /// container of the same lxcpath or a host pid; resolved at start (see NamespaceShare).
    public let shares: [NamespaceShare]
    /// The controller files to write in the container's cgroup before init runs.
    public let cgroupWrites: [CgroupWrite]
    /// The host's cgroup layout the writes were made for (the monitor uses it as it is).
    public let cgroupLayout: CgroupLayout
    /// Where the payload and monitor cgroups go (lxc.cgroup.dir and the like).
    public let cgroupPlacement: CgroupPlacement
    public let initArgv: [String]
    public let initUID: UInt32
    public let initGID: UInt32
    public let initCwd: String
    /// init's environment (`VAR=value`): lxc.environment, `container=lxc` and
    /// `container_ipv4_configured`, before `container_ttys` is added.
    public let environment: [String]
    /// Extra variables for hooks (`lxc.environment.hooks`).
    public let hookEnvironment: [String]
    public let autoMounts: AutoMounts
    public let mounts: [MountEntry]
    public let autodev: Bool
    public let autodevSize: UInt64
    public let ttyCount: Int
    /// `lxc.tty.dir`: the console and ttys live in /dev/DIR, /dev/ttyN are symlinks to them and
    /// /dev/console a bind of DIR/console (LXC's layout).
    public let ttyDirectory: String?
    public let ptyMax: Int
    /// `lxc.console.path` naming a host file or device: the console is attached to it.
    public let consolePath: String?
    /// False with `lxc.console.path = none`: init's stdio is /dev/null.
    public let hasConsole: Bool
    public let consoleLogfile: String?
    /// `lxc.console.size` (0: no limit) and `lxc.console.rotate`.
    public let consoleLogLimit: Int
    public let consoleLogRotate: Bool
    public let consoleBufferSize: Int
    /// Capability numbers removed from the bounding set.
    public let dropCapabilities: [Int32]
    public let noNewPrivs: Bool
    /// The seccomp policy (`lxc.seccomp.profile`, else Berth's default; nil with `none`), and
    /// where it came from for messages.
    public let seccomp: SeccompPolicySource?
    public let seccompOrigin: String
    /// What to tell the admin about LSMs at start (no AppArmor here, say), once per start.
    public let securityNotes: [String]
    /// `lxc.signal.halt` when set; nil asks for LXC's detection (SIGPWR, or SIGRTMIN+3 for an
    /// init that blocks SIGPWR... as systemd does).
    public let haltSignal: Int32?
    public let rebootSignal: Int32
    public let stopSignal: Int32
    public let hooks: [HookStage: [String]]
    public let hookVersion: Int
    /// True for berth-execute: the child stays as a tiny init and runs `initArgv` under it.
    public let tinyInit: Bool
    /// The `lxc.net.N` interfaces made for the container (none when it keeps or shares a
    /// network namespace).
    public let interfaces: [InterfacePlan]
    public let managedBridge: ManagedBridge?
    /// `lxc.ephemeral = 1`: the container is destroyed when it stops.
    public let ephemeral: Bool
    /// `lxc.time.offset.*`: the container gets a time namespace with these offsets.
    public let timeOffsets: TimeOffsets?
    /// `lxc.monitor.unshare`: the monitor runs (and runs the hooks) in its own mount namespace.
    public let monitorUnshare: Bool
    /// `lxc.log.file` and `lxc.log.level` (berth-start's -o and -l override them): the
    /// monitor's log of this container; nil for none.
    public let logFile: String?
    public let logLevel: LogLevel
    /// lxc.log.syslog: the facility the container's log also goes to.
    public let logSyslog: SyslogSocket.Facility?
    /// Limits, /proc and sysctl writes, groups, keyring, personality and rootfs flags of init.
    public let process: ProcessSettings
    /// `lxc.idmap`: the user namespace's mappings (empty: no user namespace), and the host ids
    /// of the container's root.
    public let idmap: [IDMap]
    public var rootUID: UInt32 { IDMap.host(0, .uid, in: idmap) ?? 0 }
    /// Started by a user other than root: no cgroup (there is none delegated to make one in),
    /// maps through newuidmap/newgidmap.
    public let cgroupless: Bool
    public var rootGID: UInt32 { IDMap.host(0, .gid, in: idmap) ?? 0 }

    /// The plan for `container` from `config`, on the host `inputs` describe (the only way the
    /// plan learns anything of the host). `initArguments` (after `--` on berth-start's command
    /// line) replace `lxc.init.cmd`.
    public init(container: Container, config: ContainerConfig, initArguments: [String] = [], tinyInit: Bool = false,
                inputs: StartInputs) throws(BerthError) {
        let callerVariable = inputs.callerVariable, asRoot = inputs.asRoot
        func origin(_ key: String) -> String {
            guard let entry = config.origin(key) else { return "\(container.paths.config): \(key)" }
            return "\(entry.file):\(entry.line): \(key)"
        }

        // A key Berth cannot honour fails the start, naming it, before anything else.
        try config.checkHonoured()
        name = container.name.value
        lxcpath = container.paths.lxcpath
        configPath = container.paths.config

        // Rootfs: a directory (dir, btrfs subvolume), or overlay layers mounted on the
        // container's rootfs directory.
        guard let spec = config.rootfs else {
            throw BerthError(.invalidConfig, "\(container.paths.config): lxc.rootfs.path is not set; there is no root filesystem to start")
        }
        switch spec.backend {
        case "dir", "btrfs":
            guard inputs.isDirectory(spec.path) else {
                throw BerthError(.notFound, "\(origin("lxc.rootfs.path")): the root filesystem \(spec.path) does not exist or is not a directory")
            }
            rootfs = spec.path
            overlay = nil
        case "overlay":
            guard let layers = OverlayLayers(spec) else {
                throw BerthError(.invalidConfig, "\(origin("lxc.rootfs.path")): expected overlay:LOWER:UPPER with two absolute paths, got '\(spec.text)'")
            }
            for (what, path) in [("lower", layers.lower), ("upper", layers.upper)] where !inputs.isDirectory(path) {
                throw BerthError(.notFound, "\(origin("lxc.rootfs.path")): the overlay's \(what) directory \(path) does not exist")
            }
            _ = try layers.mountOptions()
            rootfs = container.paths.defaultRootfs
            overlay = layers
        default:
            throw BerthError(.unsupported, "\(origin("lxc.rootfs.path")): the '\(spec.backend)' backing store is not supported (dir, overlay, btrfs)")
        }
        if let mount = config.value("lxc.rootfs.mount"), !mount.isEmpty {
            guard mount.hasPrefix("/") else {
                throw BerthError(.invalidConfig, "\(origin("lxc.rootfs.mount")): '\(mount)' is not an absolute path")
            }
            guard inputs.isDirectory(mount) else {
                throw BerthError(.notFound, "\(origin("lxc.rootfs.mount")): \(mount) is not a directory (the rootfs is mounted there, as LXC does; make it or remove the key)")
            }
            rootfsMount = Path.stripTrailingSlashes(mount)
        } else {
            rootfsMount = nil
        }
        // What the container writes (its rootfs, an overlay's upper layer) must be out of other
        // host users' reach: files its root makes are root's on disk, setuid ones included.
        for tree in [rootfs] + (overlay.map { [$0.upper] } ?? []) {
            if let open = inputs.exposingDirectory(tree) {
                throw BerthError(.permissionDenied, "\(origin("lxc.rootfs.path")): \(StartPlan.exposureMessage(tree, open))")
            }
        }
        hostname = config.utsName ?? container.name.value

        // Namespaces: LXC's defaults, then lxc.namespace.clone / keep.
        var namespaces: NamespaceSet = [.mount, .pid, .uts, .ipc, .cgroup]
        if config.networks.contains(where: { $0.type != "none" }) || config.networks.isEmpty { namespaces.insert(.net) }
        if config.networks.contains(where: { $0.type == "none" }) { namespaces.remove(.net) }
        if config.isUnprivileged { namespaces.insert(.user) }
        if let text = config.value("lxc.namespace.clone") {
            namespaces = try NamespaceSet(parsing: text, where: origin("lxc.namespace.clone"))
            namespaces.insert(.mount)  // Berth's rootfs setup needs its own mount namespace
        }
        if let text = config.value("lxc.namespace.keep") {
            let keep = try NamespaceSet(parsing: text, where: origin("lxc.namespace.keep"))
            if keep.contains(.mount) {
                throw BerthError(.invalidConfig, "\(origin("lxc.namespace.keep")): keeping the host's mount namespace is not supported: the container's root would be mounted on the host")
            }
            namespaces.subtract(keep)
        }
        var shares: [NamespaceShare] = []
        for entry in config.entries where entry.key.hasPrefix("lxc.namespace.share.") {
            let key = entry.key
            guard let target = config.value(key), !shares.contains(where: { "lxc.namespace.share." + $0.name == key }) else { continue }
            let name = String(key.dropFirst("lxc.namespace.share.".count))
            let set = try NamespaceSet(parsing: name, where: origin(key))
            if set.contains(.mount) || set.contains(.user) {
                throw BerthError(.invalidConfig, "\(origin(key)): sharing the \(name) namespace is not supported (only net, ipc, uts, pid, cgroup, time)")
            }
            shares.append(NamespaceShare(name: name, set: set, target: target, origin: origin(key)))
            namespaces.subtract(set)
        }
        self.shares = shares
        if namespaces.contains(.user) {
            idmap = try IDMap.parse(config.values("lxc.idmap"), origin: origin("lxc.idmap"))
            // The container's root walks the path to its rootfs as an unprivileged host user:
            // a closed directory above the container's own would fail its start deep inside.
            if let uid = IDMap.host(0, .uid, in: idmap), let gid = IDMap.host(0, .gid, in: idmap),
               let closed = inputs.closedAncestor(container.paths.directory, uid, gid) {
                throw BerthError(.unsupported, "\(closed) does not let the container's root (host uid \(uid)) through to its rootfs: open it (chmod o+x \(closed), or an ACL for that uid), or make the container with berth-create --privileged")
            }
            if !shares.isEmpty {
                throw BerthError(.unsupported, "\(origin("lxc.idmap")): lxc.namespace.share.* cannot be combined with a user namespace")
            }
        } else {
            idmap = []
        }
        let interfaces = try InterfacePlan.plans(config, origin: origin)
        self.interfaces = namespaces.contains(.net) ? interfaces : []
        self.managedBridge = inputs.managedBridge
        ephemeral = config.boolean("lxc.ephemeral")
        timeOffsets = try TimeOffsets.parse(config, origin: origin)
        monitorUnshare = config.boolean("lxc.monitor.unshare")
        logFile = config.value("lxc.log.file").flatMap { $0.isEmpty ? nil : $0 }
        let levelText = config.value("lxc.log.level") ?? "error"
        guard let level = LogLevel(levelText) else {
            throw BerthError(.invalidConfig, "\(origin("lxc.log.level")): unknown log level '\(levelText)'")
        }
        logLevel = level
        if let facility = config.value("lxc.log.syslog"), !facility.isEmpty {
            guard let known = SyslogSocket.Facility(name: facility) else {
                throw BerthError(.invalidConfig, "\(origin("lxc.log.syslog")): unknown syslog facility '\(facility)' (LXC takes \(SyslogSocket.Facility.names))")
            }
            logSyslog = known
        } else {
            logSyslog = nil
        }
        if let logFile, !logFile.hasPrefix("/") {
            throw BerthError(.invalidConfig, "\(origin("lxc.log.file")): '\(logFile)' is not an absolute path")
        }
        // The offsets are set by the monitor on a time namespace it makes before the clone
        // (a namespace a process is in already cannot take them), so clone makes none.
        if timeOffsets != nil { namespaces.remove(.time) }
        self.namespaces = namespaces
        process = try ProcessSettings(config, namespaces: namespaces, origin: origin)

        // Init.
        if !initArguments.isEmpty {
            initArgv = initArguments
        } else if tinyInit {
            // berth-execute without a command runs lxc.execute.cmd, as lxc-execute does.
            guard let command = config.value("lxc.execute.cmd") else {
                throw BerthError(.invalidArgument, "no command given and \(container.paths.config) sets no lxc.execute.cmd (berth-execute -n NAME -- COMMAND [ARG...])")
            }
            initArgv = CommandWords.split(command)
        } else {
            initArgv = CommandWords.split(config.effective("lxc.init.cmd") ?? "")
        }
        initUID = UInt32(truncatingIfNeeded: try config.unsigned("lxc.init.uid"))
        initGID = UInt32(truncatingIfNeeded: try config.unsigned("lxc.init.gid"))
        initCwd = config.effective("lxc.init.cwd") ?? "/"
        environment = InitEnvironment.forInit(config, caller: callerVariable, interfaces: self.interfaces)
        hookEnvironment = InitEnvironment.forHooks(config, caller: callerVariable)

        // Mounts.
        autoMounts = try AutoMounts(parsing: config.values("lxc.mount.auto"), where: origin("lxc.mount.auto"))
        var mounts: [MountEntry] = []
        if let fstab = config.value("lxc.mount.fstab") {
            let text: String
            do throws(BerthError) { text = try inputs.readFile(fstab) } catch {
                throw BerthError(.invalidConfig, "\(origin("lxc.mount.fstab")): cannot read \(fstab): \(error.message)")
            }
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let trimmed = line.drop(while: { $0 == " " || $0 == "\t" })
                if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
                mounts.append(try MountEntry(parsing: String(trimmed), where: "\(fstab):\(number + 1)"))
            }
        }
        let entries = config.entries.filter { $0.key == "lxc.mount.entry" }
        for value in config.values("lxc.mount.entry") {
            let entry = entries.last(where: { $0.value == value })
            mounts.append(try MountEntry(parsing: value, where: entry.map { "\($0.file):\($0.line): lxc.mount.entry" } ?? "lxc.mount.entry"))
        }
        self.mounts = mounts
        autodev = config.boolean("lxc.autodev")
        autodevSize = try config.size("lxc.autodev.tmpfs.size")
        ttyCount = Int(try config.unsigned("lxc.tty.max"))
        if let dir = config.value("lxc.tty.dir"), !dir.isEmpty {
            // One name under /dev: the devices are made and bound there from the host side.
            guard !dir.contains("/"), dir != ".", dir != "..", !dir.unicodeScalars.contains(where: { $0.value < 0x20 }) else {
                throw BerthError(.invalidConfig, "\(origin("lxc.tty.dir")): '\(PrintableText.escaped(dir))' is not a directory name under /dev (one name, no '/')")
            }
            ttyDirectory = dir
        } else {
            ttyDirectory = nil
        }
        ptyMax = Int(try config.unsigned("lxc.pty.max"))
        hasConsole = config.value("lxc.console.path") != "none"
        // lxc.console.path = a host file or device (berth-start -c): the console's output goes
        // there too, and a terminal's input comes from it.
        if let path = config.value("lxc.console.path"), path != "none", !path.isEmpty {
            guard path.hasPrefix("/") else {
                throw BerthError(.invalidConfig, "\(origin("lxc.console.path")): '\(path)' is not an absolute path (or none)")
            }
            consolePath = path
        } else {
            consolePath = nil
        }
        consoleLogfile = config.value("lxc.console.logfile")
        // Bounded by default (the key table's 1M): the container writes its console, and a
        // container printing in a loop would otherwise fill the host's disk (541 MB in 10 s).
        consoleLogLimit = Int(try config.size("lxc.console.size"))
        consoleLogRotate = config.boolean("lxc.console.rotate")
        // 128 KiB of recent console output by default, so a late berth-console shows how the
        // container booted; 0 turns it off.
        consoleBufferSize = Int(try config.size("lxc.console.buffer.size"))

        // Cgroup limits, translated for this host's layout now, so that a key the host cannot
        // honour fails the start before anything is made.
        cgroupLayout = inputs.cgroupLayout
        var settings = CgroupTranslator.settings(of: config, origin: origin)
        // A privileged container's root is the host's: without device rules of its own it gets
        // a list that keeps the host's disks out of its reach (see DefaultDevices).
        if idmap.isEmpty && asRoot { settings += DefaultDevices.settings(adding: settings) }
        cgroupWrites = try CgroupTranslator(layout: inputs.cgroupLayout).writes(for: settings)
        // A user other than root: a user namespace, no cgroup, no host interfaces.
        cgroupPlacement = try CgroupPlacement(config: config, name: container.name.value, lxcpath: container.paths.lxcpath, origin: origin)
        cgroupless = !asRoot
        if !asRoot {
            if let key = CgroupPlacement.keys.first(where: { $0 == "lxc.cgroup.relative" ? config.boolean($0) : config.value($0)?.isEmpty == false }) {
                throw BerthError(.unsupported, "\(origin(key)): a user other than root has no cgroup delegated here, so there is nothing to place; only root can set it")
            }
            guard namespaces.contains(.user) else {
                throw BerthError(.unsupported, "\(container.paths.config): a user other than root starts only containers with lxc.idmap (berth-create run by that user writes it from /etc/subuid)")
            }
            if let write = cgroupWrites.first {
                throw BerthError(.unsupported, "\(write.origin): limits need a cgroup, and a user other than root has none delegated here; only root can set lxc.cgroup.* for now")
            }
            if let nic = interfaces.first(where: { $0.kind != .empty }) {
                throw BerthError(.unsupported, "\(origin("lxc.net.\(nic.index).type")): a \(nic.kind.rawValue) interface needs root on the host; a user's container can have lxc.net.\(nic.index).type = empty or none")
            }
        }

        // Security. A config that never mentions lxc.cap.drop or lxc.cap.keep gets Berth's
        // default drops; one that does (even `lxc.cap.drop =`, which clears) decides itself.
        var drop: [Int32] = []
        let decides = config.entries.contains { $0.key == "lxc.cap.drop" || $0.key == "lxc.cap.keep" }
        let drops = decides ? config.values("lxc.cap.drop") : [StartPlan.defaultCapabilityDrops]
        for value in drops {
            for word in value.splitBytes(UInt8(ascii: " ")).map(String.init) {
                guard let number = CapabilityName.number(word) else {
                    throw BerthError(.invalidConfig, "\(origin("lxc.cap.drop")): unknown capability '\(word)'")
                }
                drop.append(number)
            }
        }
        let keep = config.values("lxc.cap.keep").flatMap { $0.splitBytes(UInt8(ascii: " ")).map(String.init) }
        if !keep.isEmpty {
            var kept: Set<Int32> = []
            for word in keep where word != "none" {
                guard let number = CapabilityName.number(word) else {
                    throw BerthError(.invalidConfig, "\(origin("lxc.cap.keep")): unknown capability '\(word)'")
                }
                kept.insert(number)
            }
            drop = (0...inputs.lastCapability()).filter { !kept.contains($0) }
        }
        dropCapabilities = drop
        noNewPrivs = config.boolean("lxc.no_new_privs")
        var notes = try StartPlan.checkLSM(config, origin: origin, apparmor: inputs.apparmor, selinux: inputs.selinux)
        var (policy, policyOrigin) = try StartPlan.seccompPolicy(config, readFile: inputs.readFile, origin: origin)
        // lxc.seccomp.allow_nesting, as LXC: a start that already runs under a seccomp filter
        // (Berth inside a container) loads no policy of its own unless this is 1; the filter
        // it runs under binds the container all the same (a filter is never removed).
        if policy != nil && inputs.seccompConfined && !config.boolean("lxc.seccomp.allow_nesting") {
            notes.append("\(policyOrigin) is not loaded: this start already runs under a seccomp filter, which the container inherits; lxc.seccomp.allow_nesting = 1 stacks the policy on it")
            policy = nil
            policyOrigin = "none (nested: \(policyOrigin) not stacked)"
        }
        (seccomp, seccompOrigin) = (policy, policyOrigin)
        securityNotes = notes

        // Signals.
        haltSignal = try config.signal("lxc.signal.halt")
        guard let reboot = try config.signal("lxc.signal.reboot"), let stop = try config.signal("lxc.signal.stop") else {
            throw BerthError(.invalidConfig, "lxc.signal.reboot and lxc.signal.stop need a value or a default")
        }
        rebootSignal = reboot
        stopSignal = stop

        var hooks: [HookStage: [String]] = [:]
        for stage in HookStage.allCases {
            let commands = config.values("lxc.hook.\(stage.rawValue)")
            if !commands.isEmpty { hooks[stage] = commands }
        }
        self.hooks = hooks
        hookVersion = Int(try config.unsigned("lxc.hook.version"))
        self.tinyInit = tinyInit
    }
}
