import Foundation
import Testing
import BerthKit

extension Sandbox {
    /// Runs a shell command; fails the test when it fails.
    @discardableResult
    func sh(_ command: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let result = try run(executable: "/bin/sh", ["-c", command])
        try #require(result.status == 0, "\(command): \(result.stderr)", sourceLocation: sourceLocation)
        return result.stdout
    }

    /// Puts the sandbox's lxcpath on a fresh btrfs filesystem (a loop-mounted image in the
    /// sandbox). The sandbox unmounts it at the end.
    func useBtrfs() throws {
        try sh("truncate -s 512M '\(root)/btrfs.img' && mkfs.btrfs -q '\(root)/btrfs.img' >/dev/null && mkdir -p '\(lxcpath)' && mount -o loop '\(root)/btrfs.img' '\(lxcpath)'")
    }

    /// `berth-<tool>` that must succeed.
    @discardableResult
    func ok(_ tool: String, _ arguments: [String], lxcpath: Bool = true, sourceLocation: SourceLocation = #_sourceLocation) throws -> RunResult {
        let result = try run(tool, arguments, lxcpath: lxcpath)
        try #require(result.status == 0, "berth-\(tool) \(arguments.joined(separator: " ")): \(result.stderr)", sourceLocation: sourceLocation)
        return result
    }

    func text(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }
}

/// Copies, clones, snapshots and restores on dir, overlay and btrfs (a loop-mounted image),
/// with the kills, races and refusals an administrator's cron jobs meet.
@Suite(.enabled(if: isRoot, "needs root"), .serialized)
struct StorageTests {
    @Test func overlayClonesShareTheirOriginAndStayApart() throws {
        let box = try Sandbox.withBusybox("base")
        // A 200 MB rootfs: the clone must not copy it.
        try box.sh("fallocate -l 200M '\(box.lxcpath)/base/rootfs/big'")
        try box.ok("copy", ["-n", "base", "-N", "c1", "-s"])
        let config = box.text(box.lxcpath + "/c1/config") ?? ""
        #expect(config.contains("lxc.rootfs.path = overlay:\(box.lxcpath)/base/rootfs:\(box.lxcpath)/c1/overlay/delta"))
        #expect(config.contains("lxc.uts.name = c1"))
        #expect(box.text(box.lxcpath + "/c1/lxc_rdepends") == "\(box.lxcpath)\nbase\n")
        #expect(box.text(box.lxcpath + "/base/lxc_snapshots") == "\(box.lxcpath)\nc1\n")
        let used = try box.sh("du -sk '\(box.lxcpath)/c1' | cut -f1")
        #expect((Int(used.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 1 << 30) < 1024, "the clone holds \(used) KiB")

        // /etc/hosts names the clone (in its upper layer, the origin's untouched).
        #expect(box.text(box.lxcpath + "/c1/overlay/delta/etc/hosts")?.contains("127.0.1.1 c1\n") == true)
        #expect(box.text(box.lxcpath + "/base/rootfs/etc/hosts")?.contains("127.0.1.1 base\n") == true)

        // Writes in the clone stay in the clone; it has its own hostname.
        try box.ok("start", ["-n", "c1"])
        let inside = try box.ok("attach", ["-n", "c1", "--", "/bin/sh", "-c", "hostname; cat /etc/hostname; echo mine > /root/note; rm /big; ls /big 2>/dev/null || echo gone"])
        #expect(inside.stdout == "c1\nc1\ngone\n")
        // A file the guest deletes stays deleted in a clone of it (the whiteout wins over the
        // origin's file, which must not be copied up again to be renamed).
        try box.ok("attach", ["-n", "c1", "--", "/bin/rm", "/etc/hosts"])
        #expect(!FileManager.default.fileExists(atPath: box.lxcpath + "/base/rootfs/root/note"))
        #expect(FileManager.default.fileExists(atPath: box.lxcpath + "/base/rootfs/big"))
        #expect(box.text(box.lxcpath + "/base/rootfs/etc/hostname") == "base\n")

        // A clone of the running clone (-a: frozen for the copy) shares base's lower layer and
        // has c1's changes.
        try box.ok("copy", ["-n", "c1", "-N", "c2", "-s", "-a"])
        #expect(try box.run("info", ["-n", "c1", "-sH"]).stdout == "RUNNING\n", "thawed after the copy")
        #expect((box.text(box.lxcpath + "/c2/config") ?? "").contains("overlay:\(box.lxcpath)/base/rootfs:\(box.lxcpath)/c2/overlay/delta"))
        #expect(box.text(box.lxcpath + "/c2/overlay/delta/root/note") == "mine\n")
        #expect(try box.sh("stat -c '%F %t:%T' '\(box.lxcpath)/c2/overlay/delta/etc/hosts'") == "character special file 0:0\n")
        #expect(box.text(box.lxcpath + "/base/lxc_snapshots") == "\(box.lxcpath)\nc1\n\(box.lxcpath)\nc2\n")
        try box.ok("start", ["-n", "c2"])
        #expect(try box.ok("attach", ["-n", "c2", "--", "/bin/sh", "-c", "hostname; ls /big 2>&1 | grep -c 'No such'; ls /etc/hosts 2>&1 | grep -c 'No such'"]).stdout == "c2\n1\n1\n")

        // The origin cannot go while clones depend on it; the clones can.
        let refused = try box.run("destroy", ["-n", "base"])
        #expect(refused.status != 0 && refused.stderr.contains("c1") && refused.stderr.contains("c2"), "\(refused.stderr)")
        #expect(FileManager.default.fileExists(atPath: box.lxcpath + "/base/rootfs/big"))
        for name in ["c1", "c2"] {
            try box.ok("destroy", ["-n", name, "-f"])
            box.expectClean(name)
        }
        try box.ok("destroy", ["-n", "base"])
        #expect(box.entries().filter { !$0.hasPrefix(".") }.isEmpty)
    }

