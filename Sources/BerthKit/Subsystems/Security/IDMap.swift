/// One `lxc.idmap` line: container ids `inside ..< inside+count` are host ids `outside ..<
/// outside+count`. `b` lines give both a uid and a gid mapping.
public struct IDMap: Sendable, Equatable {
    public enum Kind: Sendable, Equatable { case uid, gid }

    public let kind: Kind
    public let inside: UInt32
    public let outside: UInt32
    public let count: UInt32

    public init(kind: Kind, inside: UInt32, outside: UInt32, count: UInt32) {
        self.kind = kind
        self.inside = inside
        self.outside = outside
        self.count = count
    }

    /// Mappings in lxc-usernsexec's form, `u|g|b:NSID:HOSTID:RANGE`, checked as lxc.idmap is.
    public static func parse(colonForm values: [String], origin: String) throws(BerthError) -> [IDMap] {
        try parse(values.map { $0.split(separator: ":", omittingEmptySubsequences: false).joined(separator: " ") }, origin: origin)
    }

    /// The mappings of `values` (already checked for shape by the config loader). The container's
    /// root must be mapped for both uids and gids, and no two ranges of one kind may overlap
    /// inside or outside; `origin` names the key in errors.
    static func parse(_ values: [String], origin: String) throws(BerthError) -> [IDMap] {
        var maps: [IDMap] = []
        for value in values {
            // Cut as the loader's check cut it (ValueKind.idmap), so the two agree on every value.
            let parts = value.splitWords()
            guard parts.count == 4, let inside = UInt32(parts[1]), let outside = UInt32(parts[2]), let count = UInt32(parts[3]), count > 0 else {
                throw BerthError(.invalidConfig, "\(origin): expected 'u|g|b NSID HOSTID RANGE', got '\(value)'")
            }
            guard UInt64(inside) + UInt64(count) <= 1 << 32, UInt64(outside) + UInt64(count) <= 1 << 32 else {
                throw BerthError(.invalidConfig, "\(origin): '\(value)' runs past the largest id")
            }
            switch parts[0] {
            case "u": maps.append(IDMap(kind: .uid, inside: inside, outside: outside, count: count))
            case "g": maps.append(IDMap(kind: .gid, inside: inside, outside: outside, count: count))
            default:
                maps.append(IDMap(kind: .uid, inside: inside, outside: outside, count: count))
                maps.append(IDMap(kind: .gid, inside: inside, outside: outside, count: count))
            }
        }
        for kind in [Kind.uid, .gid] {
            let ofKind = maps.filter { $0.kind == kind }
            guard host(0, kind, in: maps) != nil else {
                throw BerthError(.invalidConfig, "\(origin): the container's root has no \(kind == .uid ? "uid" : "gid") mapping (add '\(kind == .uid ? "u" : "g") 0 HOSTID RANGE')")
            }
            for (i, a) in ofKind.enumerated() {
                for b in ofKind[(i + 1)...] where overlap(a.inside, a.count, b.inside, b.count) || overlap(a.outside, a.count, b.outside, b.count) {
                    throw BerthError(.invalidConfig, "\(origin): the \(kind == .uid ? "uid" : "gid") ranges \(a.inside)+\(a.count)→\(a.outside) and \(b.inside)+\(b.count)→\(b.outside) overlap")
                }
            }
        }
        return maps
    }

    private static func overlap(_ a: UInt32, _ n: UInt32, _ b: UInt32, _ m: UInt32) -> Bool {
        UInt64(a) < UInt64(b) + UInt64(m) && UInt64(b) < UInt64(a) + UInt64(n)
    }

    /// The host id container id `id` maps to.
    public static func host(_ id: UInt32, _ kind: Kind, in maps: [IDMap]) -> UInt32? {
        for map in maps where map.kind == kind && id >= map.inside && UInt64(id) < UInt64(map.inside) + UInt64(map.count) {
            return map.outside + (id - map.inside)
        }
        return nil
    }

    /// The text for `/proc/PID/uid_map` or `gid_map`.
    static func procText(_ maps: [IDMap], _ kind: Kind) -> String {
        maps.filter { $0.kind == kind }.map { "\($0.inside) \($0.outside) \($0.count)\n" }.joined(separator: "")
    }
}
