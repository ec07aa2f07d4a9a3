import BerthCommands

InfoCommand.runAsTool(Array(CommandLine.arguments.dropFirst()))
