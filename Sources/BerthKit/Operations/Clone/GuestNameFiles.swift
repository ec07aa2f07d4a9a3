import SystemPackage

/// The guest's own files that carry its host name, given a copy's or a renamed container's new
/// name: /etc/hostname (the name alone, where the guest has that file) and /etc/hosts (the name
/// as one of an entry's names, as LXC's clone hook renames it there). Without the second a
/// copy's `sudo` and `hostname -f` look up a name its /etc/hosts does not hold.
///
/// The files are the container root's: every path is resolved inside the tree (RootedDirectory),
/// so an /etc the container replaced with a symlink to a host directory leads back into the
/// container, never out of it, and /etc/hosts is read only when it is a plain file of at most
/// `hostsLimit` bytes. For an overlay the lower layer is never written: what the guest sees is
/// written into the upper one, as overlayfs would copy it up; a file the guest deleted there (a
/// whiteout) or hid (an opaque /etc) stays gone.
struct GuestNameFiles {
    /// The names the guest may know itself by: the container's old name and its old
    /// `lxc.uts.name`.
    let oldNames: Set<String>
    let newName: String

    /// A larger /etc/hosts is left as it is (a guest's own business; reading it would cost the
    /// host what the guest chose).
    static let hostsLimit = 1 << 20

    /// Writes the new name into the guest at `rootfs`, or into the upper layer of `layers`.
    func write(rootfs: String, layers: (lower: String, upper: String)?) throws(BerthError) {
        let text = Array((newName + "\n").utf8)
        guard let (lower, upper) = layers else {
            let root = try RootedDirectory(rootfs)
            defer { root.close() }
            if try Self.exists(root.isFile("etc/hostname")) == true { try root.writeFile("etc/hostname", text, mode: 0o644) }
            if let (hosts, mode) = try renamedHosts("etc/hosts", in: root) { try root.writeFile("etc/hosts", Array(hosts.utf8), mode: mode) }
            return
        }
        let lowerRoot = try RootedDirectory(lower)
        defer { lowerRoot.close() }
        let upperRoot = try RootedDirectory(upper)
        defer { upperRoot.close() }
        // The guest's /etc may be a link (to /real-etc, say): its files are where the link leads
        // inside the tree, and that directory is the one to copy up, never a new /etc that would
        // hide the link and everything behind it.
        guard let etc = try etcDirectory(lower: lowerRoot, upper: upperRoot) else { return }
        let hostname = etc + "/hostname", hosts = etc + "/hosts"
        if try seen(hostname, in: etc, lower: lowerRoot, upper: upperRoot) != nil {
            try makeUpperDirectories(etc, lower: lowerRoot, upper: upperRoot)
            try upperRoot.writeFile(hostname, text, mode: 0o644)
        }
        if let layer = try seen(hosts, in: etc, lower: lowerRoot, upper: upperRoot),
           let (renamed, mode) = try renamedHosts(hosts, in: layer == .upper ? upperRoot : lowerRoot) {
            try makeUpperDirectories(etc, lower: lowerRoot, upper: upperRoot)
            try upperRoot.writeFile(hosts, Array(renamed.utf8), mode: mode)
        }
    }

