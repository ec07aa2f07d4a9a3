/// String path helpers. Berth keeps paths as `String` because they go straight into C calls and
/// config values; these helpers do the few manipulations it needs, lexically.
public enum Path {
    // Every helper works on the UTF-8 bytes: '/' and '.' are ASCII, so a cut next to one is
    // always between characters, and the kernel reads paths as bytes too. (Going by Character
    // would cost a grapheme walk per call, and these run on every command's paths.)
    private static let slash = UInt8(ascii: "/"), dot = UInt8(ascii: ".")

    /// The directory part: `/a/b/c` → `/a/b`, `/a` → `/`, `a` → `.`.
    public static func parent(_ path: String) -> String {
        let trimmed = stripTrailingSlashes(path)
        guard let cut = trimmed.utf8.lastIndex(of: slash) else { return "." }
        if cut == trimmed.startIndex { return "/" }
        return String(trimmed[..<cut])
    }

    /// The last component: `/a/b/c` → `c`.
    public static func base(_ path: String) -> String {
        let trimmed = stripTrailingSlashes(path)
        guard let cut = trimmed.utf8.lastIndex(of: slash) else { return trimmed }
        return String(trimmed[trimmed.utf8.index(after: cut)...])
    }

    /// Joins with exactly one slash.
    public static func join(_ base: String, _ component: String) -> String {
        if base.utf8.last == slash { return base + component }
        return base + "/" + component
    }

    /// Removes trailing slashes, keeping a lone `/`.
    public static func stripTrailingSlashes(_ path: String) -> String {
        let bytes = path.utf8
        guard bytes.count > 1, bytes.last == slash else { return path }
        guard let last = bytes.lastIndex(where: { $0 != slash }) else { return "/" }
        return String(path[...last])
    }

    /// Makes `path` absolute against the current directory, and folds `.`, `..` and repeated
    /// slashes lexically (without resolving symlinks, as the shell's `cd -L` does).
    public static func absolute(_ path: String) -> String {
        let full = path.utf8.first == slash ? path : join(currentDirectory(), path)
        var result: [UInt8] = []
        result.reserveCapacity(full.utf8.count)
        // Where each component kept so far starts in `result` (at its slash), for `..`.
        var starts: [Int] = []
        for component in full.utf8.split(separator: slash) {
            if component.count == 1 && component.first == dot { continue }
            if component.count == 2 && component.allSatisfy({ $0 == dot }) {
                if let start = starts.popLast() { result.removeSubrange(start...) }
                continue
            }
            starts.append(result.count)
            result.append(slash)
            result.append(contentsOf: component)
        }
        return result.isEmpty ? "/" : String(decoding: result, as: UTF8.self)
    }

    /// `getcwd(3)`, or `/` if the current directory is gone.
    public static func currentDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: 4097)
        guard getcwd(&buffer, buffer.count) != nil else { return "/" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

