import Testing
@testable import BerthKit
import Foundation

/// A private directory for config files, removed at the end of the test.
final class ScratchDirectory {
    let path: String
    init() throws {
        path = NSTemporaryDirectory() + "berth-unit-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    func write(_ name: String, _ text: String) throws -> String {
        let file = path + "/" + name
        try FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

func loadError(_ text: String, file: String = "test.conf") -> BerthError? {
    do { _ = try ConfigLoader.load(text: text, file: file); return nil } catch { return error }
}

@Suite struct ConfigLoaderTests {
    /// A valid sample value for each kind, so every key in the table is exercised.
    static func sample(_ kind: ValueKind) -> String {
        switch kind {
        case .text, .command: return "something"
        case .hostname: return "web-1.example"
        case .path: return "/some/path"
        case .boolean: return "1"
        case .unsigned: return "4"
        case .integer: return "-3"
        case .size: return "64M"
        case .signal: return "SIGRTMIN+3"
        case .capabilities: return "sys_admin NET_RAW cap_sys_time"
        case .idmap: return "u 0 100000 65536"
        case .hwaddr: return "10:66:6a:xx:xx:xx"
        case .ipv4Address: return "10.0.3.5/24 10.0.3.255"
        case .ipv6Address: return "fd00::5/64"
        case .ipv4Gateway: return "10.0.3.1"
        case .ipv6Gateway: return "auto"
        case .mountAuto: return "proc:mixed sys:ro cgroup:mixed:force"
        case .mountEntry: return "tmpfs tmp tmpfs defaults,create=dir 0 0"
        case .logLevel: return "debug"
        case .architecture: return "x86_64"
        case .prlimit: return "1024:unlimited"
        case .namespaces: return "net ipc"
        case .interfaceName: return "eth1"
        case .choice(let options): return options[0]
        }
    }

    /// A concrete key for a table entry: `lxc.net.N.x` → `lxc.net.2.x`, families get a member.
    static func concrete(_ key: ConfigKey) -> String {
        if let prefix = key.prefix {
            switch prefix {
            case "lxc.cgroup.": return "lxc.cgroup.memory.limit_in_bytes"
            case "lxc.cgroup2.": return "lxc.cgroup2.memory.max"
            case "lxc.namespace.share.": return "lxc.namespace.share.net"
            case "lxc.prlimit.": return "lxc.prlimit.nofile"
            case "lxc.sysctl.": return "lxc.sysctl.net.ipv4.ip_forward"
            default: return prefix + "oom_score_adj"
            }
        }
        return key.name.replacingOccurrences(of: ".N.", with: ".2.")
    }

    @Test(arguments: ConfigKeyTable.all.filter { $0.name != "lxc.include" && $0.name != "lxc.net" })
    func everyKnownKeyLoadsWithAValidValue(key: ConfigKey) throws {
        let name = Self.concrete(key)
        let value = Self.sample(key.kind)
        let config = try ConfigLoader.load(text: "\(name) = \(value)\n", file: "k.conf")
        #expect(config.values(name) == [value])
        #expect(ConfigKeyTable.lookup(name)?.name == key.name)
    }

    @Test(arguments: [
        ("lxc.tty.max = many", "k.conf:1: bad value for lxc.tty.max: expected a non-negative number, got 'many'"),
        ("lxc.start.auto = yes", "k.conf:1: bad value for lxc.start.auto: expected 0 or 1, got 'yes'"),
        ("lxc.signal.halt = SIGFOO", "k.conf:1: bad value for lxc.signal.halt: unknown signal 'SIGFOO'"),
        ("lxc.cap.drop = sys_admin sys_nonsense", "k.conf:1: bad value for lxc.cap.drop: unknown capability 'sys_nonsense'"),
        ("lxc.net.0.type = wire", "k.conf:1: bad value for lxc.net.0.type: expected one of veth, macvlan, ipvlan, vlan, phys, empty, none, got 'wire'"),
        ("lxc.net.0.ipv4.address = 10.0.3.300/24", "k.conf:1: bad value for lxc.net.0.ipv4.address: '10.0.3.300' is not an IPv4 address"),
        ("lxc.net.0.ipv4.address = 10.0.3.3/33", "k.conf:1: bad value for lxc.net.0.ipv4.address: '33' is not an IPv4 prefix length (0-32)"),
        ("lxc.net.0.ipv6.address = fd00:::1/64", "k.conf:1: bad value for lxc.net.0.ipv6.address: 'fd00:::1/64' is not an IPv6 address"),
        ("lxc.net.0.hwaddr = 10:66:6a:zz:00:00", "k.conf:1: bad value for lxc.net.0.hwaddr: expected a MAC address such as 10:66:6a:xx:xx:xx, got '10:66:6a:zz:00:00'"),
        ("lxc.net.0.name = averyveryverylongname", "k.conf:1: bad value for lxc.net.0.name: interface name 'averyveryverylongname' is longer than 15 characters"),
        ("lxc.idmap = u 0 100000", "k.conf:1: bad value for lxc.idmap: expected 'u|g|b NSID HOSTID RANGE', got 'u 0 100000'"),
        ("lxc.mount.auto = proc:mixed sys:weird", "k.conf:1: bad value for lxc.mount.auto: unknown lxc.mount.auto entry 'sys:weird'"),
        ("lxc.mount.entry = /a b", "k.conf:1: bad value for lxc.mount.entry: expected 'SOURCE TARGET TYPE OPTIONS [DUMP PASS]', got '/a b'"),
        ("lxc.log.level = loud", "k.conf:1: bad value for lxc.log.level: unknown log level 'loud' (trace, debug, info, notice, warn, error, crit, alert, fatal or 0-8)"),
        ("lxc.prlimit.nofile = 10:x", "k.conf:1: bad value for lxc.prlimit.nofile: expected SOFT[:HARD] as numbers or 'unlimited', got '10:x'"),
        ("lxc.autodev.tmpfs.size = 12Q", "k.conf:1: bad value for lxc.autodev.tmpfs.size: expected a size such as 500000, 64K, 512M or 1G, got '12Q'"),
        ("lxc.namespace.keep = net bogus", "k.conf:1: bad value for lxc.namespace.keep: unknown namespace 'bogus' (cgroup, ipc, mnt, net, pid, time, user, uts)"),
        ("lxc.arch = vax", "k.conf:1: bad value for lxc.arch: unknown architecture 'vax'"),
        ("lxc.net = 1", "k.conf:1: lxc.net takes only an empty value (which removes all networks); use lxc.net.N.type"),
        ("lxc.uts.nmae = x", "k.conf:1: unknown key lxc.uts.nmae (did you mean lxc.uts.name?)"),
        ("lxc.net.0.lnk = br0", "k.conf:1: unknown key lxc.net.0.lnk (did you mean lxc.net.0.link?)"),
        ("lxc.frobnicate = 1", "k.conf:1: unknown key lxc.frobnicate"),
        ("lxc.uts.name", "k.conf:1: 'lxc.uts.name' has no '=' (expected 'key = value')"),
        ("lxc.network.ipv4 = 10.0.0.1/24", "k.conf:1: lxc.network.ipv4 comes before any lxc.network.type, so it belongs to no network"),
    ])
    func badInputNamesFileLineAndKey(text: String, message: String) {
        let error = loadError("# header\n" + text, file: "k.conf")
        // The offending line is line 2 of the file.
        #expect(error?.message == message.replacingOccurrences(of: "k.conf:1:", with: "k.conf:2:"))
        #expect(error?.code == .invalidConfig)
    }

    @Test func listKeysAppendAndEmptyClears() throws {
        let config = try ConfigLoader.load(text: """
            lxc.cap.drop = sys_time
            lxc.cap.drop = sys_module
            lxc.mount.entry = a b c d
            lxc.cap.drop =
            lxc.cap.drop = sys_rawio
            lxc.uts.name = first
            lxc.uts.name = second
            lxc.cgroup.devices.allow = c 1:3 rwm
            lxc.cgroup.devices.allow = c 1:5 rwm
            """, file: "l")
        #expect(config.values("lxc.cap.drop") == ["sys_rawio"])
        #expect(config.values("lxc.mount.entry") == ["a b c d"])
        #expect(config.value("lxc.uts.name") == "second")
        #expect(config.values("lxc.cgroup.devices.allow") == ["c 1:3 rwm", "c 1:5 rwm"])
        #expect(config.origin("lxc.uts.name")?.line == 7)
    }

    @Test func networksAreIndexedAndClearedByEmptyLxcNet() throws {
        let config = try ConfigLoader.load(text: """
            lxc.net.0.type = veth
            lxc.net.0.link = br0
            lxc.net.1.type = empty
            lxc.net =
            lxc.net.3.type = veth
            lxc.net.3.ipv4.address = 10.0.3.2/24
            lxc.net.3.ipv4.address = 10.0.4.2/24 10.0.4.255
            lxc.net.1.type = macvlan
            """, file: "n")
        #expect(config.networks.map(\.index) == [1, 3])
        #expect(config.networks[1].ipv4Addresses == ["10.0.3.2/24", "10.0.4.2/24"])
        #expect(config.networks[1].name == "eth3")
        #expect(config.values("lxc.net.0.link").isEmpty)
    }

    @Test func legacyKeysAreTranslatedWithAWarningNamingTheModernKey() throws {
        var warnings: [String] = []
        let config = try ConfigLoader.load(text: """
            lxc.utsname = old
            lxc.rootfs = /srv/old
            lxc.tty = 2
            lxc.network.type = veth
            lxc.network.link = br0
            lxc.network.ipv4 = 10.0.3.9/24
            lxc.network.type = empty
            lxc.network.1.flags = up
            lxc.pivotdir = lxc_putold
            lxc.limit.nofile = 100
            lxc.aa_profile = unconfined
            """, file: "old.conf", warn: { warnings.append($0) })
        #expect(config.utsName == "old")
        #expect(config.rootfs == RootfsSpec(backend: "dir", location: "/srv/old"))
        #expect(config.value("lxc.tty.max") == "2")
        #expect(config.networks.map(\.type) == ["veth", "empty"])
        #expect(config.networks[0].link == "br0")
        #expect(config.networks[0].ipv4Addresses == ["10.0.3.9/24"])
        #expect(config.networks[1].value("flags") == "up")
        #expect(config.value("lxc.prlimit.nofile") == "100")
        #expect(config.value("lxc.apparmor.profile") == "unconfined")
        #expect(warnings.first == "old.conf:1: lxc.utsname is obsolete; use lxc.uts.name")
        #expect(warnings.contains("old.conf:6: lxc.network.ipv4 is obsolete; use lxc.net.0.ipv4.address"))
        #expect(warnings.contains("old.conf:9: lxc.pivotdir is obsolete and ignored"))
        #expect(warnings.count == 11)
    }

    @Test func foreignLinesWarnAndAreIgnored() throws {
        var warnings: [String] = []
        let config = try ConfigLoader.load(text: "network = yes\nlxc.uts.name = a\n", file: "f", warn: { warnings.append($0) })
        #expect(config.entries.count == 1)
        #expect(warnings == ["f:1: ignored: 'network = yes' is not an lxc.* setting"])
    }

    @Test func includesFilesAndDirectoriesInOrderRelativeToTheIncluder() throws {
        let dir = try ScratchDirectory()
        _ = try dir.write("common/20-b.conf", "lxc.cap.drop = sys_time\n")
        _ = try dir.write("common/10-a.conf", "lxc.cap.drop = sys_module\n")
        _ = try dir.write("common/ignored.txt", "lxc.cap.drop = sys_boot\n")
        _ = try dir.write("extra.conf", "lxc.uts.name = fromextra\n")
        let main = try dir.write("main.conf", "lxc.include = common/\nlxc.include = \(dir.path)/extra.conf\nlxc.cap.drop = sys_rawio\n")
        let config = try ConfigLoader.load(main)
        #expect(config.values("lxc.cap.drop") == ["sys_module", "sys_time", "sys_rawio"])
        #expect(config.utsName == "fromextra")
        #expect(config.entries.first?.file.hasSuffix("common/10-a.conf") == true)
    }

    @Test func includeErrorsNameTheIncludingLine() throws {
        let dir = try ScratchDirectory()
        let loop = try dir.write("loop.conf", "lxc.uts.name = x\nlxc.include = loop.conf\n")
        let missing = try dir.write("missing.conf", "\nlxc.include = nowhere.conf\n")
        let badInner = try dir.write("outer.conf", "lxc.include = inner.conf\n")
        _ = try dir.write("inner.conf", "lxc.ttyy.max = 1\n")
        #expect(throws: BerthError.self) { try ConfigLoader.load(loop) }
        do { _ = try ConfigLoader.load(missing) } catch {
            #expect(error.message == "\(missing):2: config file \(dir.path)/nowhere.conf does not exist")
        }
        do { _ = try ConfigLoader.load(badInner) } catch {
            #expect(error.message.hasPrefix("\(dir.path)/inner.conf:1: unknown key lxc.ttyy.max"))
        }
    }

    @Test func commandLineOverridesComeLastAndAreChecked() throws {
        let dir = try ScratchDirectory()
        let file = try dir.write("c.conf", "lxc.uts.name = a\n")
        let config = try ConfigLoader.load(file, overrides: ["lxc.uts.name=b", "lxc.cap.drop = sys_time"])
        #expect(config.utsName == "b")
        #expect(config.values("lxc.cap.drop") == ["sys_time"])
        do { _ = try ConfigLoader.load(file, overrides: ["lxc.tty.max=x"]) } catch {
            #expect(error.message == "command line -s:1: bad value for lxc.tty.max: expected a non-negative number, got 'x'")
        }
        #expect(throws: BerthError.self) { try ConfigLoader.load(file, overrides: ["garbage"]) }
    }
}

/// Typed reads take their defaults from the key table and nowhere else.
@Suite struct TypedConfigValueTests {
    @Test func unsetKeysGiveTheTablesDefaults() throws {
        let config = try ConfigLoader.load(text: "lxc.uts.name = x\n", file: "t.conf")
        for key in ["lxc.tty.max", "lxc.pty.max", "lxc.init.uid", "lxc.hook.version"] {
            let declared = try #require(ConfigKeyTable.lookup(key)?.defaultValue)
            #expect(try config.unsigned(key) == UInt64(declared), "\(key)")
        }
        #expect(try config.size("lxc.console.size") == 1 << 20)
        #expect(try config.size("lxc.console.buffer.size") == 128 << 10)
        #expect(config.boolean("lxc.autodev") && !config.boolean("lxc.ephemeral"))
        #expect(try config.signal("lxc.signal.stop") == SIGKILL)
        #expect(try config.signal("lxc.signal.halt") == nil, "halt is detected at stop time, not defaulted")
        #expect(config.effective("lxc.init.cmd") == "/sbin/init")
    }

    @Test func setValuesAndAutoWin() throws {
        let config = try ConfigLoader.load(text: "lxc.tty.max = 4\nlxc.console.size = auto\nlxc.console.buffer.size = 1M\nlxc.signal.stop = SIGTERM\nlxc.autodev = 0\n", file: "t.conf")
        #expect(try config.unsigned("lxc.tty.max") == 4)
        #expect(try config.size("lxc.console.size") == 1 << 20, "auto is the default")
        #expect(try config.size("lxc.console.buffer.size") == 1 << 20)
        #expect(try config.signal("lxc.signal.stop") == SIGTERM)
        #expect(!config.boolean("lxc.autodev"))
    }
}
