import ArgumentParser
import BerthKit

/// berth-snapshot: snapshots, made for cron.
public struct SnapshotCommand: BerthTool {
    public static let configuration = CommandConfiguration(
        commandName: "berth-snapshot",
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
        version: BerthVersion.string
    )

    @OptionGroup var container: NameOption
    @Option(name: [.customShort("c"), .customLong("comment")], help: ArgumentHelp("File whose text is kept as the snapshot's comment.", valueName: "FILE"))
    var commentFile: String?
    @Flag(name: [.customShort("L"), .customLong("list")], help: "List the snapshots.")
    var list = false
    @Flag(name: [.customShort("C"), .customLong("showcomments")], help: "With -L: show the comments too.")
    var showComments = false
    @Option(name: [.customShort("r"), .customLong("restore")], help: ArgumentHelp("Restore this snapshot.", valueName: "SNAP"))
    var restore: String?
    @Option(name: [.customShort("N"), .customLong("newname")], help: ArgumentHelp("With -r: restore as this new container.", valueName: "NEWNAME"))
    var newName: String?
    @Option(name: [.customShort("d"), .customLong("destroy")], help: ArgumentHelp("Delete this snapshot, or ALL.", valueName: "SNAP"))
    var destroy: String?
    @Option(name: .customLong("keep"), help: ArgumentHelp("After a snapshot, keep only the newest N.", valueName: "N"))
    var keep: Int?
    @Option(name: [.customShort("g"), .customLong("group")], help: ArgumentHelp("Snapshot every container of this group (lxc.group; repeatable).", valueName: "GROUP"))
    var groups: [String] = []
    @Flag(name: .customLong("all"), help: "Snapshot every container of the lxcpath.")
    var all = false
    @Option(name: .customLong("wait"), help: ArgumentHelp("Seconds to wait for another operation on the container (default 60).", valueName: "SECS"))
    var wait: Double = 60
    @OptionGroup var common: CommonOptions
    @Argument(help: ArgumentHelp("The container's name (instead of -n).", visibility: .hidden))
    var positionalName: String?

    public init() {}

    public func validate() throws {
        let modes = [list, restore != nil, destroy != nil].filter { $0 }.count
        if modes > 1 { throw ValidationError("-L, -r and -d exclude each other") }
        if newName != nil && restore == nil { throw ValidationError("-N goes with -r") }
        if showComments && !list { throw ValidationError("-C goes with -L") }
        if let keep, keep < 1 { throw ValidationError("--keep needs a number of at least 1") }
        if keep != nil && modes > 0 { throw ValidationError("--keep goes with taking a snapshot") }
        if (!groups.isEmpty || all) && (modes > 0 || container.isGiven || positionalName != nil) {
            throw ValidationError("-g and --all take snapshots of many containers; they do not combine with -n, -L, -r or -d")
        }
        if wait < 0 { throw ValidationError("--wait needs a number of seconds") }
    }

    public func run() throws {
        let context = try ToolContext(program: Self.configuration.commandName ?? "berth-snapshot", options: common)
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
            if failed { throw ExitCode(1) }
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
            if !snapshotOne(target, manager: manager, comment: comment, say: say, context: context) { throw ExitCode(1) }
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
