/// A config file as an editable document that keeps the administrator's order, comments and
/// blank lines. Only the lines a change touches are rewritten; everything else is written back
/// byte for byte.
public struct ConfigDocument: Sendable {
    public private(set) var lines: [ConfigLine]
    /// Where the document was read from (for messages).
    public let file: String

    public init(text: String, file: String) {
        self.lines = ConfigParser.parse(text, file: file)
        self.file = file
    }

    /// The values set for `key`, in file order.
    public func values(_ key: String) -> [String] {
        lines.compactMap { line in
            if case .entry(let k, let v) = line.content, k == key { return v }
            return nil
        }
    }

    /// Sets a single-valued key: the first line with that key is rewritten in place, later ones
    /// are removed; without one, the setting is appended.
    public mutating func set(_ key: String, _ value: String) {
        var replaced = false
        lines = lines.compactMap { line in
            guard case .entry(let k, _) = line.content, k == key else { return line }
            if replaced { return nil }
            replaced = true
            return ConfigDocument.entryLine(key, value, number: line.number)
        }
        if !replaced { append(key, value) }
    }

    /// Adds a line `key = value` at the end (list keys append).
    public mutating func append(_ key: String, _ value: String) {
        lines.append(ConfigDocument.entryLine(key, value, number: (lines.last?.number ?? 0) + 1))
    }

    /// Adds a comment line at the top (`# ` is prepended).
    public mutating func prependComments(_ comments: [String]) {
        let new = comments.map { ConfigLine(number: 0, raw: $0.isEmpty ? "#" : "# \($0)", content: .comment) }
        lines = new + lines
    }

    /// Removes every line setting `key`.
    public mutating func remove(_ key: String) {
        lines.removeAll { line in
            if case .entry(let k, _) = line.content { return k == key }
            return false
        }
    }

    /// Rewrites values in place; `transform` returns nil to keep a line as it is.
    public mutating func rewriteValues(_ transform: (_ key: String, _ value: String) -> String?) {
        lines = lines.map { line in
            guard case .entry(let k, let v) = line.content, let new = transform(k, v), new != v else { return line }
            return ConfigDocument.entryLine(k, new, number: line.number)
        }
    }

    /// Renames keys from before LXC 3.0 to their current names, in place (values, order and
    /// comments stay). Obsolete keys that have no current name are turned into comments.
    public mutating func modernizeKeys() {
        var legacy = LegacyKeys()
        lines = lines.map { line in
            guard case .entry(let key, let value) = line.content else { return line }
            switch legacy.translate(key) {
            case .success(.renamed(let modern)): return ConfigDocument.entryLine(modern, value, number: line.number)
            case .success(.dropped): return ConfigLine(number: line.number, raw: "# obsolete, ignored: \(line.raw)", content: .comment)
            default: return line
            }
        }
    }

    /// The file's text, ending with a newline unless empty.
    public func render() -> String {
        lines.isEmpty ? "" : lines.map(\.raw).joined(separator: "\n") + "\n"
    }

    static func entryLine(_ key: String, _ value: String, number: Int) -> ConfigLine {
        ConfigLine(number: number, raw: "\(key) = \(value)", content: .entry(key: key, value: value))
    }
}
