/// `/etc/subuid` and `/etc/subgid` (`name:start:count` lines): the host ids a user may hand to
/// user namespaces. A new unprivileged container takes the first range of at least 65536 ids.
enum SubordinateIDs {
    /// Where root's containers go when /etc/subuid gives root no range: above every range
    /// useradd hands out by itself (SUB_UID_MAX is 600100000 by default), so no user's
    /// delegated ids are ever a container root's.
    static let rootDefaultStart: UInt32 = 1_000_000_000

    /// Root's range from `subuid` (or `subgid`), else the first 65536 ids from
    /// `rootDefaultStart` up that no line of `subuid` and `subgid` names.
    static func rootRange(file: String, avoiding others: [String]) -> (start: UInt32, count: UInt32) {
        if let range = delegated(to: "root", uid: 0, file: file) { return range }
        let taken = ([file] + others).flatMap { ranges(in: $0) }
        var start = rootDefaultStart
        while taken.contains(where: { UInt64($0.start) < UInt64(start) + 65_536 && UInt64(start) < UInt64($0.start) + UInt64($0.count) }),
              start < UInt32.max - 2 * 65_536 {
            start += 65_536
        }
        return (start, 65_536)
    }

    /// The first range of at least 65536 ids `file` delegates to `user` (by name or uid), or nil.
    static func delegated(to user: String, uid: UInt32? = nil, file: String) -> (start: UInt32, count: UInt32)? {
        guard let text = try? FileSystem.readText(file) else { return nil }
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":")
            guard parts.count == 3, parts[0] == user || (uid.map { parts[0] == "\($0)" } ?? false),
                  let start = UInt32(parts[1]), let count = UInt32(parts[2]), count >= 65_536 else { continue }
            return (start, 65_536)
        }
        return nil
    }

    /// Every range `file` names.
    static func ranges(in file: String) -> [(start: UInt32, count: UInt32)] {
        guard let text = try? FileSystem.readText(file) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: ":")
            guard parts.count == 3, let start = UInt32(parts[1]), let count = UInt32(parts[2]) else { return nil }
            return (start, count)
        }
    }
}
