/// Turns a container's `lxc.cgroup.*` (v1 file names) and `lxc.cgroup2.*` (v2 file names) into
/// the files to write on this host. A key for the version a controller really runs on is written
/// as it is (sizes like `64M` become bytes); a key for the other version is translated when the
/// two mean the same thing (memory limit and swap, cpu weight and quota, cpuset, pids, io weight
/// and throttles); anything else is an error naming the key. Nothing is silently dropped.
public struct CgroupTranslator: Sendable {
    /// One setting as configured.
    public struct Setting: Sendable, Equatable {
        public let version: CgroupWrite.Version
        public let file: String
        public let value: String
        public let origin: String

        public init(_ version: CgroupWrite.Version, _ file: String, _ value: String, origin: String) {
            self.version = version
            self.file = file
            self.value = value
            self.origin = origin
        }

        var controller: String { String(file.split(separator: ".", maxSplits: 1).first ?? "") }
    }

    public let layout: CgroupLayout

    public init(layout: CgroupLayout) { self.layout = layout }

    /// The settings of `config`, in the order configured. `origin` describes a key's line.
    public static func settings(of config: ContainerConfig, origin: (String) -> String) -> [Setting] {
        var seen: Set<String> = []
        var settings: [Setting] = []
        for entry in config.entries where !seen.contains(entry.key) {
            seen.insert(entry.key)
            let version: CgroupWrite.Version
            let file: String
            if entry.key.hasPrefix("lxc.cgroup2.") {
                version = .v2
                file = String(entry.key.dropFirst("lxc.cgroup2.".count))
            } else if entry.key.hasPrefix("lxc.cgroup."), !entry.key.hasPrefix("lxc.cgroup.dir"), entry.key != "lxc.cgroup.relative" {
                version = .v1
                file = String(entry.key.dropFirst("lxc.cgroup.".count))
            } else {
                continue
            }
            for value in config.values(entry.key) {
                settings.append(Setting(version, file, value, origin: origin(entry.key)))
            }
        }
        return settings
    }

    /// The writes for `settings`, in an order the kernel accepts (cpuset cpus before mems, the
    /// memory limit before the memory+swap limit, the cpu period before the quota).
    public func writes(for settings: [Setting]) throws(BerthError) -> [CgroupWrite] {
        var writes: [CgroupWrite] = []
        for setting in settings { writes += try translate(setting, among: settings) }
        return writes.enumerated().sorted { a, b in
            let (pa, pb) = (CgroupTranslator.priority(a.element.file), CgroupTranslator.priority(b.element.file))
            return pa != pb ? pa < pb : a.offset < b.offset
        }.map(\.element)
    }

    static func priority(_ file: String) -> Int {
        switch file {
        case "cpuset.cpus": return 0
        case "cpuset.mems": return 1
        case "memory.limit_in_bytes", "memory.max": return 2
        case "memory.memsw.limit_in_bytes", "memory.swap.max": return 3
        case "cpu.cfs_period_us": return 4
        case "cpu.cfs_quota_us": return 5
        default: return 6
        }
    }

    /// v1 controller names whose v2 counterpart has another name.
    static let v2Name = ["blkio": "io", "cpuacct": "cpu"]
    static let v1Name = ["io": "blkio"]

    private func translate(_ setting: Setting, among all: [Setting]) throws(BerthError) -> [CgroupWrite] {
        let controller = setting.controller
        switch setting.version {
        case .v1:
            if case .v1? = layout.location(of: controller) {
                return [CgroupWrite(.v1, setting.file, try v1Value(setting), origin: setting.origin)]
            }
            guard layout.v2MountPoint != nil else { throw unavailable(setting, controller) }
            return try toV2(setting, among: all)
        case .v2:
            if controller == "devices" && layout.location(of: "devices") == nil && layout.v2MountPoint != nil {
                return [try deviceRule(setting)]
            }
            if case .v2? = layout.location(of: controller) {
                return [CgroupWrite(.v2, setting.file, try v2Value(setting), origin: setting.origin)]
            }
            let v1Controller = CgroupTranslator.v1Name[controller] ?? controller
            guard case .v1? = layout.location(of: v1Controller) else { throw unavailable(setting, controller) }
            return try toV1(setting, among: all)
        }
    }

    // MARK: v1 keys on a v2 controller

