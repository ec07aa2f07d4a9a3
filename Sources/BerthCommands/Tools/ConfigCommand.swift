import BerthKit

/// berth-config: the host-wide settings Berth is using, as lxc-config shows LXC's.
public struct ConfigCommand: BerthTool {
    public static let spec = ToolSpec(
        name: "berth-config",
        abstract: "Show Berth's host-wide settings.",
        discussion: """
            Prints the value of a berth.conf setting as Berth uses it (the default when the file \
            does not set it), or with -l the names of the settings. As lxc-config: the lxcpath \
            of the caller (root's, or a user's own), the default container config, and Berth's \
            own berth.unprivileged and managed bridge (berth.net.*). An unknown KEY is an error.
            """,
        options: [
            .flag("l", "list", "List the names of the settings."),
        ],
        positionals: [PositionalSpec("KEY", "The setting to print (lxc.lxcpath, lxc.default_config, berth.unprivileged, berth.lxcpaths, berth.net.*; -l lists them).")]
    )

    static let keys = ["lxc.lxcpath", "lxc.default_config", "berth.unprivileged", "berth.lxcpaths", "berth.net.bridge", "berth.net.ipv4", "berth.net.ipv6",
                       "berth.net.dhcp", "berth.net.domain", "berth.net.nat", "berth.net.static"]

    var list: Bool
    var key: String?

    public init(_ arguments: ParsedArguments) throws(BerthError) {
        list = arguments.flag("list")
        key = arguments.positionals.first
        if list == (key != nil) { throw BerthError(.invalidArgument, "give either -l or one KEY") }
    }

    public func run() throws {
        if list {
            for key in Self.keys { print(key) }
            return
        }
        guard let key else { return }
        let system = try SystemConfig.load()
        print(try Self.value(of: key, in: system))
    }

    /// The setting `key` as `system` has it; an unknown key is an error naming the known ones.
    static func value(of key: String, in system: SystemConfig) throws(BerthError) -> String {
        func address(_ address: InterfacePlan.Address?) -> String {
            guard let address else { return "" }
            let text = address.bytes.count == 4 ? IPAddress.formatIPv4(address.bytes) : IPAddress.formatIPv6(address.bytes)
            return "\(text)/\(address.prefix)"
        }
        switch key {
        case "lxc.lxcpath": return system.lxcpath
        case "lxc.default_config": return system.defaultConfig
        case "berth.unprivileged": return system.unprivilegedByDefault ? "1" : "0"
        case "berth.net.bridge": return try system.managedBridge?.name ?? ""
        case "berth.net.ipv4": return address(try system.managedBridge?.ipv4)
        case "berth.net.ipv6": return address(try system.managedBridge?.ipv6)
        case "berth.lxcpaths": return system.extraLxcpaths.joined(separator: " ")
        case "berth.net.dhcp": return try system.managedBridge.map { $0.dhcp ? "1" : "0" } ?? ""
        case "berth.net.domain": return try system.managedBridge?.domain ?? ""
        case "berth.net.nat": return try system.managedBridge.map { $0.nat ? "1" : "0" } ?? ""
        case "berth.net.static": return try system.managedBridge.map { $0.staticAddresses ? "1" : "0" } ?? ""
        default:
            throw BerthError(.invalidArgument, "unknown setting '\(key)' (berth-config -l lists them: \(keys.joined(separator: ", ")))")
        }
    }
}
