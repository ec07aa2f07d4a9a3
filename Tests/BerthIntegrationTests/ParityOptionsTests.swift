import Foundation
import Testing
import BerthKit

/// Options of LXC's tools that scripts use, observed on real containers: lxc-stop -W,
/// lxc-execute -u/-g, lxc-start -L and --share-*, lxc-ls's RAM and SWAP columns, lxc-config.
@Suite(.enabled(if: isRoot, "needs root"), .serialized)
struct ParityOptionsTests {
    @Test func stopNowaitAsksForAHaltAndReturns() throws {
        let box = try Sandbox.withBusybox("w")
        try box.ok("start", ["-n", "w"])
        let refused = try box.run("stop", ["-n", "w", "-W", "-k"])
        #expect(refused.status == 1 && refused.stderr.contains("-W"), "\(refused.stderr)")
        // -W: the halt signal (busybox init halts on lxc.signal.halt) and back at once; the
        // container then stops by itself.
        try box.ok("stop", ["-n", "w", "-W"])
        #expect(try box.run("wait", ["-n", "w", "-s", "STOPPED", "-t", "20"]).status == 0)
        #expect(try box.run("stop", ["-n", "w", "-W"]).status == 2, "not running: 2, as lxc-stop")
        box.expectClean("w")
    }

    @Test func executeRunsAsTheGivenIDs() throws {
        let box = try Sandbox.withBusybox("x")
        let run = try box.run("execute", ["-n", "x", "-u", "1000", "-g", "1001", "--", "/bin/sh", "-c", "echo $(id -u):$(id -g)"])
        #expect(run.status == 0 && run.stdout == "1000:1001\n", "\(run.stdout) \(run.stderr)")
        let bad = try box.run("execute", ["-n", "x", "-u", "nobody", "--", "/bin/true"])
        #expect(bad.status == 1 && bad.stderr.contains("--uid: 'nobody' is not a whole number"), "\(bad.stderr)")
        box.expectClean("x")
    }

    @Test func startConsoleLogAndSharedNetwork() throws {
        let box = try Sandbox.withBusybox("a")
        try box.ok("create", ["-n", "b", "-t", "busybox"])
        let log = box.root + "/console.log"
        try box.ok("start", ["-n", "a", "-L", log, "-C", "--", "/bin/sh", "-c", "echo hello-console; exec sleep 300"])
        #expect(eventually { (box.text(log) ?? "").contains("hello-console") }, "-L writes the console to the file")
        // --share-net: b runs in a's network namespace.
        let pid = try #require(Int32(try box.ok("info", ["-n", "a", "-pH"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        let theirs = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/ns/net")
        let inside = try box.run("execute", ["-n", "b", "--share-net", "a", "--", "/bin/readlink", "/proc/self/ns/net"])
        #expect(inside.status == 0 && inside.stdout == theirs + "\n", "\(inside.stdout) vs \(theirs) \(inside.stderr)")
        try box.ok("stop", ["-n", "a", "-k"])
        let gone = try box.run("execute", ["-n", "b", "--share-net", "a", "--", "/bin/true"])
        #expect(gone.status == 1 && gone.stderr.contains("lxc.namespace.share.net"), "\(gone.stderr)")
        box.expectClean("a")
        box.expectClean("b")
    }

    @Test func lsShowsRamAndSwapOfRunningContainers() throws {
        let box = try Sandbox.withBusybox("r")
        try box.ok("create", ["-n", "s", "-t", "busybox"])
        try box.ok("start", ["-n", "r"])
        let table = try box.ok("ls", ["-F", "name,ram,swap"]).stdout.split(separator: "\n").map(String.init)
        #expect(table.first?.split(separator: " ").map(String.init) == ["NAME", "RAM", "SWAP"], "\(table)")
        let running = try #require(table.first { $0.hasPrefix("r ") }).split(separator: " ").map(String.init)
        #expect(running[1].range(of: "^[0-9]+\\.[0-9][0-9]MB$", options: .regularExpression) != nil, "\(running)")
        let stopped = try #require(table.first { $0.hasPrefix("s ") }).split(separator: " ").map(String.init)
        #expect(stopped[1] == "-" && stopped[2] == "-", "\(stopped)")
        try box.ok("stop", ["-n", "r", "-k"])
        box.expectClean("r")
    }

