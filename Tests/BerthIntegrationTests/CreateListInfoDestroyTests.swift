import Foundation
import Testing
import BerthKit

@Suite(.enabled(if: isRoot, "needs root"))
struct CreateListInfoDestroyTests {
    @Test func busyboxLifecycle() throws {
        let box = try Sandbox()
        let created = try box.run("create", ["-n", "b1", "-t", "busybox"])
        #expect(created.status == 0, "\(created.stderr)")
        #expect(created.stdout.isEmpty)

        // The rootfs is a usable busybox system: run its shell in a chroot.
        let rootfs = box.lxcpath + "/b1/rootfs"
        var busybox = stat(), initStat = stat()
        #expect(stat(rootfs + "/bin/busybox", &busybox) == 0 && stat(rootfs + "/sbin/init", &initStat) == 0)
        #expect(busybox.st_ino == initStat.st_ino, "/sbin/init is a hard link to busybox")
        // passwd (a link to busybox) is setuid and setgid, as LXC's template makes it.
        #expect(busybox.st_mode & 0o7777 == 0o6755, "\(String(busybox.st_mode, radix: 8))")
        let chroot = Process()
        chroot.executableURL = URL(fileURLWithPath: "/usr/sbin/chroot")
        chroot.arguments = [rootfs, "/bin/sh", "-c", "echo hello from $(hostname -F /etc/hostname; hostname) && ls /usr/bin/awk /sbin/ifconfig"]
        let pipe = Pipe()
        chroot.standardOutput = pipe
        try chroot.run()
        let said = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        chroot.waitUntilExit()
        #expect(chroot.terminationStatus == 0)
        #expect(said.hasPrefix("hello from b1\n"))
        // /var/run is /run, a tmpfs at each start: nothing of a boot's runtime state is kept in
        // the rootfs.
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: rootfs + "/var/run")) == "/run")
        let inittab = try String(contentsOfFile: rootfs + "/etc/inittab", encoding: .utf8)
        #expect(inittab.contains("::sysinit:/etc/init.d/rcS"))

        let config = try String(contentsOfFile: box.lxcpath + "/b1/config", encoding: .utf8)
        #expect(config.contains("lxc.rootfs.path = dir:\(rootfs)\n"))
        #expect(config.contains("lxc.uts.name = b1\n"))
        #expect(config.contains("lxc.signal.halt = SIGUSR1\n"))
        #expect(!config.contains(".creating-"), "no staging path leaks into the config")

        #expect(try box.run("ls", []).stdout == "b1\n")
        let fancy = try box.run("ls", ["-f"]).stdout.split(separator: "\n")
        #expect(fancy.first?.split(separator: " ") == ["NAME", "STATE", "AUTOSTART", "GROUPS", "IPV4", "IPV6", "UNPRIVILEGED"])
        #expect(fancy.last?.split(separator: " ") == ["b1", "STOPPED", "0", "-", "-", "-", "false"])
        let listed = try json(box.run("ls", ["--format", "json"]).stdout) as? [[String: Any]]
        #expect(listed?.first?["name"] as? String == "b1")
        #expect(listed?.first?["state"] as? String == "STOPPED")

        let info = try box.run("info", ["-n", "b1"])
        #expect(info.stdout == "Name:           b1\nState:          STOPPED\n")
        #expect(try box.run("info", ["-n", "b1", "-s", "-H"]).stdout == "STOPPED\n")
        #expect(try box.run("info", ["b1", "-c", "lxc.uts.name", "-H"]).stdout == "b1\n")
        #expect(try box.run("info", ["b1", "-c", "lxc.mount.entry"]).stdout.components(separatedBy: "\n").filter { $0.hasPrefix("lxc.mount.entry = ") }.count == 3)
        let infoJSON = try json(box.run("info", ["-n", "b1", "--format", "json", "-c", "lxc.signal.halt"]).stdout) as? [String: Any]
        #expect(infoJSON?["state"] as? String == "STOPPED")
        #expect((infoJSON?["config"] as? [String: [String]])?["lxc.signal.halt"] == ["SIGUSR1"])
        let missing = try box.run("info", ["-n", "nope"])
        #expect(missing.status == 1 && missing.stderr == "berth-info: nope doesn't exist\n")

        // The boot script: a name edited into /etc/hostname wins over lxc.uts.name, and loopback
        // comes up (this container has no interface, so Berth left it down for rcS).
        try "renamed\n".write(toFile: rootfs + "/etc/hostname", atomically: false, encoding: .utf8)
        #expect(try box.run("start", ["-n", "b1"]).status == 0)
        var booted = ""
        _ = try eventually {
            booted = try box.run("attach", ["-n", "b1", "--", "sh", "-c", "hostname; cat /sys/class/net/lo/flags"]).stdout
            return booted == "renamed\n0x9\n"
        }
        #expect(booted == "renamed\n0x9\n", "\(booted)")
        // init wrote its getty's record into a utmp on the tmpfs (after rcS, so allow it a
        // moment); the rootfs's /run stays empty.
        var inside = ""
        _ = try eventually {
            inside = try box.run("attach", ["-n", "b1", "--", "sh", "-c", "stat -f -c %T /run; [ -s /var/run/utmp ] && echo written"]).stdout
            return inside == "tmpfs\nwritten\n"
        }
        #expect(inside == "tmpfs\nwritten\n", "\(inside)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: rootfs + "/run").isEmpty)
        #expect(try box.run("stop", ["-n", "b1", "-k"]).status == 0)

        let destroyed = try box.run("destroy", ["-n", "b1"])
        #expect(destroyed.status == 0, "\(destroyed.stderr)")
        #expect(box.entries().isEmpty, "destroy leaves nothing, not even the lock: \(box.entries())")
        #expect(try box.run("ls", []).stdout.isEmpty)
        let again = try box.run("destroy", ["-n", "b1"])
        #expect(again.status == 1 && again.stderr.contains("Container is not defined: b1"))
    }

    /// `-o FILE -l LEVEL` on a tool: lines at or above the level appended to the file, in LXC's
    /// level names; below it (and at the default, error) nothing.
    @Test func toolsWriteTheirOwnLog() throws {
        let box = try Sandbox()
        let log = box.root + "/tools.log"
        #expect(try box.run("create", ["-n", "lg", "-t", "none", "-o", log, "-l", "INFO"]).status == 0)
        #expect(try box.run("destroy", ["-n", "lg", "-o", log]).status == 0)
        #expect(try box.run("create", ["-n", "lg", "-t", "none", "-o", log, "-l", "6"]).status == 0)
        #expect(try box.run("destroy", ["-n", "lg", "-o", log, "-l", "debug"]).status == 0)
        let lines = (try? String(contentsOfFile: log, encoding: .utf8))?.split(separator: "\n").map(String.init) ?? []
        // Each line: date, time, UTC, the tool, the level, the message.
        let body = lines.map { $0.split(separator: " ", maxSplits: 3).dropFirst(3).joined() }
        #expect(body == ["berth-create INFO created lg in \(box.lxcpath)", "berth-destroy DEBUG lxcpath \(box.lxcpath)", "berth-destroy INFO Destroyed container lg"],
                "\(lines)")
        #expect(lines.allSatisfy { $0.split(separator: " ").dropFirst(2).first == "UTC" }, "each line starts with its time: \(lines)")
        let bad = try box.run("create", ["-n", "lg", "-t", "none", "-o", log, "-l", "loud"])
        #expect(bad.status != 0 && bad.stderr.contains("unknown log level 'loud'"), "\(bad.stderr)")
    }

    @Test func lsFiltersGroupsAndColumns() throws {
        let box = try Sandbox()
        for (name, extra) in [("web1", ["-s", "lxc.group=web", "-s", "lxc.start.auto=1"]), ("web2", ["-s", "lxc.group=web,prod"]), ("db1", [])] {
            #expect(try box.run("create", ["-n", name, "-t", "none"] + extra).status == 0)
        }
        #expect(try box.run("ls", ["-1"]).stdout == "db1\nweb1\nweb2\n")
        #expect(try box.run("ls", ["-1", "^web"]).stdout == "web1\nweb2\n")
        #expect(try box.run("ls", ["-1", "--filter", "1$"]).stdout == "db1\nweb1\n")
        #expect(try box.run("ls", ["-1", "-g", "web,prod"]).stdout == "web2\n")
        #expect(try box.run("ls", ["-1", "--running"]).stdout.isEmpty)
        #expect(try box.run("ls", ["-1", "--stopped"]).stdout == "db1\nweb1\nweb2\n")
        #expect(try box.run("ls", ["-F", "NAME,AUTOSTART,GROUPS"]).stdout == "NAME AUTOSTART GROUPS\ndb1  0         -\nweb1 1         web\nweb2 0         web, prod\n")
        let bad = try box.run("ls", ["-1", "("])
        #expect(bad.status == 1 && bad.stderr.contains("bad filter regular expression '('"))
    }

    @Test func lxcpathAndDefaultConfigComeFromTheSystemConfig() throws {
        let box = try Sandbox()
        let elsewhere = box.root + "/elsewhere"
        try "lxc.lxcpath = \(elsewhere)\n".write(toFile: box.configDirectory + "/berth.conf", atomically: true, encoding: .utf8)
        try "# site default\nlxc.net.0.type = veth\nlxc.net.0.link = br0\nlxc.net.0.hwaddr = 10:66:6a:xx:xx:xx\n".write(toFile: box.configDirectory + "/default.conf", atomically: true, encoding: .utf8)
        #expect(try box.run("create", ["-n", "d1", "-t", "none"], lxcpath: false).status == 0)
        let config = try String(contentsOfFile: elsewhere + "/d1/config", encoding: .utf8)
        #expect(config.contains("# site default\n"))
        let mac = config.components(separatedBy: "\n").first { $0.hasPrefix("lxc.net.0.hwaddr = ") }?.dropFirst(19) ?? ""
        #expect(mac.hasPrefix("10:66:6a:") && !mac.contains("x") && mac.count == 17, "random MAC digits are fixed at create: \(mac)")
        #expect(try box.run("ls", [], lxcpath: false).stdout == "d1\n")
        #expect(try box.run("ls", []).stdout.isEmpty, "-P overrides the configured lxcpath")
        try "lxc.lxcpath = relative/path\n".write(toFile: box.configDirectory + "/berth.conf", atomically: true, encoding: .utf8)
        let bad = try box.run("ls", [], lxcpath: false)
        #expect(bad.status == 1 && bad.stderr.contains("berth.conf:1: lxc.lxcpath must be an absolute path"))
    }

    @Test func defineDirAndLegacyConfigFile() throws {
        let box = try Sandbox()
        let conf = box.root + "/legacy.conf"
        try "lxc.utsname = oldname\nlxc.network.type = empty\n".write(toFile: conf, atomically: true, encoding: .utf8)
        // Under a directory closed to other users: a rootfs any user can reach is refused.
        try FileManager.default.createDirectory(atPath: box.root + "/private", withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let custom = box.root + "/private/custom-rootfs"
        let made = try box.run("create", ["-n", "c1", "-t", "busybox", "-f", conf, "--dir", custom, "-s", "lxc.start.auto = 1"])
        #expect(made.status == 0, "\(made.stderr)")
        #expect(made.stderr.contains("lxc.utsname is obsolete; use lxc.uts.name"))
        let config = try String(contentsOfFile: box.lxcpath + "/c1/config", encoding: .utf8)
        #expect(config.contains("lxc.net.0.type = empty\n") && !config.contains("lxc.network"), "legacy keys are written back modern")
        #expect(config.contains("lxc.rootfs.path = dir:\(custom)\n"))
        #expect(try box.run("info", ["c1", "-c", "lxc.start.auto", "-H"]).stdout == "1\n")
        #expect(FileManager.default.fileExists(atPath: custom + "/bin/busybox"))
        #expect(try box.run("destroy", ["-n", "c1"]).status == 0)
        #expect(!FileManager.default.fileExists(atPath: custom), "destroy removes a rootfs made with --dir")
    }

    @Test func localTemplateUnpacksATarballWithItsConfig() throws {
        let box = try Sandbox()
        #expect(try box.run("create", ["-n", "src", "-t", "busybox"]).status == 0)
        let image = box.root + "/image"
        try FileManager.default.createDirectory(atPath: image, withIntermediateDirectories: true)
        let tar = Process()
        tar.executableURL = URL(fileURLWithPath: "/usr/bin/tar")
        tar.arguments = ["-C", box.lxcpath + "/src/rootfs", "-cJf", image + "/rootfs.tar.xz", "."]
        try tar.run()
        tar.waitUntilExit()
        try "lxc.group = imported\nlxc.rootfs.path = /from/the/image\n".write(toFile: image + "/config", atomically: true, encoding: .utf8)
        let made = try box.run("create", ["-n", "l1", "-t", "local", "--", "--file", image + "/rootfs.tar.xz"])
        #expect(made.status == 0, "\(made.stderr)")
        #expect(made.stderr.isEmpty, "quiet in a pipe: \(made.stderr)")
        #expect(FileManager.default.isExecutableFile(atPath: box.lxcpath + "/l1/rootfs/bin/busybox"))
        #expect(try String(contentsOfFile: box.lxcpath + "/l1/rootfs/etc/hostname", encoding: .utf8) == "l1\n")
        #expect(try box.run("info", ["l1", "-c", "lxc.group", "-H"]).stdout == "imported\n")
        #expect(try box.run("info", ["l1", "-c", "lxc.rootfs.path", "-H"]).stdout == "dir:\(box.lxcpath)/l1/rootfs\n")
        let noFile = try box.run("create", ["-n", "l2", "-t", "local"])
        #expect(noFile.status == 1 && noFile.stderr.contains("--file ROOTFS.tar.xz is required"))
        #expect(!box.entries().contains { $0.contains("l2") })
    }

    @Test func checkconfigReportsThisHost() throws {
        let box = try Sandbox()
        let result = try box.run("checkconfig", [], lxcpath: false)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("Cgroup layout: \(CgroupLayout.current().kind.rawValue)\n"))
        #expect(result.stdout.contains("Pid namespace: enabled"))
        let apparmorEnabled = FileManager.default.fileExists(atPath: "/sys/kernel/security/apparmor")
        #expect(result.stdout.contains("AppArmor: \(apparmorEnabled ? "enabled" : "not enabled")"))
        let parsed = try json(box.run("checkconfig", ["--format", "json"], lxcpath: false).stdout) as? [String: Any]
        #expect(parsed?["cgroup_layout"] as? String == CgroupLayout.current().kind.rawValue)
    }
}