    @Test func fullCopyKeepsEveryKindOfFile() throws {
        let box = try Sandbox.withBusybox("src")
        let root = box.lxcpath + "/src/rootfs"
        try box.sh("""
            cd '\(root)' && mkdir -p t && cd t &&
            dd if=/dev/urandom of=data bs=1k count=64 status=none &&
            truncate -s 100M sparse && printf x | dd of=sparse bs=1 seek=50000000 conv=notrunc status=none &&
            ln data hardlink && ln -s data symlink && mkfifo fifo && mknod null c 1 3 &&
            cp data setuid && chmod 4755 setuid && chown 1234:5678 data && chown -h 4321:8765 symlink &&
            setfattr -n user.berth -v yes data && setfacl -m u:1234:rx setuid &&
            touch -d '2001-02-03 04:05:06' data
            """)
        let started = Date()
        try box.ok("copy", ["-n", "src", "-N", "dst"])
        let seconds = Date().timeIntervalSince(started)
        let copy = box.lxcpath + "/dst/rootfs/t"
        let listing = "stat -c '%n %F %s %u:%g %a %h %t:%T %Y' * | sort"
        #expect(try box.sh("cd '\(copy)' && \(listing)") == (try box.sh("cd '\(root)/t' && \(listing)")))
        #expect(try box.sh("cmp '\(root)/t/data' '\(copy)/data' && cmp '\(root)/t/sparse' '\(copy)/sparse' && echo same") == "same\n")
        // Sparse stays sparse; the hard link is one inode; xattrs and ACLs came along.
        #expect(Int(try box.sh("du -k '\(copy)/sparse' | cut -f1").trimmingCharacters(in: .whitespacesAndNewlines)) ?? 1 << 30 < 1024)
        #expect(try box.sh("stat -c %i '\(copy)/data' '\(copy)/hardlink' | uniq | wc -l").trimmingCharacters(in: .whitespaces) == "1\n")
        #expect(try box.sh("getfattr -n user.berth --only-values '\(copy)/data'") == "yes")
        #expect(try box.sh("getfacl -cp '\(copy)/setuid' | grep '^user:1234'") == "user:1234:r-x\n")
        // The busybox applets, hard links to one binary, stay hard links.
        #expect(try box.sh("stat -c %h '\(box.lxcpath)/dst/rootfs/bin/busybox'") == (try box.sh("stat -c %h '\(root)/bin/busybox'")))
        #expect(box.text(box.lxcpath + "/dst/rootfs/etc/hostname") == "dst\n")
        #expect(box.text(box.lxcpath + "/dst/rootfs/etc/hosts")?.contains("127.0.1.1 dst\n") == true)
        #expect(box.text(root + "/etc/hosts")?.contains("127.0.1.1 src\n") == true, "the source keeps its name")
        #expect(seconds < 30)
        // The copy boots.
        try box.ok("start", ["-n", "dst"])
        #expect(try box.ok("attach", ["-n", "dst", "--", "/bin/hostname"]).stdout == "dst\n")
        try box.ok("stop", ["-n", "dst", "-k"])
    }

