import BerthKit

/// LXC's tools name namespaces in capitals, separated by `|` (`-s 'NETWORK|UTSNAME'`):
/// lxc-attach's and lxc-unshare's `-s`.
enum NamespaceNames {
    static let map: [String: String] = ["MOUNT": "mnt", "PID": "pid", "UTSNAME": "uts", "IPC": "ipc", "NETWORK": "net", "USER": "user", "CGROUP": "cgroup", "TIME": "time"]

    /// The set `text` names; an unknown name is a usage error naming `option`.
    static func parse(_ text: String, option: String) throws(BerthError) -> NamespaceSet {
        var words: [String] = []
        for word in text.split(whereSeparator: { $0 == "|" || $0 == "," || $0 == " " }) {
            guard let mapped = map[word.uppercased()] else {
                throw BerthError(.invalidArgument, "\(option): unknown namespace '\(word)' (\(map.keys.sorted().joined(separator: "|")))")
            }
            words.append(mapped)
        }
        return try NamespaceSet(parsing: words.joined(separator: " "), where: option)
    }
}
