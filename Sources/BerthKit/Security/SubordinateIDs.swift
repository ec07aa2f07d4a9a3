/// `/etc/subuid` and `/etc/subgid` (`name:start:count` lines): the host ids a user may hand to
/// user namespaces. A new unprivileged container takes the first range of at least 65536 ids.
enum SubordinateIDs {
    static let defaultRange = (start: UInt32(100_000), count: UInt32(65_536))

    /// The first range of `user` in `file` with at least 65536 ids, else 100000 65536 (the
    /// range Debian's useradd gives the first user, and what LXC documents).
    static func range(for user: String, file: String) -> (start: UInt32, count: UInt32) {
        delegated(to: user, file: file) ?? defaultRange
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
}
