/// The layers of an overlay rootfs, `lxc.rootfs.path = overlay:LOWER:UPPER`: a read-only lower
/// directory (usually another container's rootfs), the container's own upper directory
/// (`<container>/overlay/delta`) and overlayfs's work directory beside it. The older LXC form,
/// `overlayfs:LOWER:<container>/delta0`, has its work directory at `<container>/olwork`.
public struct OverlayLayers: Sendable, Equatable {
    public let lower: String
    public let upper: String

    public init(lower: String, upper: String) {
        self.lower = lower
        self.upper = upper
    }

    /// nil unless `spec` is an overlay with two absolute paths.
    public init?(_ spec: RootfsSpec) {
        guard spec.backend == "overlay" else { return nil }
        let parts = spec.location.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2, parts.allSatisfy({ $0.hasPrefix("/") }) else { return nil }
        self.init(lower: parts[0], upper: parts[1])
    }

    public var work: String {
        let parent = Path.parent(upper)
        return upper.hasSuffix("/delta0") ? Path.join(parent, "olwork") : Path.join(parent, "work")
    }

    /// The `lxc.rootfs.path` value.
    public var spec: String { "overlay:\(lower):\(upper)" }

    /// The mount options, or an error naming a path overlayfs cannot take (its option syntax
    /// uses `,` and `:` as separators).
    func mountOptions() throws(BerthError) -> String {
        for path in [lower, upper, work] where path.contains(",") || path.contains(":") {
            throw BerthError(.invalidConfig, "overlay path \(path) contains ',' or ':', which overlayfs mount options cannot carry")
        }
        return "lowerdir=\(lower),upperdir=\(upper),workdir=\(work)"
    }
}
