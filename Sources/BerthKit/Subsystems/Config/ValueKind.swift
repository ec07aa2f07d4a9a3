/// The shape a config value must have. `check` returns nil when the value fits, otherwise a
/// short reason that the loader puts after the file, line and key.
public enum ValueKind: Sendable {
    case text, path, command, boolean, unsigned, integer, signal, capabilities, idmap, hwaddr,
         ipv4Address, ipv6Address, ipv4Gateway, ipv6Gateway, mountAuto, mountEntry, logLevel,
         architecture, prlimit, namespaces, interfaceName, size, hostname
    case choice([String])

    /// A few words for the man page.
    public var shape: String {
        switch self {
        case .text: return "text"
        case .path: return "path"
        case .command: return "command"
        case .boolean: return "0 or 1"
        case .unsigned: return "number"
        case .integer: return "integer"
        case .signal: return "signal (SIGPWR, 30, SIGRTMIN+3)"
        case .capabilities: return "capability names"
        case .idmap: return "u|g|b NSID HOSTID RANGE"
        case .hwaddr: return "MAC address, x for random"
        case .ipv4Address: return "ADDR/PREFIX [BROADCAST]"
        case .ipv6Address: return "ADDR/PREFIX"
        case .ipv4Gateway, .ipv6Gateway: return "address, auto or dev"
        case .mountAuto: return "proc:… sys:… cgroup:…"
        case .mountEntry: return "fstab line"
        case .logLevel: return "level name or 0-8"
        case .architecture: return "architecture"
        case .prlimit: return "SOFT[:HARD], unlimited"
        case .namespaces: return "namespace names"
        case .interfaceName: return "interface name"
        case .size: return "bytes, or 64K 512M 1G"
        case .hostname: return "hostname, at most 64 bytes"
        case .choice(let options): return options.joined(separator: "|")
        }
    }

    public func check(_ value: String) -> String? {
        switch self {
        case .text, .command:
            return nil
        case .hostname:
            // sethostname(2) takes at most 64 bytes; a longer one would fail every start.
            if value.utf8.count > 64 { return "a hostname has at most 64 bytes, this one has \(value.utf8.count)" }
            return value.contains("/") || value.unicodeScalars.contains(where: { $0.value < 0x21 || $0.value == 0x7f }) ? "a hostname cannot contain blanks, control characters or '/'" : nil
        case .path:
            return value.contains("\0") ? "a path cannot contain NUL" : nil
        case .boolean:
            return value == "0" || value == "1" ? nil : "expected 0 or 1, got '\(value)'"
        case .unsigned:
            return UInt64(value) != nil ? nil : "expected a non-negative number, got '\(value)'"
        case .integer:
            return Int64(value) != nil ? nil : "expected an integer, got '\(value)'"
        case .size:
            // `auto`: the key's default, as LXC allows for its sizes.
            return value == "auto" || SizeParser.bytes(value) != nil ? nil : "expected a size such as 500000, 64K, 512M or 1G, got '\(value)'"
        case .signal:
            return SignalName.number(value) != nil ? nil : "unknown signal '\(value)'"
        case .capabilities:
            for name in value.splitWords() {
                if name == "none" { continue }  // lxc.cap.keep = none keeps nothing
                if CapabilityName.number(String(name)) == nil { return "unknown capability '\(name)'" }
            }
            return nil
        case .idmap:
            let parts = value.splitWords()
            guard parts.count == 4, ["u", "g", "b"].contains(parts[0]) else {
                return "expected 'u|g|b NSID HOSTID RANGE', got '\(value)'"
            }
            guard let range = UInt32(parts[3]), range > 0, UInt32(parts[1]) != nil, UInt32(parts[2]) != nil else {
                return "NSID, HOSTID and RANGE must be numbers and RANGE at least 1, got '\(value)'"
            }
            return nil
        case .hwaddr:
            return MACAddress.isPattern(value) ? nil : "expected a MAC address such as 10:66:6a:xx:xx:xx, got '\(value)'"
        case .ipv4Address:
            return IPAddress.checkIPv4WithPrefix(value)
        case .ipv6Address:
            return IPAddress.checkIPv6WithPrefix(value)
        case .ipv4Gateway:
            return value == "auto" || value == "dev" || IPAddress.parseIPv4(value) != nil ? nil : "expected an IPv4 address, auto or dev, got '\(value)'"
        case .ipv6Gateway:
            return value == "auto" || value == "dev" || IPAddress.parseIPv6(value) != nil ? nil : "expected an IPv6 address, auto or dev, got '\(value)'"
        case .mountAuto:
            return MountAuto.check(value)
        case .mountEntry:
            let fields = value.splitWords()
            return fields.count >= 4 ? nil : "expected 'SOURCE TARGET TYPE OPTIONS [DUMP PASS]', got '\(value)'"
        case .logLevel:
            return LogLevel(value) != nil ? nil : "unknown log level '\(value)' (trace, debug, info, notice, warn, error, crit, alert, fatal or 0-8)"
        case .architecture:
            return Architecture.known.contains(value) ? nil : "unknown architecture '\(value)'"
        case .prlimit:
            let parts = value.splitBytes(UInt8(ascii: ":"), omittingEmpty: false)
            guard parts.count <= 2, parts.allSatisfy({ $0 == "unlimited" || UInt64($0) != nil }) else {
                return "expected SOFT[:HARD] as numbers or 'unlimited', got '\(value)'"
            }
            return nil
        case .namespaces:
            for name in value.splitWords() where !Namespace.names.contains(String(name)) {
                return "unknown namespace '\(name)' (\(Namespace.names.joined(separator: ", ")))"
            }
            return nil
        case .interfaceName:
            // IFNAMSIZ is 16 including the NUL.
            if value.utf8.count > 15 { return "interface name '\(value)' is longer than 15 characters" }
            if value.contains("/") || value.contains(" ") { return "interface name '\(value)' contains '/' or a space" }
            return nil
        case .choice(let options):
            return options.contains(value) ? nil : "expected one of \(options.joined(separator: ", ")), got '\(value)'"
        }
    }
}