    /// A container's root, or an image, may name files with bytes that are not UTF-8 (0xff, a
    /// lone 0xc3), point symlinks at such names (and at "dir/", whose slash matters), and give
    /// files attributes so named: copies, snapshots, restores and create's ownership shift keep
    /// every one as it is.
    @Test func namesThatAreNotUTF8() throws {
        let box = try Sandbox.withBusybox("src")
        let odd = """
            mkdir "$(printf 'd\\303')" && echo f > "$(printf 'd\\303')/f" &&
            echo data > "$(printf 'b\\377x')" && ln "$(printf 'b\\377x')" "$(printf 'h\\376')" &&
            ln -s "$(printf 'd\\303/')" "$(printf 'l\\377')" && mkfifo "$(printf 'p\\377')" &&
            setfattr -n "$(printf 'user.n\\377')" -v v "$(printf 'b\\377x')"
            """
        try box.sh("mkdir '\(box.lxcpath)/src/rootfs/odd' && cd '\(box.lxcpath)/src/rootfs/odd' && \(odd)")
        // Everything of a tree, bytes shown as octal: names, types, targets, link counts, attributes.
        func listing(_ container: String) throws -> String {
            try box.sh("cd '\(box.lxcpath)/\(container)/rootfs/odd' && { find . -printf '%p %y %l %n\\n' | LC_ALL=C sort; getfattr -R -d -m - -e hex . 2>/dev/null; } | od -c")
        }
        let original = try listing("src")
        #expect(original.contains("377"), "\(original)")
        try box.ok("copy", ["-n", "src", "-N", "full"])
        #expect(try listing("full") == original)
        try box.ok("snapshot", ["-n", "src"])
        try box.ok("snapshot", ["-n", "src", "-r", "snap0", "-N", "restored"])
        #expect(try listing("restored") == original)
        for name in ["full", "restored"] { try box.ok("destroy", ["-n", name]) }
        try box.ok("snapshot", ["-n", "src", "-d", "snap0"])

        // create --shift-ids walks an image's tree: the odd names are shifted too.
        let image = try box.template("odd-image", """
            for a in "$@"; do case "$a" in --rootfs=*) r=${a#--rootfs=} ;; esac; done
            mkdir -p "$r/odd" && cd "$r/odd" && \(odd)
            """)
        try box.ok("create", ["-n", "shifted", "-t", image, "--unprivileged", "--shift-ids"])
        let owners = try box.sh("cd '\(box.lxcpath)/shifted/rootfs/odd' && find . -mindepth 1 -printf '%U\\n' | sort -u")
        #expect(owners.split(separator: "\n").count == 1 && owners != "0\n", "every entry shifted: \(owners)")
        try box.ok("destroy", ["-n", "shifted"])
    }