    private func toV2(_ s: Setting, among all: [Setting]) throws(BerthError) -> [CgroupWrite] {
        func write(_ file: String, _ value: String) throws(BerthError) -> [CgroupWrite] {
            let controller = String(file.split(separator: ".").first ?? "")
            guard case .v2? = layout.location(of: controller) else { throw unavailable(s, controller) }
            return [CgroupWrite(.v2, file, value, origin: s.origin)]
        }
        switch s.file {
        case "memory.limit_in_bytes":
            return try write("memory.max", try bytesOrMax(s))
        case "memory.memsw.limit_in_bytes":
            let total = try bytesOrMax(s)
            guard let limitSetting = all.last(where: { $0.version == .v1 && $0.file == "memory.limit_in_bytes" }) else {
                throw BerthError(.invalidConfig, "\(s.origin): cgroup v2 limits swap alone (memory.swap.max); translating memory+swap needs lxc.cgroup.memory.limit_in_bytes as well, or use lxc.cgroup2.memory.swap.max")
            }
            let limit = try bytesOrMax(limitSetting)
            if total == "max" { return try write("memory.swap.max", "max") }
            guard let t = UInt64(total), let l = UInt64(limit), t >= l else {
                throw BerthError(.invalidConfig, "\(s.origin): memory+swap (\(s.value)) must be at least the memory limit (\(limitSetting.value))")
            }
            return try write("memory.swap.max", String(t - l))
        case "memory.soft_limit_in_bytes":
            throw BerthError(.invalidConfig, "\(s.origin): cgroup v2 has no soft limit (memory.low protects memory, memory.high throttles above it); this host runs memory on cgroup v2, so say which one you mean with lxc.cgroup2.memory.low or lxc.cgroup2.memory.high")
        case "cpu.shares":
            let shares = try number(s, in: 2...262_144)
            return try write("cpu.weight", String(1 + ((shares - 2) * 9999) / 262_142))
        case "cpu.cfs_quota_us":
            let quota = try signedNumber(s)
            let period = try all.last(where: { $0.version == .v1 && $0.file == "cpu.cfs_period_us" }).map { (p) throws(BerthError) in try number(p, in: 1000...1_000_000) } ?? 100_000
            return try write("cpu.max", "\(quota < 0 ? "max" : String(quota)) \(period)")
        case "cpu.cfs_period_us":
            // Written together with the quota when there is one.
            if all.contains(where: { $0.version == .v1 && $0.file == "cpu.cfs_quota_us" }) { return [] }
            return try write("cpu.max", "max \(try number(s, in: 1000...1_000_000))")
        case "cpuset.cpus", "cpuset.mems", "pids.max":
            return try write(s.file, s.value)
        case "blkio.weight":
            let weight = try number(s, in: 10...1000)
            return try write("io.weight", String(1 + ((weight - 10) * 9999) / 990))
        case "blkio.throttle.read_bps_device", "blkio.throttle.write_bps_device",
             "blkio.throttle.read_iops_device", "blkio.throttle.write_iops_device":
            let key = ["blkio.throttle.read_bps_device": "rbps", "blkio.throttle.write_bps_device": "wbps",
                       "blkio.throttle.read_iops_device": "riops", "blkio.throttle.write_iops_device": "wiops"][s.file] ?? ""
            let parts = s.value.split(separator: " ")
            guard parts.count == 2, parts[0].contains(":"), UInt64(parts[1]) != nil else {
                throw BerthError(.invalidConfig, "\(s.origin): expected 'MAJOR:MINOR BYTES', got '\(s.value)'")
            }
            return try write("io.max", "\(parts[0]) \(key)=\(parts[1])")
        case "devices.allow", "devices.deny":
            return [try deviceRule(s)]
        default:
            guard case .v2? = layout.location(of: CgroupTranslator.v2Name[s.controller] ?? s.controller) else {
                throw unavailable(s, s.controller)
            }
            throw BerthError(.invalidConfig, "\(s.origin): the \(s.controller) controller runs on cgroup v2 here and \(s.file) has no v2 equivalent Berth knows; set the v2 file with lxc.cgroup2.*")
        }
    }

    // MARK: v2 keys on a v1 controller

