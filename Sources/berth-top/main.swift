import BerthCommands

TopCommand.runAsTool(Array(CommandLine.arguments.dropFirst()))
