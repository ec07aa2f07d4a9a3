import BerthCommands

ListCommand.runAsTool(Array(CommandLine.arguments.dropFirst()))
