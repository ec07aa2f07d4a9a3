/// `lxc.time.offset.boot` and `lxc.time.offset.monotonic`: the container's CLOCK_BOOTTIME and
/// CLOCK_MONOTONIC shifted in a time namespace of its own (its uptime says so), as LXC does.
/// A value is an integer with a unit: h, m, s, ms, us or ns (`10s`, `-5m`, `1500ms`).
public struct TimeOffsets: Sendable, Equatable {
    public var boot: (seconds: Int64, nanoseconds: Int64) = (0, 0)
    public var monotonic: (seconds: Int64, nanoseconds: Int64) = (0, 0)

    public static func == (a: TimeOffsets, b: TimeOffsets) -> Bool {
        a.boot == b.boot && a.monotonic == b.monotonic
    }

    /// The offsets `config` sets, or nil when it sets none.
    static func parse(_ config: ContainerConfig, origin: (String) -> String) throws(BerthError) -> TimeOffsets? {
        let boot = config.value("lxc.time.offset.boot"), monotonic = config.value("lxc.time.offset.monotonic")
        guard boot != nil || monotonic != nil else { return nil }
        var offsets = TimeOffsets()
        if let boot { offsets.boot = try parse(boot, key: origin("lxc.time.offset.boot")) }
        if let monotonic { offsets.monotonic = try parse(monotonic, key: origin("lxc.time.offset.monotonic")) }
        return offsets
    }

    /// `-5m` as (-300, 0); the nanoseconds always 0...999,999,999 (the kernel's form).
    static func parse(_ text: String, key: String) throws(BerthError) -> (seconds: Int64, nanoseconds: Int64) {
        let units: [(String, Int64)] = [("ms", 1_000_000), ("us", 1_000), ("ns", 1), ("h", 3_600_000_000_000), ("m", 60_000_000_000), ("s", 1_000_000_000)]
        for (unit, scale) in units where text.hasSuffix(unit) {
            let number = text.dropLast(unit.count)
            guard !number.isEmpty, let value = Int64(number) else { break }
            let (total, overflow) = value.multipliedReportingOverflow(by: scale)
            guard !overflow else { break }
            var seconds = total / 1_000_000_000, nanoseconds = total % 1_000_000_000
            if nanoseconds < 0 {
                seconds -= 1
                nanoseconds += 1_000_000_000
            }
            return (seconds, nanoseconds)
        }
        throw BerthError(.invalidConfig, "\(key): '\(text)' is not a time offset (an integer with h, m, s, ms, us or ns, e.g. 10s or -5m)")
    }

    /// What /proc/self/timens_offsets takes: one clock a line.
    var procText: String {
        "monotonic \(monotonic.seconds) \(monotonic.nanoseconds)\nboottime \(boot.seconds) \(boot.nanoseconds)\n"
    }
}
