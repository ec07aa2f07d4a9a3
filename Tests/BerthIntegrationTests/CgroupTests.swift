import Foundation
import Testing
import BerthKit

/// Limits, freezing and cleanup on real busybox containers, on whatever cgroup layout this host
/// has (hybrid here: the keys are written to v1, v2 keys translated).
@Suite(.enabled(if: isRoot, "needs root"), .serialized)
struct CgroupTests {
    let layout = CgroupLayout.current()

    func state(_ box: Sandbox, _ name: String) throws -> String {
        try box.run("info", ["-n", name, "-sH"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func memoryLimitKillsTheHogNotTheContainer() throws {
        let box = try Sandbox.withBusybox("g1")
        var limits = ["-s", "lxc.cgroup2.memory.max=32M"]
        // With swap, the hog would be swapped out instead of killed: cap memory+swap as well.
        if let memory = PayloadCgroup(name: "g1", lxcpath: box.lxcpath).directory(for: "memory"),
           FileManager.default.fileExists(atPath: Path.parent(memory) + "/memory.memsw.limit_in_bytes") {
            limits += ["-s", "lxc.cgroup.memory.memsw.limit_in_bytes=32M"]
        } else if layout.location(of: "memory") == .v2 {
            limits += ["-s", "lxc.cgroup2.memory.swap.max=0"]
        }
        let started = try box.run("start", ["-n", "g1"] + limits)
        try #require(started.status == 0, "\(started.stderr)")
        #expect(try box.run("cgroup", ["-n", "g1", "memory.max"]).stdout.hasPrefix("33554432") ||
                (try box.run("cgroup", ["-n", "g1", "memory.limit_in_bytes"]).stdout.hasPrefix("33554432")))
        // tail keeps the last line in memory, and /dev/zero has no newline: it grows until the
        // kernel kills it (the shell reports the last command of the pipe: 128 + SIGKILL).
        let hog = try box.run("attach", ["-n", "g1", "--", "/bin/sh", "-c", "head -c 200m /dev/zero | tail -n 1 >/dev/null"])
        #expect(hog.status == 137, "the hog survived a 32 MB limit: \(hog.status) \(hog.stderr)")
        #expect(try state(box, "g1") == "RUNNING")
        #expect(try box.run("attach", ["-n", "g1", "--", "/bin/true"]).status == 0, "the container still works")
        #expect(try box.run("stop", ["-n", "g1", "-k"]).status == 0)
        box.expectClean("g1")
    }

    @Test func pidsLimitStopsAForkBomb() throws {
        let box = try Sandbox.withBusybox("g2")
        try #require(try box.run("start", ["-n", "g2", "-s", "lxc.cgroup.pids.max=12"]).status == 0)
        let bomb = try box.run("attach", ["-n", "g2", "--", "/bin/sh", "-c",
                                          "i=0; while [ $i -lt 50 ]; do sleep 5 </dev/null >/dev/null 2>&1 & i=$((i+1)); done"])
        #expect(bomb.stderr.contains("fork"), "the shell was refused forks: \(bomb.stderr)")
        let current = Int(try box.run("cgroup", ["-n", "g2", "pids.current"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        #expect(current > 1 && current <= 12, "\(current) processes under pids.max=12")
        #expect(try state(box, "g2") == "RUNNING")
        #expect(try box.run("stop", ["-n", "g2", "-k"]).status == 0)
        box.expectClean("g2")
    }

    @Test func cpusetPinsTheContainer() throws {
        let box = try Sandbox.withBusybox("g3")
        try #require(try box.run("start", ["-n", "g3", "-s", "lxc.cgroup.cpuset.cpus=0"]).status == 0)
        let inside = try box.run("attach", ["-n", "g3", "--", "/bin/sh", "-c", "grep Cpus_allowed_list /proc/1/status /proc/self/status"])
        let lists = inside.stdout.split(separator: "\n").map { $0.split(separator: "\t").last.map(String.init) ?? "" }
        #expect(lists == ["0", "0"], "\(inside.stdout)")
        #expect(try box.run("cgroup", ["-n", "g3", "cpuset.cpus"]).stdout == "0\n")
        #expect(try box.run("stop", ["-n", "g3", "-k"]).status == 0)
        box.expectClean("g3")
    }

    @Test func deviceDenyListRefusesTheDevice() throws {
        let box = try Sandbox.withBusybox("g4")
        let started = try box.run("start", ["-n", "g4", "-s", "lxc.cgroup.devices.deny=c 1:9 rwm"])
        guard case .v1? = layout.location(of: "devices") else {
            // Pure v2: no device controller; Berth says so instead of ignoring the rule.
            #expect(started.status == 1 && started.stderr.contains("eBPF"), "\(started.stderr)")
            return
        }
        try #require(started.status == 0, "\(started.stderr)")
        let urandom = try box.run("attach", ["-n", "g4", "--", "/bin/sh", "-c", "head -c 1 /dev/urandom"])
        #expect(urandom.status != 0 && urandom.stderr.contains("Operation not permitted"), "\(urandom.stderr)")
        #expect(try box.run("attach", ["-n", "g4", "--", "/bin/sh", "-c", "head -c 1 /dev/zero | wc -c"]).stdout.contains("1"),
                "other devices still work")
        #expect(try box.run("stop", ["-n", "g4", "-k"]).status == 0)
        box.expectClean("g4")
    }

    /// A privileged container without device rules gets LXC's list: any node may be made, but
    /// only the pseudo devices, terminals, fuse and tun opened (a /dev/kmsg made by hand is
    /// refused); `lxc.cgroup.devices.allow = a` gives every device back.
    @Test func privilegedContainersGetADeviceList() throws {
        let box = try Sandbox.withBusybox("dl")
        try box.ok("start", ["-n", "dl"])
        let refused = try box.run("attach", ["-n", "dl", "--", "/bin/sh", "-c", "mknod /root/kmsg c 1 11 && dd if=/root/kmsg of=/dev/null bs=256 count=1"])
        #expect(refused.status != 0 && refused.stderr.contains("Operation not permitted"), "\(refused.stdout) \(refused.stderr)")
        let usual = try box.ok("attach", ["-n", "dl", "--", "/bin/sh", "-c", "head -c 4 /dev/urandom | wc -c; echo x > /dev/null; head -c 2 /dev/zero | wc -c"]).stdout
        #expect(usual == "4\n2\n", "\(usual)")
        if layout.location(of: "devices") != .v2 {
            let list = try box.ok("attach", ["-n", "dl", "--", "/bin/cat", "/sys/fs/cgroup/devices/devices.list"]).stdout
            #expect(list.contains("c 1:3 rwm") && list.contains("c 136:* rwm") && !list.contains("a *:* rwm"), "\(list)")
        }
        try box.ok("stop", ["-n", "dl", "-k"])
        try box.ok("start", ["-n", "dl", "-s", "lxc.cgroup.devices.allow=a"])
        let allowed = try box.run("attach", ["-n", "dl", "--", "/bin/sh", "-c", "timeout 2 dd if=/root/kmsg of=/dev/null bs=256 count=1"])
        #expect(allowed.status == 0, "\(allowed.stderr)")
        try box.ok("stop", ["-n", "dl", "-k"])
        box.expectClean("dl")
    }

    @Test func freezeStopsACounterAndThawResumesIt() throws {
        let box = try Sandbox.withBusybox("g5")
        try #require(try box.run("start", ["-n", "g5"]).status == 0)
        let counterFile = box.lxcpath + "/g5/rootfs/count"
        #expect(try box.run("attach", ["-n", "g5", "--", "/bin/sh", "-c",
                                       "(i=0; while :; do i=$((i+1)); echo $i > /count; usleep 2000; done) </dev/null >/dev/null 2>&1 &"]).status == 0)
        func count() -> Int { Int((try? String(contentsOfFile: counterFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0 }
        // Up to 15 s: the counter writes to the rootfs's disk, and under the I/O of tests
        // running beside this one (a 240 MB debian copy) a write can wait seconds.
        #expect(eventually(tries: 1500) { count() > 0 }, "the counter runs")

        #expect(try box.run("freeze", ["-n", "g5"]).status == 0)
        #expect(try state(box, "g5") == "FROZEN")
        let frozenAt = count()
        usleep(300_000)
        #expect(count() == frozenAt, "a frozen counter does not move")
        #expect(try box.run("wait", ["-n", "g5", "-s", "FROZEN", "-t", "1"]).status == 0)

        #expect(try box.run("unfreeze", ["-n", "g5"]).status == 0)
        #expect(try state(box, "g5") == "RUNNING")
        #expect(eventually(tries: 1500) { count() > frozenAt }, "the counter runs again after the thaw")

        // A frozen container still stops at once: the stop thaws it first.
        #expect(try box.run("freeze", ["-n", "g5"]).status == 0)
        #expect(try box.run("stop", ["-n", "g5", "-k"]).status == 0)
        box.expectClean("g5")
        let stopped = try box.run("freeze", ["-n", "g5"])
        #expect(stopped.status == 1 && stopped.stderr.contains("not running"))

        // A frozen container whose monitor is killed: the next start still comes up clean.
        try #require(try box.run("start", ["-n", "g5"]).status == 0)
        #expect(try box.run("freeze", ["-n", "g5"]).status == 0)
        let monitor = try #require(box.monitorPID("g5"))
        kill(monitor, SIGKILL)
        #expect(eventually { box.monitorPID("g5") == nil }, "the killed monitor is gone")
        #expect(try state(box, "g5") == "STOPPED")
        // A cgroup of its own that a killed monitor of an earlier Berth left (monitors share
        // berth.monitors now) goes with the sweep of the stop that finds the container stopped.
        let legacy = PayloadCgroup(path: CgroupPlacement.ownMonitor(name: "g5", lxcpath: box.lxcpath), inner: nil).directories
        for directory in legacy { mkdir(directory, 0o755) }
        #expect(try box.run("stop", ["-n", "g5", "-k"]).status == 2)
        #expect(legacy.allSatisfy { !FileManager.default.fileExists(atPath: $0) }, "\(legacy.filter { FileManager.default.fileExists(atPath: $0) })")
        let restarted = try box.run("start", ["-n", "g5"])
        #expect(restarted.status == 0, "\(restarted.stderr)")
        #expect(try box.run("stop", ["-n", "g5", "-k"]).status == 0)
        box.expectClean("g5")
    }

    /// A cgroup the kernel will not let go at stop (a process of the host's is in it) stays
    /// marked: the monitor keeps its lock file, and the next destroy sweeps the cgroup once it
    /// is empty. (Without that file a destroy does not search the hierarchies at all.)
    @Test func aCgroupLeftAtStopIsSweptByTheDestroy() throws {
        // The host process goes into the container's v1 pids cgroup, where the stop (which
        // ends the container's pid namespace) does not reach it: on the hybrid hosts CI runs
        // on. On a pure cgroup2 host there is no v1 hierarchy to do this in.
        guard case .v1(let pids)? = layout.location(of: "pids") else { return }
        let box = try Sandbox.withBusybox("g8")
        try #require(try box.run("start", ["-n", "g8"]).status == 0)
        let sleeper = Process()
        sleeper.executableURL = URL(fileURLWithPath: "/bin/sleep")
        sleeper.arguments = ["60"]
        try sleeper.run()
        defer {
            if sleeper.isRunning { kill(sleeper.processIdentifier, SIGKILL) }
            sleeper.waitUntilExit()
        }
        let payloadPids = try #require(box.payloadCgroups("g8").first { $0.hasPrefix(pids.mountPoint + "/") && $0.contains("berth.payload.") })
        try "\(sleeper.processIdentifier)".write(toFile: payloadPids + "/cgroup.procs", atomically: false, encoding: .utf8)

        #expect(try box.run("stop", ["-n", "g8", "-k"]).status == 0)
        #expect(eventually(tries: 300) { box.monitorPID("g8") == nil }, "the monitor ended")
        let socket = CommandSocket(paths: ContainerPaths(lxcpath: box.lxcpath, name: try ContainerName("g8")))
        #expect(FileManager.default.fileExists(atPath: payloadPids), "the busy cgroup is still there")
        #expect(socket.hasRuntimeFiles, "the monitor kept its lock file as the mark")
        #expect(try state(box, "g8") == "STOPPED")

        // Once the process is gone the destroy finds the cgroup and removes it, and the mark.
        kill(sleeper.processIdentifier, SIGKILL)
        sleeper.waitUntilExit()
        #expect(try box.run("destroy", ["-n", "g8"]).status == 0)
        #expect(box.payloadCgroups("g8").isEmpty, "cgroups left: \(box.payloadCgroups("g8"))")
        #expect(!socket.hasRuntimeFiles)
    }

    /// Where the start's processes live, every hierarchy read from the host: init in each of the
    /// payload's cgroups; the monitor, single-threaded (it moves itself through the v1 `tasks`
    /// files), in each of its own once berth-start has returned (born in the v2 one); an
    /// attached command in the payload's; and a start that fails in its monitor (a pre-start
    /// hook) leaves no cgroup of either, the monitor's v2 one made before its fork included.
    @Test func everyProcessOfAStartIsInItsCgroups() throws {
        let box = try Sandbox.withBusybox("g9")
        try #require(try box.run("start", ["-n", "g9"]).status == 0)
        let initPID = try box.ok("info", ["-n", "g9", "-pH"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let monitor = try #require(box.monitorPID("g9"))
        let payload = PayloadCgroup(name: "g9", lxcpath: box.lxcpath).directories
        let own = MonitorCgroup(name: "g9", lxcpath: box.lxcpath).cgroup.directories
        func members(_ directory: String) -> [String] {
            ((try? String(contentsOfFile: directory + "/cgroup.procs", encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }
        #expect(!payload.isEmpty && payload.allSatisfy { members($0).contains(initPID) },
                "init in \(payload.filter { members($0).contains(initPID) })")
        #expect(eventually(tries: 500) { own.allSatisfy { members($0).contains("\(monitor)") } },
                "the monitor in \(own.filter { members($0).contains("\(monitor)") }) of \(own)")
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(monitor)/task")) ?? []).count == 1)
        let attached = try box.start(executable: binDirectory + "/berth-attach", ["-P", box.lxcpath, "-n", "g9", "--", "/bin/sleep", "5"])
        let attachedPIDs = { Set(payload.flatMap(members)).subtracting([initPID]) }
        #expect(eventually(tries: 500) { payload.allSatisfy { members($0).count >= 2 } && !attachedPIDs().isEmpty },
                "the attached command in every payload cgroup: \(payload.map { ($0, members($0)) })")
        kill(attached.pid, SIGKILL)
        _ = try box.finish(attached)
        #expect(try box.run("stop", ["-n", "g9", "-k"]).status == 0)
        box.expectClean("g9")

        let failed = try box.run("start", ["-n", "g9", "-s", "lxc.hook.pre-start=/bin/false"])
        #expect(failed.status != 0 && failed.stderr.contains("pre-start"), "\(failed.stderr)")
        box.expectClean("g9")
        // The socket's lock file stays, empty (no mark of anything to sweep), until the destroy.
        let socket = CommandSocket(paths: ContainerPaths(lxcpath: box.lxcpath, name: try ContainerName("g9")))
        let lockFile = try #require(FileManager.default.contentsOfDirectory(atPath: CommandSocket.runtimeDirectoryOfCaller)
            .first { $0.hasPrefix("g9.") && $0.hasSuffix(".lock") && socket.path.hasSuffix("/" + $0.dropLast(5) + ".sock") })
        let lockPath = CommandSocket.runtimeDirectoryOfCaller + "/" + lockFile
        #expect(box.text(lockPath) == "" && !socket.hasRuntimeFiles)
        try box.ok("destroy", ["-n", "g9"])
        #expect(!FileManager.default.fileExists(atPath: lockPath) && !FileManager.default.fileExists(atPath: socket.path))
    }

    @Test func oneNameInTwoLxcpathsRunsTwice() throws {
        let first = try Sandbox.withBusybox("same")
        let second = try Sandbox.withBusybox("same")
        for box in [first, second] { #expect(try box.run("start", ["-n", "same"]).status == 0) }
        let a = first.payloadCgroups("same"), b = second.payloadCgroups("same")
        #expect(!a.isEmpty && !b.isEmpty && Set(a).isDisjoint(with: b), "each has its own cgroups")
        for box in [first, second] {
            #expect(try box.run("stop", ["-n", "same", "-k"]).status == 0)
            box.expectClean("same")
        }
    }

    @Test func badKeysFailTheStartAndLeaveNothing() throws {
        let box = try Sandbox.withBusybox("g6")
        let otherVersion = layout.location(of: "memory") == .v2 ? "lxc.cgroup.memory.soft_limit_in_bytes=8M" : "lxc.cgroup2.memory.high=8M"
        for (define, message) in [
            ("lxc.cgroup.memory.limit_in_bytes=lots", "'lots' is not a size"),
            ("lxc.cgroup.nosuch.file=1", "the nosuch controller is not available"),
            (otherVersion, "memory"),
            ("lxc.cgroup.pids.max=-5", "setting pids.max to -5"),
        ] {
            let result = try box.run("start", ["-n", "g6", "-s", define])
            #expect(result.status == 1 && result.stderr.contains(message), "\(define): \(result.stderr)")
            #expect(try state(box, "g6") == "STOPPED")
            box.expectClean("g6")
        }
    }
}

/// berth-info -S, its JSON, and berth-top, on real running containers.
@Suite(.enabled(if: isRoot, "needs root"), .serialized)
struct AccountingTests {
    @Test func infoAndTopShowWhatContainersUse() throws {
        let box = try Sandbox.withBusybox("a1")
        #expect(try box.run("create", ["-n", "a2", "-t", "busybox"]).status == 0)
        for name in ["a1", "a2"] { try #require(try box.run("start", ["-n", name]).status == 0) }
        // a1 burns CPU in the background for a while; a2 idles.
        #expect(try box.run("attach", ["-n", "a1", "--", "/bin/sh", "-c",
                                       "(end=$(( $(date +%s) + 4 )); while [ $(date +%s) -lt $end ]; do :; done) </dev/null >/dev/null 2>&1 &"]).status == 0)

        let raw = try box.run("info", ["-n", "a1", "-S", "-H"])
        var values: [String: UInt64] = [:]
        for line in raw.stdout.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2 { values[String(parts[0])] = UInt64(parts[1].trimmingCharacters(in: .whitespaces)) }
        }
        #expect((values["CPU use"] ?? 0) > 0, "\(raw.stdout)")
        #expect((values["Memory use"] ?? 0) > 100_000, "\(raw.stdout)")
        #expect((values["PIDs"] ?? 0) >= 3, "init, rcS's children, the burner: \(raw.stdout)")
        #expect(values["BlkIO use"] != nil)
        let human = try box.run("info", ["-n", "a1"]).stdout
        #expect(human.contains("CPU use:") && human.contains(" seconds") && human.contains("Memory use:"), "\(human)")

        let json = try box.run("info", ["-n", "a1", "--format", "json"]).stdout
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        let stats = object?["stats"] as? [String: Any]
        #expect((stats?["cpu_ns"] as? Int ?? 0) > 0 && (stats?["memory_bytes"] as? Int ?? 0) > 0, "\(json)")
        #expect(try box.run("info", ["-n", "a2", "--format", "json"]).stdout.contains("\"stats\""))

        // One snapshot sorted by CPU: the busy container comes first, with most of a CPU.
        let top = try box.run("top", ["--batch", "-d", "0.5", "-s", "c"])
        let rows = top.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: " ").map(String.init) }
        #expect(rows.map { $0.first } == ["a1", "a2"], "\(top.stdout)")
        #expect(Double(rows.first?[1] ?? "") ?? 0 > 30, "a1 burns CPU: \(top.stdout)")
        #expect(try box.run("top", ["--batch", "-d", "0.2", "-s", "x"]).status == 1)
        for name in ["a1", "a2"] { #expect(try box.run("stop", ["-n", name, "-k"]).status == 0) }
        #expect(try box.run("top", ["--batch", "-d", "0.1"]).stdout.contains("(no running containers)"))
        box.expectClean("a1")
        box.expectClean("a2")
    }
}

/// The cgroup v2 eBPF device filter (what pure v2 hosts get for lxc.cgroup.devices.*), loaded
/// into the real kernel and attached to a cgroup2 directory made for the test.
@Suite(.enabled(if: isRoot && CgroupLayout.current().v2MountPoint != nil, "needs root and a cgroup2 mount"), .serialized)
struct DeviceFilterTests {
    /// Runs `script` in a shell that first moves itself into a fresh cgroup2 directory with
    /// `filter` attached; returns the sandbox's result. The directory is removed afterwards.
    func run(_ filter: DeviceFilter, _ script: String) throws -> RunResult {
        let layout = CgroupLayout.current()
        let directory = (layout.v2MountPoint ?? "/sys/fs/cgroup") + "/berth-test-devices-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        defer { rmdir(directory) }
        try filter.attach(to: directory)
        let box = try Sandbox()
        return try box.run(executable: "/bin/sh", ["-c", "echo $$ > \(directory)/cgroup.procs && \(script)"])
    }

    @Test func denyRuleRefusesOnlyThatDevice() throws {
        var filter = DeviceFilter()
        try filter.add(allow: false, "c 1:9 rwm", origin: "test")
        let result = try run(filter, "head -c 1 /dev/urandom >/dev/null; echo urandom=$?; head -c 1 /dev/zero | wc -c")
        #expect(result.stdout.contains("urandom=1"), "\(result.stdout)")
        #expect(result.stderr.contains("Operation not permitted"), "\(result.stderr)")
        #expect(result.stdout.hasSuffix("1\n"), "/dev/zero still reads: \(result.stdout)")
    }

    @Test func denyAllThenAllowList() throws {
        var filter = DeviceFilter()
        try filter.add(allow: false, "a", origin: "test")
        try filter.add(allow: true, "c 1:3 rwm", origin: "test")   // null
        try filter.add(allow: true, "c 1:5 r", origin: "test")     // zero, read only
        let result = try run(filter, """
            verdict() { if [ "$1" = 0 ]; then echo "$2 ok"; else echo "$2 refused"; fi; }
            head -c 1 /dev/zero >/dev/null; verdict $? zero-read
            (echo x > /dev/null) 2>/dev/null; verdict $? null-write
            (echo x > /dev/zero) 2>/dev/null; verdict $? zero-write
            head -c 1 /dev/full >/dev/null 2>&1; verdict $? full-read
            """)
        #expect(result.stdout == "zero-read ok\nnull-write ok\nzero-write refused\nfull-read refused\n", "\(result.stdout)\(result.stderr)")
    }

    @Test func malformedRulesAreErrors() {
        var filter = DeviceFilter()
        for bad in ["x 1:3 rwm", "c 1-3 rwm", "c 1:3 rwx", "c a:3 r"] {
            #expect(throws: BerthError.self) { try filter.add(allow: true, bad, origin: "test") }
        }
    }
}
