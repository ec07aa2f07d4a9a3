import SystemPackage

/// Runs a container's `lxc.hook.<stage>` programs in order, with LXC's interface: through
/// `sh -c "exec HOOK NAME lxc STAGE"` (hook version 0; version 1 passes only the environment),
/// with `LXC_NAME`, `LXC_CONFIG_FILE`, `LXC_ROOTFS_MOUNT`, `LXC_ROOTFS_PATH`, `LXC_HOOK_TYPE` and
/// friends set. The first hook that fails stops the run; its error names the hook, its status
/// and the last line it wrote to standard error.
public struct HookRunner {
    public let plan: StartPlan

    public init(plan: StartPlan) { self.plan = plan }

    /// Runs the hooks of `stage`. `rootfsMount` is where the rootfs is seen from the hook
    /// (`/` for the start hook, which runs inside the container). `extra` adds variables.
    public func run(_ stage: HookStage, rootfsMount: String? = nil, extra: [String] = []) throws(BerthError) {
        guard let commands = plan.hooks[stage] else { return }
        let environment = baseEnvironment(rootfsMount: rootfsMount) + ["LXC_HOOK_TYPE=\(stage.rawValue)", "LXC_HOOK_SECTION=lxc"] + extra
        for command in commands {
            let script = plan.hookVersion == 1 ? "exec \(command)" : "exec \(command) \(plan.name) lxc \(stage.rawValue)"
            try Self.execute(script, label: "\(stage.rawValue) hook '\(command)'", environment: environment)
        }
    }

    /// Runs `lxc.net.N.script.up` or `.down` (`direction`) as LXC does: `SCRIPT NAME net up|down
    /// TYPE HOSTIF` with `LXC_NET_TYPE`, `LXC_NET_PARENT` and `LXC_NET_PEER` set.
    func runNetworkScript(_ interface: InterfacePlan, direction: String, hostInterface: String) throws(BerthError) {
        let commands = direction == "up" ? interface.scriptsUp : interface.scriptsDown
        guard !commands.isEmpty else { return }
        let environment = baseEnvironment(rootfsMount: nil) + [
            "LXC_HOOK_TYPE=\(direction)", "LXC_HOOK_SECTION=net", "LXC_NET_TYPE=\(interface.kind.rawValue)",
            "LXC_NET_PARENT=\(interface.link ?? "")", "LXC_NET_PEER=\(interface.kind == .veth ? hostInterface : "")",
        ]
        for command in commands {
            let script = plan.hookVersion == 1 ? "exec \(command)" : "exec \(command) \(plan.name) net \(direction) \(interface.kind.rawValue) \(hostInterface)"
            try Self.execute(script, label: "lxc.net.\(interface.index).script.\(direction) '\(command)'", environment: environment)
        }
    }

    /// Runs `lxc.hook.<stage>` of `container` outside a start (`destroy`), from its config, with
    /// LXC's arguments (`NAME lxc STAGE` for hook version 0) and environment; the rootfs is
    /// `rootfs` (not mounted: the hook sees it as the host does).
    /// `configPath` and `sourceName` replace the container's config path and LXC_SRC_NAME (a
    /// clone's hooks run on the copy being built, naming the container it was copied from).
    static func runOutsideStart(_ stage: String, container: Container, config: ContainerConfig, rootfs: String,
                                configPath: String? = nil, sourceName: String? = nil) throws(BerthError) {
        let commands = config.values("lxc.hook.\(stage)")
        guard !commands.isEmpty else { return }
        let version = (try? config.unsigned("lxc.hook.version")) ?? 0
        let name = container.name.value
        let environment = lxcEnvironment(name: name, configPath: configPath ?? container.paths.config, rootfsMount: rootfs, rootfs: rootfs,
                                         version: Int(version), sourceName: sourceName)
            + ["LXC_HOOK_TYPE=\(stage)", "LXC_HOOK_SECTION=lxc"]
            + (config.values("lxc.environment") + config.values("lxc.environment.hooks")).filter { $0.contains("=") }
        for command in commands {
            let script = version == 1 ? "exec \(command)" : "exec \(command) \(name) lxc \(stage)"
            try execute(script, label: "\(stage) hook '\(command)'", environment: environment)
        }
    }

    private func baseEnvironment(rootfsMount: String?) -> [String] {
        Self.lxcEnvironment(name: plan.name, configPath: plan.configPath, rootfsMount: rootfsMount ?? plan.rootfsMount ?? plan.rootfs,
                            rootfs: plan.rootfs, version: plan.hookVersion)
            + ["LXC_CONSOLE_LOGPATH=\(plan.consoleLogfile ?? "")"] + plan.hookEnvironment
    }

    /// The variables every hook gets, as LXC sets them.
    private static func lxcEnvironment(name: String, configPath: String, rootfsMount: String, rootfs: String, version: Int,
                                       sourceName: String? = nil) -> [String] {
        [
            "PATH=\(ProcessEnvironment.value("PATH") ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")",
            "LXC_NAME=\(name)", "LXC_CONFIG_FILE=\(configPath)", "LXC_ROOTFS_MOUNT=\(rootfsMount)", "LXC_ROOTFS_PATH=\(rootfs)",
            "LXC_SRC_NAME=\(sourceName ?? name)", "LXC_CGNS_AWARE=1", "LXC_LOG_LEVEL=ERROR", "LXC_HOOK_VERSION=\(version)",
        ]
    }

    /// Runs `sh -c script` and waits; a failure names `label`, the status and the last line the
    /// program wrote to standard error.
    private static func execute(_ script: String, label: String, environment: [String]) throws(BerthError) {
        let (readEnd, writeEnd) = try FileDescriptor.closeOnExecPipe(display: "hook")
        let child: ChildProcess
        do throws(BerthError) {
            child = try ChildProcess.spawn("/bin/sh", arguments: ["-c", script], environment: environment, stderr: writeEnd)
        } catch {
            readEnd.closeQuietly()
            writeEnd.closeQuietly()
            throw BerthError(error.code, "running \(label): \(error.message)", errno: error.errno)
        }
        // Our copy of the write end first, or the read would never see end of file.
        writeEnd.closeQuietly()
        let errorText = String(decoding: readEnd.readToEnd(), as: UTF8.self)
        readEnd.closeQuietly()
        let termination = child.waitWithoutForwarding()
        if !termination.succeeded {
            let how = termination.description
            let said = errorText.split(separator: "\n").last.map { ": \($0)" } ?? ""
            throw BerthError(.system, "\(label) \(how)\(said)")
        }
    }
}
