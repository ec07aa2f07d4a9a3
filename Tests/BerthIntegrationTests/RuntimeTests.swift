import Foundation
import Testing
import BerthKit

/// Real busybox containers started, entered, stopped and killed under a private lxcpath.
@Suite(.enabled(if: isRoot, "needs root"), .serialized)
struct RuntimeTests {
    @Test func startAttachStop() throws {
        let box = try Sandbox.withBusybox("r1")
        let started = try box.run("start", ["-n", "r1"])
        try #require(started.status == 0, "\(started.stderr)")
        #expect(try box.run("info", ["-n", "r1", "-sH"]).stdout == "RUNNING\n")
        let pid = try box.run("info", ["-n", "r1", "-pH"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(Int(pid) ?? 0 > 1)
        let monitor = try #require(box.monitorPID("r1"), "monitor named [berth monitor] LXCPATH NAME")
        let monitorCgroups = try String(contentsOfFile: "/proc/\(monitor)/cgroup", encoding: .utf8)
        // The monitor in the cgroup all monitors share, in every hierarchy.
        #expect(monitorCgroups.split(separator: "\n").allSatisfy { $0.hasSuffix("/berth.monitors") }, "\(monitorCgroups)")
        #expect(!box.payloadCgroups("r1").isEmpty)
        // Seen from the host, init is in the container's cgroup in every hierarchy (v2: born
        // there with CLONE_INTO_CGROUP).
        let initCgroups = try String(contentsOfFile: "/proc/\(pid)/cgroup", encoding: .utf8)
        #expect(initCgroups.split(separator: "\n").allSatisfy { $0.contains("/berth.payload.r1") }, "\(initCgroups)")
        #expect(try box.run("ls", ["--running"]).stdout == "r1\n")

        // Inside: its own hostname, pid namespace (init is 1), and cgroup namespace.
        let inside = try box.run("attach", ["-n", "r1", "--", "/bin/sh", "-c", "hostname; cat /proc/1/comm; echo $$; cat /proc/self/cgroup | tail -1"])
        #expect(inside.status == 0, "\(inside.stderr)")
        let lines = inside.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 4)
        #expect(lines.first == "r1")
        #expect(lines.dropFirst().first == "init")
        #expect(Int(lines.dropFirst(2).first ?? "") ?? 0 > 1 && Int(lines.dropFirst(2).first ?? "") ?? 0 < 100, "a pid of the container's namespace")
        #expect(lines.last == "0::/")

        // -s PID alone stays in the host's mounts; -R gives the command a /proc of the pid
        // namespace it entered, where PID 1 is the container's init.
        let remounted = try box.run("attach", ["-n", "r1", "-s", "PID", "-R", "--", "/bin/cat", "/proc/1/comm"])
        #expect(remounted.stdout == "init\n", "\(remounted.stderr)")

        // Exit statuses: 0, a code, 128 + signal.
        #expect(try box.run("attach", ["-n", "r1", "--", "/bin/true"]).status == 0)
        #expect(try box.run("attach", ["-n", "r1", "--", "/bin/sh", "-c", "exit 7"]).status == 7)
        #expect(try box.run("attach", ["-n", "r1", "--", "/bin/sh", "-c", "kill -9 $$"]).status == 137)
        let missing = try box.run("attach", ["-n", "r1", "--", "/no/such/program"])
        #expect(missing.status == 127 && missing.stderr.contains("/no/such/program"))

        // Standard input passes through; a 1 MB binary stream arrives intact.
        let data = box.root + "/stream"
        var bytes = [UInt8](repeating: 0, count: 1 << 20)
        for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: (i &* 2654435761) >> 13) }
        try Data(bytes).write(to: URL(fileURLWithPath: data))
        let stream = try box.run(executable: "/bin/sh", ["-c", "'\(binDirectory)/berth-attach' -P '\(box.lxcpath)' -n r1 -- /bin/cat < '\(data)' | cmp - '\(data)' && echo same"])
        #expect(stream.stdout == "same\n", "\(stream.stderr)")
        let piped = try box.run(executable: "/bin/sh", ["-c", "echo from-host | '\(binDirectory)/berth-attach' -P '\(box.lxcpath)' -n r1 -- /bin/sh -c 'read x; echo got $x'"])
        #expect(piped.stdout == "got from-host\n")

