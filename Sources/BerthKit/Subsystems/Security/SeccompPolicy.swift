/// A seccomp policy in LXC's file format (`lxc.seccomp.profile`), parsed:
///
///     2
///     denylist                 (or allowlist / blacklist / whitelist, optionally with a default action)
///     reject_force_umount      # umount2 with MNT_FORCE fails with EACCES
///     [all]                    (sections: [all], [x86_64], [amd64], ... rules of other
///     kexec_load errno 1        architectures are skipped)
///     umount2 errno 13 [1,2,SCMP_CMP_MASKED_EQ,2]
///
/// Version 1 is an allowlist of syscall numbers. Actions: `errno N`, `kill`, `trap`, `allow`,
/// `log`; `notify` is refused (a notification proxy is not supported). Up to six argument
/// filters `[index,value,op]` or `[index,value,SCMP_CMP_MASKED_EQ,mask]` per rule.
public struct SeccompPolicy: Sendable, Equatable {
    public enum Action: Sendable, Equatable {
        case allow, kill, trap, log
        case errno(Int32)
    }

    public struct Comparison: Sendable, Equatable {
        public enum Operator: String, Sendable, CaseIterable {
            case ne = "SCMP_CMP_NE", lt = "SCMP_CMP_LT", le = "SCMP_CMP_LE", eq = "SCMP_CMP_EQ"
            case ge = "SCMP_CMP_GE", gt = "SCMP_CMP_GT", maskedEq = "SCMP_CMP_MASKED_EQ"
        }
        public let argument: UInt32
        public let op: Operator
        public let value: UInt64
        /// For MASKED_EQ: (argument & mask) == value.
        public let mask: UInt64
    }

    public struct Rule: Sendable, Equatable {
        /// A syscall name, or `#N` for a number (version 1 files).
        public let syscall: String
        public let action: Action
        public let comparisons: [Comparison]
    }

    /// What a syscall without a rule gets.
    public let defaultAction: Action
    public let rules: [Rule]

    public init(defaultAction: Action, rules: [Rule]) {
        self.defaultAction = defaultAction
        self.rules = rules
    }

    /// Berth's policy for containers that name none: LXC's common.seccomp, plus the other
    /// escapes the best runtimes block by default (keyrings, bpf, userfaultfd, perf, kcmp...).
    /// reboot stays allowed: in a pid namespace it ends init with SIGHUP, which is how a
    /// container reboots itself.
    public static let defaultText = """
        2
        denylist
        reject_force_umount
        [all]
        kexec_load errno 1
        kexec_file_load errno 1
        open_by_handle_at errno 1
        init_module errno 1
        finit_module errno 1
        delete_module errno 1
        keyctl errno 38
        add_key errno 38
        request_key errno 38
        bpf errno 1
        userfaultfd errno 1
        perf_event_open errno 1
        kcmp errno 1
        lookup_dcookie errno 1
        iopl errno 1
        ioperm errno 1
        swapon errno 1
        swapoff errno 1
        syslog errno 1
        acct errno 1
        settimeofday errno 1
        clock_settime errno 1
        clock_adjtime errno 1
        adjtimex errno 1
        nfsservctl errno 1
        quotactl errno 1
        """

