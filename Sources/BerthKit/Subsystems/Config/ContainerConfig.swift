/// A container's effective configuration: the entries of its config file and includes, with
/// LXC's semantics applied — single keys keep their last value, list keys accumulate and an
/// empty value clears them, `lxc.net.N.*` are grouped per interface and `lxc.net =` clears all.
public struct ContainerConfig: Sendable {
    /// Every entry in the order read (includes expanded, legacy keys translated).
    public let entries: [ConfigEntry]
    private var values: [String: [ConfigEntry]] = [:]
    /// Interfaces by index, each a map of suffix (`type`, `ipv4.address`) to values.
    private var networkValues: [Int: [String: [ConfigEntry]]] = [:]

    public init(entries: [ConfigEntry]) {
        self.entries = entries
        for entry in entries { apply(entry) }
    }

    private mutating func apply(_ entry: ConfigEntry) {
        let isList = entry.isList
        if entry.key == "lxc.net" {
            networkValues = [:]
        } else if let (index, suffix) = ConfigKeyTable.networkIndex(entry.key) {
            var nic = networkValues[index] ?? [:]
            nic[suffix] = ContainerConfig.merge(nic[suffix], entry, isList: isList)
            networkValues[index] = nic
        } else {
            values[entry.key] = ContainerConfig.merge(values[entry.key], entry, isList: isList)
        }
    }

    private static func merge(_ old: [ConfigEntry]?, _ entry: ConfigEntry, isList: Bool) -> [ConfigEntry]? {
        if entry.value.isEmpty { return nil }  // an empty value clears the key
        return isList ? (old ?? []) + [entry] : [entry]
    }

    /// The effective values of `key` (one for single keys, all for lists, none when unset).
    /// Network keys are asked for with their index: `lxc.net.0.ipv4.address`.
    public func values(_ key: String) -> [String] {
        if let (index, suffix) = ConfigKeyTable.networkIndex(key) {
            return networkValues[index]?[suffix]?.map(\.value) ?? []
        }
        return values[key]?.map(\.value) ?? []
    }

    /// The effective value of a single key, or nil. (The last entry's, read where it is kept: a
    /// plan asks this of dozens of keys, and each `values` made an array of all of them.)
    public func value(_ key: String) -> String? { origin(key)?.value }

    /// Where the effective value of `key` was set.
    public func origin(_ key: String) -> ConfigEntry? {
        if let (index, suffix) = ConfigKeyTable.networkIndex(key) { return networkValues[index]?[suffix]?.last }
        return values[key]?.last
    }

    /// Every key that has a value, in first-set order, with network keys expanded per index.
    public var setKeys: [String] {
        var seen: Set<String> = []
        var result: [String] = []
        // A key kept at all has a value: an empty one clears it (see merge).
        for entry in entries where !seen.contains(entry.key) && origin(entry.key) != nil {
            seen.insert(entry.key)
            result.append(entry.key)
        }
        return result
    }

    // MARK: typed views used by the tools

    /// `lxc.uts.name`.
    public var utsName: String? { value("lxc.uts.name") }

    /// `lxc.rootfs.path`, split into backend and location.
    public var rootfs: RootfsSpec? { value("lxc.rootfs.path").map(RootfsSpec.init(parsing:)) }

    /// `lxc.start.auto = 1`.
    public var autostart: Bool { value("lxc.start.auto") == "1" }

    public var startDelay: Int { value("lxc.start.delay").flatMap { Int($0) } ?? 0 }
    public var startOrder: Int { value("lxc.start.order").flatMap { Int($0) } ?? 0 }

    /// `lxc.group` values; each line may hold several comma- or space-separated groups.
    public var groups: [String] {
        values("lxc.group").flatMap { $0.split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init) }
    }

    /// True when the container runs in a user namespace (it has an `lxc.idmap`).
    public var isUnprivileged: Bool { !values("lxc.idmap").isEmpty }

    /// The interfaces, in index order.
    public var networks: [NetworkConfig] {
        networkValues.keys.sorted().compactMap { index in
            guard let nic = networkValues[index] else { return nil }
            return NetworkConfig(index: index, values: nic.mapValues { $0.map(\.value) })
        }
    }
}

/// An `lxc.rootfs.path` value: `dir:/path`, `/path`, `overlay:LOWER:UPPER`, `btrfs:/path`.
public struct RootfsSpec: Sendable, Equatable {
    public let backend: String
    /// The location after the backend prefix (for overlay `LOWER:UPPER`).
    public let location: String

    public init(backend: String, location: String) {
        self.backend = backend
        self.location = location
    }

    public init(parsing value: String) {
        if value.hasPrefix("/") {
            self.init(backend: "dir", location: value)
        } else if let colon = value.firstIndex(of: ":") {
            var backend = String(value[..<colon])
            if backend == "overlayfs" || backend == "aufs" { backend = "overlay" }
            self.init(backend: backend, location: String(value[value.index(after: colon)...]))
        } else {
            self.init(backend: "dir", location: value)
        }
    }

    /// The directory the container's root is at (for overlay, the upper layer's container dir is
    /// not the root; callers use `rootfsMount` instead).
    public var path: String {
        if backend == "overlay", let last = location.split(separator: ":").last { return String(last) }
        return location
    }

    public var text: String { "\(backend):\(location)" }
}

/// One `lxc.net.N` interface.
public struct NetworkConfig: Sendable, Equatable {
    public let index: Int
    public let values: [String: [String]]

    public func value(_ suffix: String) -> String? { values[suffix]?.last }
    public var type: String? { value("type") }
    public var link: String? { value("link") }
    public var name: String { value("name") ?? "eth\(index)" }
    public var hwaddr: String? { value("hwaddr") }
    /// IPv4 addresses without their broadcast part.
    public var ipv4Addresses: [String] { (values["ipv4.address"] ?? []).map { String($0.splitBytes(UInt8(ascii: " "))[0]) } }
    public var ipv6Addresses: [String] { values["ipv6.address"] ?? [] }
}
