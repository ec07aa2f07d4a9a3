/// The process environment as a dictionary (without Foundation).
public enum ProcessEnvironment {
    /// Read once per process: Berth never changes its own environment (no setenv), and a start
    /// asks for it several times (berth.conf's place, the managed network's directories, the
    /// caller's variables for lxc.environment).
    public static let current: [String: String] = {
        var result: [String: String] = [:]
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if let eq = text.firstIndex(of: "=") {
                result[String(text[..<eq])] = String(text[text.index(after: eq)...])
            }
            pointer += 1
        }
        return result
    }()
}
