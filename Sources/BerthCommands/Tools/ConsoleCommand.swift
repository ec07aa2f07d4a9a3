import BerthKit

/// berth-console: attaches this terminal to a container's console or a tty.
public struct ConsoleCommand: BerthTool {
    public static let spec = ToolSpec(
        name: "berth-console",
        abstract: "Connect to a container's console or one of its ttys.",
        discussion: """
                Connects through the container's monitor; the console first shows its recent output \
                (lxc.console.buffer.size, 128 KiB by default). Type Ctrl+a q to detach (-e changes \
                the a), Ctrl+a Ctrl+a to send Ctrl+a itself.
                """,
        options: [
            NameOption.spec,
            .value("t", "tty", "TTY", "0 for the console (the default), N for /dev/ttyN."),
            .value("e", "escape", "CHAR", "The escape letter, used with Ctrl (default a)."),
        ] + CommonOptions.specs,
        positionals: [.containerName]
    )

    let container: NameOption
    var tty: Int
    var escape: String
    let common: CommonOptions
    var positionalName: String?

    public init(_ arguments: ParsedArguments) throws(BerthError) {
        container = NameOption(arguments)
        tty = try arguments.number("tty", as: Int.self) ?? 0
        escape = arguments.value("escape") ?? "a"
        common = try CommonOptions(arguments)
        positionalName = arguments.positionals.first
        try validate()
    }

    func validate() throws(BerthError) {
        guard escape.count == 1, let scalar = escape.lowercased().unicodeScalars.first, scalar >= "a", scalar <= "z" else {
            throw BerthError(.invalidArgument, "-e expects one letter a-z, got '\(escape)'")
        }
        if tty < 0 { throw BerthError(.invalidArgument, "-t expects 0 (console) or a tty number") }
    }

    public func run() throws {
        let context = try ToolContext(program: Self.spec.name, options: common)
        let name = try container.resolve(positional: positionalName)
        let target = Container(lxcpath: context.lxcpath, name: name)
        guard target.isDefined else { throw BerthError(.notFound, "\(name) doesn't exist") }
        let letter = escape.lowercased().unicodeScalars.first.map { UInt8($0.value) } ?? UInt8(ascii: "a")
        try ConsoleClient(container: target).run(tty: tty, escape: letter - 0x60) { text in
            if !common.quiet { Terminal.writeError(text) }
        }
    }
}