    /// snapshot, list, restore over, restore as new, delete, on one backing store.
    func snapshotCycle(_ box: Sandbox, _ name: String) throws {
        let rootfs = try box.ok("info", ["-n", name, "-c", "lxc.rootfs.path"]).stdout
        try box.ok("start", ["-n", name])
        try box.ok("attach", ["-n", name, "--", "/bin/sh", "-c", "echo one > /root/state"])
        // A running container: frozen for the copy, running again after.
        let comment = box.root + "/comment"
        try "before the upgrade\n".write(toFile: comment, atomically: true, encoding: .utf8)
        #expect(try box.ok("snapshot", ["-n", name, "-c", comment]).stdout == "\(name): created snap0\n")
        #expect(try box.run("info", ["-n", name, "-sH"]).stdout == "RUNNING\n")
        try box.ok("attach", ["-n", name, "--", "/bin/sh", "-c", "echo two > /root/state"])
        try box.ok("stop", ["-n", name, "-k"])
        try box.ok("snapshot", ["-n", name])
        let listed = try box.ok("snapshot", ["-n", name, "-L", "-C"]).stdout.split(separator: "\n").map(String.init)
        #expect(listed.count == 3 && listed[0].hasPrefix("snap0 (\(box.lxcpath)/\(name)/snaps) 20") && listed[1] == "before the upgrade" && listed[2].hasPrefix("snap1 "), "\(listed)")
        #expect(FileManager.default.fileExists(atPath: box.lxcpath + "/\(name)/snaps/snap0/ts"))

        // Restore over the container: back to "one", snapshots kept, same rootfs key.
        #expect(try box.ok("snapshot", ["-n", name, "-r", "snap0"]).stdout == "\(name): restored snap0\n")
        #expect(try box.ok("info", ["-n", name, "-c", "lxc.rootfs.path"]).stdout == rootfs)
        try box.ok("start", ["-n", name])
        #expect(try box.ok("attach", ["-n", name, "--", "/bin/cat", "/root/state"]).stdout == "one\n")
        try box.ok("stop", ["-n", name, "-k"])
        #expect(try box.ok("snapshot", ["-n", name, "-L"]).stdout.split(separator: "\n").count == 2)

        // Restore as a new container: its own name; the container is untouched.
        try box.ok("snapshot", ["-n", name, "-r", "snap1", "-N", "\(name)-r"])
        try box.ok("start", ["-n", "\(name)-r"])
        #expect(try box.ok("attach", ["-n", "\(name)-r", "--", "/bin/sh", "-c", "hostname; cat /root/state; grep -c ' \(name)-r$' /etc/hosts"]).stdout == "\(name)-r\ntwo\n1\n")
        try box.ok("stop", ["-n", "\(name)-r", "-k"])

        // A snapshot that does not exist changes nothing.
        let missing = try box.run("snapshot", ["-n", name, "-r", "snap7"])
        #expect(missing.status != 0 && missing.stderr.contains("snap7") && missing.stderr.contains("snap0, snap1"), "\(missing.stderr)")
        #expect(try box.ok("info", ["-n", name, "-c", "lxc.rootfs.path"]).stdout == rootfs)

        // Delete one, then all; destroy refuses while snapshots exist.
        #expect(try box.run("destroy", ["-n", name]).stderr.contains("has snapshots"))
        #expect(try box.ok("snapshot", ["-n", name, "-d", "snap0"]).stdout == "\(name): deleted snap0\n")
        #expect(try box.ok("snapshot", ["-n", name, "-d", "ALL"]).stdout == "\(name): deleted snap1\n")
        #expect(try box.ok("snapshot", ["-n", name, "-L"]).stdout == "No snapshots\n")
        try box.ok("destroy", ["-n", "\(name)-r"])
        try box.ok("destroy", ["-n", name])
        box.expectClean(name)
    }

    @Test func snapshotsOnDir() throws {
        let box = try Sandbox.withBusybox("sd")
        try snapshotCycle(box, "sd")
    }

    @Test func snapshotsOnOverlay() throws {
        let box = try Sandbox.withBusybox("ob")
        try box.ok("copy", ["-n", "ob", "-N", "so", "-s", "-B", "aufs"])
        #expect((box.text(box.lxcpath + "/so/config") ?? "").contains("lxc.rootfs.path = overlay:"))
        try snapshotCycle(box, "so")
        #expect(box.text(box.lxcpath + "/ob/lxc_snapshots") == nil, "the clone list is empty again")
        try box.ok("destroy", ["-n", "ob"])
    }

    @Test func snapshotsAndClonesOnBtrfs() throws {
        let box = try Sandbox()
        try box.useBtrfs()
        try box.ok("create", ["-n", "sb", "-t", "busybox", "-B", "btrfs"])
        #expect((box.text(box.lxcpath + "/sb/config") ?? "").contains("lxc.rootfs.path = btrfs:\(box.lxcpath)/sb/rootfs"))
        try box.ok("copy", ["-n", "sb", "-N", "sc", "-s"])
        #expect(try box.sh("btrfs subvolume show '\(box.lxcpath)/sc/rootfs' >/dev/null && echo subvolume") == "subvolume\n")
        try box.ok("destroy", ["-n", "sc"])
        try snapshotCycle(box, "sb")
        #expect(try box.sh("btrfs subvolume list '\(box.lxcpath)' | wc -l").trimmingCharacters(in: .whitespacesAndNewlines) == "0")
    }

