/// One effective setting after includes and legacy keys are resolved, with where it came from.
public struct ConfigEntry: Sendable, Equatable {
    public let key: String
    public let value: String
    public let file: String
    public let line: Int

    public init(key: String, value: String, file: String, line: Int) {
        self.key = key
        self.value = value
        self.file = file
        self.line = line
    }

    /// `file:line` for messages.
    public var location: String { "\(file):\(line)" }
}
