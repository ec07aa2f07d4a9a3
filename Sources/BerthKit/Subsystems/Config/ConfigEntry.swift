/// One effective setting after includes and legacy keys are resolved, with where it came from.
public struct ConfigEntry: Sendable, Equatable {
    public let key: String
    public let value: String
    public let file: String
    public let line: Int
    /// Whether the key takes several values (ConfigKey.multiplicity): known when the loader
    /// checked the key, so the config it makes need not look the key up again.
    public let isList: Bool

    public init(key: String, value: String, file: String, line: Int, isList: Bool? = nil) {
        self.key = key
        self.value = value
        self.file = file
        self.line = line
        self.isList = isList ?? (ConfigKeyTable.lookup(key)?.multiplicity == .list)
    }

    /// `file:line` for messages.
    public var location: String { "\(file):\(line)" }
}
