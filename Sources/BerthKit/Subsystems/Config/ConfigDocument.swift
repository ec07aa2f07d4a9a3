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
    public mutating func set(_ key: String, _ value: String) throws(BerthError) {
        let written = try ConfigDocument.entryLine(key, value, number: 0)
        var replaced = false
        lines = lines.compactMap { line in
            guard case .entry(let k, _) = line.content, k == key else { return line }
            if replaced { return nil }
            replaced = true
            return ConfigLine(number: line.number, raw: written.raw, content: written.content)
        }
        if !replaced { try append(key, value) }
    }

    /// Adds a line `key = value` at the end (list keys append).
    public mutating func append(_ key: String, _ value: String) throws(BerthError) {
        lines.append(try ConfigDocument.entryLine(key, value, number: (lines.last?.number ?? 0) + 1))
    }

    /// Adds a comment line at the top (`# ` is prepended). Control characters in a comment (a
    /// newline in a template argument shown there) are written escaped, so a comment stays one
    /// line and never becomes a setting.
    public mutating func prependComments(_ comments: [String]) {
        let new = comments.map { ConfigLine(number: 0, raw: $0.isEmpty ? "#" : "# \(PrintableText.escaped($0))", content: .comment) }
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
    public mutating func rewriteValues(_ transform: (_ key: String, _ value: String) -> String?) throws(BerthError) {
        var rewritten: [ConfigLine] = []
        for line in lines {
            guard case .entry(let k, let v) = line.content, let new = transform(k, v), new != v else {
                rewritten.append(line)
                continue
            }
            rewritten.append(try ConfigDocument.entryLine(k, new, number: line.number))
        }
        lines = rewritten
    }

    /// Renames keys from before LXC 3.0 to their current names, in place (values, order and
    /// comments stay). Obsolete keys that have no current name are turned into comments. Returns
    /// how many lines changed; a network key before any lxc.network.type is an error naming it.
    @discardableResult
    public mutating func modernizeKeys() throws(BerthError) -> Int {
        var legacy = LegacyKeys()
        var changed = 0
        var result: [ConfigLine] = []
        for line in lines {
            guard case .entry(let key, let value) = line.content else {
                result.append(line)
                continue
            }
            switch legacy.translate(key) {
            case .success(.renamed(let modern)):
                // The value was read from a line of its own, so it can be written back as one.
                result.append(try ConfigDocument.entryLine(modern, value, number: line.number))
                changed += 1
            case .success(.dropped):
                result.append(ConfigLine(number: line.number, raw: "# obsolete, ignored: \(line.raw)", content: .comment))
                changed += 1
            case .success(.modern):
                result.append(line)
            case .failure:
                throw BerthError(.invalidConfig, "\(file):\(line.number): \(key) comes before any lxc.network.type, so it belongs to no network")
            }
        }
        lines = result
        return changed
    }

    /// The file's text, ending with a newline unless empty.
    public func render() -> String {
        lines.isEmpty ? "" : lines.map(\.raw).joined(separator: "\n") + "\n"
    }

    /// The one way a setting becomes a line of a config file, for every writer (create's -s,
    /// templates' values, copies' path rewrites, snapshots): a key of letters, digits, `.`, `_`
    /// and `-`; a value without a line break or NUL, which would end the line and let the rest
    /// be read as a setting of its own (a hook run as root); a value that the reader would
    /// trim or unquote is written in quotes, so what is read back is what was meant.
    static func entryLine(_ key: String, _ value: String, number: Int) throws(BerthError) -> ConfigLine {
        guard !key.isEmpty, key.unicodeScalars.allSatisfy({ PrintableText.isAlphanumeric($0) || $0 == "." || $0 == "_" || $0 == "-" }) else {
            throw BerthError(.invalidConfig, "'\(ConfigLoader.clip(PrintableText.escaped(key)))' is not a config key (letters, digits, '.', '_', '-')")
        }
        if let bad = value.unicodeScalars.first(where: { $0 == "\n" || $0 == "\r" || $0 == "\0" }) {
            let what = bad == "\n" ? "a newline" : bad == "\r" ? "a carriage return" : "a NUL byte"
            throw BerthError(.invalidConfig, "the value for \(key) contains \(what) ('\(ConfigLoader.clip(PrintableText.escaped(value)))'); a config value is one line")
        }
        return ConfigLine(number: number, raw: "\(key) = \(quoted(value))", content: .entry(key: key, value: value))
    }

    /// `value` as written after `key = `: in double quotes when reading it back would otherwise
    /// lose blanks at either end or a pair of quotes around it.
    static func quoted(_ value: String) -> String {
        let scalars = value.unicodeScalars
        let blankEdge = [" ", "\t"].contains(scalars.first) || [" ", "\t"].contains(scalars.last)
        // By bytes, as ConfigParser.unquoted reads it: `"́x"` starts with a quote byte too.
        let bytes = value.utf8
        let quotedAlready = bytes.count >= 2 && (bytes.first == UInt8(ascii: "\"") || bytes.first == UInt8(ascii: "'")) && bytes.last == bytes.first
        return blankEdge || quotedAlready ? "\"\(value)\"" : value
    }
}
