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
        if text.last == "\n" || text.last == "\r\n", let last = lines.last, last.raw.isEmpty { lines.removeLast() }
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
        guard !line.hasPrefix("#"), let eq = line.firstIndex(of: "=") else { return nil }
        return (String(trim(line[..<eq])), unquote(trim(line[line.index(after: eq)...])))
    }

    static func classify(_ raw: String) -> ConfigLine.Content {
        let line = trim(Substring(raw))
        if line.isEmpty { return .blank }
        if line.hasPrefix("#") { return .comment }
        guard let eq = line.firstIndex(of: "=") else {
            return line.hasPrefix("lxc.") ? .malformed : .foreign
        }
        let key = trim(line[..<eq])
        guard key.hasPrefix("lxc.") else { return .foreign }
        return .entry(key: String(key), value: unquote(trim(line[line.index(after: eq)...])))
    }

    static func trim(_ s: Substring) -> Substring {
        var s = s
        while let c = s.first, c == " " || c == "\t" { s = s.dropFirst() }
        while let c = s.last, c == " " || c == "\t" { s = s.dropLast() }
        return s
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
