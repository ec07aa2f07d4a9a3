import CBerthLinux

/// Extended attributes of a path, never following a final symlink (the l* calls).
enum ExtendedAttributes {
    /// The value of `name`, nil when it is gone.
    static func value(_ path: some SystemCallName, _ name: some SystemCallName) -> [UInt8]? {
        let length = path.withSystemCallName { path in name.withSystemCallName { berth_lgetxattr(path, $0, nil, 0) } }
        guard length >= 0 else { return nil }
        var value = [UInt8](repeating: 0, count: max(length, 1))
        let got = path.withSystemCallName { path in name.withSystemCallName { berth_lgetxattr(path, $0, &value, length) } }
        return got >= 0 ? Array(value[0..<got]) : nil
    }

    /// True when `path` has the attribute `name` (a POSIX ACL: `system.posix_acl_access`).
    static func has(_ path: String, _ name: String) -> Bool { berth_lgetxattr(path, name, nil, 0) >= 0 }

    /// Every attribute of `source` onto `destination` (ACLs and file capabilities among them),
    /// by paths and attribute names as their bytes: a container's root may give a file a
    /// `user.` attribute whose name is not UTF-8, which a decoded copy would miss.
    static func copy(from source: some SystemCallName, to destination: some SystemCallName, display: String) throws(BerthError) {
        var size = source.withSystemCallName { berth_llistxattr($0, nil, 0) }
        guard size > 0 else {
            if size < 0 && ![ENOTSUP, ENODATA].contains(errno) { throw BerthError.system("llistxattr", display, currentErrno) }
            return
        }
        var list = [CChar](repeating: 0, count: size)
        size = source.withSystemCallName { berth_llistxattr($0, &list, size) }
        guard size > 0 else { return }
        for rawName in list[0..<size].split(separator: 0) {
            let name = NulEndedBytes(rawName)
            // Gone meanwhile: skipped. A trusted.* or security.* attribute the target filesystem
            // refuses is reported.
            guard let value = value(source, name) else { continue }
            let result = destination.withSystemCallName { path in name.withSystemCallName { berth_lsetxattr(path, $0, value, value.count) } }
            if result != 0 { throw BerthError.system("lsetxattr \(name.display)", display, currentErrno) }
        }
    }
}
