/// Reads a container config: follows `lxc.include`, translates legacy keys (with a warning that
/// names the modern key), and checks every key and value against `ConfigKeyTable`. Any problem
/// is an error naming the file, the line and the key.
public struct ConfigLoader {
    /// Receives warnings, already prefixed with `file:line:`.
    public var warn: (String) -> Void
    private var legacy = LegacyKeys()
    private var stack: [String] = []
    private var entries: [ConfigEntry] = []
    /// Files read so far for this config, and their bytes: an include tree that names files
    /// again and again (each level including the next several times) grows exponentially
    /// within the depth bound, so the total is bounded too.
    private var filesRead = 0
    private var bytesRead = 0
    static let maximumIncludeDepth = 16
    static let maximumIncludedFiles = 256
    static let maximumIncludedBytes = 16 << 20

    public init(warn: @escaping (String) -> Void = { _ in }) {
        self.warn = warn
    }

    /// Loads `file` and its includes; `overrides` (`-s KEY=VALUE`) are applied after it.
    public static func load(_ file: String, overrides: [String] = [], warn: @escaping (String) -> Void = { _ in }) throws(BerthError) -> ContainerConfig {
        var loader = ConfigLoader(warn: warn)
        try loader.include(file, from: nil)
        for (i, text) in overrides.enumerated() {
            guard let (key, value) = ConfigParser.parseAssignment(text) else {
                throw BerthError(.invalidArgument, "-s '\(text)': expected KEY=VALUE with an lxc.* key")
            }
            try loader.add(key: key, value: value, file: "command line -s", line: i + 1)
        }
        return ContainerConfig(entries: loader.entries)
    }

    /// Loads config text that is not in a file (for tests and for checking a document before
    /// it is written).
    public static func load(text: String, file: String, warn: @escaping (String) -> Void = { _ in }) throws(BerthError) -> ContainerConfig {
        var loader = ConfigLoader(warn: warn)
        try loader.read(text: text, file: file)
        return ContainerConfig(entries: loader.entries)
    }

    private mutating func include(_ path: String, from location: String?) throws(BerthError) {
        let at = location.map { "\($0): " } ?? ""
        guard FileSystem.exists(path) else {
            throw BerthError(.notFound, "\(at)config file \(path) does not exist")
        }
        if FileSystem.isDirectory(path) {
            // A directory includes its *.conf files in name order, as LXC does.
            let names = try FileSystem.list(path).filter { $0.hasSuffix(".conf") }.sorted()
            for name in names { try include(Path.join(path, name), from: location) }
            return
        }
        let canonical = Path.absolute(path)
        guard !stack.contains(canonical) else {
            throw BerthError(.invalidConfig, "\(at)lxc.include of \(path) includes itself (\(stack.joined(separator: " -> ")) -> \(canonical))")
        }
        guard stack.count < ConfigLoader.maximumIncludeDepth else {
            throw BerthError(.invalidConfig, "\(at)lxc.include nested more than \(ConfigLoader.maximumIncludeDepth) deep")
        }
        filesRead += 1
        guard filesRead <= ConfigLoader.maximumIncludedFiles else {
            throw BerthError(.invalidConfig, "\(at)lxc.include: more than \(ConfigLoader.maximumIncludedFiles) config files read for one config (an include tree that includes files again and again?)")
        }
        let text = try FileSystem.readText(path)
        bytesRead += text.utf8.count
        guard bytesRead <= ConfigLoader.maximumIncludedBytes else {
            throw BerthError(.invalidConfig, "\(at)lxc.include of \(path): more than \(ConfigLoader.maximumIncludedBytes >> 20) MiB of config read for one config")
        }
        stack.append(canonical)
        defer { stack.removeLast() }
        try read(text: text, file: path)
    }

    private mutating func read(text: String, file: String) throws(BerthError) {
        for line in ConfigParser.parse(text, file: file, settingsOnly: true) {
            // Made only for a message or an include: an interpolation a line cost every start.
            var location: String { "\(file):\(line.number)" }
            switch line.content {
            case .blank, .comment:
                continue
            case .foreign:
                warn("\(location): ignored: '\(ConfigLoader.clip(line.raw))' is not an lxc.* setting")
            case .malformed:
                throw BerthError(.invalidConfig, "\(location): '\(ConfigLoader.clip(line.raw))' has no '=' (expected 'key = value')")
            case .entry(let key, let value):
                if key == "lxc.include" {
                    guard !value.isEmpty else { throw BerthError(.invalidConfig, "\(location): lxc.include needs a file or directory") }
                    let target = value.hasPrefix("/") ? value : Path.join(Path.parent(file), value)
                    try include(target, from: location)
                } else {
                    try add(key: key, value: value, file: file, line: line.number)
                }
            }
        }
    }

    private mutating func add(key rawKey: String, value: String, file: String, line: Int) throws(BerthError) {
        var location: String { "\(file):\(line)" }
        var key = rawKey
        switch legacy.translate(rawKey) {
        case .failure:
            throw BerthError(.invalidConfig, "\(location): \(rawKey) comes before any lxc.network.type, so it belongs to no network")
        case .success(.dropped):
            warn("\(location): \(rawKey) is obsolete and ignored")
            return
        case .success(.renamed(let modern)):
            warn("\(location): \(rawKey) is obsolete; use \(modern)")
            key = modern
        case .success(.modern):
            break
        }
        guard let descriptor = ConfigKeyTable.lookup(key) else {
            let hint = ConfigLoader.suggestion(for: key).map { " (did you mean \($0)?)" } ?? ""
            throw BerthError(.invalidConfig, "\(location): unknown key \(ConfigLoader.clip(PrintableText.escaped(rawKey)))\(hint)")
        }
        if key == "lxc.net" && !value.isEmpty {
            throw BerthError(.invalidConfig, "\(location): lxc.net takes only an empty value (which removes all networks); use lxc.net.N.type")
        }
        if !value.isEmpty, let reason = descriptor.kind.check(value) {
            throw BerthError(.invalidConfig, "\(location): bad value for \(rawKey): \(reason)")
        }
        entries.append(ConfigEntry(key: key, value: value, file: file, line: line, isList: descriptor.multiplicity == .list))
    }

    static func clip(_ text: String) -> String {
        text.count > 80 ? String(text.prefix(77)) + "..." : text
    }

    /// The known key closest to a mistyped one, when it is close enough to be a typo.
    static func suggestion(for key: String) -> String? {
        // No known key is longer than this; a longer one is no typo of any, and comparing it
        // would cost time quadratic in its length.
        guard key.utf8.count <= 100 else { return nil }
        var best: (String, Int)?
        for candidate in ConfigKeyTable.all where candidate.prefix == nil && !candidate.name.contains(".N.") {
            let d = editDistance(key, candidate.name)
            if d <= max(2, key.count / 6), d < (best?.1 ?? Int.max) { best = (candidate.name, d) }
        }
        if best == nil, let (index, suffix) = ConfigKeyTable.networkIndex(key) {
            for candidate in ConfigKeyTable.all where candidate.name.hasPrefix("lxc.net.N.") {
                let name = String(candidate.name.dropFirst("lxc.net.N.".count))
                let d = editDistance(suffix, name)
                if d <= 2, d < (best?.1 ?? Int.max) { best = ("lxc.net.\(index).\(name)", d) }
            }
        }
        return best?.0
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.utf8), b = Array(b.utf8)
        var previous = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...max(b.count, 1) where !b.isEmpty {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
