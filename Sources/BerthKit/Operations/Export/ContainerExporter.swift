/// berth-export: a container (or one of its snapshots) written as an image, the seeds' `commit`.
///
/// The output directory holds LXC's image format — `rootfs.tar.xz` (the container's root as it
/// sees it: an overlay clone's merged layers) and `meta.tar.xz` (`config`, `config-user`,
/// `templates`, `expiry`) — with `SHA256SUMS` beside them, as a download server's build
/// directory has, and `config` for `-t local`; with `oci`, an OCI layout in `oci/` (tag
/// `latest`) for `-t oci`. `/etc/hostname` and `/etc/hosts` carry `LXC_NAME` where the
/// container's name was, and are listed as templates, so a container made from the image gets
/// its own name.
///
/// The directory appears whole or not at all: it is built beside its final name and renamed. A
/// running container is frozen while its files are read.
public struct ContainerExporter {
    public struct Request: Sendable {
        public var container: Container
        public var snapshot: String?
        public var output: String
        public var oci = false

        public init(container: Container, snapshot: String? = nil, output: String, oci: Bool = false) {
            self.container = container
            self.snapshot = snapshot
            self.output = output
            self.oci = oci
        }
    }

    public var info: (String) -> Void

    public init(info: @escaping (String) -> Void = { _ in }) {
        self.info = info
    }

    /// Keys that describe one container on one host, not the image: left out of the image's config.
    static func isHostSpecific(_ key: String) -> Bool {
        ["lxc.rootfs.path", "lxc.rootfs.managed", "lxc.uts.name", "lxc.idmap"].contains(key)
            || key.hasPrefix("lxc.net.") || key.hasPrefix("lxc.network.")
    }

    public func export(_ request: Request) throws(BerthError) {
        let container = request.container
        guard container.isDefined else { throw BerthError(.notFound, "\(container.name) doesn't exist (no \(container.paths.config))") }
        let output = Path.stripTrailingSlashes(Path.absolute(request.output))
        guard !FileSystem.exists(output) else {
            throw BerthError(.alreadyExists, "-o \(output) exists; berth-export writes a new directory")
        }
        guard FileSystem.isDirectory(Path.parent(output)) else { throw BerthError(.notFound, "-o \(output): \(Path.parent(output)) does not exist") }
        var configFile = container.paths.config
        if let snapshot = request.snapshot {
            guard container.snapshotNames().contains(snapshot) else {
                throw BerthError(.notFound, "\(container.name) has no snapshot \(snapshot) (berth-snapshot -L lists them)")
            }
            configFile = Path.join(Path.join(container.paths.snapshots, snapshot), "config")
        }
        let config = try ConfigLoader.load(configFile)
        guard let rootfs = config.rootfs else { throw BerthError(.invalidConfig, "\(configFile) sets no lxc.rootfs.path") }
        if request.oci { guard FileSystem.program("umoci") != nil else { throw BerthError(.notFound, "--oci needs umoci (apt-get install umoci)") } }
        for tool in ["tar", "xz", "sha256sum"] where FileSystem.program(tool) == nil {
            throw BerthError(.notFound, "berth-export needs \(tool), which is not installed")
        }

        let staging = Path.join(Path.parent(output), ".\(Path.base(output)).export-\(CurrentProcess.id)")
        try FileSystem.makeDirectory(staging, mode: 0o755)
        do throws(BerthError) {
            // Frozen while the files are read (a snapshot is not running: nothing to hold).
            let hold = request.snapshot == nil ? try FreezeHold.take(container.paths) : nil
            defer { hold?.release() }
            try RootfsStorage.withMergedView(rootfs) { (root: String) throws(BerthError) in
                if let st = FileSystem.linkStatus(root), st.st_uid != 0 {
                    throw BerthError(.unsupported, "\(container.name)'s root directory is owned by uid \(st.st_uid), not 0 (a rootfs stored shifted): it cannot be exported as an image yet")
                }
                try writeRootfs(root: root, name: container.name.value, staging: staging)
                if request.oci { try writeOCI(root: root, config: config, staging: staging) }
            }
            hold?.release()
            try writeMeta(config: config, staging: staging, from: container.name.value)
            try run("sha256sum", ["rootfs.tar.xz", "meta.tar.xz"], in: staging, output: Path.join(staging, "SHA256SUMS"))
            try FileSystem.renameNoReplace(staging, to: output)
        } catch {
            try? FileSystem.removeTree(staging)
            throw error
        }
        info("Exported \(container.name)\(request.snapshot.map { " (snapshot \($0))" } ?? "") to \(output)")
    }