    /// /etc/hosts with every entry's name that is one of `oldNames` (or an FQDN whose first label
    /// is) renamed, each line's spacing and comments kept; nil when nothing changes. Only whole
    /// names change: `c1` and `c1.example.org`, never `c10` or `web-c1`, nor `localhost` and the
    /// `ip6-` names whatever the old name was.
    static func renamedHosts(_ text: String, from oldNames: Set<String>, to newName: String) -> String? {
        // A file with CRLF line ends (one Character each in Swift) is left as it is rather than
        // renamed in part.
        guard !text.contains("\r\n") else { return nil }
        var changed = false
        var lines: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let content = line.firstIndex(of: "#").map { line[..<$0] } ?? line[...]
            var out = ""
            var position = line.startIndex
            var field = 0
            var index = content.startIndex
            while index < content.endIndex {
                guard content[index] != " " && content[index] != "\t" else {
                    index = content.index(after: index)
                    continue
                }
                var end = index
                while end < content.endIndex && content[end] != " " && content[end] != "\t" { end = content.index(after: end) }
                let name = content[index..<end]
                // The first field is the address; the names follow it.
                if field > 0, let renamed = renamed(name, oldNames, newName) {
                    out += line[position..<index] + renamed
                    position = end
                    changed = true
                }
                field += 1
                index = end
            }
            lines.append(out + line[position...])
        }
        return changed ? lines.joined(separator: "\n") : nil
    }

    private static func renamed(_ name: Substring, _ oldNames: Set<String>, _ newName: String) -> String? {
        // The loopback names stay whatever the container was called (a uts name of localhost
        // must not take localhost away from the copy).
        let label = name.firstIndex(of: ".").map { name[..<$0] } ?? name
        guard label != "localhost", !label.hasPrefix("ip6-") else { return nil }
        if oldNames.contains(String(name)) { return newName }
        // An FQDN whose first label is an old name keeps its domain.
        guard label.endIndex < name.endIndex, oldNames.contains(String(label)) else { return nil }
        return newName + name[label.endIndex...]
    }

    /// The renamed text of the hosts file `relative` in `root` and its mode, nil when it is not a
    /// plain file within the limit or names none of the old names.
    private func renamedHosts(_ relative: String, in root: RootedDirectory) throws(BerthError) -> (String, mode_t)? {
        guard let mode = try Self.exists(root.status(relative)).map({ $0.st_mode & 0o7777 }),
              let text = root.readPlainFile(relative, limit: Self.hostsLimit) else { return nil }
        return Self.renamedHosts(text, from: oldNames, to: newName).map { ($0, mode) }
    }

    private enum Layer { case lower, upper }

    /// What a look inside the guest found, nil when the guest made the path unreachable (an
    /// /etc that is a file, a loop of links): nothing to rename there, and no reason to fail the
    /// copy. Writing is another matter: its errors are the copy's.
    private static func exists<T>(_ look: @autoclosure () throws(BerthError) -> T?) throws(BerthError) -> T? {
        do throws(BerthError) { return try look() } catch where isUnreachable(error) { return nil }
    }

    /// The errors of a path the guest made unreachable: a component that is not a directory, or
    /// a loop of links.
    private static func isUnreachable(_ error: BerthError) -> Bool {
        error.errno == .notDirectory || error.errno == .tooManySymbolicLinkLevels
    }

    /// Where the guest's /etc is, relative to the layers' root: its links resolved inside the
    /// upper layer when it has an /etc, else inside the lower one (the kernel resolves it, in
    /// the root; the path comes back from the descriptor's /proc link). nil when the guest has
    /// no /etc directory: none in either layer, or an upper entry that is not one (the whiteout
    /// of a deleted /etc, a file, a loop of links), which hides the lower layer's as overlayfs does.
    private func etcDirectory(lower: RootedDirectory, upper: RootedDirectory) throws(BerthError) -> String? {
        for root in [upper, lower] {
            let etc: FileDescriptor
            do throws(BerthError) {
                // Nothing there: in the upper layer, the lower one's /etc shows through.
                guard let found = try root.open("etc", flags: FileSystem.pathOnly | O_DIRECTORY) else { continue }
                etc = found
            } catch where Self.isUnreachable(error) {
                return nil
            }
            defer { etc.closeQuietly() }
            let top = try FileSystem.readLink(root.fd.procPath), resolved = try FileSystem.readLink(etc.procPath)
            guard resolved.hasPrefix(top + "/") else { return nil }
            return String(resolved.dropFirst(top.count + 1))
        }
        return nil
    }

    /// Which layer holds the regular file `relative` (in the directory `etc`) the guest sees:
    /// the upper one's entry wins (a whiteout or anything but a regular file there means the
    /// guest has none), and an opaque upper directory hides the lower one's.
    private func seen(_ relative: String, in etc: String, lower: RootedDirectory, upper: RootedDirectory) throws(BerthError) -> Layer? {
        if let entry = try Self.exists(upper.status(relative)) {
            return FileSystem.kind(of: entry.st_mode) == .file ? .upper : nil
        }
        if let directory = try? upper.open(etc, flags: O_RDONLY | O_DIRECTORY) {
            defer { directory.closeQuietly() }
            // The attribute of the directory itself, read through its descriptor's /proc link.
            for attribute in ["trusted.overlay.opaque", "user.overlay.opaque"]
            where ExtendedAttributes.value(directory.procPath + "/.", attribute) == Array("y".utf8) {
                return nil
            }
        }
        return try Self.exists(lower.isFile(relative)) == true ? .lower : nil
    }

    /// The directory `relative` in the upper layer as overlayfs would copy it up: each missing
    /// level with the lower one's owner and mode.
    private func makeUpperDirectories(_ relative: String, lower: RootedDirectory, upper: RootedDirectory) throws(BerthError) {
        var path = ""
        for component in relative.split(separator: "/") {
            path = path.isEmpty ? String(component) : path + "/" + component
            guard try upper.status(path) == nil else { continue }
            let original = try lower.status(path)
            try upper.makeDirectory(path, mode: original.map { $0.st_mode & 0o7777 } ?? 0o755, owner: original.map { ($0.st_uid, $0.st_gid) })
        }
    }
}
