import BerthKit

/// berth-checkconfig: reports the kernel and host features Berth uses.
public struct CheckConfigCommand: BerthTool {
    public static let spec = ToolSpec(
        name: "berth-checkconfig",
        abstract: "Check the host's kernel and tools for container support.",
        discussion: """
                Reports each namespace, the cgroup layout (v1, v2 or hybrid) with its mount points \
                and controllers, network devices, filesystems, seccomp, AppArmor and SELinux, and the \
                host tools templates need, each with a verdict. Exits 1 when a required feature is \
                missing.
                """,
        options: [
            .value(nil, "format", "FORMAT", "Output format: text or json."),
        ] + CommonOptions.specs,
        positionals: []
    )

    var format: String

    public init(_ arguments: ParsedArguments) throws(BerthError) {
        format = arguments.value("format") ?? "text"
        try validate()
    }

    func validate() throws(BerthError) {
        guard ["text", "json"].contains(format) else { throw BerthError(.invalidArgument, "--format must be text or json, not '\(format)'") }
    }

    public func run() throws {
        let check = HostCheck.run()
        if format == "json" {
            print(JSONValue.object([
                ("kernel", .string(check.kernelRelease)),
                ("kernel_config", check.kernelConfigSource.map(JSONValue.string) ?? .null),
                ("cgroup_layout", .string(check.cgroupLayout.kind.rawValue)),
                ("sections", .array(check.sections.map { section in
                    .object([
                        ("title", .string(section.title)),
                        ("items", .array(section.items.map { item in
                            .object([("name", .string(item.name)), ("verdict", .string(item.verdict.rawValue)),
                                     ("required", .bool(item.required)), ("detail", item.detail.map(JSONValue.string) ?? .null)])
                        })),
                        ("notes", .array(section.notes.map(JSONValue.string))),
                    ])
                })),
            ]).render())
        } else {
            let color = Terminal.stdoutIsTerminal && ProcessEnvironment.value("NO_COLOR") == nil
            print("Kernel: \(check.kernelRelease) (config: \(check.kernelConfigSource ?? "not published"))")
            for section in check.sections {
                print("\n--- \(section.title) ---")
                for note in section.notes { print(note) }
                for item in section.items {
                    var verdict = item.verdict.rawValue + (item.isProblem ? " (required)" : "")
                    if color { verdict = (item.verdict == .missing || item.verdict == .notEnabled ? (item.required ? "\u{1B}[1;31m" : "\u{1B}[1;33m") : "\u{1B}[1;32m") + verdict + "\u{1B}[0m" }
                    print("\(item.name): \(verdict)" + (item.detail.map { " (\($0))" } ?? ""))
                }
            }
        }
        if !check.problems.isEmpty {
            throw BerthError(.unsupported, "required kernel features are missing: \(check.problems.map(\.name).joined(separator: ", "))")
        }
    }
}
