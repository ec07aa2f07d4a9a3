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
        for name in names where name.hasPrefix(".") {
            guard let range = name.firstRange(of: ".removing-") ?? name.firstRange(of: ".creating-"),
                  let pid = pid_t(name[range.upperBound...]), pid > 0 else { continue }
            if ProcessControl.exists(pid) { continue }
            try? FileSystem.removeTree(Path.join(lxcpath, name))
        }
    }
}
