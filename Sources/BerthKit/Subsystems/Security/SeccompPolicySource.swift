/// The seccomp policy a start or an attach applies, as its plan holds it: Berth's built-in
/// default, taken apart only when its program has to be generated, or the policy of a profile
/// file, parsed when the plan is made (a bad file fails the start before anything exists).
///
/// Why the default waits: it is the binary's own text, which the unit tests parse, so parsing it
/// cannot fail a start; and root's starts find its program in the cache (SeccompProgramCache)
/// under the binary's identity, which already names that text. Parsed up front it cost every
/// start about 275,000 instructions, a tenth of a `berth-start`'s.
public enum SeccompPolicySource: Sendable, Equatable {
    case builtIn
    case parsed(SeccompPolicy)

    /// The policy itself.
    func policy() throws(BerthError) -> SeccompPolicy {
        switch self {
        case .builtIn: return try SeccompPolicy(parsing: SeccompPolicy.defaultText, origin: "Berth's default seccomp policy")
        case .parsed(let policy): return policy
        }
    }

    /// What names the policy in a cache key, after the binary's identity: the built-in one by
    /// that name (its text is part of the binary), any other by its canonical text (which starts
    /// with "default ", so the two never meet).
    var cacheName: String {
        switch self {
        case .builtIn: return "built-in"
        case .parsed(let policy): return policy.canonicalText
        }
    }
}
