/// What a tool takes on its command line, declared once: the parser, `--help`, and the man page
/// are all made from it (see ArgumentScanner, ToolHelp). LXC's conventions: short options may be
/// grouped (`-kr`), a value follows its option (`-t 10`, `-t10`, `--timeout=10`), and `--` ends
/// the options.
public struct OptionSpec: Sendable {
    public let short: Character?
    public let long: String?
    /// The value's name in help (`SECS`); nil for a flag, which takes no value.
    public let valueName: String?
    public let help: String
    /// Kept out of help and man page (accepted for compatibility).
    public let hidden: Bool
    /// For a flag that may carry a value joined by `=` (getopt's optional argument,
    /// `--nesting[=NUM]`): the value's name; the flag alone reads as an empty value.
    public var optionalValueName: String? = nil

    /// A flag: `-k`, `--kill`.
    public static func flag(_ short: Character?, _ long: String?, _ help: String, hidden: Bool = false) -> OptionSpec {
        OptionSpec(short: short, long: long, valueName: nil, help: help, hidden: hidden)
    }

    /// A long flag that may take a value after `=`: `--nesting`, `--nesting=3`.
    public static func flag(_ long: String, optionalValue valueName: String, _ help: String) -> OptionSpec {
        var option = OptionSpec(short: nil, long: long, valueName: nil, help: help, hidden: false)
        option.optionalValueName = valueName
        return option
    }

    /// `[=NUM]` after a flag with an optional value, for help and man pages.
    var optionalSuffix: String { optionalValueName.map { "[=\($0)]" } ?? "" }

    /// An option with a value: `-t SECS`, `--timeout SECS`; given again, the last value counts
    /// unless the tool reads them all (repeatable options such as `-s KEY=VALUE`).
    public static func value(_ short: Character?, _ long: String?, _ valueName: String, _ help: String) -> OptionSpec {
        OptionSpec(short: short, long: long, valueName: valueName, help: help, hidden: false)
    }

    /// The name a tool reads the option by: its long name, else its letter.
    public var key: String { long ?? short.map(String.init) ?? "" }

    /// `-t, --timeout` for messages.
    var display: String {
        [short.map { "-\($0)" }, long.map { "--\($0)" }].compactMap { $0 }.joined(separator: ", ")
    }
}

/// An argument that is not an option.
public struct PositionalSpec: Sendable {
    public enum Kind: Sendable {
        /// At most one word (the container's name, a filter).
        case single
        /// Any number of words before `--` (berth-clone's ORIG NEW, berth-cgroup's KEY VALUE).
        case several
        /// Everything after `--` (a command, a template's arguments).
        case afterTerminator
    }

    public let name: String
    public let help: String
    public let kind: Kind
    public let hidden: Bool

    public init(_ name: String, _ help: String, kind: Kind = .single, hidden: Bool = false) {
        self.name = name
        self.help = help
        self.kind = kind
        self.hidden = hidden
    }

    /// LXC's tools take the container's name as a leading argument too: kept out of help.
    public static let containerName = PositionalSpec("NAME", "The container's name (instead of -n).", hidden: true)
}

/// A tool: its name, what it does in one line and in a paragraph, and what it takes.
public struct ToolSpec: Sendable {
    public let name: String
    public let abstract: String
    public let discussion: String
    public let options: [OptionSpec]
    public let positionals: [PositionalSpec]

    public init(name: String, abstract: String, discussion: String, options: [OptionSpec], positionals: [PositionalSpec] = []) {
        self.name = name
        self.abstract = abstract
        self.discussion = discussion
        self.options = options
        self.positionals = positionals
    }

    /// The options every tool has besides its own: `--version` and `-h, --help`.
    static let builtIn: [OptionSpec] = [
        .flag(nil, "version", "Show the version."),
        .flag("h", "help", "Show help information."),
    ]
}
