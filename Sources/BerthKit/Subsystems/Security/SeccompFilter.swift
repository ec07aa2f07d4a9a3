import CSeccomp
import SystemPackage

/// A seccomp policy compiled with libseccomp into the program the kernel takes (SeccompProgram):
/// each boot's first process installs it right before init runs, and attach for the processes
/// it starts; both keep generated programs in root's cache (SeccompProgramCache).
public final class SeccompFilter: @unchecked Sendable {
    // @unchecked: the context is built once and only read afterwards (loaded or exported).
    private let context: scmp_filter_ctx
    /// Syscall names of the policy that this architecture does not have (skipped, as LXC does).
    public let unknownSyscalls: [String]

    // libseccomp's SCMP_ACT_* values; the header defines them as macros Swift does not import.
    static func value(_ action: SeccompPolicy.Action) -> UInt32 {
        switch action {
        case .allow: return 0x7fff_0000
        case .kill: return 0x8000_0000  // the whole process, not just the thread
        case .trap: return 0x0003_0000
        case .log: return 0x7ffc_0000
        case .errno(let n): return 0x0005_0000 | (UInt32(n) & 0xffff)
        }
    }

    public init(policy: SeccompPolicy, origin: String) throws(BerthError) {
        guard let context = seccomp_init(SeccompFilter.value(policy.defaultAction)) else {
            throw BerthError(.system, "\(origin): libseccomp could not start a filter")
        }
        self.context = context
        // Berth decides about no_new_privs (lxc.no_new_privs); root may load filters without it.
        _ = seccomp_attr_set(context, SCMP_FLTATR_CTL_NNP, 0)
        var unknown: [String] = []
        for rule in policy.rules {
            let number: Int32
            if rule.syscall.hasPrefix("#") {
                number = Int32(rule.syscall.dropFirst()) ?? -1
            } else {
                number = seccomp_syscall_resolve_name(rule.syscall)
            }
            guard number >= 0 else {
                unknown.append(rule.syscall)
                continue
            }
            // A rule that says what the default says is no rule (libseccomp refuses it).
            if rule.action == policy.defaultAction { continue }
            let comparisons = rule.comparisons.map { c in
                scmp_arg_cmp(arg: c.argument, op: SeccompFilter.op(c.op),
                             datum_a: c.op == .maskedEq ? c.mask : c.value, datum_b: c.op == .maskedEq ? c.value : 0)
            }
            let rc = comparisons.withUnsafeBufferPointer {
                seccomp_rule_add_array(context, SeccompFilter.value(rule.action), number, UInt32($0.count), $0.baseAddress)
            }
            if rc != 0 {
                throw BerthError(.invalidConfig, "\(origin): libseccomp refused the rule for \(rule.syscall): \(Errno(rawValue: -rc).berthDescription)")
            }
        }
        unknownSyscalls = unknown
    }

    deinit { seccomp_release(context) }

    static func op(_ op: SeccompPolicy.Comparison.Operator) -> scmp_compare {
        switch op {
        case .ne: return SCMP_CMP_NE
        case .lt: return SCMP_CMP_LT
        case .le: return SCMP_CMP_LE
        case .eq: return SCMP_CMP_EQ
        case .ge: return SCMP_CMP_GE
        case .gt: return SCMP_CMP_GT
        case .maskedEq: return SCMP_CMP_MASKED_EQ
        }
    }

    /// The filter as the kernel takes it (classic BPF), generated now so that installing it
    /// later is one system call. libseccomp writes it only to a descriptor: an in-memory file
    /// (a pipe could not hold a long program without a reader).
    public func program() throws(BerthError) -> SeccompProgram {
        let file = try FileData.anonymousFile("berth-seccomp")
        defer { file.closeQuietly() }
        let rc = seccomp_export_bpf(context, file.rawValue)
        if rc != 0 { throw BerthError(.system, "generating the seccomp filter: \(Errno(rawValue: -rc).berthDescription)") }
        try FileData.seek(file, to: 0, display: "the generated seccomp filter")
        return SeccompProgram(instructions: file.readToEnd())
    }
}
