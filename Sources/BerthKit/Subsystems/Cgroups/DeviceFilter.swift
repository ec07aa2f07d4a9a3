import SystemPackage

/// Device rules (`lxc.cgroup.devices.allow/deny`, LXC's `TYPE MAJOR:MINOR ACCESS` lines) as a
/// cgroup v2 eBPF device program, for hosts where no v1 devices controller exists.
///
/// Meaning, as LXC's configs use the keys: rules apply in order and the last one that matches a
/// request decides; `devices.deny = a` (or `a *:* rwm`) makes "deny" the default for everything
/// after it (and drops earlier rules); otherwise the default is "allow". An allow rule matches a
/// request whose access it fully covers; a deny rule matches a request that asks for any of the
/// access it names.
public struct DeviceFilter: Sendable, Equatable {
    public struct Rule: Sendable, Equatable {
        public let allow: Bool
        /// 0 for any (`a`), 1 block (`b`), 2 character (`c`): BPF_DEVCG_DEV_* values.
        public let type: Int32
        /// nil for `*`.
        public let major: Int32?
        public let minor: Int32?
        /// BPF_DEVCG_ACC_* bits: 1 mknod, 2 read, 4 write.
        public let access: Int32
    }

    public private(set) var defaultAllow = true
    public private(set) var rules: [Rule] = []

    public init() {}

    /// Adds one config line; `origin` names it in errors.
    public mutating func add(allow: Bool, _ text: String, origin: String) throws(BerthError) {
        let bad = BerthError(.invalidConfig, "\(origin): '\(text)' is not a device rule (TYPE MAJOR:MINOR ACCESS, e.g. 'c 1:3 rwm', or 'a')")
        let words = text.split(separator: " ").map(String.init)
        guard let first = words.first, ["a", "b", "c"].contains(first) else { throw bad }
        let type: Int32 = first == "a" ? 0 : (first == "b" ? 1 : 2)
        var major: Int32?, minor: Int32?
        var access: Int32 = 7
        if words.count >= 2 {
            let numbers = words[1].split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard numbers.count == 2 else { throw bad }
            if numbers[0] != "*" { guard let n = Int32(numbers[0]) else { throw bad }; major = n }
            if numbers[1] != "*" { guard let n = Int32(numbers[1]) else { throw bad }; minor = n }
        }
        if words.count >= 3 {
            access = 0
            for letter in words[2] {
                switch letter {
                case "m": access |= 1
                case "r": access |= 2
                case "w": access |= 4
                default: throw bad
                }
            }
        }
        guard words.count <= 3 else { throw bad }
        if type == 0 && major == nil && minor == nil && access == 7 {
            // `a`: everything; it resets the list and sets the default.
            rules = []
            defaultAllow = allow
            return
        }
        rules.append(Rule(allow: allow, type: type, major: major, minor: minor, access: access))
    }

    /// The program: 8-byte BPF instructions (code, registers, offset, immediate).
    public var instructions: [UInt64] {
        var program: [UInt64] = [
            // r2 = type, r3 = access, r4 = major, r5 = minor (struct bpf_cgroup_dev_ctx in r1).
            DeviceFilter.insn(0x61, dst: 2, src: 1, off: 0, imm: 0),  // r2 = *(u32 *)(r1 + 0)
            DeviceFilter.insn(0x54, dst: 2, imm: 0xFFFF),               // w2 &= 0xffff
            DeviceFilter.insn(0x61, dst: 3, src: 1, off: 0, imm: 0),  // r3 = *(u32 *)(r1 + 0)
            DeviceFilter.insn(0x74, dst: 3, imm: 16),                   // w3 >>= 16
            DeviceFilter.insn(0x61, dst: 4, src: 1, off: 4, imm: 0),  // r4 = major
            DeviceFilter.insn(0x61, dst: 5, src: 1, off: 8, imm: 0),  // r5 = minor
        ]
        // The last matching rule decides, so the rules are tested from the last one back.
        for rule in rules.reversed() {
            var block: [(code: UInt8, dst: UInt8, src: UInt8, imm: Int32, jumpsToNext: Bool)] = []
            if rule.type != 0 { block.append((0x55, 2, 0, rule.type, true)) }          // if r2 != type goto next
            if rule.allow {
                if rule.access != 7 {
                    block.append((0xbc, 0, 3, 0, false))                               // w0 = w3
                    block.append((0x54, 0, 0, ~rule.access & 7, false))                // w0 &= ~access
                    block.append((0x55, 0, 0, 0, true))                                // if r0 != 0 goto next
                }
            } else {
                block.append((0xbc, 0, 3, 0, false))                                   // w0 = w3
                block.append((0x54, 0, 0, rule.access, false))                         // w0 &= access
                block.append((0x15, 0, 0, 0, true))                                    // if r0 == 0 goto next
            }
            if let major = rule.major { block.append((0x55, 4, 0, major, true)) }     // if r4 != major goto next
            if let minor = rule.minor { block.append((0x55, 5, 0, minor, true)) }     // if r5 != minor goto next
            block.append((0xb7, 0, 0, rule.allow ? 1 : 0, false))                      // r0 = verdict
            block.append((0x95, 0, 0, 0, false))                                       // exit
            for (index, item) in block.enumerated() {
                // A jump's offset counts the instructions after it: the rest of this block.
                let offset = item.jumpsToNext ? Int16(block.count - index - 1) : 0
                program.append(DeviceFilter.insn(item.code, dst: item.dst, src: item.src, off: offset, imm: item.imm))
            }
        }
        program.append(DeviceFilter.insn(0xb7, dst: 0, imm: defaultAllow ? 1 : 0))   // r0 = default
        program.append(DeviceFilter.insn(0x95, dst: 0, imm: 0))                      // exit
        return program
    }

    static func insn(_ code: UInt8, dst: UInt8, src: UInt8 = 0, off: Int16 = 0, imm: Int32) -> UInt64 {
        // struct bpf_insn, little-endian: code, dst_reg:4 | src_reg:4 << 4, off, imm.
        UInt64(code) | UInt64(dst & 0xF) << 8 | UInt64(src & 0xF) << 12
            | UInt64(UInt16(bitPattern: off)) << 16 | UInt64(UInt32(bitPattern: imm)) << 32
    }

    /// Loads the program and attaches it to the cgroup2 directory `directory`. The attachment
    /// lives as long as the cgroup; the program's descriptor is closed here.
    public func attach(to directory: String) throws(BerthError) {
        let fd = try DeviceProgram.load(instructions)
        defer { fd.closeQuietly() }
        let cgroup = try FileSystem.open(directory, O_RDONLY | O_DIRECTORY, display: "cgroup \(directory)")
        defer { cgroup.closeQuietly() }
        try DeviceProgram.attach(fd, to: cgroup, display: directory)
    }
}
