import ArgumentParser
import BerthKit

/// berth-console: attaches this terminal to a container's console or a tty.
public struct ConsoleCommand: BerthTool {
    public static let configuration = CommandConfiguration(
        commandName: "berth-console",
        abstract: "Connect to a container's console or one of its ttys.",
        discussion: """
            Connects through the container's monitor; the console first shows its recent output \
            (lxc.console.buffer.size, 128 KiB by default). Type Ctrl+a q to detach (-e changes \
            the a), Ctrl+a Ctrl+a to send Ctrl+a itself.
            """,
        version: BerthVersion.string
    )

    @OptionGroup var container: NameOption
    @Option(name: [.customShort("t"), .long], help: ArgumentHelp("0 for the console (the default), N for /dev/ttyN.", valueName: "TTY"))
    var tty: Int = 0
    @Option(name: [.customShort("e"), .customLong("escape")], help: ArgumentHelp("The escape letter, used with Ctrl (default a).", valueName: "CHAR"))
    var escape: String = "a"
    @OptionGroup var common: CommonOptions
    @Argument(help: ArgumentHelp("The container's name (instead of -n).", visibility: .hidden))
    var positionalName: String?

    public init() {}

    public func validate() throws {
        guard escape.count == 1, let scalar = escape.lowercased().unicodeScalars.first, scalar >= "a", scalar <= "z" else {
            throw ValidationError("-e expects one letter a-z, got '\(escape)'")
        }
        if tty < 0 { throw ValidationError("-t expects 0 (console) or a tty number") }
    }

    public func run() throws {
        let context = try ToolContext(program: Self.configuration.commandName ?? "berth-console", options: common)
        let name = try container.resolve(positional: positionalName)
        let target = Container(lxcpath: context.lxcpath, name: name)
        guard target.isDefined else { throw BerthError(.notFound, "\(name) doesn't exist") }
        let letter = escape.lowercased().unicodeScalars.first.map { UInt8($0.value) } ?? UInt8(ascii: "a")
        try ConsoleClient(container: target).run(tty: tty, escape: letter - 0x60) { text in
            if !common.quiet { Terminal.writeError(text) }
        }
    }
}
