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
    /// `settingsOnly`: blank and comment lines are left out (a reader of settings, not the
    /// writer that keeps the file as it was): berth.conf, which every command reads, is mostly
    /// comments, and making a String of each only to free it again was a sixth of a
    /// `berth-wait`'s instructions.
    public static func parse(_ text: String, file: String, settingsOnly: Bool = false) -> [ConfigLine] {
        // An empty file has no lines (not one empty line).
        guard !text.isEmpty else { return [] }
        var text = text
        return text.withUTF8 { parse(bytes: $0, settingsOnly: settingsOnly) }
    }

    /// The lines of UTF-8 text, cut at its newline bytes. Every config read (berth.conf by
    /// every command, a container's config and its includes by a start) comes here, so the
    /// scan runs over the buffer itself: through String's views it cost a `berth-wait` a third
    /// of its instructions for a berth.conf of comments. A line of a CRLF file loses its
    /// carriage return.
    static func parse(bytes: UnsafeBufferPointer<UInt8>, settingsOnly: Bool = false) -> [ConfigLine] {
        var lines: [ConfigLine] = []
        var number = 0
        var start = 0
        while start <= bytes.count {
            let end = bytes[start...].firstIndex(of: newline) ?? bytes.count
            number += 1
            var stop = end
            if stop > start, bytes[stop - 1] == carriageReturn { stop -= 1 }
            let line = UnsafeBufferPointer(rebasing: bytes[start..<stop])
            let content = classify(bytes: line)
            if !settingsOnly || (content != .blank && content != .comment) {
                lines.append(ConfigLine(number: number, raw: String(decoding: line, as: UTF8.self), content: content))
            }
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
            let whole = trimmed(line, 0..<line.count)
            guard !whole.isEmpty, line[whole.lowerBound] != hash, let sides = sides(line, whole) else { return nil }
            return (text(line, sides.key), unquoted(line, sides.value))
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
        let whole = trimmed(line, 0..<line.count)
        guard !whole.isEmpty else { return .blank }
        if line[whole.lowerBound] == hash { return .comment }
        guard let sides = sides(line, whole) else {
            return line[whole].starts(with: "lxc.".utf8) ? .malformed : .foreign
        }
        guard line[sides.key].starts(with: "lxc.".utf8) else { return .foreign }
        return .entry(key: text(line, sides.key), value: unquoted(line, sides.value))
    }

    private static let newline = UInt8(ascii: "\n")
    private static let carriageReturn = UInt8(ascii: "\r")
    private static let hash = UInt8(ascii: "#")
    private static let equals = UInt8(ascii: "=")

    /// `range` without the blanks and tabs at either end.
    private static func trimmed(_ line: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Range<Int> {
        func isBlank(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        var start = range.lowerBound
        var end = range.upperBound
        while start < end, isBlank(line[start]) { start += 1 }
        while end > start, isBlank(line[end - 1]) { end -= 1 }
        return start..<end
    }

    /// The key and the value of `key = value`, trimmed, either side of the first `=`.
    private static func sides(_ line: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> (key: Range<Int>, value: Range<Int>)? {
        guard let eq = line[range].firstIndex(of: equals) else { return nil }
        return (trimmed(line, range.lowerBound..<eq), trimmed(line, (eq + 1)..<range.upperBound))
    }

    private static func text(_ line: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: line[range]), as: UTF8.self)
    }

    /// The value without one pair of matching quotes around it. The quote bytes alone go (a
    /// combining mark after the opening quote stays with the value): the same test
    /// ConfigDocument.quoted makes when it writes one.
    private static func unquoted(_ line: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
        let first = range.isEmpty ? 0 : line[range.lowerBound]
        if first == UInt8(ascii: "\"") || first == UInt8(ascii: "'"), range.count >= 2, line[range.upperBound - 1] == first {
            return text(line, (range.lowerBound + 1)..<(range.upperBound - 1))
        }
        return text(line, range)
    }
}
