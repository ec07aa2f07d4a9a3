extension Substring {
    /// The pieces between `separator` bytes (an ASCII separator: every cut is a Character
    /// boundary). Files of /proc and Berth's own are split this way rather than into
    /// Characters, which costs several times as much and gains nothing on ASCII separators.
    /// The bytes are scanned in the string's own storage: the standard library's generic split
    /// walks a UTF-8 view index by index, about ten times the instructions (mountinfo's lines
    /// cut into fields were an eighth of a berth-start's). The same pieces either way, as
    /// `split(separator:omittingEmptySubsequences:)` makes them.
    func splitBytes(_ separator: UInt8, omittingEmpty: Bool = true) -> [Substring] {
        splitBytes(omittingEmpty: omittingEmpty) { $0 == separator }
    }

    /// The words between runs of spaces and tabs, as a config value's fields are written (an
    /// `lxc.mount.entry`, an `lxc.idmap`, a list of capabilities). The standard library's
    /// `split(whereSeparator:)` on a string walks it a Character at a time, grapheme breaking
    /// included: a mount entry took about four times as long to cut that way.
    func splitWords() -> [Substring] {
        splitBytes { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
    }

    /// The pieces between bytes `isSeparator` picks (ASCII ones, as for `splitBytes(_:)`).
    func splitBytes(omittingEmpty: Bool = true, where isSeparator: (UInt8) -> Bool) -> [Substring] {
        let view = utf8
        let pieces = view.withContiguousStorageIfAvailable { bytes -> [Substring] in
            var pieces: [Substring] = []
            var start = 0
            for end in 0...bytes.count where end == bytes.count || isSeparator(bytes[end]) {
                if end > start || !omittingEmpty {
                    pieces.append(self[view.index(view.startIndex, offsetBy: start)..<view.index(view.startIndex, offsetBy: end)])
                }
                start = end + 1
            }
            return pieces
        }
        return pieces ?? view.split(omittingEmptySubsequences: omittingEmpty, whereSeparator: isSeparator).map { Substring($0) }
    }

    /// Whether the text starts with `prefix`, byte for byte: compared in the two strings' own
    /// storage (the generic `starts(with:)` of two UTF-8 views stepped an index at a time, about
    /// 440 instructions for an 8-byte prefix; a config asks this of every key it reads).
    func startsWithBytes(_ prefix: String) -> Bool {
        let fast = utf8.withContiguousStorageIfAvailable { bytes in
            prefix.utf8.withContiguousStorageIfAvailable { wanted -> Bool in
                guard bytes.count >= wanted.count else { return false }
                for index in 0..<wanted.count where bytes[index] != wanted[index] { return false }
                return true
            }
        }
        return (fast ?? nil) ?? utf8.starts(with: prefix.utf8)
    }

    /// Whether `needle`'s bytes occur in the text (a plain scan: for a line about to be cut into
    /// fields, to see first whether it is one worth cutting). Both are read in their own storage:
    /// a caller asks this of every line of a file with the same needle, which is not copied for
    /// each.
    func containsBytes(_ needle: String) -> Bool {
        var needle = needle
        return needle.withUTF8 { wanted in
            func scan(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
                guard let first = wanted.first else { return true }
                guard bytes.count >= wanted.count else { return false }
                for start in 0...(bytes.count - wanted.count) where bytes[start] == first {
                    var index = 1
                    while index < wanted.count && bytes[start + index] == wanted[index] { index += 1 }
                    if index == wanted.count { return true }
                }
                return false
            }
            return utf8.withContiguousStorageIfAvailable(scan) ?? Array(utf8).withUnsafeBufferPointer(scan)
        }
    }
}

extension String {
    /// See Substring.splitBytes.
    func splitBytes(_ separator: UInt8, omittingEmpty: Bool = true) -> [Substring] {
        self[...].splitBytes(separator, omittingEmpty: omittingEmpty)
    }

    /// See Substring.splitBytes(omittingEmpty:where:).
    func splitBytes(omittingEmpty: Bool = true, where isSeparator: (UInt8) -> Bool) -> [Substring] {
        self[...].splitBytes(omittingEmpty: omittingEmpty, where: isSeparator)
    }

    /// See Substring.splitWords.
    func splitWords() -> [Substring] { self[...].splitWords() }

    /// See Substring.containsBytes.
    func containsBytes(_ needle: String) -> Bool { self[...].containsBytes(needle) }

    /// See Substring.startsWithBytes.
    func startsWithBytes(_ prefix: String) -> Bool { self[...].startsWithBytes(prefix) }
}
