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
        var text = text
        return text.withUTF8 { parse(bytes: $0) }
    }

    /// The lines of UTF-8 text, cut at its newline bytes. Every config read (berth.conf by
    /// every command, a container's config and its includes by a start) comes here, so the
    /// scan runs over the buffer itself: through String's views it cost a `berth-wait` a third
    /// of its instructions for a berth.conf of comments. A line of a CRLF file loses its
    /// carriage return.
    static func parse(bytes: UnsafeBufferPointer<UInt8>) -> [ConfigLine] {
        var lines: [ConfigLine] = []
        var number = 0
        var start = 0
        while start <= bytes.count {
            var end = start
            while end < bytes.count, bytes[end] != newline { end += 1 }
            number += 1
            var stop = end
            if stop > start, bytes[stop - 1] == carriageReturn { stop -= 1 }
            let line = UnsafeBufferPointer(rebasing: bytes[start..<stop])
            lines.append(ConfigLine(number: number, raw: String(decoding: line, as: UTF8.self), content: classify(bytes: line)))
            start = end + 1
        }
        // A final newline leaves one empty piece after it that is not a line of the file.
        if bytes.last == newline, let last = lines.last, last.raw.isEmpty { lines.removeLast() }
        return lines
    }

    /// Parses one `KEY=VALUE` given on a command line (`-s`).
    public static func parseAssignment(_ text: String) -> (key: String, value: String)? {
        guard case .entry(let key, let value) = classify(text) else { return nil }
        return (key, value)
    }

    /// `key = value` whatever the key (berth.conf has `berth.*` keys beside LXC's).
    static func anyAssignment(_ raw: String) -> (key: String, value: String)? {
        var raw = raw
        return raw.withUTF8 { line in
            let (start, end) = trimmed(line, start: 0, end: line.count)
            guard start < end, line[start] != hash, let eq = line[start..<end].firstIndex(of: equals) else { return nil }
            let (keyStart, keyEnd) = trimmed(line, start: start, end: eq)
            let (valueStart, valueEnd) = trimmed(line, start: eq + 1, end: end)
            return (text(line, keyStart, keyEnd), unquoted(line, start: valueStart, end: valueEnd))
        }
    }

    static func classify(_ raw: String) -> ConfigLine.Content {
        var raw = raw
        return raw.withUTF8 { classify(bytes: $0) }
    }

    // Every step below works on the UTF-8 bytes, as LXC's parser does: the separators (blank,
    // tab, `#`, `=`) are ASCII, so each cut falls between characters and no line is taken
    // apart into Characters.
    static func classify(bytes line: UnsafeBufferPointer<UInt8>) -> ConfigLine.Content {
        let (start, end) = trimmed(line, start: 0, end: line.count)
        guard start < end else { return .blank }
        if line[start] == hash { return .comment }
        guard let eq = line[start..<end].firstIndex(of: equals) else {
            return line[start..<end].starts(with: "lxc.".utf8) ? .malformed : .foreign
        }
        let (keyStart, keyEnd) = trimmed(line, start: start, end: eq)
        guard line[keyStart..<keyEnd].starts(with: "lxc.".utf8) else { return .foreign }
        let (valueStart, valueEnd) = trimmed(line, start: eq + 1, end: end)
        return .entry(key: text(line, keyStart, keyEnd), value: unquoted(line, start: valueStart, end: valueEnd))
    }

    private static let newline = UInt8(ascii: "\n")
    private static let carriageReturn = UInt8(ascii: "\r")
    private static let hash = UInt8(ascii: "#")
    private static let equals = UInt8(ascii: "=")

    /// `start..<end` without the blanks and tabs at either end.
    private static func trimmed(_ line: UnsafeBufferPointer<UInt8>, start: Int, end: Int) -> (Int, Int) {
        func isBlank(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        var start = start
        var end = end
        while start < end, isBlank(line[start]) { start += 1 }
        while end > start, isBlank(line[end - 1]) { end -= 1 }
        return (start, end)
    }

    private static func text(_ line: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: line[start..<end]), as: UTF8.self)
    }

    /// The value without one pair of matching quotes around it. The quote bytes alone go (a
    /// combining mark after the opening quote stays with the value): the same test
    /// ConfigDocument.quoted makes when it writes one.
    private static func unquoted(_ line: UnsafeBufferPointer<UInt8>, start: Int, end: Int) -> String {
        let first = start < end ? line[start] : 0
        if first == UInt8(ascii: "\"") || first == UInt8(ascii: "'"), end - start >= 2, line[end - 1] == first {
            return text(line, start + 1, end - 1)
        }
        return text(line, start, end)
    }
}