    /// ls --nesting, as lxc-ls --nesting: the containers defined inside running containers
    /// (in the lxcpath of the container's own berth.conf, or Berth's default), as PARENT/NAME,
    /// read from inside; a stopped container's are not looked for; privileged and unprivileged.
    @Test func lsNestingListsContainersInsideRunningOnes() throws {
        let box = try Sandbox.withBusybox("outer")
        try box.ok("create", ["-n", "uouter", "-t", "busybox", "--unprivileged"])
        try box.ok("create", ["-n", "idle", "-t", "busybox"])
        func define(_ container: String, _ lxcpath: String, _ name: String, _ extra: String = "") throws {
            let rootfs = box.lxcpath + "/\(container)/rootfs"
            try box.sh("mkdir -p '\(rootfs)\(lxcpath)/\(name)/rootfs' && printf 'lxc.uts.name = \(name)\\nlxc.rootfs.path = dir:\(lxcpath)/\(name)/rootfs\\n\(extra)' > '\(rootfs)\(lxcpath)/\(name)/config'")
        }
        // outer: its own lxcpath from its berth.conf; uouter and idle: the default one.
        try box.sh("mkdir -p '\(box.lxcpath)/outer/rootfs/etc/berth' && echo 'lxc.lxcpath = /srv/nested' > '\(box.lxcpath)/outer/rootfs/etc/berth/berth.conf'")
        try define("outer", "/srv/nested", "n1", "lxc.group = web\\n")
        try define("outer", "/srv/nested", "n2")
        try define("uouter", "/var/lib/berth", "u1")
        try define("idle", "/var/lib/berth", "never")
        try box.ok("start", ["-n", "outer"])
        try box.ok("start", ["-n", "uouter"])
        // The setuid busybox (LXC's setuid passwd) gives another user no root: busybox drops the
        // ids for every applet that does not need them.
        for name in ["outer", "uouter"] {
            #expect(try box.ok("attach", ["-n", name, "-u", "1000", "-g", "1000", "--", "/bin/sh", "-c", "id -u; id -g"]).stdout == "1000\n1000\n")
            #expect(try box.ok("attach", ["-n", name, "--", "/bin/sh", "-c", "stat -c %a /usr/bin/passwd"]).stdout == "6755\n")
        }
        let names = try box.ok("ls", ["-1", "--nesting"]).stdout.split(separator: "\n").map(String.init)
        #expect(names == ["idle", "outer", "uouter", "outer/n1", "outer/n2", "uouter/u1"], "\(names)")
        #expect(try box.ok("ls", ["-1"]).stdout == "idle\nouter\nuouter\n")
        #expect(try box.ok("ls", ["-1", "--nesting=0"]).stdout == "idle\nouter\nuouter\n")
        let table = try box.ok("ls", ["--nesting=1", "-F", "NAME,STATE,GROUPS", "-g", "web"]).stdout
        #expect(table.contains("outer/n1") && table.contains("STOPPED") && table.contains("web") && !table.contains("outer/n2"), "\(table)")
        #expect(try box.ok("ls", ["-1", "--nesting", "n2"]).stdout == "outer/n2\n")
        let bad = try box.run("ls", ["--nesting=x"])
        #expect(bad.status != 0 && bad.stderr.contains("--nesting"), "\(bad.stderr)")
        for name in ["outer", "uouter"] {
            try box.ok("stop", ["-n", name, "-k"])
            box.expectClean(name)
        }
        #expect(try box.ok("ls", ["-1", "--nesting"]).stdout == "idle\nouter\nuouter\n")
    }

    @Test func configToolAnswersAsLxcConfig() throws {
        let box = try Sandbox()
        let list = try box.run("config", ["-l"], lxcpath: false)
        #expect(list.status == 0 && list.stdout.split(separator: "\n").contains("lxc.lxcpath"), "\(list.stdout)")
        #expect(try box.run("config", ["lxc.default_config"], lxcpath: false).stdout == box.configDirectory + "/default.conf\n")
        #expect(try box.run("config", ["berth.unprivileged"], lxcpath: false).stdout == "0\n", "the sandbox's berth.conf says 0")
        #expect(try box.run("config", ["berth.net.bridge"], lxcpath: false).stdout == "berthbr0\n")
        let unknown = try box.run("config", ["lxc.bogus"], lxcpath: false)
        #expect(unknown.status == 1 && unknown.stderr.contains("unknown setting 'lxc.bogus'"), "\(unknown.stderr)")
    }
}

