/// The containers defined under an lxcpath.
public enum ContainerInventory {
    /// Every defined container (a directory with a `config`), sorted by name. Berth's hidden
    /// bookkeeping (staging and removal directories, locks) is never listed. A missing lxcpath
    /// holds no containers.
    public static func list(lxcpath: String) -> [Container] {
        guard let names = try? FileSystem.list(lxcpath) else { return [] }
        sweepAbandoned(names, lxcpath: lxcpath)
        return names.compactMap { entry -> Container? in
            guard let name = try? ContainerName(entry) else { return nil }
            let container = Container(lxcpath: lxcpath, name: name)
            return container.isDefined ? container : nil
        }.sorted { $0.name < $1.name }
    }

    /// Removes what a killed berth-destroy or create/copy left: `.NAME.removing-PID` and
    /// `.NAME.creating-PID` of a process that no longer exists (a live one is still at work;
    /// a recycled pid only delays the sweep). Restores' leftovers are mended by the snapshot
    /// code, which knows what they hold. Root's lxcpaths only: a user's leftovers hold files of
    /// its subordinate ids and go with its next create.
    static func sweepAbandoned(_ names: [String], lxcpath: String) {
        guard CurrentProcess.isRoot else { return }
        for name in names where name.utf8.first == UInt8(ascii: ".") {
            guard let pid = owner(of: name), pid > 0 else { continue }
            if ProcessControl.exists(pid) { continue }
            try? FileSystem.removeTree(Path.join(lxcpath, name))
        }
    }

    /// The pid after `.removing-` (else `.creating-`) in a bookkeeping name, if it has one.
    /// Found on the bytes: every command that lists an lxcpath passes here.
    static func owner(of name: String) -> pid_t? {
        let bytes = Array(name.utf8)
        for marker in [".removing-", ".creating-"] {
            let pattern = Array(marker.utf8)
            guard bytes.count > pattern.count else { continue }
            for start in 0...(bytes.count - pattern.count) where bytes[start..<(start + pattern.count)].elementsEqual(pattern) {
                return pid_t(String(decoding: bytes[(start + pattern.count)...], as: UTF8.self))
            }
        }
        return nil
    }
}
