/// One line of an LXC-format config file, as written.
public struct ConfigLine: Sendable, Equatable {
    /// What the line says.
    public enum Content: Sendable, Equatable {
        case blank
        case comment
        /// `key = value`; the value is trimmed and unquoted.
        case entry(key: String, value: String)
        /// A line that is neither a comment nor an `lxc.*` setting; LXC ignores these silently,
        /// Berth warns.
        case foreign
        /// An `lxc.*` line without `=`.
        case malformed
    }

    /// 1-based line number in its file.
    public let number: Int
    /// The line exactly as written, without its newline.
    public let raw: String
    public let content: Content
}

/// Splits LXC's config syntax into lines: `key = value`, blank space trimmed around both, a value
/// in matching single or double quotes unquoted, `#` starting a comment line.
public enum ConfigParser {
    public static func parse(_ text: String, file: String) -> [ConfigLine] {
        // An empty file has no lines (not one empty line).
        guard !text.isEmpty else { return [] }
        var lines: [ConfigLine] = []
        var number = 0
        // Split on the newline byte (every config read does this: bytes, not Characters); a
        // line of a CRLF file loses its carriage return.
        for piece in text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            number += 1
            var line = Substring(piece)
            if line.utf8.last == UInt8(ascii: "\r") { line = line.dropLast() }
            let raw = String(line)
            lines.append(ConfigLine(number: number, raw: raw, content: classify(raw)))
        }
        // A final newline produces one empty trailing piece that is not a line of the file.
        if text.utf8.last == UInt8(ascii: "\n"), let last = lines.last, last.raw.isEmpty { lines.removeLast() }
        return lines
    }

    /// Parses one `KEY=VALUE` given on a command line (`-s`).
    public static func parseAssignment(_ text: String) -> (key: String, value: String)? {
        guard case .entry(let key, let value) = classify(text) else { return nil }
        return (key, value)
    }

    /// `key = value` whatever the key (berth.conf has `berth.*` keys beside LXC's).
    static func anyAssignment(_ raw: String) -> (key: String, value: String)? {
        let line = trim(Substring(raw))
        guard line.utf8.first != UInt8(ascii: "#"), let eq = line.utf8.firstIndex(of: UInt8(ascii: "=")) else { return nil }
        return (String(trim(line[..<eq])), unquote(trim(line[line.utf8.index(after: eq)...])))
    }

    // Every step below works on the UTF-8 bytes, as LXC's parser does: the separators (blank,
    // tab, `#`, `=`) are ASCII, so each index found is a boundary a Substring may be cut at,
    // and no line is taken apart into Characters (which costs the most of a config read).
    static func classify(_ raw: String) -> ConfigLine.Content {
        let line = trim(Substring(raw))
        guard let first = line.utf8.first else { return .blank }
        if first == UInt8(ascii: "#") { return .comment }
        guard let eq = line.utf8.firstIndex(of: UInt8(ascii: "=")) else {
            return line.startsWithBytes("lxc.") ? .malformed : .foreign
        }
        let key = trim(line[..<eq])
        guard key.startsWithBytes("lxc.") else { return .foreign }
        return .entry(key: String(key), value: unquote(trim(line[line.utf8.index(after: eq)...])))
    }

    static func trim(_ s: Substring) -> Substring {
        let bytes = s.utf8
        func isBlank(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        guard let start = bytes.firstIndex(where: { !isBlank($0) }) else { return s[s.endIndex...] }
        var end = bytes.endIndex
        while end > start, isBlank(bytes[bytes.index(before: end)]) { end = bytes.index(before: end) }
        return s[start..<end]
    }

    static func unquote(_ s: Substring) -> String {
        // The quote bytes alone go (a combining mark after the opening quote stays with the
        // value): the same test ConfigDocument.quoted makes when it writes one.
        let bytes = s.utf8
        if let first = bytes.first, first == UInt8(ascii: "\"") || first == UInt8(ascii: "'"), bytes.count >= 2, bytes.last == first {
            return String(s[bytes.index(after: bytes.startIndex)..<bytes.index(before: bytes.endIndex)])
        }
        return String(s)
    }
}
