import BerthCommands

UnshareCommand.runAsTool(Array(CommandLine.arguments.dropFirst()))