    /// Parses `text`; `origin` names the file in errors (with the line number).
    public init(parsing text: String, origin: String, architecture: String = SeccompPolicy.hostArchitecture) throws(BerthError) {
        let lines = SeccompPolicy.contentLines(text)
        guard let (versionLine, version) = lines.first else { throw BerthError(.invalidConfig, "\(origin): empty seccomp policy") }
        func bad(_ line: Int, _ why: String) -> BerthError { BerthError(.invalidConfig, "\(origin):\(line): \(why)") }
        switch version {
        case "1":
            var rules: [Rule] = []
            for (line, text) in lines.dropFirst() {
                guard let number = UInt32(text) else { throw bad(line, "version 1 policies list syscall numbers, not '\(text)'") }
                rules.append(Rule(syscall: "#\(number)", action: .allow, comparisons: []))
            }
            self.init(defaultAction: .kill, rules: rules)
            return
        case "2":
            break
        default:
            throw bad(versionLine, "unknown seccomp policy version '\(version)' (1 or 2)")
        }
        guard lines.count >= 2 else { throw bad(versionLine, "a version 2 policy needs a second line: denylist or allowlist") }
        let (kindLine, kindText) = lines[1]
        let kindWords = SeccompPolicy.words(kindText)
        let isDenylist: Bool
        switch kindWords.first {
        case "denylist"?, "blacklist"?: isDenylist = true
        case "allowlist"?, "whitelist"?: isDenylist = false
        default: throw bad(kindLine, "expected denylist or allowlist, not '\(kindText)'")
        }
        var defaultAction: Action = isDenylist ? .allow : .kill
        if kindWords.count > 1 {
            defaultAction = try SeccompPolicy.action(Array(kindWords.dropFirst()), line: kindLine, bad: bad)
        }
        let ruleDefault: Action = isDenylist ? .kill : .allow
        var rules: [Rule] = []
        var inSection = true
        for (line, text) in lines.dropFirst(2) {
            if text.hasPrefix("[") && text.hasSuffix("]") && !text.contains(",") {
                let section = text.dropFirst().dropLast().lowercased()
                inSection = section == "all" || SeccompPolicy.aliases(architecture).contains(section)
                continue
            }
            guard inSection else { continue }
            if text == "reject_force_umount" {
                rules.append(Rule(syscall: "umount2", action: .errno(13),  // EACCES
                                  comparisons: [Comparison(argument: 1, op: .maskedEq, value: 1, mask: 1)]))  // MNT_FORCE
                continue
            }
            var words = SeccompPolicy.words(text)
            let name = words.removeFirst()
            guard name.unicodeScalars.allSatisfy({ PrintableText.isAlphanumeric($0) || $0 == "_" }) else { throw bad(line, "'\(name)' is not a syscall name") }
            let filters = words.filter { $0.hasPrefix("[") }
            let actionWords = words.filter { !$0.hasPrefix("[") }
            let action = actionWords.isEmpty ? ruleDefault : try SeccompPolicy.action(actionWords, line: line, bad: bad)
            guard filters.count <= 6 else { throw bad(line, "at most 6 argument filters per rule") }
            var comparisons: [Comparison] = []
            for filter in filters {
                let parts = filter.dropFirst().dropLast().split(separator: ",").map { String($0).trimmingSpaces() }
                guard filter.hasSuffix("]"), (3...4).contains(parts.count), let index = UInt32(parts[0]), index < 6,
                      let value = SeccompPolicy.number(parts[1]), let op = Comparison.Operator(rawValue: parts[2]) else {
                    throw bad(line, "bad argument filter '\(filter)' (expected [INDEX,VALUE,SCMP_CMP_OP] or [INDEX,VALUE,SCMP_CMP_MASKED_EQ,MASK])")
                }
                var mask: UInt64 = 0
                if op == .maskedEq {
                    guard parts.count == 4, let m = SeccompPolicy.number(parts[3]) else { throw bad(line, "SCMP_CMP_MASKED_EQ needs a mask: '\(filter)'") }
                    mask = m
                }
                comparisons.append(Comparison(argument: index, op: op, value: value, mask: mask))
            }
            rules.append(Rule(syscall: name, action: action, comparisons: comparisons))
        }
        self.init(defaultAction: defaultAction, rules: rules)
    }

    /// The lines that say something, numbered from 1: each without its `#` comment and the
    /// spaces around it. Split on the UTF-8 bytes (a start parses its policy every time; the
    /// separators are ASCII), so a line ending in CR LF is a line too.
    static func contentLines(_ text: String) -> [(Int, String)] {
        var lines: [(Int, String)] = []
        var number = 0
        // Cut on the bytes (splitBytes), not through the generic split of a UTF-8 view: the
        // default policy is read at every start.
        for raw in text.splitBytes(UInt8(ascii: "\n"), omittingEmpty: false) {
            number += 1
            let content = raw.utf8.firstIndex(of: UInt8(ascii: "#")).map { raw[..<$0] } ?? raw
            let kept = String(content).trimmingSpaces()
            if !kept.isEmpty { lines.append((number, kept)) }
        }
        return lines
    }

    /// The words of a line, split at single spaces (as LXC reads a rule).
    static func words(_ line: String) -> [String] {
        line.splitBytes(UInt8(ascii: " ")).map { String($0) }
    }

    private static func action(_ words: [String], line: Int, bad: (Int, String) -> BerthError) throws(BerthError) -> Action {
        switch words.first {
        case "errno"?:
            guard words.count == 2, let n = Int32(words[1]), n >= 0, n < 4096 else { throw bad(line, "errno needs a number from 0 to 4095") }
            return .errno(n)
        case "kill"?: return .kill
        case "trap"?: return .trap
        case "allow"?: return .allow
        case "log"?: return .log
        case "notify"?: throw bad(line, "the notify action needs a seccomp notification proxy, which Berth does not support")
        default: throw bad(line, "unknown action '\(words.joined(separator: " "))' (errno N, kill, trap, allow, log)")
        }
    }

    static func number(_ text: String) -> UInt64? {
        if text.hasPrefix("0x") { return UInt64(text.dropFirst(2), radix: 16) }
        return UInt64(text)
    }

    static func aliases(_ architecture: String) -> Set<String> {
        switch architecture {
        case "x86_64": return ["x86_64", "amd64", "x86-64"]
        case "aarch64": return ["arm64", "aarch64"]
        default: return [architecture]
        }
    }

    #if arch(x86_64)
    public static let hostArchitecture = "x86_64"
    #elseif arch(arm64)
    public static let hostArchitecture = "aarch64"
    #else
    public static let hostArchitecture = "unknown"
    #endif
}

extension String {
    /// The string without leading and trailing spaces and tabs.
    func trimmingSpaces() -> String {
        // On the UTF-8 bytes: the spaces are ASCII, so the first byte kept starts a character
        // and the one after the last byte kept is a space or the end.
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D }
        guard let first = utf8.firstIndex(where: { !isSpace($0) }), let last = utf8.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first..<utf8.index(after: last)])
    }
}
