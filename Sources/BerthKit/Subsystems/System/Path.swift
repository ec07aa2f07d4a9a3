/// String path helpers. Berth keeps paths as `String` because they go straight into C calls and
/// config values; these helpers do the few manipulations it needs, lexically.
public enum Path {
    /// The directory part: `/a/b/c` → `/a/b`, `/a` → `/`, `a` → `.`.
    public static func parent(_ path: String) -> String {
        let trimmed = stripTrailingSlashes(path)
        guard let slash = trimmed.lastIndex(of: "/") else { return "." }
        if slash == trimmed.startIndex { return "/" }
        return String(trimmed[..<slash])
    }

    /// The last component: `/a/b/c` → `c`.
    public static func base(_ path: String) -> String {
        let trimmed = stripTrailingSlashes(path)
        guard let slash = trimmed.lastIndex(of: "/") else { return trimmed }
        return String(trimmed[trimmed.index(after: slash)...])
    }

    /// Joins with exactly one slash.
    public static func join(_ base: String, _ component: String) -> String {
        if base.hasSuffix("/") { return base + component }
        return base + "/" + component
    }

    /// Removes trailing slashes, keeping a lone `/`.
    public static func stripTrailingSlashes(_ path: String) -> String {
        var result = Substring(path)
        while result.count > 1 && result.hasSuffix("/") { result = result.dropLast() }
        return String(result)
    }

    /// Makes `path` absolute against the current directory, and folds `.`, `..` and repeated
    /// slashes lexically (without resolving symlinks, as the shell's `cd -L` does).
    public static func absolute(_ path: String) -> String {
        let full = path.hasPrefix("/") ? path : join(currentDirectory(), path)
        var parts: [Substring] = []
        for part in full.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." { if !parts.isEmpty { parts.removeLast() }; continue }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }

    /// `getcwd(3)`, or `/` if the current directory is gone.
    public static func currentDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: 4097)
        guard getcwd(&buffer, buffer.count) != nil else { return "/" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

