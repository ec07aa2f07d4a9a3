/// Wall-clock times formatted without Foundation.
public enum Timestamp {
    /// Seconds since the epoch.
    public static func now() -> Int { Int(time(nil)) }

    /// `2026-11-23 22:59:33 UTC`.
    public static func utcNow() -> String {
        var now = time(nil)
        var parts = tm()
        gmtime_r(&now, &parts)
        return format(parts, dateSeparator: "-") + " UTC"
    }

    /// `2026:11:23 22:59:33` in local time: LXC's snapshot `ts` format.
    public static func localSnapshotTime() -> String {
        var now = time(nil)
        var parts = tm()
        localtime_r(&now, &parts)
        return format(parts, dateSeparator: ":")
    }

    private static func format(_ parts: tm, dateSeparator: String) -> String {
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(parts.tm_year + 1900)\(dateSeparator)\(two(parts.tm_mon + 1))\(dateSeparator)\(two(parts.tm_mday)) \(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))"
    }
}
