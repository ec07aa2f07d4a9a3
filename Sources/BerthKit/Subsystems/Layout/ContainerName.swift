/// A validated container name: safe to use as a directory name under the lxcpath, in lock
/// files, cgroup names and log lines.
///
/// Rules: 1 to 64 bytes (a container's name is its hostname by default, which the kernel limits
/// to 64 bytes: a longer name could be created but never started); letters, digits and `. _ - + @`; it must start with a letter or a
/// digit (names beginning with `.` are Berth's own hidden bookkeeping). So `..`, `a/b`, an empty
/// name and names with spaces or control characters are refused.
public struct ContainerName: Hashable, Sendable, CustomStringConvertible, Comparable {
    public static let maximumLength = 64
    public let value: String

    public init(_ value: String) throws(BerthError) {
        guard !value.isEmpty else {
            throw BerthError(.invalidName, "container name is empty")
        }
        guard value.utf8.count <= ContainerName.maximumLength else {
            throw BerthError(.invalidName, "container name is \(value.utf8.count) bytes long; at most \(ContainerName.maximumLength) are allowed (the kernel's limit for the hostname it becomes)")
        }
        guard let first = value.unicodeScalars.first, ContainerName.isAlphanumeric(first) else {
            throw BerthError(.invalidName, "invalid container name '\(ContainerName.printable(value))': it must start with a letter or a digit")
        }
        if let bad = value.unicodeScalars.first(where: { !ContainerName.isAllowed($0) }) {
            let what = bad == "/" ? "'/'" : "character '\(ContainerName.printable(String(bad)))'"
            throw BerthError(.invalidName, "invalid container name '\(ContainerName.printable(value))': \(what) is not allowed (use letters, digits, '.', '_', '-', '+', '@')")
        }
        self.value = value
    }

    static func isAlphanumeric(_ c: Unicode.Scalar) -> Bool { PrintableText.isAlphanumeric(c) }

    static func isAllowed(_ c: Unicode.Scalar) -> Bool {
        isAlphanumeric(c) || c == "." || c == "_" || c == "-" || c == "+" || c == "@"
    }

    /// Control characters shown escaped, so an error message never carries a raw newline.
    static func printable(_ text: String) -> String { PrintableText.escaped(text) }

    public var description: String { value }
    public static func < (a: ContainerName, b: ContainerName) -> Bool { a.value < b.value }
}
