// berth-docgen: prints a manual page made from Berth's own definitions. Used by `make man`;
// not installed.
//   berth-docgen                          berth.container.conf(5), from the key table
//   berth-docgen TOOL "Month D, YYYY"     TOOL(1), from the tool's command-line definition
import BerthCommands
import BerthKit

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.isEmpty {
    print(ConfigManual.render(), terminator: "")
} else if arguments.count == 2, let page = ToolManual.page(tool: arguments[0], date: arguments[1]) {
    print(page, terminator: "")
} else {
    Terminal.writeError("usage: berth-docgen [TOOL DATE]   (TOOL: one of berth --list-tools)\n")
    exit(1)
}
