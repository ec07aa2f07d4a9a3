import Testing
@testable import BerthKit

@Suite struct ContainerNameTests {
    @Test(arguments: ["web1", "a", "db_2.prod", "x-y+z@h", String(repeating: "n", count: 64)])
    func acceptsReasonableNames(name: String) throws {
        #expect(try ContainerName(name).value == name)
    }

    @Test(arguments: [
        ("", "container name is empty"),
        ("../x", "invalid container name '../x': it must start with a letter or a digit"),
        ("..", "invalid container name '..': it must start with a letter or a digit"),
        ("a/b", "invalid container name 'a/b': '/' is not allowed (use letters, digits, '.', '_', '-', '+', '@')"),
        (".hidden", "invalid container name '.hidden': it must start with a letter or a digit"),
        ("sp ace", "invalid container name 'sp ace': character ' ' is not allowed (use letters, digits, '.', '_', '-', '+', '@')"),
        ("new\nline", "invalid container name 'new\\xaline': character '\\xa' is not allowed (use letters, digits, '.', '_', '-', '+', '@')"),
        (String(repeating: "n", count: 300), "container name is 300 bytes long; at most 64 are allowed (the kernel's limit for the hostname it becomes)"),
        (String(repeating: "n", count: 65), "container name is 65 bytes long; at most 64 are allowed (the kernel's limit for the hostname it becomes)"),
    ])
    func refusesBadNamesWithAClearMessage(name: String, message: String) {
        #expect(throws: BerthError.self) { try ContainerName(name) }
        do { _ = try ContainerName(name) } catch { #expect(error.message == message); #expect(error.code == .invalidName) }
    }
}

@Suite struct ValueKindTests {
    @Test func signals() {
        #expect(SignalName.number("SIGPWR") == 30)
        #expect(SignalName.number("pwr") == 30)
        #expect(SignalName.number("9") == 9)
        #expect(SignalName.number("SIGRTMIN+3") == 37)
        #expect(SignalName.number("SIGRTMAX-1") == 63)
        #expect(SignalName.number("SIGRTMIN+40") == nil)
        #expect(SignalName.number("0") == nil)
        #expect(SignalName.number("SIGNOPE") == nil)
    }

    @Test func sizes() {
        #expect(SizeParser.bytes("500000") == 500000)
        #expect(SizeParser.bytes("64K") == 65536)
        #expect(SizeParser.bytes("512m") == 512 << 20)
        #expect(SizeParser.bytes("1Gi") == 1 << 30)
        #expect(SizeParser.bytes("G") == nil)
        #expect(SizeParser.bytes("99999999999T") == nil)
    }

    @Test func addresses() {
        #expect(IPAddress.parseIPv4("10.0.3.1") == [10, 0, 3, 1])
        #expect(IPAddress.parseIPv4("10.0.3") == nil)
        #expect(IPAddress.parseIPv4("1.2.3.04x") == nil)
        #expect(IPAddress.parseIPv6("::1")?.last == 1)
        #expect(IPAddress.parseIPv6("fd00::10:1")?.count == 16)
        #expect(IPAddress.parseIPv6("::ffff:10.0.0.1")?.suffix(4) == [10, 0, 0, 1])
        #expect(IPAddress.parseIPv6("1:2:3:4:5:6:7:8:9") == nil)
        #expect(IPAddress.parseIPv6("1::2::3") == nil)
    }

    @Test func macPatternsExpandToLocallyAdministeredUnicast() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<50 {
            let mac = MACAddress.expand("xx:xx:xx:xx:xx:xx", using: &rng)
            #expect(MACAddress.isPattern(mac) && !mac.contains("x"))
            let first = UInt8(mac.prefix(2), radix: 16) ?? 0
            #expect(first & 0x01 == 0 && first & 0x02 == 2)
        }
        let fixed = MACAddress.expand("10:66:6a:xx:xx:xx")
        #expect(fixed.hasPrefix("10:66:6a:") && !fixed.contains("x"))
        #expect(!MACAddress.isPattern("10:66:6a:xx:xx"))
    }

    @Test func macAddressesFormatAsTwoLowercaseDigitsAnOctet() {
        #expect(MACAddress.format([0x10, 0x66, 0x6a, 0x00, 0xab, 0xff]) == "10:66:6a:00:ab:ff")
        #expect(MACAddress.format([0x02, 0x0f, 0xf0, 0x9a, 0x01, 0x10], separator: UInt8(ascii: "-")) == "02-0f-f0-9a-01-10")
        #expect(MACAddress.format([]) == "")
        for _ in 0..<50 {
            let bytes = (0..<6).map { _ in UInt8.random(in: 0...255) }
            #expect(MACAddress.parse(MACAddress.format(bytes)) == bytes)
        }
    }

