import CBerthLinux

/// Extended attributes of a path, never following a final symlink (the l* calls).
enum ExtendedAttributes {
    /// The attribute names, nil where the filesystem has none; throws on other failures.
    static func names(_ path: String, display: String) throws(BerthError) -> [String] {
        var size = berth_llistxattr(path, nil, 0)
        guard size > 0 else {
            if size < 0 && ![ENOTSUP, ENODATA].contains(errno) { throw BerthError.system("llistxattr", display, currentErrno) }
            return []
        }
        var names = [CChar](repeating: 0, count: size)
        size = berth_llistxattr(path, &names, size)
        guard size > 0 else { return [] }
        return names[0..<size].split(separator: 0).map { String(decoding: $0.map { UInt8(bitPattern: $0) }, as: UTF8.self) }
    }

    /// The value of `name`, nil when it is gone.
    static func value(_ path: String, _ name: String) -> [UInt8]? {
        let length = berth_lgetxattr(path, name, nil, 0)
        guard length >= 0 else { return nil }
        var value = [UInt8](repeating: 0, count: max(length, 1))
        let got = berth_lgetxattr(path, name, &value, length)
        return got >= 0 ? Array(value[0..<got]) : nil
    }

    /// True when `path` has the attribute `name` (a POSIX ACL: `system.posix_acl_access`).
    static func has(_ path: String, _ name: String) -> Bool { berth_lgetxattr(path, name, nil, 0) >= 0 }

    static func set(_ path: String, _ name: String, _ value: [UInt8], display: String) throws(BerthError) {
        if berth_lsetxattr(path, name, value, value.count) != 0 {
            throw BerthError.system("lsetxattr \(name)", display, currentErrno)
        }
    }

    /// Every attribute of `source` onto `destination` (ACLs and file capabilities among them).
    static func copy(from source: String, to destination: String, display: String) throws(BerthError) {
        for name in try names(source, display: display) {
            // Gone meanwhile: skipped. A trusted.* or security.* attribute the target filesystem
            // refuses is reported.
            guard let value = value(source, name) else { continue }
            try set(destination, name, value, display: display)
        }
    }
}
