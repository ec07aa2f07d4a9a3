import BerthKit

/// berth-device: gives a running container a host device node or network interface, or takes it
/// back, as lxc-device.
public struct DeviceCommand: BerthTool {
    public static let spec = ToolSpec(
        name: "berth-device",
        abstract: "Add a host device or network interface to a running container, or take it back.",
        discussion: """
                add DEVICE [TARGET]: a device node (a path, /dev/fuse) is allowed in the container's \
                devices cgroup and made at TARGET (default the same path) in its /dev, for a \
                privileged container (in a user namespace such a node cannot be opened; bind it \
                with lxc.mount.entry instead); a network interface (a name, eth1) is moved into \
                the container, renamed TARGET when given. del DEVICE [TARGET]: the node is removed \
                and denied again; the interface (its name in the container) goes back to the host, \
                named TARGET when given. Nothing is kept across a restart: put it in the config for \
                that.
                """,
        options: [NameOption.spec] + CommonOptions.specs,
        positionals: [PositionalSpec("ACTION DEVICE [TARGET]", "add or del, the device node or interface, and its name on the other side.", kind: .several)]
    )

    let container: NameOption
    let common: CommonOptions
    let action: DeviceManager.Action
    let device: String
    let target: String?

    public init(_ arguments: ParsedArguments) throws(BerthError) {
        container = NameOption(arguments)
        common = try CommonOptions(arguments)
        var words = arguments.positionals
        // The container's name may come first, as with lxc-device's other tools (NAME add eth1).
        if let first = words.first, DeviceManager.Action(rawValue: first) == nil, words.count >= 3 {
            guard container.name == nil else { throw BerthError(.invalidArgument, "the container is named twice: -n and '\(first)'") }
            words.removeFirst()
            positionalName = first
        } else {
            positionalName = nil
        }
        guard let word = words.first, let action = DeviceManager.Action(rawValue: word) else {
            throw BerthError(.invalidArgument, "give an action: add or del (berth-device -n NAME add DEVICE [TARGET])")
        }
        guard words.count >= 2, words.count <= 3 else { throw BerthError(.invalidArgument, "\(word) takes DEVICE and an optional TARGET") }
        self.action = action
        device = words[1]
        target = words.count == 3 ? words[2] : nil
    }

    let positionalName: String?

    public func run() throws {
        let context = try ToolContext(program: Self.spec.name, options: common)
        let target = Container(lxcpath: context.lxcpath, name: try container.resolve(positional: positionalName))
        try DeviceManager().run(action, device: device, target: self.target, container: target)
    }
}