    private func toV1(_ s: Setting, among all: [Setting]) throws(BerthError) -> [CgroupWrite] {
        func write(_ file: String, _ value: String) -> CgroupWrite { CgroupWrite(.v1, file, value, origin: s.origin) }
        switch s.file {
        case "memory.max":
            let value = try bytesOrMax(s)
            return [write("memory.limit_in_bytes", value == "max" ? "-1" : value)]
        case "memory.swap.max":
            let swap = try bytesOrMax(s)
            if swap == "max" { return [write("memory.memsw.limit_in_bytes", "-1")] }
            guard let limitSetting = all.last(where: { $0.version == .v2 && $0.file == "memory.max" }),
                  let limit = UInt64(try bytesOrMax(limitSetting)), let extra = UInt64(swap) else {
                throw BerthError(.invalidConfig, "\(s.origin): cgroup v1 limits memory+swap together; translating memory.swap.max needs a numeric lxc.cgroup2.memory.max as well")
            }
            return [write("memory.memsw.limit_in_bytes", String(limit + extra))]
        case "memory.high", "memory.low", "memory.min":
            throw BerthError(.invalidConfig, "\(s.origin): cgroup v1 has no \(s.file) (this host runs memory on v1); use lxc.cgroup.memory.limit_in_bytes or lxc.cgroup.memory.soft_limit_in_bytes")
        case "cpu.weight":
            let weight = try number(s, in: 1...10_000)
            return [write("cpu.shares", String(2 + ((weight - 1) * 262_142) / 9999))]
        case "cpu.max":
            let parts = s.value.split(separator: " ").map(String.init)
            guard (1...2).contains(parts.count), parts[0] == "max" || Int(parts[0]) != nil,
                  parts.count == 1 || Int(parts[1]) != nil else {
                throw BerthError(.invalidConfig, "\(s.origin): expected 'QUOTA|max [PERIOD]', got '\(s.value)'")
            }
            var writes: [CgroupWrite] = []
            if parts.count == 2 { writes.append(write("cpu.cfs_period_us", parts[1])) }
            writes.append(write("cpu.cfs_quota_us", parts[0] == "max" ? "-1" : parts[0]))
            return writes
        case "cpuset.cpus", "cpuset.mems", "pids.max":
            return [write(s.file, s.value)]
        case "io.weight":
            let text = s.value.hasPrefix("default ") ? String(s.value.dropFirst(8)) : s.value
            let weight = try number(Setting(s.version, s.file, text, origin: s.origin), in: 1...10_000)
            return [write("blkio.weight", String(10 + ((weight - 1) * 990) / 9999))]
        case "io.max":
            let parts = s.value.split(separator: " ").map(String.init)
            guard parts.count >= 2, parts[0].contains(":") else {
                throw BerthError(.invalidConfig, "\(s.origin): expected 'MAJOR:MINOR rbps=N wbps=N riops=N wiops=N', got '\(s.value)'")
            }
            let files = ["rbps": "blkio.throttle.read_bps_device", "wbps": "blkio.throttle.write_bps_device",
                         "riops": "blkio.throttle.read_iops_device", "wiops": "blkio.throttle.write_iops_device"]
            var writes: [CgroupWrite] = []
            for pair in parts.dropFirst() {
                let kv = pair.split(separator: "=", maxSplits: 1).map(String.init)
                guard kv.count == 2, let file = files[kv[0]] else {
                    throw BerthError(.invalidConfig, "\(s.origin): unknown io.max limit '\(pair)' (rbps, wbps, riops, wiops)")
                }
                writes.append(write(file, "\(parts[0]) \(kv[1] == "max" ? "0" : kv[1])"))
            }
            return writes
        default:
            throw BerthError(.invalidConfig, "\(s.origin): the \(CgroupTranslator.v1Name[s.controller] ?? s.controller) controller runs on cgroup v1 here and \(s.file) has no v1 equivalent Berth knows; set the v1 file with lxc.cgroup.*")
        }
    }

    /// A device rule for the eBPF device filter of a cgroup v2 host (see DeviceFilter), checked
    /// now so that a malformed rule fails before anything is made.
    private func deviceRule(_ s: Setting) throws(BerthError) -> CgroupWrite {
        var probe = DeviceFilter()
        try probe.add(allow: s.file == "devices.allow", s.value, origin: s.origin)
        guard s.file == "devices.allow" || s.file == "devices.deny" else {
            throw BerthError(.invalidConfig, "\(s.origin): only devices.allow and devices.deny exist")
        }
        return CgroupWrite(.v2, s.file, s.value, origin: s.origin)
    }

    // MARK: values

    private func unavailable(_ s: Setting, _ controller: String) -> BerthError {
        BerthError(.unsupported, "\(s.origin): the \(controller) controller is not available on this host (cgroup layout: \(layout.kind.rawValue))")
    }

    /// v1 values: sizes with a suffix become bytes for the `*_in_bytes` files.
    private func v1Value(_ s: Setting) throws(BerthError) -> String {
        guard s.file.hasSuffix("_in_bytes") else { return s.value }
        if s.value == "-1" { return "-1" }
        guard let bytes = SizeParser.bytes(s.value) else {
            throw BerthError(.invalidConfig, "\(s.origin): '\(s.value)' is not a size (bytes, or with K, M, G, T; -1 for no limit)")
        }
        return String(bytes)
    }

    /// v2 values: sizes with a suffix become bytes for the memory limits.
    private func v2Value(_ s: Setting) throws(BerthError) -> String {
        guard ["memory.max", "memory.high", "memory.low", "memory.min", "memory.swap.max", "memory.swap.high"].contains(s.file) else { return s.value }
        return try bytesOrMax(s)
    }

    /// A size in bytes, or `max` (from `max` or `-1`).
    private func bytesOrMax(_ s: Setting) throws(BerthError) -> String {
        if s.value == "max" || s.value == "-1" { return "max" }
        guard let bytes = SizeParser.bytes(s.value) else {
            throw BerthError(.invalidConfig, "\(s.origin): '\(s.value)' is not a size (bytes, or with K, M, G, T; max or -1 for no limit)")
        }
        return String(bytes)
    }

    private func number(_ s: Setting, in range: ClosedRange<Int>) throws(BerthError) -> Int {
        guard let n = Int(s.value), range.contains(n) else {
            throw BerthError(.invalidConfig, "\(s.origin): '\(s.value)' is not a number from \(range.lowerBound) to \(range.upperBound)")
        }
        return n
    }

    private func signedNumber(_ s: Setting) throws(BerthError) -> Int {
        guard let n = Int(s.value), n == -1 || n >= 1000 else {
            throw BerthError(.invalidConfig, "\(s.origin): '\(s.value)' is not a quota (-1, or microseconds from 1000)")
        }
        return n
    }
}
