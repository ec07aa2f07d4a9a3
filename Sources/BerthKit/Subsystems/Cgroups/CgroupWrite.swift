/// One controller file to write in a container's cgroup at start: `memory.max` = `268435456` in
/// the v2 tree, or `memory.limit_in_bytes` in the v1 memory hierarchy. `origin` names the config
/// line it came from, for errors.
public struct CgroupWrite: Sendable, Equatable, CustomStringConvertible {
    public enum Version: Sendable, Equatable { case v1, v2 }

    public let version: Version
    /// The controller, the part of `file` before the first dot.
    public let controller: String
    public let file: String
    public let value: String
    public let origin: String

    public init(_ version: Version, _ file: String, _ value: String, origin: String) {
        self.version = version
        self.file = file
        self.controller = String(file.split(separator: ".", maxSplits: 1).first ?? "")
        self.value = value
        self.origin = origin
    }

    public var description: String { "\(version == .v1 ? "v1" : "v2") \(file)=\(value)" }
}
