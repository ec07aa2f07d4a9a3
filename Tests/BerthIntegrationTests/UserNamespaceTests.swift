import Foundation
import Testing
import BerthKit

/// Containers in user namespaces (lxc.idmap), started by root: an idmapped rootfs, a
/// chown-shifted one, and what their root can and cannot do on the host's files.
@Suite(.enabled(if: isRoot, "needs root"), .serialized)
struct UserNamespaceTests {
    @Test func idmappedContainerRootIsAnUnprivilegedHostUser() throws {
        let box = try Sandbox()
        // A host file only the host's root may read, bound into the container.
        let secret = box.root + "/secret"
        try "host secret\n".write(toFile: secret, atomically: true, encoding: .utf8)
        chmod(secret, 0o600)
        try box.ok("create", ["-n", "u1", "-t", "busybox", "--unprivileged",
                              "-s", "lxc.mount.entry=\(secret) root/secret none bind,create=file 0 0"])
        let config = box.text(box.lxcpath + "/u1/config") ?? ""
        #expect(config.contains("lxc.idmap = u 0 ") && config.contains("lxc.idmap = g 0 "))
        // The rootfs stays owned by the host's root on disk: it is idmapped at start.
        #expect(try box.sh("stat -c %u '\(box.lxcpath)/u1/rootfs/bin/busybox'") == "0\n")
        try box.ok("start", ["-n", "u1"])
        let pid = try box.ok("info", ["-n", "u1", "-pH"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        let uids = status.split(separator: "\n").first { $0.hasPrefix("Uid:") }?.split(separator: "\t").dropFirst().map(String.init) ?? []
        #expect(uids.count == 4 && uids.allSatisfy { (UInt32($0) ?? 0) >= 100_000 }, "init's host uids: \(uids)")

        // Inside: root, owning its rootfs; the host's file is out of reach, also for writing.
        let inside = try box.run("attach", ["-n", "u1", "--", "/bin/sh", "-c", """
            id -u; stat -c %u /bin/busybox; cat /proc/self/uid_map | tr -s ' ' | sed 's/^ //'
            cat /root/secret 2>/dev/null && echo READ; echo x >> /root/secret 2>/dev/null && echo WROTE
            echo made > /root/mine; stat -c %u /root/secret
            """])
        #expect(inside.status == 0, "\(inside.stderr)")
        let lines = inside.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "0" && lines.dropFirst().first == "0", "\(lines)")
        #expect(lines.dropFirst(2).first?.hasPrefix("0 ") == true, "\(lines)")
        #expect(!inside.stdout.contains("READ") && !inside.stdout.contains("WROTE"), "the host's root-only file was reachable: \(lines)")
        #expect(lines.last == "65534", "the host's root is nobody inside: \(lines)")
        #expect(try String(contentsOfFile: secret, encoding: .utf8) == "host secret\n")
        // What the container's root writes is stored as the host's root (the idmapped mount
        // maps it back), so the rootfs stays consistent on disk.
        #expect(try box.sh("stat -c %u '\(box.lxcpath)/u1/rootfs/root/mine'") == "0\n")

        // A fresh proc is allowed in its own pid namespace, but the host's knobs are not its.
        let proc = try box.run("attach", ["-n", "u1", "--", "/bin/sh", "-c",
            "mkdir -p /tmp/p && mount -t proc proc /tmp/p && (echo b > /tmp/p/sysrq-trigger) 2>/dev/null; echo $?; (echo 1 > /tmp/p/sys/kernel/sysrq) 2>/dev/null; echo $?"])
        #expect(proc.stdout == "1\n1\n", "\(proc.stdout) \(proc.stderr)")
        // Its cgroup is delegated: it may make child cgroups (as systemd does), which go when it
        // stops; its limits are not its to change.
        let cgroups = try box.run("attach", ["-n", "u1", "--", "/bin/sh", "-c",
            "mkdir /sys/fs/cgroup/pids/inner && echo made; echo 5 > /sys/fs/cgroup/pids/inner/pids.max && echo limited; echo max > /sys/fs/cgroup/pids/pids.max 2>/dev/null || echo refused"])
        #expect(cgroups.stdout == "made\nlimited\nrefused\n", "\(cgroups.stdout) \(cgroups.stderr)")
        // Devices: no new nodes, the bound ones work.
        let dev = try box.run("attach", ["-n", "u1", "--", "/bin/sh", "-c", "mknod /tmp/sda b 8 0 2>/dev/null && echo MADE; echo ok > /dev/null && echo null"])
        #expect(dev.stdout == "null\n", "\(dev.stdout)")

        try box.ok("stop", ["-n", "u1", "-k"])
        box.expectClean("u1")

        // Its init dies with a killed monitor, as a privileged one does (becoming the namespace's
        // root clears the death signal; it must be armed again).
        try box.ok("start", ["-n", "u1"])
        let initPID = try #require(pid_t(try box.ok("info", ["-n", "u1", "-pH"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        kill(try #require(box.monitorPID("u1")), SIGKILL)
        #expect(eventually { processEnded(initPID) }, "init \(initPID) outlived its monitor")
        #expect(try box.run("info", ["-n", "u1", "-sH"]).stdout == "STOPPED\n")
        try box.ok("start", ["-n", "u1"])
        try box.ok("stop", ["-n", "u1", "-k"])
        box.expectClean("u1")

        // An overlay clone of it runs in the same kind of user namespace, its layers idmapped:
        // a deletion is a whiteout in its upper layer, the origin is untouched.
        try box.ok("copy", ["-n", "u1", "-N", "u2", "-s"])
        try box.ok("start", ["-n", "u2"])
        let clone = try box.ok("attach", ["-n", "u2", "--", "/bin/sh", "-c", "id -u; rm /bin/vi; ls /bin/vi 2>/dev/null || echo gone; echo c > /root/c; stat -c %u /root/c"])
        #expect(clone.stdout == "0\ngone\n0\n", "\(clone.stdout)")
        #expect(FileManager.default.fileExists(atPath: box.lxcpath + "/u1/rootfs/bin/vi"))
        #expect(try box.sh("stat -c '%F %u' '\(box.lxcpath)/u2/overlay/delta/bin/vi'") == "character special file 0\n")
        try box.ok("stop", ["-n", "u2", "-k"])
        box.expectClean("u2")
        try box.ok("destroy", ["-n", "u2"])
        try box.ok("destroy", ["-n", "u1"])
    }

    @Test func shiftedRootfsAndBadMaps() throws {
        let box = try Sandbox()
        try box.ok("create", ["-n", "s1", "-t", "busybox", "--unprivileged", "--shift-ids"])
        let map = (box.text(box.lxcpath + "/s1/config") ?? "").split(separator: "\n").first { $0.hasPrefix("lxc.idmap = u 0 ") }
        let base = try #require(map?.split(separator: " ").dropFirst(4).first.map(String.init))
        #expect(try box.sh("stat -c %u:%g '\(box.lxcpath)/s1/rootfs/bin/busybox'") == "\(base):\(base)\n")
        // The shift keeps busybox's setuid and setgid bits (chown clears them; they are put back).
        #expect(try box.sh("stat -c %a '\(box.lxcpath)/s1/rootfs/bin/busybox'") == "6755\n")
        try box.ok("start", ["-n", "s1"])
        #expect(try box.ok("attach", ["-n", "s1", "--", "/bin/sh", "-c", "id -u; touch /root/f; stat -c %u /root/f"]).stdout == "0\n0\n")
        #expect(try box.sh("stat -c %u '\(box.lxcpath)/s1/rootfs/root/f'") == "\(base)\n")
        try box.ok("stop", ["-n", "s1", "-k"])
        box.expectClean("s1")

        // A closed directory above the lxcpath: refused before anything starts, naming it.
        chmod(box.root, 0o700)
        let closed = try box.run("start", ["-n", "s1"])
        chmod(box.root, 0o755)
        #expect(closed.status != 0 && closed.stderr.contains("\(box.root) does not let the container's root"), "\(closed.stderr)")
        box.expectClean("s1")

        // Maps without the container's root, or overlapping: refused naming the key.
        for (maps, message) in [(["u 1 200000 100", "g 0 200000 65536"], "no uid mapping"),
                                (["u 0 200000 65536", "u 10 300000 10", "g 0 200000 65536"], "overlap")] {
            let file = box.root + "/maps.conf"
            let kept = (box.text(box.lxcpath + "/s1/config") ?? "").split(separator: "\n").filter { !$0.hasPrefix("lxc.idmap") }
            try ((kept.map(String.init) + maps.map { "lxc.idmap = \($0)" }).joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
            let refused = try box.run("start", ["-n", "s1", "-f", file])
            #expect(refused.status != 0 && refused.stderr.contains("lxc.idmap") && refused.stderr.contains(message), "\(refused.stderr)")
            box.expectClean("s1")
        }
    }

    @Test func aUserWithSubordinateIdsRunsItsOwnContainer() throws {
        let box = try Sandbox()
        var generator = SystemRandomNumberGenerator()
        let user = "bt" + String(UInt32.random(in: 0..<0xffffff, using: &generator), radix: 16)
        let added = 3_000_000 + 65_536 * Int.random(in: 0..<200, using: &generator)
        let home = box.root + "/home"
        // useradd may give the user a range itself (SUB_UID_MIN); one more is added either way,
        // and the container takes the first the files list.
        try box.sh("useradd -M -d '\(home)' -s /bin/sh \(user) && usermod --add-subuids \(added)-\(added + 65_535) --add-subgids \(added)-\(added + 65_535) \(user)")
        // The user's runtime directory goes too (no /run/user/UID here, so /tmp/berth-UID).
        defer { _ = try? box.run(executable: "/bin/sh", ["-c", "rm -rf \"/tmp/berth-$(id -u \(user))\"; usermod --del-subuids \(added)-\(added + 65_535) --del-subgids \(added)-\(added + 65_535) \(user); userdel \(user)"]) }
        let base = try #require(Int(try box.sh("grep '^\(user):' /etc/subuid | head -1 | cut -d: -f2").trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(try box.sh("grep '^\(user):' /etc/subgid | head -1 | cut -d: -f2") == "\(base)\n", "the test assumes the same first uid and gid range")
        // The tools, where the user can run them (the build's directory may be closed).
        try box.sh("mkdir -p '\(home)' '\(box.root)/bin' && chown \(user) '\(home)' && cp -L '\(binDirectory)/berth' '\(box.root)/bin/berth' && chmod 755 '\(box.root)/bin/berth' && for t in create start attach stop destroy ls info copy; do ln -s berth '\(box.root)/bin/berth-'$t; done")
        func asUser(_ command: String) throws -> RunResult {
            try box.run(executable: "/bin/su", [user, "-s", "/bin/sh", "-c", "export HOME='\(home)' PATH='\(box.root)/bin':/usr/bin:/bin; \(command)"])
        }
        let lxcpath = home + "/.local/share/berth"

        let created = try asUser("berth-create -n mine -t busybox")
        try #require(created.status == 0, "\(created.stderr)")
        let config = box.text(lxcpath + "/mine/config") ?? ""
        #expect(config.contains("lxc.idmap = u 0 \(base) 65536") && config.contains("lxc.idmap = g 0 \(base) 65536"), "\(config)")
        // Its files belong to the container's root, that is to the user's first subordinate id.
        #expect(try box.sh("stat -c %u:%g '\(lxcpath)/mine/rootfs/bin/busybox' '\(lxcpath)/mine/config'") == "\(base):\(base)\n\(try box.sh("id -u \(user)").trimmingCharacters(in: .whitespacesAndNewlines)):\(try box.sh("id -g \(user)").trimmingCharacters(in: .whitespacesAndNewlines))\n")

        // The container's directory: its root's group, closed to everybody else (a setuid file
        // its root makes is of the user's subordinate ids, and no other user may run it).
        #expect(try box.sh("stat -c %a:%g '\(lxcpath)/mine'") == "770:\(base)\n")
        let other = try box.run(executable: "/bin/su", ["nobody", "-s", "/bin/sh", "-c", "ls '\(lxcpath)/mine/rootfs'"])
        #expect(other.status != 0 && other.stderr.contains("Permission denied"), "\(other.stdout) \(other.stderr)")
        let started = try asUser("berth-start -n mine")
        try #require(started.status == 0, "\(started.stderr)")
        let pid = try asUser("berth-info -n mine -pH").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        #expect(status.contains("Uid:\t\(base)\t\(base)\t\(base)\t\(base)"), "init runs as the first subordinate id")
        let inside = try asUser("berth-attach -n mine -- /bin/sh -c 'id -u; hostname; ls /sys/class/net'")
        #expect(inside.stdout == "0\nmine\nlo\n", "\(inside.stdout) \(inside.stderr)")
        #expect(try asUser("berth-ls -f").stdout.contains("mine RUNNING"))

        // What needs root on the host is refused saying so: a veth, copies.
        let veth = try asUser("berth-stop -n mine -k && berth-start -n mine -s lxc.net.0.type=veth")
        #expect(veth.status != 0 && veth.stderr.contains("needs root"), "\(veth.stderr)")
        let copy = try asUser("berth-copy -n mine -N other")
        #expect(copy.status != 0 && copy.stderr.contains("need root"), "\(copy.stderr)")

        #expect(try asUser("berth-start -n mine && berth-destroy -n mine -f").status == 0)
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: lxcpath)) ?? []).filter { !$0.hasPrefix(".") }.isEmpty)
        #expect(Sandbox.processes { $0.contains("[berth monitor] \(lxcpath)") }.isEmpty)

        // A user without subordinate ids is told what to ask for.
        let nobody = try box.run(executable: "/bin/su", ["nobody", "-s", "/bin/sh", "-c", "export HOME=/tmp; '\(box.root)/bin/berth-create' -P '\(box.root)/nobody' -n x -t busybox"])
        #expect(nobody.status != 0 && nobody.stderr.contains("usermod --add-subuids"), "\(nobody.stderr)")
    }

    @Test func newContainersAreUnprivilegedByDefault() throws {
        let box = try Sandbox()
        try FileManager.default.removeItem(atPath: box.configDirectory + "/berth.conf")  // the shipped default
        try box.ok("create", ["-n", "d1", "-t", "busybox"])
        try box.ok("create", ["-n", "p1", "-t", "busybox", "--privileged"])
        let config = box.text(box.lxcpath + "/d1/config") ?? ""
        let map = config.split(separator: "\n").first { $0.hasPrefix("lxc.idmap = u 0 ") }.map(String.init) ?? ""
        // Root has no range in /etc/subuid here: its containers go above every range useradd
        // hands out, and above every range the files name.
        let start = UInt32(map.split(separator: " ").dropFirst(4).first ?? "") ?? 0
        let rootHasRange = try box.sh("grep -c '^root:' /etc/subuid || true") != "0\n"
        #expect(start >= 1_000_000_000 || rootHasRange, "\(map)")
        #expect(!(box.text(box.lxcpath + "/p1/config") ?? "").contains("lxc.idmap"))

        // The default container stops the fresh-proc escape; the privileged one cannot.
        try box.ok("start", ["-n", "d1"])
        let proc = try box.run("attach", ["-n", "d1", "--", "/bin/sh", "-c",
            "mkdir -p /tmp/p && mount -t proc proc /tmp/p && (echo 1 > /tmp/p/sys/kernel/sysrq) 2>/dev/null; echo $?"])
        #expect(proc.stdout == "1\n", "\(proc.stdout) \(proc.stderr)")
        #expect(try box.ok("attach", ["-n", "d1", "--", "/bin/sh", "-c", "grep -c . /proc/self/uid_map; tr -s ' ' < /proc/self/uid_map | cut -d' ' -f2-3"]).stdout == "1\n0 \(start)\n")
        try box.ok("stop", ["-n", "d1", "-k"])
        box.expectClean("d1")
    }
}