    @Test func joinedStringArraysMatchTheStandardLibrarys() {
        for strings in [[], [""], ["a"], ["a", "b", ""], ["", ""], ["lxc.net.0", "ünïcode", "x y"]] as [[String]] {
            for separator in ["", ", ", "/", "\n"] {
                // An ArraySlice gets the standard library's generic joined(separator:).
                #expect(strings.joined(separator: separator) == strings[...].joined(separator: separator))
            }
        }
    }

    @Test func digitsWrittenByHandMatchTheStandardLibrarys() {
        #expect(IPAddress.formatIPv4([10, 0, 3, 255]) == "10.0.3.255")
        #expect(IPAddress.formatIPv4([0, 0, 0, 0]) == "0.0.0.0")
        for byte in UInt8.min...UInt8.max {
            var text: [UInt8] = []
            ASCIIDigits.appendDecimal(byte, to: &text)
            #expect(String(decoding: text, as: UTF8.self) == String(byte))
        }
        for value in [0, 1, 0xf, 0x10, 0xdead_beef, UInt64.max, 0x0123_4567_89ab_cdef] + (0..<50).map({ _ in UInt64.random(in: 0...UInt64.max) }) {
            var text: [UInt8] = []
            ASCIIDigits.appendHex(value, count: 16, to: &text)
            let expected = String(value, radix: 16)
            #expect(String(decoding: text, as: UTF8.self) == String(repeating: "0", count: 16 - expected.count) + expected)
        }
    }

    @Test func capabilityNames() throws {
        #expect(CapabilityName.number("sys_admin") == 21)
        #expect(CapabilityName.number("CAP_NET_RAW") == 13)
        #expect(CapabilityName.number("chown") == 0 && CapabilityName.number("cap_checkpoint_restore") == 40)
        for bogus in ["bogus", "", "cap_", "21", "cap_cap_chown", "sys admin"] { #expect(CapabilityName.number(bogus) == nil, "\(bogus)") }
        // The table names every capability of the running kernel: one it lacked could not be
        // dropped or kept by name.
        let last = try #require(Int(try FileSystem.readText("/proc/sys/kernel/cap_last_cap").split(separator: "\n").first ?? ""))
        #expect(CapabilityName.all.count > last, "the kernel has capabilities up to \(last)")
    }

    @Test func rootfsSpecs() {
        #expect(RootfsSpec(parsing: "/srv/r") == RootfsSpec(backend: "dir", location: "/srv/r"))
        #expect(RootfsSpec(parsing: "dir:/srv/r").path == "/srv/r")
        let overlay = RootfsSpec(parsing: "overlayfs:/a/rootfs:/b/delta0")
        #expect(overlay.backend == "overlay")
        #expect(overlay.path == "/b/delta0")
    }

    @Test func jsonEscapes() {
        let value = JSONValue.object([("a\"b", .array([.string("x\ny\u{1}"), .number(-3), .bool(true), .null]))])
        #expect(value.render() == #"{"a\"b":["x\ny\u0001",-3,true,null]}"#)
    }

    @Test func mountinfoUnescapes() {
        let info = "36 35 98:0 / /mnt/with\\040space rw - ext3 /dev/root rw\n37 35 98:0 / /srv/b rw - ext3 /dev/root rw"
        #expect(MountTable.mountPoints(mountinfo: info) == ["/mnt/with space", "/srv/b"])
        #expect(MountTable.mounts(under: "/srv", in: ["/srv", "/srv/b/c", "/srvx"]) == ["/srv", "/srv/b/c"])
    }

    /// The pid in the names of a killed destroy's or create's leftovers, found on the bytes.
    @Test func bookkeepingNamesGiveTheirOwner() {
        #expect(ContainerInventory.owner(of: ".web.removing-123") == 123)
        #expect(ContainerInventory.owner(of: ".a-b.c.creating-77") == 77)
        #expect(ContainerInventory.owner(of: ".snap.removing-x") == nil)
        #expect(ContainerInventory.owner(of: ".web.lock") == nil)
        #expect(ContainerInventory.owner(of: ".é.removing-9") == 9)
        #expect(ContainerInventory.owner(of: ".removing-") == nil)
    }
}

@Suite struct CgroupLayoutTests {
    static let hybrid = """
        31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
        32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
        35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
        40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
        41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
        """
    static let unified = "30 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n"
    static let legacy = "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"

    @Test func detectsHybrid() {
        let layout = CgroupLayout.detect(mountinfo: Self.hybrid) { _ in "" }
        #expect(layout.kind == .hybrid)
        #expect(layout.v1.map(\.mountPoint) == ["/sys/fs/cgroup/cpu", "/sys/fs/cgroup/memory", "/sys/fs/cgroup/systemd"])
        #expect(layout.v1.last?.controllers == ["name=systemd"])
        #expect(layout.v2MountPoint == "/sys/fs/cgroup/unified")
        #expect(layout.v2Controllers.isEmpty)
    }

