/// One key (or family of keys) Berth understands, with what it means. The table of these
/// (`ConfigKeyTable`) validates configs and is rendered into `berth.container.conf(5)`.
public struct ConfigKey: Sendable {
    public enum Multiplicity: Sendable {
        /// The last value wins.
        case single
        /// Each line adds a value; an empty value clears the list.
        case list
    }

    /// The key as written in the man page: `lxc.uts.name`, `lxc.net.N.type`,
    /// `lxc.cgroup2.CONTROLLER.FILE`.
    public let name: String
    /// How keys are matched: exactly, or every key that starts with `prefix`.
    public let prefix: String?
    public let multiplicity: Multiplicity
    public let kind: ValueKind
    /// The man page section it is listed under.
    public let section: String
    public let summary: String
    public let defaultValue: String?
    /// nil when Berth honours the key; else why it cannot yet (or cannot on any host), said
    /// when a config sets it to anything but its default. Never accepted and ignored.
    public let refusal: String?

    init(_ name: String, _ kind: ValueKind, _ section: String, _ summary: String,
         list: Bool = false, prefix: String? = nil, default defaultValue: String? = nil, refused refusal: String? = nil) {
        self.name = name
        self.prefix = prefix
        self.multiplicity = list ? .list : .single
        self.kind = kind
        self.section = section
        self.summary = summary
        self.defaultValue = defaultValue
        self.refusal = refusal
    }
}
