/// Renders `berth.container.conf(5)` from `ConfigKeyTable`, so the manual lists exactly the
/// keys Berth accepts. `make man` writes it to `man/berth.container.conf.5`; a test checks the
/// committed page is current.
public enum ConfigManual {
    public static func render() -> String {
        var out = """
            .TH BERTH.CONTAINER.CONF 5 "" "Berth" "File Formats"
            .SH NAME
            berth.container.conf \\- Berth container configuration (LXC format)
            .SH SYNOPSIS
            .I <lxcpath>/<name>/config
            .SH DESCRIPTION
            Each Berth container is configured by the file
            .I config
            in its directory under the lxcpath (default
            .IR /var/lib/berth ).
            The format and the keys are LXC's, so configs written for LXC work unchanged.
            .PP
            Each line is
            .BR "key = value" .
            Blank space around the key and the value is ignored; a value in matching single or
            double quotes is unquoted. Lines starting with
            .B #
            are comments. Lines that are not
            .B lxc.*
            settings are ignored with a warning.
            .PP
            An unknown
            .B lxc.*
            key, or a value of the wrong shape, is an error that names the file, the line and the
            key; nothing is started or created from such a config. No key is accepted and
            ignored: a key Berth cannot honour yet is marked
            .B Not honoured yet
            below, and a config that sets it to anything but its default fails
            .B berth-start
            and
            .BR berth-create ,
            naming the file, the line and the key.
            .PP
            Keys marked
            .B list
            may be given many times; each line adds a value, and an empty value
            .RB ( "lxc.cap.drop =" )
            removes the values set so far. For the other keys the last value wins, and an empty
            value restores the default.
            .PP
            Network keys are indexed:
            .BR lxc.net.0.type ,
            .BR lxc.net.1.link .
            .B lxc.net =
            removes every network defined before it.
            .PP
            Keys of LXC before 3.0
            .RB ( lxc.utsname ,
            .BR lxc.rootfs ,
            .BR lxc.network.type ,
            .BR lxc.tty ,
            \\&...) are read and translated, with a warning that names the current key.
            .BR lxc.pivotdir ,
            .B lxc.kmsg
            and
            .B lxc.rootfs.backend
            are ignored with a warning.
            .PP
            When Berth writes a config (create, and later copy and snapshot) it keeps the
            administrator's order, comments and blank lines.
            """
        var section = ""
        for key in ConfigKeyTable.all {
            if key.section != section {
                section = key.section
                out += "\n.SH \(section.uppercased())"
            }
            var tags = [key.kind.shape]
            if key.multiplicity == .list { tags.append("list") }
            if let value = key.defaultValue { tags.append("default \(value)") }
            out += "\n.TP\n.B \(escape(key.name))\n(\(escape(tags.joined(separator: "; "))))\n\(escape(key.summary))"
            // Never accepted and ignored: what Berth cannot honour yet is said here, and a
            // config that sets it (to anything but its default) fails to start and to create.
            if let refusal = key.refusal { out += "\n.B Not honoured yet:\n\(escape(refusal)); a config that sets it fails to start, naming it." }
        }
        out += """

            .SH FILES
            .TP
            .I /etc/berth/default.conf
            Copied into the config of every new container, unless
            .B berth-create -f
            names another file.
            .TP
            .I /etc/berth/berth.conf
            Host settings:
            .B lxc.lxcpath
            and
            .BR lxc.default_config .
            .SH SEE ALSO
            .BR berth-create (1),
            .BR berth-info (1),
            .BR berth-checkconfig (1)

            """
        return out
    }

    /// roff escapes: a backslash, and a leading dot or quote that roff would take as a request.
    static func escape(_ text: String) -> String {
        var result = text.replacingOccurrences(of: "\\", with: "\\e")
        if result.hasPrefix(".") || result.hasPrefix("'") { result = "\\&" + result }
        return result.replacingOccurrences(of: "\n.", with: "\n\\&.")
    }
}