        // The host binary stays out of reach (the CVE-2019-5736 class): a process in the
        // container could hold the image of an attach process (/proc/PID/exe, O_PATH) and write
        // it once the attach is over. Done here from the host: it must still be refused then.
        let sleeper = try box.start("attach", ["-n", "r1", "--", "/bin/sleep", "1"])
        usleep(400_000)
        let attaching = Sandbox.processes { $0.contains("attach") && $0.contains(box.lxcpath) }
        #expect(!attaching.isEmpty)
        let held = attaching.map { open("/proc/\($0)/exe", 0o10000000 /* O_PATH */ | O_CLOEXEC) }
        #expect(try box.finish(sleeper).status == 0)
        for (pid, fd) in zip(attaching, held) where fd >= 0 {
            // Either the open is refused (ETXTBSY: the monitor runs the same file) or the write
            // is (EPERM: a sealed copy). The byte written is the one already there (ELF's 0x7f),
            // so even a failing test leaves the binary intact.
            let writable = open("/proc/self/fd/\(fd)", O_WRONLY | O_CLOEXEC)
            var err = errno
            var written = -1
            if writable >= 0 {
                var byte: UInt8 = 0x7f
                written = pwrite(writable, &byte, 1, 0)
                err = errno
                close(writable)
            }
            #expect(written < 0 && (err == ETXTBSY || err == EPERM), "the image of attach process \(pid) was writable after the attach")
            close(fd)
        }
        let selfExe = box.lxcpath + "/r1/rootfs/bin/selfexe"
        try "#!/proc/self/exe\n".write(toFile: selfExe, atomically: true, encoding: .utf8)
        chmod(selfExe, 0o755)
        let reentered = try box.run("attach", ["-n", "r1", "--", "/bin/selfexe"])
        #expect(reentered.status != 0 && !reentered.stdout.contains("berth") && !reentered.stderr.contains("usage: berth"), "\(reentered.stdout)\(reentered.stderr)")

        // The console ring buffer has what init printed before anyone looked.
        let console = try box.run(executable: "/usr/bin/timeout", ["2", binDirectory + "/berth-console", "-P", box.lxcpath, "-n", "r1"])
        #expect(console.stdout.contains("Please press Enter to activate this console"), "\(console.stdout)")

        // A second start is refused.
        let again = try box.run("start", ["-n", "r1"])
        #expect(again.status == 1 && again.stderr.contains("already running"))