    /// rootfs.tar.xz: the tree as it is (owners by number, xattrs and ACLs), with /etc/hostname
    /// and /etc/hosts made templates. Those two are read inside the tree without following
    /// its symlinks; a file that is not plain is exported as it is and not made a template.
    private func writeRootfs(root: String, name: String, staging: String) throws(BerthError) {
        let templated = Path.join(staging, "templated")
        try FileSystem.makeDirectories(Path.join(templated, "etc"))
        var replaced: [String] = []
        if let etc = try? RootedDirectory(root) {
            for file in ["etc/hostname", "etc/hosts"] {
                guard let text = etc.readPlainFile(file) else { continue }
                try FileSystem.createFile(Path.join(templated, file), bytes: Array(Self.template(text, name: name).utf8), mode: 0o644)
                replaced.append(file)
            }
        }
        let tarFile = Path.join(staging, "rootfs.tar")
        var arguments = ["--create", "--file=\(tarFile)", "--numeric-owner", "--xattrs", "--xattrs-include=*", "--acls", "--sparse",
                         "--directory=\(root)"]
        arguments += replaced.map { "--exclude=./\($0)" }
        arguments.append(".")
        info("Writing rootfs.tar.xz")
        try run("tar", arguments, in: staging)
        if !replaced.isEmpty {
            try run("tar", ["--append", "--file=\(tarFile)", "--numeric-owner", "--owner=0", "--group=0", "--directory=\(templated)"] + replaced.map { "./\($0)" }, in: staging)
        }
        try run("xz", ["-T0", "-6", tarFile], in: staging)
        try? FileSystem.removeTree(templated)
        try FileSystem.writeAtomically(Path.join(staging, "templates.list"), text: replaced.map { "/\($0)\n" }.joined(), mode: 0o644)
    }

    /// The container's name as LXC_NAME, where it stands as a word of its own.
    static func template(_ text: String, name: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.split(separator: " ", omittingEmptySubsequences: false).map { field in
                field.split(separator: "\t", omittingEmptySubsequences: false).map { $0 == name ? "LXC_NAME" : String($0) }.joined(separator: "\t")
            }.joined(separator: " ")
        }.joined(separator: "\n")
    }

    /// meta.tar.xz: the config without what is the container's own on its host, the templates
    /// list, and no expiry (an exported image does not go stale); `config` beside it for -t local.
    private func writeMeta(config: ContainerConfig, staging: String, from name: String) throws(BerthError) {
        let meta = Path.join(staging, "meta")
        try FileSystem.makeDirectory(meta, mode: 0o755)
        var lines = ["# Exported from the Berth container \(name)"]
        for entry in config.entries where !Self.isHostSpecific(entry.key) {
            lines.append("\(entry.key) = \(entry.value)")
        }
        let text = lines.joined(separator: "\n") + "\n"
        try FileSystem.writeAtomically(Path.join(meta, "config"), text: text, mode: 0o644)
        try FileSystem.writeAtomically(Path.join(meta, "config-user"), text: text, mode: 0o644)
        try FileSystem.writeAtomically(Path.join(staging, "config"), text: text, mode: 0o644)
        try FileSystem.rename(Path.join(staging, "templates.list"), to: Path.join(meta, "templates"))
        try FileSystem.writeAtomically(Path.join(meta, "expiry"), text: "\(Timestamp.now() + 10 * 365 * 86400)\n", mode: 0o644)
        try run("tar", ["--create", "--xz", "--file=\(Path.join(staging, "meta.tar.xz"))", "--owner=0", "--group=0", "--directory=\(meta)", "."], in: staging)
        try FileSystem.removeTree(meta)
    }

    /// oci/: an OCI layout made with umoci from the same tree; the config's init command,
    /// environment, user and directory become the image's.
    private func writeOCI(root: String, config: ContainerConfig, staging: String) throws(BerthError) {
        info("Writing the OCI layout")
        let layout = Path.join(staging, "oci"), bundle = Path.join(staging, "bundle")
        try run("umoci", ["init", "--layout", layout], in: staging)
        try run("umoci", ["new", "--image", "\(layout):latest"], in: staging)
        try run("umoci", ["unpack", "--image", "\(layout):latest", bundle], in: staging)
        try run("tar", ["--extract", "--file=\(Path.join(staging, "rootfs.tar.xz"))", "--numeric-owner", "--same-owner", "--preserve-permissions",
                        "--xattrs", "--xattrs-include=*", "--directory=\(Path.join(bundle, "rootfs"))"], in: staging)
        try run("umoci", ["repack", "--image", "\(layout):latest", bundle], in: staging)
        var settings: [String] = []
        for word in CommandWords.split(config.effective("lxc.init.cmd") ?? "/sbin/init") { settings += ["--config.cmd", word] }
        for variable in config.values("lxc.environment") where variable.contains("=") { settings += ["--config.env", variable] }
        let uid = config.value("lxc.init.uid") ?? "0", gid = config.value("lxc.init.gid") ?? "0"
        settings += ["--config.user", "\(uid):\(gid)", "--config.workingdir", config.value("lxc.init.cwd") ?? "/"]
        try run("umoci", ["config", "--image", "\(layout):latest", "--clear=config.entrypoint"] + settings, in: staging)
        try run("umoci", ["gc", "--layout", layout], in: staging)
        try FileSystem.removeTree(bundle)
    }

    private func run(_ tool: String, _ arguments: [String], in directory: String, output: String? = nil) throws(BerthError) {
        guard let program = FileSystem.program(tool) else { throw BerthError(.notFound, "\(tool) is not installed") }
        let said = try ChildProcess.check(program, arguments, what: "exporting", directory: directory)
        if let output { try FileSystem.writeAtomically(output, text: String(decoding: said, as: UTF8.self), mode: 0o644) }
    }
}
