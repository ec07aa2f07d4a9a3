/// A tool's `--help` text and its man page, both made from its `ToolSpec`.
enum ToolHelp {
    /// `--help`: what the tool does, its usage line, then its options and arguments.
    static func text(_ spec: ToolSpec) -> String {
        var out = "OVERVIEW: \(spec.abstract)\n\n"
        if !spec.discussion.isEmpty { out += wrap(spec.discussion, width: 80, indent: "") + "\n\n" }
        out += "USAGE: \(spec.name) \(usage(spec))\n\n"
        let arguments = spec.positionals.filter { !$0.hidden }
        if !arguments.isEmpty {
            out += "ARGUMENTS:\n"
            for argument in arguments { out += row("<\(argument.name.lowercased())>", argument.help) }
            out += "\n"
        }
        out += "OPTIONS:\n"
        for option in (spec.options + ToolSpec.builtIn) where !option.hidden {
            out += row(option.display + option.optionalSuffix + (option.valueName.map { " <\($0)>" } ?? ""), option.help)
        }
        return out
    }

    /// The synopsis after the tool's name: `[-n NAME] [-t SECS] ... [-- COMMAND ...]`.
    static func usage(_ spec: ToolSpec) -> String {
        var parts = spec.options.filter { !$0.hidden }.map { option -> String in
            let name = option.short.map { "-\($0)" } ?? "--\(option.long ?? "")"
            return "[\(name)\(option.optionalSuffix)\(option.valueName.map { " \($0)" } ?? "")]"
        }
        for argument in spec.positionals where !argument.hidden {
            switch argument.kind {
            case .single: parts.append("[\(argument.name)]")
            case .several: parts.append("\(argument.name) ...")
            case .afterTerminator: parts.append("[-- \(argument.name) ...]")
            }
        }
        return parts.joined(separator: " ")
    }

    private static func row(_ left: String, _ help: String) -> String {
        let column = 28
        let lead = "  " + left
        let body = wrap(help, width: 80 - column, indent: String(repeating: " ", count: column))
        if lead.count < column { return lead + String(repeating: " ", count: column - lead.count) + body.drop { $0 == " " } + "\n" }
        return lead + "\n" + body + "\n"
    }

    /// `text` broken into lines of at most `width` characters, each after `indent`.
    static func wrap(_ text: String, width: Int, indent: String) -> String {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty && line.count + 1 + word.count > width {
                lines.append(indent + line)
                line = ""
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        if !line.isEmpty { lines.append(indent + line) }
        return lines.joined(separator: "\n")
    }

    /// The tool's section 1 page in mdoc, dated `date` ("December 4, 2026").
    static func manual(_ spec: ToolSpec, date: String) -> String {
        var page = ".\\\" Generated from the tool's own definition by berth-docgen\n"
        page += ".Dd \(date)\n.Dt \(spec.name.uppercased()) 1\n.Os\n.Sh NAME\n.Nm \(spec.name)\n.Nd \"\(escape(spec.abstract))\"\n"
        page += ".Sh SYNOPSIS\n.Nm\n"
        for option in spec.options where !option.hidden {
            let flag = option.short.map { "Fl \($0)" } ?? "Fl -\(option.long ?? "")"
            page += ".Op \(flag)\(option.optionalValueName.map { " Ns Oo = Ns Ar \($0) Oc" } ?? "")\(option.valueName.map { " Ar \($0)" } ?? "")\n"
        }
        for argument in spec.positionals where !argument.hidden {
            switch argument.kind {
            case .single: page += ".Op Ar \(argument.name)\n"
            case .several: page += ".Ar \(argument.name) ...\n"
            case .afterTerminator: page += ".Op Fl - Ar \(argument.name) ...\n"
            }
        }
        page += ".Sh DESCRIPTION\n\(escape(spec.discussion))\n.Bl -tag -width 6n\n"
        for option in (spec.options + ToolSpec.builtIn) where !option.hidden {
            let names = [option.short.map { "Fl \($0)" }, option.long.map { "Fl -\($0)" }].compactMap { $0 }.joined(separator: " , ")
            page += ".It \(names)\(option.optionalValueName.map { " Ns Oo = Ns Ar \($0) Oc" } ?? "")\(option.valueName.map { " Ar \($0)" } ?? "")\n\(escape(option.help))\n"
        }
        for argument in spec.positionals where !argument.hidden {
            page += ".It Ar \(argument.name)\n\(escape(argument.help))\n"
        }
        page += ".El\n.Sh \"EXIT STATUS\"\n.Ex -std\n.Sh AUTHORS\nThe Berth developers.\n"
        return page
    }

    /// A line of text safe in mdoc: a leading dot or quote would be read as a request.
    private static func escape(_ text: String) -> String {
        let escaped = text.unicodeScalars.map { $0 == "\\" ? "\\e" : String($0) }.joined()
        return escaped.hasPrefix(".") || escaped.hasPrefix("'") ? "\\&" + escaped : escaped
    }
}