    @Test func keepPrunesAndGroupsAndConcurrentRuns() throws {
        let box = try Sandbox.withBusybox("k1")
        try box.ok("create", ["-n", "k2", "-t", "busybox", "-s", "lxc.group=nightly"])
        try box.ok("create", ["-n", "k3", "-t", "busybox", "-s", "lxc.group=nightly"])
        for _ in 0..<4 { try box.ok("snapshot", ["-n", "k1", "--keep", "2"]) }
        #expect(try box.ok("snapshot", ["-n", "k1", "-L"]).stdout.split(separator: "\n").map { String($0.prefix(5)) } == ["snap2", "snap3"])
        let pruned = try box.ok("snapshot", ["-n", "k1", "--keep", "2"]).stdout
        #expect(pruned == "k1: created snap4\nk1: deleted snap2 (--keep 2)\n")

        // One cron line for a group; -q says nothing.
        #expect(try box.ok("snapshot", ["-g", "nightly"]).stdout == "k2: created snap0\nk3: created snap0\n")
        #expect(try box.ok("snapshot", ["--all", "-q", "--keep", "1"]).stdout == "")
        #expect(try box.ok("snapshot", ["-n", "k3", "-L"]).stdout.hasPrefix("snap1 "))

        // Two snapshots of one container at once: both made, one after the other.
        let runs = try (0..<2).map { _ in try box.start("snapshot", ["-n", "k2"]) }
        let results = try runs.map { try box.finish($0) }
        #expect(results.allSatisfy { $0.status == 0 }, "\(results.map(\.stderr))")
        #expect(Set(results.map(\.stdout)) == ["k2: created snap2\n", "k2: created snap3\n"])

        // A failure anywhere makes the exit status non-zero, and the others still run.
        try box.sh("mv '\(box.lxcpath)/k1/rootfs' '\(box.lxcpath)/k1/gone'")
        let mixed = try box.run("snapshot", ["--all"])
        try box.sh("mv '\(box.lxcpath)/k1/gone' '\(box.lxcpath)/k1/rootfs'")
        #expect(mixed.status == 1 && mixed.stderr.contains("k1") && mixed.stdout.contains("k2: created") && mixed.stdout.contains("k3: created"), "\(mixed.stdout) \(mixed.stderr)")
    }

    @Test func killedSnapshotsAndRestoresLeaveAConsistentState() throws {
        let box = try Sandbox.withBusybox("kk")
        // Enough files that a snapshot takes a while to copy.
        try box.sh("cd '\(box.lxcpath)/kk/rootfs' && mkdir bulk && for i in $(seq 1 1500); do echo $i > bulk/f$i; done && dd if=/dev/urandom of=bulk/blob bs=1M count=20 status=none")
        try box.ok("start", ["-n", "kk"])
        try box.ok("snapshot", ["-n", "kk"])
        var generator = SystemRandomNumberGenerator()
        for round in 0..<8 {
            let run = try box.start("snapshot", ["-n", "kk"])
            usleep(UInt32.random(in: 0..<60_000, using: &generator))
            kill(run.pid, SIGKILL)
            _ = try box.finish(run)
            // Only complete snapshots are listed, each with its config, ts and rootfs; the
            // container runs (not left frozen) and the next snapshot works.
            let names = try box.ok("snapshot", ["-n", "kk", "-L"]).stdout.split(separator: "\n").map { String($0.split(separator: " ")[0]) }
            for name in names {
                let dir = box.lxcpath + "/kk/snaps/" + name
                #expect(FileManager.default.fileExists(atPath: dir + "/ts") && FileManager.default.fileExists(atPath: dir + "/config")
                        && box.text(dir + "/rootfs/bulk/f1500") == "1500\n", "round \(round): \(name) incomplete")
            }
            let stateDeadline = Date().addingTimeInterval(2)
            while try box.run("info", ["-n", "kk", "-sH"]).stdout != "RUNNING\n" && Date() < stateDeadline { usleep(10_000) }
            #expect(try box.run("info", ["-n", "kk", "-sH"]).stdout == "RUNNING\n", "round \(round): left frozen")
        }
        try box.ok("snapshot", ["-n", "kk", "--keep", "1"])
        #expect(try box.sh("ls -a '\(box.lxcpath)/kk/snaps' | grep -c creating || true") == "0\n", "staging directories swept")
        try box.ok("stop", ["-n", "kk", "-k"])

