import CZlib

/// The running kernel's build configuration, from `/proc/config.gz` or
/// `/boot/config-<release>`, when either exists.
public struct KernelConfig: Sendable {
    public enum Setting: String, Sendable {
        case builtIn = "y", module = "m", missing = "n"
    }

    private let options: [String: String]
    public let source: String

    public init(text: String, source: String) {
        var options: [String: String] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("CONFIG_") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            options[String(line[..<eq])] = String(line[line.index(after: eq)...])
        }
        self.options = options
        self.source = source
    }

    public func setting(_ option: String) -> Setting {
        switch options[option] {
        case "y": return .builtIn
        case "m": return .module
        default: return .missing
        }
    }

    /// Reads the running kernel's config, or nil when the kernel does not publish it.
    public static func current(release: String) -> KernelConfig? {
        if let text = readGzip("/proc/config.gz") { return KernelConfig(text: text, source: "/proc/config.gz") }
        let boot = "/boot/config-\(release)"
        if let text = try? FileSystem.readText(boot) { return KernelConfig(text: text, source: boot) }
        return nil
    }

    /// Decompresses a gzip file with zlib.
    static func readGzip(_ path: String) -> String? {
        // gzopen(3): zlib's stdio-like reader; it handles the gzip header and checksum.
        guard let file = gzopen(path, "rb") else { return nil }
        defer { gzclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = gzread(file, &chunk, UInt32(chunk.count))
            if n < 0 { return nil }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<Int(n)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
