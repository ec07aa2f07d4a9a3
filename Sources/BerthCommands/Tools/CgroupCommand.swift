import BerthKit

/// berth-cgroup: reads or sets a controller file of a running container.
public struct CgroupCommand: BerthTool {
    public static let spec = ToolSpec(
        name: "berth-cgroup",
        abstract: "Read or set a cgroup file of a running container.",
        discussion: """
                With KEY alone, prints the file (memory.usage_in_bytes, pids.current, cpu.stat, ...). \
                With VALUE, writes it: sizes like 256M are accepted for memory limits, and a file \
                named for the other cgroup version is translated where the meaning is the same \
                (memory.limit_in_bytes sets memory.max on a cgroup v2 host, cpu.shares sets \
                cpu.weight, and so on). The file is looked up where its controller really lives, \
                also on hybrid hosts.
                """,
        options: [
            NameOption.spec,
        ] + CommonOptions.specs,
        positionals: [PositionalSpec("KEY", "[NAME] KEY [VALUE]: the container when -n is not given (as lxc-cgroup), the controller file (e.g. memory.max), and the value to write.", kind: .several)]
    )

    let container: NameOption
    let common: CommonOptions
    var words: [String]

    public init(_ arguments: ParsedArguments) throws(BerthError) {
        container = NameOption(arguments)
        common = try CommonOptions(arguments)
        words = arguments.positionals
        try validate()
    }

    /// The words after the container's name: KEY and an optional VALUE.
    var keyAndValue: ArraySlice<String> { container.isGiven ? words[...] : words.dropFirst() }
    var key: String { keyAndValue.first ?? "" }
    var value: String? { keyAndValue.dropFirst().first }

    func validate() throws(BerthError) {
        guard (1...2).contains(keyAndValue.count) else {
            throw BerthError(.invalidArgument, "expected [NAME] KEY [VALUE] (the name when -n is not given)")
        }
        if key.contains("/") || key.hasPrefix(".") || !key.contains(".") {
            throw BerthError(.invalidArgument, "'\(key)' is not a cgroup file name (controller.file, e.g. memory.max)")
        }
    }

    public func run() throws {
        let context = try ToolContext(program: Self.spec.name, options: common)
        let target = Container(lxcpath: context.lxcpath, name: try container.resolve(positional: container.isGiven ? nil : words.first))
        let access = CgroupAccess(container: target)
        if let value {
            try access.write(key, value)
        } else {
            let text = try access.read(key)
            print(text.hasSuffix("\n") ? String(text.dropLast()) : text)
        }
    }
}
