import BerthKit

/// berth-diff: what an overlay clone changed against its origin.
public struct DiffCommand: BerthTool {
    public static let spec = ToolSpec(
        name: "berth-diff",
        abstract: "List what an overlay clone changed against its origin.",
        discussion: """
                Reads the clone's upper layer and prints one line per path, as docker diff does: A \
                (added: the origin has no such path), C (changed: the origin has it; directories \
                that hold changes are changed too), D (deleted). With --format json, an array of \
                {"change": "added|changed|deleted", "path": PATH}. Only overlay clones (berth-copy \
                -s) have an origin to compare with; a running clone is frozen while it is read. \
                A name whose bytes are not UTF-8 is compared by its bytes and printed with U+FFFD \
                in their place.
                """,
        options: [
            NameOption.spec,
            .value(nil, "format", "FORMAT", "Output format: text or json."),
        ] + CommonOptions.specs,
        positionals: [.containerName]
    )

    let container: NameOption
    let common: CommonOptions
    var positionalName: String?
    var format: String

    public init(_ arguments: ParsedArguments) throws(BerthError) {
        container = NameOption(arguments)
        common = try CommonOptions(arguments)
        positionalName = arguments.positionals.first
        format = arguments.value("format") ?? "text"
        guard ["text", "json"].contains(format) else { throw BerthError(.invalidArgument, "--format must be text or json, not '\(format)'") }
    }

    public func run() throws {
        let context = try ToolContext(program: Self.spec.name, options: common)
        let target = Container(lxcpath: context.lxcpath, name: try container.resolve(positional: positionalName))
        let entries = try ContainerDiffer().diff(target)
        if format == "json" {
            print(JSONValue.array(entries.map { .object([("change", .string($0.change.word)), ("path", .string($0.path))]) }).render())
        } else {
            for entry in entries { print("\(entry.change.rawValue) \(PrintableText.escaped(entry.path))") }
        }
    }
}
