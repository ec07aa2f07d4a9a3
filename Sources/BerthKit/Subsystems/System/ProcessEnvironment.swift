/// The process environment as a dictionary (without Foundation).
public enum ProcessEnvironment {
    /// Read once per process: Berth never changes its own environment (no setenv). For what
    /// needs the whole of it (the caller's variables for lxc.environment and attach, a
    /// template's environment); a single variable is `value`.
    public static let current: [String: String] = {
        var result: [String: String] = [:]
        var pointer = environ
        while let entry = pointer.pointee {
            // Split at the first '=' on the bytes: the name and the value are decoded once
            // each, without a walk over the entry's characters.
            let bytes = UnsafeBufferPointer(start: UnsafeRawPointer(entry).assumingMemoryBound(to: UInt8.self), count: strlen(entry))
            if let eq = bytes.firstIndex(of: UInt8(ascii: "=")) {
                result[String(decoding: bytes[..<eq], as: UTF8.self)] = String(decoding: bytes[(eq + 1)...], as: UTF8.self)
            }
            pointer += 1
        }
        return result
    }()

    /// One variable, looked up where the process keeps it (getenv): a command that needs two or
    /// three of them (where berth.conf is, the subordinate id files) does not build `current`,
    /// whose hashing of every variable took a `berth-wait` a seventh of its instructions.
    public static func value(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
}
