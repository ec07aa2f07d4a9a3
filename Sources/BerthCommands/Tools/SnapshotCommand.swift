import BerthKit

/// berth-snapshot: snapshots, made for cron.
public struct SnapshotCommand: BerthTool {
    public static let spec = ToolSpec(
        name: "berth-snapshot",
        abstract: "Snapshot a container, list, restore or delete its snapshots.",
        discussion: """
                Without -L, -r or -d: takes a snapshot snapN in <lxcpath>/NAME/snaps (config, ts, \
                comment and the root filesystem). On btrfs it is a btrfs snapshot and on an overlay \
                clone a copy of the upper layer only, so its cost does not grow with the rootfs; a \
                dir container is copied in full (reflinks where the filesystem has them). A running \
                container is frozen for the moment of the copy and thawed after, also if the \
                snapshot is killed. Runs on one container wait for each other (--wait). --keep N \
                deletes the oldest snapshots beyond N after a successful snapshot; -g GROUP and \
                --all snapshot many containers in one run, one line per action (none with -q), \
                exit status 1 if anything failed. -r restores a snapshot over the container (it \
                is replaced only once the restored copy is complete) or, with -N, as a new \
                container; a snapshot that does not exist is an error that changes nothing.
                """,
        options: [
            NameOption.spec,
            .value("c", "comment", "FILE", "File whose text is kept as the snapshot's comment."),
            .flag("L", "list", "List the snapshots."),
            .flag("C", "showcomments", "With -L: show the comments too."),
            .value("r", "restore", "SNAP", "Restore this snapshot."),
            .value("N", "newname", "NEWNAME", "With -r: restore as this new container."),
            .value("d", "destroy", "SNAP", "Delete this snapshot, or ALL."),
            .value(nil, "keep", "N", "After a snapshot, keep only the newest N."),
            .value("g", "group", "GROUP", "Snapshot every container of this group (lxc.group; repeatable)."),
            .flag(nil, "all", "Snapshot every container of the lxcpath."),
            .value(nil, "wait", "SECS", "Seconds to wait for another operation on the container (default 60)."),
        ] + CommonOptions.specs,
        positionals: [.containerName]
    )

    let container: NameOption
    var commentFile: String?
    var list: Bool
    var showComments: Bool
    var restore: String?
    var newName: String?
    var destroy: String?
    var keep: Int?
    var groups: [String]
    var all: Bool
    var wait: Double
    let common: CommonOptions
    var positionalName: String?

    public init(_ arguments: ParsedArguments) throws(BerthError) {
        container = NameOption(arguments)
        commentFile = arguments.value("comment")
        list = arguments.flag("list")
        showComments = arguments.flag("showcomments")
        restore = arguments.value("restore")
        newName = arguments.value("newname")
        destroy = arguments.value("destroy")
        keep = try arguments.number("keep", as: Int.self)
        groups = arguments.values("group")
        all = arguments.flag("all")
        wait = try arguments.seconds("wait") ?? 60
        common = try CommonOptions(arguments)
        positionalName = arguments.positionals.first
        try validate()
    }

    func validate() throws(BerthError) {
        let modes = [list, restore != nil, destroy != nil].filter { $0 }.count
        if modes > 1 { throw BerthError(.invalidArgument, "-L, -r and -d exclude each other") }
        if newName != nil && restore == nil { throw BerthError(.invalidArgument, "-N goes with -r") }
        if showComments && !list { throw BerthError(.invalidArgument, "-C goes with -L") }
        if let keep, keep < 1 { throw BerthError(.invalidArgument, "--keep needs a number of at least 1") }
        if keep != nil && modes > 0 { throw BerthError(.invalidArgument, "--keep goes with taking a snapshot") }
        if (!groups.isEmpty || all) && (modes > 0 || container.isGiven || positionalName != nil) {
            throw BerthError(.invalidArgument, "-g and --all take snapshots of many containers; they do not combine with -n, -L, -r or -d")
        }
        if wait < 0 { throw BerthError(.invalidArgument, "--wait needs a number of seconds") }
    }

    public func run() throws {
        let context = try ToolContext(program: Self.spec.name, options: common)
        var manager = SnapshotManager(system: context.system, warn: context.warn)
        manager.lockTimeout = wait
        func say(_ line: String) { if !context.quiet { print(line) } }

        if !groups.isEmpty || all {
            let comment = try commentFile.map { (file: String) throws(BerthError) in try FileSystem.readText(file) }
            var failed = false
            for target in ContainerInventory.list(lxcpath: context.lxcpath) {
                if !all {
                    let theirs = (try? target.loadConfig().groups) ?? []
                    guard theirs.contains(where: groups.contains) else { continue }
                }
                if !snapshotOne(target, manager: manager, comment: comment, say: say, context: context) { failed = true }
            }
            if failed { throw ToolExit(1) }
            return
        }

        let target = Container(lxcpath: context.lxcpath, name: try container.resolve(positional: positionalName))
        if list {
            let snapshots = try manager.list(target)
            if snapshots.isEmpty { print("No snapshots"); return }
            for snapshot in snapshots {
                print("\(snapshot.name) (\(snapshot.directory)) \(snapshot.timestamp)")
                if showComments, let comment = snapshot.comment {
                    print(comment.hasSuffix("\n") ? String(comment.dropLast()) : comment)
                }
            }
        } else if let restore {
            let restored = try manager.restore(target, snapshot: restore, as: try newName.map { (text: String) throws(BerthError) in try ContainerName(text) })
            say("\(target.name): restored \(restore)\(restored.name == target.name ? "" : " as \(restored.name)")")
        } else if let destroy {
            for name in try manager.delete(target, snapshot: destroy) { say("\(target.name): deleted \(name)") }
        } else {
            let comment = try commentFile.map { (file: String) throws(BerthError) in try FileSystem.readText(file) }
            if !snapshotOne(target, manager: manager, comment: comment, say: say, context: context) { throw ToolExit(1) }
        }
    }

    /// One snapshot and its pruning; false (after saying why) when anything failed.
    func snapshotOne(_ target: Container, manager: SnapshotManager, comment: String?, say: (String) -> Void, context: ToolContext) -> Bool {
        do throws(BerthError) {
            let name = try manager.create(target, comment: comment)
            say("\(target.name): created \(name)")
            if let keep {
                for pruned in try manager.prune(target, keep: keep) { say("\(target.name): deleted \(pruned) (--keep \(keep))") }
            }
            return true
        } catch {
            Terminal.writeError("\(context.program): \(target.name): \(error.message)\n")
            return false
        }
    }
}
