import BerthKit

/// The words of a command line sorted by a tool's `ToolSpec`: options by key, other words, and
/// what follows `--`.
public struct ParsedArguments: Sendable {
    fileprivate(set) var given: [String: [String]] = [:]
    /// Words that are no option, in order (before `--`, and after it when the tool takes no
    /// words after `--` of its own).
    public fileprivate(set) var positionals: [String] = []
    /// Everything after `--`, for tools with an `afterTerminator` argument.
    public fileprivate(set) var rest: [String] = []

    /// True when the flag (or option) `key` was given.
    public func flag(_ key: String) -> Bool { given[key] != nil }

    /// The option's value; the last one when it was given more than once.
    public func value(_ key: String) -> String? { given[key]?.last }

    /// Every value of a repeatable option, in order.
    public func values(_ key: String) -> [String] { given[key] ?? [] }

    /// The option's value as a whole number, nil when not given; a word that is no number of
    /// that type is a usage error naming the option.
    public func number<T: FixedWidthInteger>(_ key: String, as type: T.Type = Int.self) throws(BerthError) -> T? {
        guard let text = value(key) else { return nil }
        guard let number = T(text) else {
            throw BerthError(.invalidArgument, "--\(key): '\(text)' is not a whole number")
        }
        return number
    }

    /// The option's value as a number of seconds (fractions allowed), nil when not given.
    public func seconds(_ key: String) throws(BerthError) -> Double? {
        guard let text = value(key) else { return nil }
        guard let number = Double(text), number.isFinite else {
            throw BerthError(.invalidArgument, "--\(key): '\(text)' is not a number")
        }
        return number
    }
}

/// What a command line asks for: to run the tool, or its help or version.
enum ParsedCommandLine {
    case run(ParsedArguments)
    case help
    case version
}

/// Reads a command line the way getopt_long does for LXC's tools. No reflection, no global
/// state: a tool that does no work costs little more than the process itself.
enum ArgumentScanner {
    static func parse(_ words: [String], spec: ToolSpec) throws(BerthError) -> ParsedCommandLine {
        let options = spec.options + ToolSpec.builtIn
        var parsed = ParsedArguments()
        let takesRest = spec.positionals.contains { $0.kind == .afterTerminator }
        var index = 0
        func valueFor(_ option: OptionSpec, shown: String) throws(BerthError) -> String {
            index += 1
            guard index < words.count else { throw BerthError(.invalidArgument, "\(shown) needs a value (\(option.valueName ?? "VALUE"))") }
            return words[index]
        }
        while index < words.count {
            let word = words[index]
            if word == "--" {
                let after = Array(words[(index + 1)...])
                if takesRest { parsed.rest = after } else { parsed.positionals += after }
                break
            }
            if word.hasPrefix("--") {
                let body = word.dropFirst(2)
                let name = String(body.prefix { $0 != "=" })
                let inline = body.contains("=") ? String(body.drop { $0 != "=" }.dropFirst()) : nil
                guard let option = options.first(where: { $0.long == name }) else {
                    throw BerthError(.invalidArgument, "unknown option '--\(name)' (\(spec.name) --help lists them)")
                }
                if option.valueName == nil {
                    if inline != nil && option.optionalValueName == nil { throw BerthError(.invalidArgument, "--\(name) takes no value") }
                    parsed.given[option.key, default: []].append(inline ?? "")
                } else {
                    let value: String
                    if let inline { value = inline } else { value = try valueFor(option, shown: "--\(name)") }
                    parsed.given[option.key, default: []].append(value)
                }
            } else if word.hasPrefix("-") && word.count > 1 {
                // One or more letters: flags may be grouped; a letter that takes a value takes
                // the rest of the word, or the next word.
                var letters = Substring(word.dropFirst())
                while let letter = letters.first {
                    letters = letters.dropFirst()
                    guard let option = options.first(where: { $0.short == letter }) else {
                        throw BerthError(.invalidArgument, "unknown option '-\(letter)' (\(spec.name) --help lists them)")
                    }
                    if option.valueName == nil {
                        parsed.given[option.key, default: []].append("")
                        continue
                    }
                    let value = try letters.isEmpty ? valueFor(option, shown: "-\(letter)") : String(letters)
                    parsed.given[option.key, default: []].append(value)
                    break
                }
            } else {
                parsed.positionals.append(word)
            }
            index += 1
        }
        if parsed.flag("help") { return .help }
        if parsed.flag("version") { return .version }
        // More words than the tool takes is a usage error, not something to ignore.
        if !spec.positionals.contains(where: { $0.kind == .several }) {
            let allowed = spec.positionals.filter { $0.kind == .single }.count
            if parsed.positionals.count > allowed {
                throw BerthError(.invalidArgument, "unexpected argument '\(parsed.positionals[allowed])'")
            }
        }
        return .run(parsed)
    }
}
