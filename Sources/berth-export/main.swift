import BerthCommands

ExportCommand.runAsTool(Array(CommandLine.arguments.dropFirst()))
