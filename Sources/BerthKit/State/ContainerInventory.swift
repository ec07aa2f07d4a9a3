/// The containers defined under an lxcpath.
public enum ContainerInventory {
    /// Every defined container (a directory with a `config`), sorted by name. Berth's hidden
    /// bookkeeping (staging and removal directories, locks) is never listed. A missing lxcpath
    /// holds no containers.
    public static func list(lxcpath: String) -> [Container] {
        guard let names = try? FileSystem.list(lxcpath) else { return [] }
        return names.compactMap { entry -> Container? in
            guard let name = try? ContainerName(entry) else { return nil }
            let container = Container(lxcpath: lxcpath, name: name)
            return container.isDefined ? container : nil
        }.sorted { $0.name < $1.name }
    }
}