/// Sizes with an optional binary suffix: `500000`, `64K`, `512M`, `1G`, `2T`.
public enum SizeParser {
    public static func bytes(_ text: String) -> UInt64? {
        var digits = Substring(text)
        if let last = digits.last, last == "i" || last == "I" { digits = digits.dropLast() }  // 64Ki
        let multipliers: [Character: UInt64] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40]
        guard let last = digits.last else { return nil }
        guard let multiplier = multipliers[Character(last.uppercased())] else {
            return digits.count == text.count ? UInt64(text) : nil
        }
        guard let n = UInt64(digits.dropLast()) else { return nil }
        let (result, overflow) = n.multipliedReportingOverflow(by: multiplier)
        return overflow ? nil : result
    }
}

/// `lxc.mount.auto` tokens.
enum MountAuto {
    static let tokens: Set<String> = [
        "proc", "proc:mixed", "proc:rw",
        "sys", "sys:ro", "sys:mixed", "sys:rw",
        "cgroup", "cgroup:mixed", "cgroup:ro", "cgroup:rw",
        "cgroup:mixed:force", "cgroup:ro:force", "cgroup:rw:force", "cgroup:force",
        "cgroup-full", "cgroup-full:mixed", "cgroup-full:ro", "cgroup-full:rw",
        "cgroup-full:mixed:force", "cgroup-full:ro:force", "cgroup-full:rw:force", "cgroup-full:force",
        "cgroup2", "cgroup2:ro", "cgroup2:force", "cgroup2:ro:force",
    ]

    static func check(_ value: String) -> String? {
        for token in value.splitWords() {
            if tokens.contains(String(token)) || token.hasPrefix("shmounts:") { continue }
            return "unknown lxc.mount.auto entry '\(token)'"
        }
        return nil
    }
}

/// Architectures `lxc.arch` accepts.
enum Architecture {
    static let known: Set<String> = [
        "x86", "i386", "i486", "i586", "i686", "x86_64", "amd64", "arm", "armel", "armhf", "armv7l",
        "arm64", "aarch64", "ppc", "powerpc", "ppc64", "ppc64el", "ppc64le", "powerpc64", "s390x",
        "mips", "mipsel", "mips64", "mips64el", "riscv64", "linux32", "linux64",
    ]
}

/// Namespace names as `lxc.namespace.*` spells them.
public enum Namespace {
    public static let names = ["cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"]
}
