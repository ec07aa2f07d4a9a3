import BerthCommands

CreateCommand.runAsTool(Array(CommandLine.arguments.dropFirst()))