extension ParityOptionsTests {
    @Test func attachLogsItsPtyAndTakesAnRcfile() throws {
        let box = try Sandbox.withBusybox("p")
        try box.ok("start", ["-n", "p"])
        let log = box.root + "/pty.log"
        let logged = try box.run("attach", ["-n", "p", "-t", "-L", log, "--", "/bin/echo", "through-the-pty"])
        #expect(logged.status == 0 && logged.stdout.contains("through-the-pty"), "\(logged.stdout) \(logged.stderr)")
        #expect((box.text(log) ?? "").contains("through-the-pty"), "-L keeps a copy of the pty's output")
        let noPty = try box.run("attach", ["-n", "p", "--no-pty", "-L", log, "--", "/bin/true"])
        #expect(noPty.status == 1 && noPty.stderr.contains("-L"), "\(noPty.stderr)")
        // -f: the policy of another config applies. One that denies mkdir makes mkdir fail.
        let policy = box.root + "/deny-mkdir.seccomp"
        try "2\ndenylist\nmkdir errno 1\nmkdirat errno 1\n".write(toFile: policy, atomically: true, encoding: .utf8)
        let rc = box.root + "/rc.conf"
        try "lxc.seccomp.profile = \(policy)\n".write(toFile: rc, atomically: true, encoding: .utf8)
        #expect(try box.run("attach", ["-n", "p", "--", "/bin/mkdir", "/tmp/a"]).status == 0)
        let denied = try box.run("attach", ["-n", "p", "-f", rc, "--", "/bin/mkdir", "/tmp/b"])
        #expect(denied.status != 0, "mkdir under the -f policy: \(denied.stdout) \(denied.stderr)")
        try box.ok("stop", ["-n", "p", "-k"])
        box.expectClean("p")
    }
}

extension ParityOptionsTests {
    @Test func monitorPrintsStateChangesAsLxcMonitor() throws {
        let box = try Sandbox.withBusybox("mo")
        try box.ok("create", ["-n", "other", "-t", "busybox"])
        let text = try box.start("monitor", ["-n", "^mo$"])
        let jsonFeed = try box.start("monitor", ["mo", "--format", "json"])
        usleep(500_000)  // both have listed the lxcpath once: mo is STOPPED for them
        try box.ok("start", ["-n", "mo"])
        try box.ok("start", ["-n", "other"])
        try box.ok("freeze", ["-n", "mo"])
        try box.ok("unfreeze", ["-n", "mo"])
        try box.ok("stop", ["-n", "mo", "-k"])
        try box.ok("stop", ["-n", "other", "-k"])
        usleep(500_000)
        kill(text.pid, SIGTERM)
        kill(jsonFeed.pid, SIGTERM)
        let finished = try box.finish(text)
        let lines = finished.stdout.split(separator: "\n").map(String.init)
        #expect(finished.stderr.isEmpty, "\(finished.stderr)")
        #expect(lines.contains("'mo' changed state to [RUNNING]"), "\(lines)")
        #expect(lines.contains("'mo' changed state to [FROZEN]"), "\(lines)")
        #expect(lines.contains("'mo' changed state to [STOPPED]"), "\(lines)")
        #expect(lines.last == "'mo' changed state to [STOPPED]", "\(lines)")
        #expect(!lines.contains { $0.contains("'other'") }, "only names matching -n: \(lines)")
        let objects = try box.finish(jsonFeed).stdout.split(separator: "\n").map { try json(String($0)) as? [String: Any] }
        #expect(objects.contains { $0?["name"] as? String == "mo" && $0?["state"] as? String == "FROZEN" }, "\(objects)")
        box.expectClean("mo")
        box.expectClean("other")
    }
}

