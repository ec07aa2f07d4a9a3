import CCap

/// Capability names as `lxc.cap.drop`/`lxc.cap.keep` spell them (`sys_admin`, case-insensitive,
/// with or without `CAP_`), resolved through libcap so that Berth knows every capability the
/// installed libcap knows.
public enum CapabilityName {
    /// The capability number, or nil when libcap does not know the name.
    public static func number(_ name: String) -> Int32? {
        var lower = name.lowercased()
        if !lower.hasPrefix("cap_") { lower = "cap_" + lower }
        var value: cap_value_t = 0
        // cap_from_name(3) accepts "cap_sys_admin" and numbers; it returns 0 on success.
        guard cap_from_name(lower, &value) == 0 else { return nil }
        return Int32(value)
    }
}