        // Restores killed at random points: the container is always whole, its snapshots kept.
        for round in 0..<6 {
            let run = try box.start("snapshot", ["-n", "kk", "-r", try box.ok("snapshot", ["-n", "kk", "-L"]).stdout.split(separator: " ")[0].description])
            usleep(UInt32.random(in: 0..<60_000, using: &generator))
            kill(run.pid, SIGKILL)
            _ = try box.finish(run)
            #expect(box.text(box.lxcpath + "/kk/rootfs/bulk/f1500") == "1500\n", "round \(round): rootfs incomplete")
            #expect(FileManager.default.fileExists(atPath: box.lxcpath + "/kk/config"))
            // The next operation mends a restore killed between its two renames.
            try box.ok("snapshot", ["-n", "kk", "--keep", "1"])
            #expect(try box.ok("snapshot", ["-n", "kk", "-L"]).stdout.split(separator: "\n").count == 1, "round \(round): snapshots lost")
            #expect(!box.entries().contains { $0.contains(".kk.restoring-") })
        }
        try box.ok("start", ["-n", "kk"])
        try box.ok("stop", ["-n", "kk", "-k"])
    }

    @Test func killedCopyLeavesNothingAndRenameAndEphemeral() throws {
        let box = try Sandbox.withBusybox("kc")
        try box.sh("dd if=/dev/urandom of='\(box.lxcpath)/kc/rootfs/blob' bs=1M count=40 status=none")
        let run = try box.start("copy", ["-n", "kc", "-N", "half"])
        usleep(5_000)
        kill(run.pid, SIGKILL)
        _ = try box.finish(run)
        #expect(!(try box.ok("ls", []).stdout.contains("half")))
        try box.ok("copy", ["-n", "kc", "-N", "half"])
        #expect(!box.entries().contains { $0.contains("creating") }, "\(box.entries())")

        // Rename: the directory and every path in the config follow; the old name's lock file
        // (a container that has run keeps one in the runtime directory) goes.
        try box.ok("start", ["-n", "half"])
        try box.ok("stop", ["-n", "half", "-k"])
        let oldLock = CommandSocket(paths: ContainerPaths(lxcpath: box.lxcpath, name: try ContainerName("half"))).lockPath
        #expect(FileManager.default.fileExists(atPath: oldLock))
        try box.ok("copy", ["-n", "half", "-N", "whole", "-R"])
        #expect(!FileManager.default.fileExists(atPath: oldLock))
        #expect(try box.ok("ls", []).stdout == "kc\nwhole\n")
        #expect((box.text(box.lxcpath + "/whole/config") ?? "").contains("lxc.rootfs.path = dir:\(box.lxcpath)/whole/rootfs"))
        #expect(box.text(box.lxcpath + "/whole/rootfs/etc/hosts")?.contains("127.0.1.1 whole\n") == true)
        try box.ok("start", ["-n", "whole"])
        #expect(try box.ok("attach", ["-n", "whole", "--", "/bin/hostname"]).stdout == "whole\n")
        try box.ok("stop", ["-n", "whole", "-k"])

        // Ephemeral: started at once, gone when it stops.
        let made = try box.ok("copy", ["-n", "kc", "-N", "eph", "-e"])
        #expect(made.stdout == "eph\n")
        #expect(try box.run("info", ["-n", "eph", "-sH"]).stdout == "RUNNING\n")
        try box.ok("stop", ["-n", "eph", "-k"])
        #expect(!box.entries().contains("eph"))
        let ephLock = CommandSocket(paths: ContainerPaths(lxcpath: box.lxcpath, name: try ContainerName("eph"))).lockPath
        #expect(!FileManager.default.fileExists(atPath: ephLock), "the ephemeral container's lock file went with it")
        #expect(box.text(box.lxcpath + "/kc/lxc_snapshots") == nil)
        box.expectClean("eph")
    }
}