extension ParityOptionsTests {
    @Test func executeDetachedReturnsOnceTheCommandRuns() throws {
        let box = try Sandbox.withBusybox("d")
        let log = box.root + "/execute.log"
        let begin = Date()
        let run = try box.run("execute", ["-n", "d", "-d", "-s", "lxc.console.logfile=\(log)", "--", "/bin/sh", "-c", "echo detached-output; sleep 2"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(Date().timeIntervalSince(begin) < 1.5, "returns while the command still runs")
        #expect(try box.ok("info", ["-n", "d", "-sH"]).stdout == "RUNNING\n")
        #expect(try box.run("wait", ["-n", "d", "-s", "STOPPED", "-t", "15"]).status == 0, "the container ends with its command")
        #expect((box.text(log) ?? "").contains("detached-output"), "the command's output went to the console")
        box.expectClean("d")
    }
}

extension ParityOptionsTests {
    @Test func unshareRunsACommandInNewNamespaces() throws {
        let box = try Sandbox()
        #expect(try box.run("unshare", ["-s", "UTSNAME", "-H", "boxed", "--", "hostname"], lxcpath: false).stdout == "boxed\n")
        let proc = try box.run("unshare", ["-s", "MOUNT|PID", "-M", "--", "/bin/sh", "-c", "echo $$; cat /proc/1/comm"], lxcpath: false)
        #expect(proc.status == 0 && proc.stdout == "1\nsh\n", "its own pid namespace and /proc: \(proc.stdout) \(proc.stderr)")
        #expect(try box.run("unshare", ["-s", "USER", "--", "id", "-u"], lxcpath: false).stdout == "0\n", "the caller is root inside")
        #expect(try box.run("unshare", ["-s", "IPC", "--", "/bin/sh", "-c", "exit 7"], lxcpath: false).status == 7, "the command's status")
        // -i: a veth end made for this test moves into the new network namespace (and goes with it).
        let peer = "bu\(getpid() % 100000)"
        #expect(try box.run(executable: "/sbin/ip", ["link", "add", peer + "a", "type", "veth", "peer", "name", peer + "b"]).status == 0)
        defer { _ = try? box.run(executable: "/sbin/ip", ["link", "del", peer + "a"]) }
        let moved = try box.run("unshare", ["-s", "NETWORK", "-i", peer + "b", "--", "/bin/cat", "/proc/net/dev"], lxcpath: false)
        #expect(moved.status == 0 && moved.stdout.contains(peer + "b:"), "\(moved.stdout) \(moved.stderr)")
        let refused = try box.run("unshare", ["-s", "IPC", "-H", "x", "--", "true"], lxcpath: false)
        #expect(refused.status == 1 && refused.stderr.contains("-H needs a new UTSNAME namespace"), "\(refused.stderr)")
        let unknown = try box.run("unshare", ["-s", "BOGUS", "--", "true"], lxcpath: false)
        #expect(unknown.status == 1 && unknown.stderr.contains("unknown namespace 'BOGUS'"), "\(unknown.stderr)")
    }
}

extension ParityOptionsTests {
    @Test func usernsexecRunsAsRootOfMappedIDs() throws {
        let box = try Sandbox()
        let shared = box.root + "/shared"
        try FileManager.default.createDirectory(atPath: shared, withIntermediateDirectories: true)
        chmod(shared, 0o1777)
        let made = try box.run("usernsexec", ["-m", "b:0:300000:65536", "--", "/bin/sh", "-c", "id -u; touch \(shared)/f; chown 5:5 \(shared)/f"], lxcpath: false)
        #expect(made.status == 0 && made.stdout == "0\n", "root inside: \(made.stdout) \(made.stderr)")
        var st = stat()
        #expect(lstat(shared + "/f", &st) == 0 && st.st_uid == 300_005 && st.st_gid == 300_005, "ids 5 inside are 300005 on the host: \(st.st_uid)")
        let partial = try box.run("usernsexec", ["-m", "u:0:300000:10", "--", "true"], lxcpath: false)
        #expect(partial.status == 1 && partial.stderr.contains("-m:") && partial.stderr.contains("gid"), "\(partial.stderr)")
        #expect(try box.run("usernsexec", ["-m", "b:0:300000:65536", "--", "/bin/sh", "-c", "exit 3"], lxcpath: false).status == 3)
    }
}
/// berth-start -c (lxc.console.path): the console attached to a host file.
@Suite(.enabled(if: isRoot, "needs root"), .serialized)
struct ConsolePathTests {
    @Test func startConsoleOptionAttachesTheConsoleToAFile() throws {
        let box = try Sandbox.withBusybox("cp")
        let file = box.root + "/console.out"
        try box.ok("start", ["-n", "cp", "-c", file])
        var text = ""
        _ = eventually(tries: 400) {
            text = box.text(file) ?? ""
            return text.contains("Please press Enter")
        }
        #expect(text.contains("Please press Enter to activate this console"), "busybox init's console line in the file: \(text)")
        try box.ok("stop", ["-n", "cp", "-k"])
        let relative = try box.run("start", ["-n", "cp", "-s", "lxc.console.path=relative/file"])
        #expect(relative.status != 0 && relative.stderr.contains("lxc.console.path") && relative.stderr.contains("not an absolute path"), "\(relative.stderr)")
        box.expectClean("cp")
    }
}