    @Test func detectsUnifiedWithControllers() {
        let layout = CgroupLayout.detect(mountinfo: Self.unified) { path in
            path == "/sys/fs/cgroup/cgroup.controllers" ? "cpuset cpu io memory pids\n" : nil
        }
        #expect(layout.kind == .v2)
        #expect(layout.v2Controllers == ["cpuset", "cpu", "io", "memory", "pids"])
    }

    @Test func detectsLegacyAndNone() {
        #expect(CgroupLayout.detect(mountinfo: Self.legacy) { _ in nil }.kind == .v1)
        #expect(CgroupLayout.detect(mountinfo: Self.legacy) { _ in nil }.v1.first?.controllers == ["cpu", "cpuacct"])
        #expect(CgroupLayout.detect(mountinfo: "") { _ in nil }.kind == .none)
    }

    @Test func thisHostIsDetected() {
        // Whatever this host runs, detection must find cgroups somewhere.
        #expect(CgroupLayout.current().kind != .none)
    }

    @Test func kernelConfigSettings() {
        let config = KernelConfig(text: "CONFIG_VETH=m\nCONFIG_BRIDGE=y\n# CONFIG_MACVLAN is not set\n", source: "t")
        #expect(config.setting("CONFIG_VETH") == .module)
        #expect(config.setting("CONFIG_BRIDGE") == .builtIn)
        #expect(config.setting("CONFIG_MACVLAN") == .missing)
    }
}

/// lxc.init.cmd and lxc.execute.cmd split as LXC splits them.
@Suite struct CommandWordsTests {
    @Test(arguments: [
        ("/sbin/init", ["/sbin/init"]),
        ("  /bin/sh   -c  true ", ["/bin/sh", "-c", "true"]),
        ("/bin/sh -c 'echo hi; sleep 1'", ["/bin/sh", "-c", "echo hi; sleep 1"]),
        (#"/bin/sh -c "say 'x'" end"#, ["/bin/sh", "-c", "say 'x'", "end"]),
        ("a''b \"\" c", ["ab", "", "c"]),
        ("tab\tseparated", ["tab", "separated"]),
        ("", []),
    ])
    func splits(text: String, words: [String]) {
        #expect(CommandWords.split(text) == words)
    }
}

@Suite struct CurrentProcessTests {
    /// The thread count from /proc/self/task's link count (PayloadCgroup.joinSelf uses `tasks`
    /// only for a process with one thread) agrees with the kernel's own "Threads:" line; the
    /// test runner starts and ends threads of its own, so a few looks are allowed to agree.
    @Test func threadCountIsTheKernels() throws {
        func kernels() -> Int? {
            let text = (try? FileSystem.readText("/proc/self/status")) ?? ""
            return text.split(separator: "\n").first { $0.hasPrefix("Threads:") }.flatMap { Int($0.dropFirst(8).trimmingCharacters(in: .whitespaces)) }
        }
        var agreed = false
        for _ in 0..<50 where !agreed {
            let before = kernels(), counted = CurrentProcess.threadCount, after = kernels()
            agreed = counted != nil && before == counted && counted == after
        }
        #expect(agreed)
        #expect((CurrentProcess.threadCount ?? 0) >= 1)
    }
}

@Suite struct MonitorMarkTests {
    /// Every state's line has one length for one pid (a rewrite never leaves an older line's
    /// end behind) and reads back as that state.
    @Test func everyStateReadsBack() {
        let lengths = Set(ContainerState.allCases.map { MonitorMark.line(pid: 4242, state: $0).count })
        #expect(lengths == [5 + MonitorMark.stateWidth + 1])
        for state in ContainerState.allCases {
            #expect(MonitorMark.state(in: MonitorMark.line(pid: 4242, state: state)) == state)
        }
        #expect(String(decoding: MonitorMark.line(pid: 7, state: .frozen), as: UTF8.self) == "7 FROZEN  \n")
    }

    /// Anything but a whole line is not a state: an empty file, an older Berth's pid alone, a
    /// line cut short or run on, a name that is no state, a pid that is not a number.
    @Test(arguments: ["", "4242\n", "4242 RUNNING", "4242 RUNNING \nx", "4242 RUNNIN  \n", "4242 running \n",
                      "4242 RUNNING\n", " RUNNING \n", "42x2 RUNNING \n", "4242  RUNNING\n", "4242 RUNNING  \n"])
    func refusesWhatIsNotWhole(text: String) {
        #expect(MonitorMark.state(in: Array(text.utf8)) == nil)
    }
}
