/// berth-update-config: a config from before LXC 3.0 rewritten in place with the current key
/// names (lxc.network.* as lxc.net.N.*, lxc.utsname as lxc.uts.name, ...), keeping its order,
/// comments and blank lines; the file as it was is kept as FILE.backup.
public enum ConfigUpdate {
    /// Rewrites `file`; returns how many lines changed (0: the file and no backup are written).
    public static func rewrite(_ file: String) throws(BerthError) -> Int {
        let original = try FileSystem.readText(file)
        var document = ConfigDocument(text: original, file: file)
        let changed = try document.modernizeKeys()
        guard changed > 0 else { return 0 }
        let mode = FileSystem.status(file).map { $0.st_mode & 0o7777 } ?? 0o644
        // The backup first: whatever happens next, the old text is there.
        try FileSystem.writeAtomically(file + ".backup", text: original, mode: mode)
        try FileSystem.writeAtomically(file, text: document.render(), mode: mode)
        return changed
    }
}
