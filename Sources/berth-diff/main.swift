import BerthCommands

DiffCommand.runAsTool(Array(CommandLine.arguments.dropFirst()))
