extension Substring {
    /// The pieces between `separator` bytes (an ASCII separator: every cut is a Character
    /// boundary). Files of /proc and Berth's own are split this way rather than into
    /// Characters, which costs several times as much and gains nothing on ASCII separators.
    func splitBytes(_ separator: UInt8, omittingEmpty: Bool = true) -> [Substring] {
        utf8.split(separator: separator, omittingEmptySubsequences: omittingEmpty).map { Substring($0) }
    }

    /// Whether the text starts with `prefix`, byte for byte.
    func startsWithBytes(_ prefix: String) -> Bool { utf8.starts(with: prefix.utf8) }
}

extension String {
    /// See Substring.splitBytes.
    func splitBytes(_ separator: UInt8, omittingEmpty: Bool = true) -> [Substring] {
        self[...].splitBytes(separator, omittingEmpty: omittingEmpty)
    }

    /// Whether the text starts with `prefix`, byte for byte.
    func startsWithBytes(_ prefix: String) -> Bool { utf8.starts(with: prefix.utf8) }
}
