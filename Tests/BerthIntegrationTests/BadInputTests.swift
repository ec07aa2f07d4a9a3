import Foundation
import Testing
import BerthKit

/// Bad input of every kind gets a clear error and leaves nothing behind.
@Suite(.enabled(if: isRoot, "needs root"))
struct BadInputTests {
    @Test(arguments: [
        ("../x", "invalid container name '../x'"),
        ("", "container name is empty"),
        ("a/b", "invalid container name 'a/b': '/' is not allowed"),
        (String(repeating: "x", count: 300), "container name is 300 bytes long"),
    ])
    func badNames(name: String, message: String) throws {
        let box = try Sandbox()
        let result = try box.run("create", ["-n", name, "-t", "busybox"])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("berth-create: " + message), "\(result.stderr)")
        #expect(box.entries().isEmpty, "\(box.entries())")
        #expect(!FileManager.default.fileExists(atPath: box.root + "/x"), "../x made nothing outside the lxcpath")
    }

    @Test func unknownTemplateAndBackingStore() throws {
        let box = try Sandbox()
        let unknown = try box.run("create", ["-n", "t1", "-t", "nosuch"])
        #expect(unknown.status == 1 && unknown.stderr.contains("unknown template 'nosuch'") && unknown.stderr.contains("available: busybox, debian, download, local, none, oci"), "\(unknown.stderr)")
        let noTemplate = try box.run("create", ["-n", "t1"])
        #expect(noTemplate.status == 1 && noTemplate.stderr.contains("a template must be given with -t"))
        let store = try box.run("create", ["-n", "t1", "-t", "none", "-B", "zzz"])
        #expect(store.status == 1 && store.stderr.contains("unknown backing store 'zzz'"))
        let badArg = try box.run("create", ["-n", "t1", "-t", "busybox", "--", "--frobnicate"])
        #expect(badArg.status == 1 && badArg.stderr.contains("busybox template: unknown argument '--frobnicate'"))
        #expect(box.entries().isEmpty, "\(box.entries())")
    }

    @Test func templateFailingHalfWayLeavesNothing() throws {
        let box = try Sandbox()
        let failing = try box.template("half", """
            for a in "$@"; do case "$a" in --rootfs=*) r=${a#--rootfs=} ;; --path=*) p=${a#--path=} ;; esac; done
            mkdir -p "$r/usr/lib/partial" && echo data > "$r/usr/lib/partial/file"
            echo "lxc.tty.max = 2" >> "$p/config"
            echo "template broke" >&2
            exit 3
            """)
        let result = try box.run("create", ["-n", "h1", "-t", failing])
        #expect(result.status == 1)
        #expect(result.stderr.contains("template broke"), "the template's own message passes through")
        #expect(result.stderr.contains("berth-create: template \(failing) failed (exit status 3); nothing was created"))
        #expect(box.entries().isEmpty, "\(box.entries())")
    }

    @Test func templateWritingABadKeyFailsTheCreate() throws {
        let box = try Sandbox()
        let sloppy = try box.template("sloppy", """
            for a in "$@"; do case "$a" in --path=*) p=${a#--path=} ;; esac; done
            echo "lxc.rootfs.bogus = 1" >> "$p/config"
            """)
        let result = try box.run("create", ["-n", "s1", "-t", sloppy])
        #expect(result.status == 1)
        #expect(result.stderr.contains(":1") || result.stderr.contains("config:"), "\(result.stderr)")
        #expect(result.stderr.contains("unknown key lxc.rootfs.bogus"))
        #expect(box.entries().isEmpty, "\(box.entries())")
    }

    @Test func badConfigFilesNameFileAndLine() throws {
        let box = try Sandbox()
        let unknown = box.root + "/unknown.conf"
        try "# ok\nlxc.uts.name = a\nlxc.tty.mxa = 3\n".write(toFile: unknown, atomically: true, encoding: .utf8)
        let r1 = try box.run("create", ["-n", "c1", "-t", "busybox", "-f", unknown])
        #expect(r1.status == 1)
        #expect(r1.stderr == "berth-create: \(unknown):3: unknown key lxc.tty.mxa (did you mean lxc.tty.max?)\n")
        let badValue = box.root + "/bad.conf"
        try "lxc.net.0.type = veth\nlxc.net.0.ipv4.address = 10.0.0.999/24\n".write(toFile: badValue, atomically: true, encoding: .utf8)
        let r2 = try box.run("create", ["-n", "c1", "-t", "busybox", "-f", badValue])
        #expect(r2.stderr == "berth-create: \(badValue):2: bad value for lxc.net.0.ipv4.address: '10.0.0.999' is not an IPv4 address\n")
        let r3 = try box.run("create", ["-n", "c1", "-t", "busybox", "-f", box.root + "/absent.conf"])
        #expect(r3.stderr.contains("config file \(box.root)/absent.conf does not exist"))
        let r4 = try box.run("create", ["-n", "c1", "-t", "busybox", "-s", "lxc.tty.max=lots"])
        #expect(r4.stderr.contains("bad value for lxc.tty.max"))
        let r5 = try box.run("create", ["-n", "c1", "-t", "busybox", "-s", "junk"])
        #expect(r5.stderr.contains("-s 'junk': expected KEY=VALUE"))
        #expect(box.entries().isEmpty, "\(box.entries())")
    }

    @Test func duplicateNameIsRefusedAndTheOriginalKept() throws {
        let box = try Sandbox()
        #expect(try box.run("create", ["-n", "d1", "-t", "busybox"]).status == 0)
        let before = try String(contentsOfFile: box.lxcpath + "/d1/config", encoding: .utf8)
        let again = try box.run("create", ["-n", "d1", "-t", "none"])
        #expect(again.status == 1 && again.stderr.contains("Container already exists"))
        #expect(try String(contentsOfFile: box.lxcpath + "/d1/config", encoding: .utf8) == before)
        #expect(box.entries() == [".d1.lock", "d1"])
    }

    @Test func twoCreatesOfOneNameAtOnce() throws {
        let box = try Sandbox()
        let slow = try box.template("slow", "sleep 0.3")
        let first = try box.start("create", ["-n", "race", "-t", slow])
        let second = try box.start("create", ["-n", "race", "-t", slow])
        let results = try [box.finish(first), box.finish(second)]
        #expect(results.filter { $0.status == 0 }.count == 1, "\(results.map(\.stderr))")
        let loser = results.first { $0.status != 0 }
        #expect(loser?.stderr.contains("Container already exists") == true, "\(loser?.stderr ?? "")")
        #expect(box.entries() == [".race.lock", "race"])
    }

    @Test func manyParallelCreatesOfDifferentNames() throws {
        let box = try Sandbox()
        let started = try (0..<8).map { try box.start("create", ["-n", "p\($0)", "-t", "busybox"]) }
        let results = try started.map { try box.finish($0) }
        #expect(results.allSatisfy { $0.status == 0 }, "\(results.map(\.stderr))")
        #expect(try box.run("ls", ["-1"]).stdout == (0..<8).map { "p\($0)\n" }.joined())
    }

    @Test func interruptedCreateLeavesNothingAndStopsTheTemplate() throws {
        let box = try Sandbox()
        let pidFile = box.root + "/template.pid"
        let slow = try box.template("sleeper", "echo $$ > \(pidFile)\nexec sleep 60")
        for signal in [SIGTERM, SIGHUP] {
            try? FileManager.default.removeItem(atPath: pidFile)
            let started = try box.start("create", ["-n", "int", "-t", slow])
            try #require(eventually(tries: 1000) { FileManager.default.fileExists(atPath: pidFile) })
            kill(started.pid, signal)
            let result = try box.finish(started)
            #expect((result.signaled && result.status == signal) || result.status == 128 + signal, "ended by the signal, status \(result.status)")
            let templatePID = Int32((try String(contentsOfFile: pidFile, encoding: .utf8)).trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
            try #require(eventually(tries: 1000) { processEnded(templatePID) })
            #expect(box.entries().isEmpty, "\(box.entries())")
        }
    }

    @Test func killedCreateIsInvisibleAndSweptByTheNext() throws {
        let box = try Sandbox()
        let pidFile = box.root + "/template.pid"
        let slow = try box.template("sleeper", "echo $$ > \(pidFile)\nexec sleep 60")
        let started = try box.start("create", ["-n", "k1", "-t", slow])
        try #require(eventually(tries: 1000) { FileManager.default.fileExists(atPath: pidFile) })
        kill(started.pid, SIGKILL)
        _ = try box.finish(started)
        let templatePID = Int32((try String(contentsOfFile: pidFile, encoding: .utf8)).trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        try #require(eventually(tries: 1000) { processEnded(templatePID) })  // the template dies with its parent (PDEATHSIG)
        #expect(box.entries().contains { $0.hasPrefix(".k1.creating-") })
        #expect(try box.run("ls", []).stdout.isEmpty, "the half-made container is not listed")
        #expect(!box.entries().contains { $0.hasPrefix(".k1.creating-") }, "the next command listing the lxcpath swept what the dead create left")
        #expect(try box.run("create", ["-n", "k1", "-t", "none"]).status == 0)
        #expect(box.entries() == [".k1.lock", "k1"], "the next create swept the leftovers")
    }

    @Test func destroyRefusesWhileClonesSnapshotsOrMountsDependOnIt() throws {
        let box = try Sandbox()
        for name in ["origin", "clone"] { #expect(try box.run("create", ["-n", name, "-t", "busybox"]).status == 0) }
        // LXC's bookkeeping: the origin lists its clones, the clone names its origin.
        try "\(box.lxcpath)\nclone\n".write(toFile: box.lxcpath + "/origin/lxc_snapshots", atomically: true, encoding: .utf8)
        try "\(box.lxcpath)\norigin\n".write(toFile: box.lxcpath + "/clone/lxc_rdepends", atomically: true, encoding: .utf8)
        let refused = try box.run("destroy", ["-n", "origin"])
        #expect(refused.status == 1 && refused.stderr == "berth-destroy: Destroying origin failed: origin has clones: clone\n")
        #expect(try box.run("destroy", ["-n", "clone"]).status == 0)
        #expect(!FileManager.default.fileExists(atPath: box.lxcpath + "/origin/lxc_snapshots"), "the clone's entry left the origin's list")

        try FileManager.default.createDirectory(atPath: box.lxcpath + "/origin/snaps/snap0", withIntermediateDirectories: true)
        let withSnap = try box.run("destroy", ["-n", "origin"])
        #expect(withSnap.stderr.contains("origin has snapshots (snap0); use -s to destroy them too"))

        let mnt = box.lxcpath + "/origin/rootfs/mnt"
        #expect(mount("tmpfs", mnt, "tmpfs", 0, nil) == 0)
        defer { umount2(mnt, Int32(MNT_DETACH)) }
        let mounted = try box.run("destroy", ["-n", "origin", "-s"])
        #expect(mounted.status == 1 && mounted.stderr.contains("still mounted: \(mnt)"))
        #expect(FileManager.default.fileExists(atPath: box.lxcpath + "/origin/config"), "a refused destroy touches nothing")
        #expect(umount2(mnt, 0) == 0)
        #expect(try box.run("destroy", ["-n", "origin", "-s"]).status == 0)
        #expect(box.entries().isEmpty, "\(box.entries())")
    }
}