        // A clean stop: busybox init halts on SIGUSR1 (lxc.signal.halt from the template).
        let stopped = try box.run("stop", ["-n", "r1", "-t", "20"])
        #expect(stopped.status == 0, "\(stopped.stderr)")
        #expect(try box.run("info", ["-n", "r1", "-sH"]).stdout == "STOPPED\n")
        box.expectClean("r1")
        let notRunning = try box.run("stop", ["-n", "r1"])
        #expect(notRunning.status == 2 && notRunning.stderr.contains("not running"))
    }

    /// A berth-stop, clean or a kill, returns only once the monitor has let the container's
    /// name go: when the watch connection a clean stop waits on ends, the socket is gone, and a
    /// start right after the stop succeeds.
    @Test func aStopReturnsOnceTheNameIsFree() throws {
        let box = try Sandbox.withBusybox("r6")
        let client = MonitorClient(paths: ContainerPaths(lxcpath: box.lxcpath, name: try ContainerName("r6")))
        for flags in [["-t", "20"], ["-k"]] {
            try box.ok("start", ["-n", "r6"])
            let watch = try #require(try client.send(.watch))
            let stop = try box.start("stop", ["-n", "r6"] + flags)
            var ended = false
            var toldStopped = false
            for _ in 0..<2000 where !ended {
                guard watch.fd.isReadable(milliseconds: 10) else { continue }
                let line = watch.fd.readLine()
                ended = line == nil
                // berth-wait -s STOPPED returns on this line: the name must be free by then.
                if line == "state STOPPED" {
                    toldStopped = true
                    #expect(!FileManager.default.fileExists(atPath: client.socket.path), "STOPPED came before the socket was gone (\(flags))")
                    #expect(client.socket.recordedState() == nil, "STOPPED came while the monitor still held its lock file (\(flags))")
                }
            }
            watch.fd.closeQuietly()
            #expect(ended, "the watch did not end (\(flags))")
            #expect(toldStopped, "the watch was not told STOPPED (\(flags))")
            #expect(!FileManager.default.fileExists(atPath: client.socket.path), "the socket outlived the watch (\(flags))")
            #expect(try box.finish(stop).status == 0)
        }
        try box.ok("start", ["-n", "r6"])
        try box.ok("stop", ["-n", "r6", "-t", "20"])
        try box.ok("start", ["-n", "r6"])
        try box.ok("stop", ["-n", "r6", "-k"])
        // A script's way: halt without waiting, berth-wait for STOPPED, start again at once.
        for _ in 0..<3 {
            try box.ok("start", ["-n", "r6"])
            try box.ok("stop", ["-n", "r6", "-W"])
            try box.ok("wait", ["-n", "r6", "-s", "STOPPED", "-t", "20"])
            try box.ok("start", ["-n", "r6"])
            try box.ok("stop", ["-n", "r6", "-k"])
        }
        box.expectClean("r6")
    }

    @Test func killRebootAndMonitorCrash() throws {
        let box = try Sandbox.withBusybox("r2")
        try #require(try box.run("start", ["-n", "r2"]).status == 0)
        let first = try box.run("info", ["-n", "r2", "-pH"]).stdout

        // Reboot from inside: busybox's reboot makes the kernel end init with SIGHUP; the monitor
        // boots the container again with a new init.
        _ = try box.run("attach", ["-n", "r2", "--", "/bin/sh", "-c", "reboot -f"])
        let back = try box.run("wait", ["-n", "r2", "-s", "RUNNING", "-t", "20"])
        #expect(back.status == 0)
        var second = first
        _ = try eventually(tries: 400) {
            second = try box.run("info", ["-n", "r2", "-pH"]).stdout
            return second != first
        }
        #expect(second != first && !second.isEmpty, "init was replaced by the reboot")
        #expect(try box.run("info", ["-n", "r2", "-sH"]).stdout == "RUNNING\n")

        // stop -k kills at once.
        #expect(try box.run("stop", ["-n", "r2", "-k"]).status == 0)
        box.expectClean("r2")

        // SIGKILL of the monitor takes the container with it; it reads STOPPED and starts again.
        try #require(try box.run("start", ["-n", "r2"]).status == 0)
        let initPID = pid_t(try box.run("info", ["-n", "r2", "-pH"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        let monitor = try #require(box.monitorPID("r2"))
        // The monitor's mark in its lock file: its pid and state, which berth-wait believes
        // only while the monitor holds the file.
        let lockPath = CommandSocket(paths: ContainerPaths(lxcpath: box.lxcpath, name: try ContainerName("r2"))).lockPath
        #expect(try String(contentsOfFile: lockPath, encoding: .utf8) == "\(monitor) RUNNING \n")
        #expect(try box.run("wait", ["-n", "r2", "-s", "RUNNING|FROZEN", "-t", "1"]).status == 0)
        kill(monitor, SIGKILL)
        #expect(eventually { kill(initPID, 0) != 0 }, "init died with its monitor")
        // A killed monitor's mark stays (something of the run may be left to sweep) and still
        // says RUNNING, but nobody holds the file: it is not believed.
        #expect(try String(contentsOfFile: lockPath, encoding: .utf8) == "\(monitor) RUNNING \n")
        #expect(try box.run("wait", ["-n", "r2", "-s", "RUNNING", "-t", "1"]).status != 0)
        #expect(try box.run("wait", ["-n", "r2", "-s", "STOPPED", "-t", "1"]).status == 0)
        #expect(try box.run("info", ["-n", "r2", "-sH"]).stdout == "STOPPED\n")
        let restarted = try box.run("start", ["-n", "r2"])
        #expect(restarted.status == 0, "\(restarted.stderr)")
        #expect(try box.run("stop", ["-n", "r2", "-k"]).status == 0)
        box.expectClean("r2")
    }

    @Test func racingStartsAndExecute() throws {
        let box = try Sandbox.withBusybox("r3")
        let a = try box.start("start", ["-n", "r3"]), b = try box.start("start", ["-n", "r3"])
        let results = [try box.finish(a), try box.finish(b)]
        #expect(results.filter { $0.status == 0 }.count == 1, "exactly one start wins")
        #expect(results.contains { $0.status == 1 && $0.stderr.contains("already running") })
        #expect(try box.run("stop", ["-n", "r3", "-k"]).status == 0)
        box.expectClean("r3")

        // berth-execute: the command is run under a tiny init, with our stdio and its status.
        let run = try box.run("execute", ["-n", "r3", "--", "/bin/sh", "-c", "echo pid $$ on $(hostname); exit 5"])
        #expect(run.status == 5)
        #expect(run.stdout == "pid 2 on r3\n", "\(run.stderr)")
        box.expectClean("r3")
    }

    @Test(arguments: [
        ("lxc.rootfs.path=/nonexistent/rootfs", "/nonexistent/rootfs does not exist"),
        ("lxc.init.cmd=/sbin/no-such-init", "exec of init /sbin/no-such-init"),
        ("lxc.init.cmd=/bin/false", "exited with status 1 right after it started"),
        ("lxc.hook.pre-start=/bin/sh -c 'echo broken >&2; exit 4'", "pre-start hook"),
        ("lxc.mount.entry=/nonexistent/source mnt none bind 0 0", "mount entry '/nonexistent/source mnt'"),
        ("lxc.mount.auto=proc:bogus", "unknown lxc.mount.auto entry 'proc:bogus'"),
    ])
    func failedStartsSayWhyAndLeaveNothing(define: String, message: String) throws {
        let box = try Sandbox.withBusybox("r4")
        let result = try box.run("start", ["-n", "r4", "-s", define])
        #expect(result.status == 1)
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(try box.run("info", ["-n", "r4", "-sH"]).stdout == "STOPPED\n")
        box.expectClean("r4")
        // And the container still starts without the bad setting.
        #expect(try box.run("start", ["-n", "r4"]).status == 0)
        #expect(try box.run("stop", ["-n", "r4", "-k"]).status == 0)
    }

    @Test func hooksRunWithLXCsEnvironment() throws {
        let box = try Sandbox.withBusybox("r5")
        let log = box.root + "/hooks.log"
        let hook = try box.template("hook", "echo \"$3 $LXC_NAME $LXC_HOOK_TYPE ${LXC_TARGET:-}\" >> \(log)")
        for stage in ["pre-start", "start-host", "stop", "post-stop"] {
            let config = box.lxcpath + "/r5/config"
            let text = try String(contentsOfFile: config, encoding: .utf8)
            try (text + "lxc.hook.\(stage) = \(hook)\n").write(toFile: config, atomically: true, encoding: .utf8)
        }
        #expect(try box.run("start", ["-n", "r5"]).status == 0)
        #expect(try box.run("stop", ["-n", "r5", "-k"]).status == 0)
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines == ["pre-start r5 pre-start ", "start-host r5 start-host ", "stop r5 stop stop", "post-stop r5 post-stop stop"])
    }

    @Test func sharedNamespaces() throws {
        let box = try Sandbox.withBusybox("s1")
        #expect(try box.run("create", ["-n", "s2", "-t", "busybox"]).status == 0)
        // A target that is not running is refused before anything is made.
        let early = try box.run("start", ["-n", "s2", "-s", "lxc.namespace.share.net=s1"])
        #expect(early.status == 1 && early.stderr.contains("s1 is not running"), "\(early.stderr)")
        box.expectClean("s2")

        #expect(try box.run("start", ["-n", "s1"]).status == 0)
        let joined = try box.run("start", ["-n", "s2", "-s", "lxc.namespace.share.net=s1", "-s", "lxc.namespace.share.uts=s1",
                                           "-s", "lxc.namespace.share.pid=s1", "-s", "lxc.init.cmd=/bin/sleep 1000"])
        #expect(joined.status == 0, "\(joined.stderr)")
        let first = try box.run("info", ["-n", "s1", "-pH"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let second = try box.run("info", ["-n", "s2", "-pH"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        for ns in ["net", "uts", "pid"] {
            let a = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(first)/ns/\(ns)")
            let b = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(second)/ns/\(ns)")
            #expect(a == b, "\(ns) is shared")
        }
        #expect(try box.run("attach", ["-n", "s2", "--", "/bin/hostname"]).stdout == "s1\n")
        #expect(try box.run("attach", ["-n", "s1", "--", "/bin/sh", "-c", "ps -o args | grep -x '/bin/sleep 1000'"]).status == 0,
                "s2's init is a process of s1's pid namespace")
        #expect(try box.run("stop", ["-n", "s2", "-k"]).status == 0)
        let mnt = try box.run("start", ["-n", "s2", "-s", "lxc.namespace.share.mnt=s1"])
        #expect(mnt.status == 1 && mnt.stderr.contains("lxc.namespace.share.mnt"), "\(mnt.stderr)")
        #expect(try box.run("stop", ["-n", "s1", "-k"]).status == 0)
        box.expectClean("s1")
        box.expectClean("s2")
    }

    @Test func consoleLogIsKeptUnderItsSizeAndRotated() throws {
        let box = try Sandbox.withBusybox("r6")
        let log = box.root + "/console.log"
        try #require(try box.run("start", ["-n", "r6", "-s", "lxc.console.logfile=\(log)", "-s", "lxc.console.size=4K",
                                           "-s", "lxc.console.rotate=1"]).status == 0)
        #expect(try box.run("attach", ["-n", "r6", "--", "/bin/sh", "-c",
                                       "head -c 3000 /dev/zero | tr '\\0' a > /dev/console; head -c 3000 /dev/zero | tr '\\0' b > /dev/console"]).status == 0)
        var current = ""
        _ = eventually(tries: 100) {
            current = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            return current.contains("bbb")
        }
        let old = (try? String(contentsOfFile: log + ".1", encoding: .utf8)) ?? ""
        #expect(current.count <= 4096 && current.hasPrefix("bbb") && !current.contains("a"), "the log started over: \(current.count) bytes")
        #expect(old.contains("aaa"), "the previous log was kept as .1")
        #expect(try box.run("stop", ["-n", "r6", "-k"]).status == 0)
        let bad = try box.run("start", ["-n", "r6", "-s", "lxc.console.logfile=/nonexistent/dir/log"])
        #expect(bad.status == 1 && bad.stderr.contains("lxc.console.logfile: open console log /nonexistent/dir/log"), "\(bad.stderr)")
        box.expectClean("r6")
    }
}
