/// The mount points of this process's mount namespace, from `/proc/self/mountinfo`.
public enum MountTable {
    /// Mount points, unescaped (`\040` is a space in mountinfo).
    public static func mountPoints(mountinfo: String) -> [String] {
        lines(of: mountinfo).compactMap { line in
            let fields = fields(of: line, omittingEmpty: false)
            return fields.count > 4 ? unescape(fields[4]) : nil
        }
    }

    /// The lines of mountinfo (read by every start, info, stop and destroy).
    static func lines(of text: String) -> [Substring] { text.splitBytes(UInt8(ascii: "\n")) }

    /// The blank-separated fields of one mountinfo line.
    static func fields(of line: Substring, omittingEmpty: Bool = true) -> [Substring] {
        line.splitBytes(UInt8(ascii: " "), omittingEmpty: omittingEmpty)
    }

    public static func current() -> [String] {
        mountPoints(mountinfo: (try? FileSystem.readText("/proc/self/mountinfo")) ?? "")
    }

    /// Mount points at or below `directory`.
    public static func mounts(under directory: String, in points: [String] = current()) -> [String] {
        let base = Path.stripTrailingSlashes(directory)
        return points.filter { $0 == base || $0.hasPrefix(base + "/") }
    }

    static func unescape(_ field: Substring) -> String {
        // Most mount points have nothing escaped: then the field is the path as it is.
        guard field.utf8.contains(UInt8(ascii: "\\")) else { return String(field) }
        var bytes: [UInt8] = []
        var utf8 = Array(field.utf8)[...]
        while let byte = utf8.first {
            if byte == UInt8(ascii: "\\"), utf8.count >= 4,
               let value = UInt8(String(decoding: utf8.dropFirst().prefix(3), as: UTF8.self), radix: 8) {
                bytes.append(value)
                utf8 = utf8.dropFirst(4)
            } else {
                bytes.append(byte)
                utf8 = utf8.dropFirst()
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
