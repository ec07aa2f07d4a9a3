import BerthCommands

CloneCommand.runAsTool(Array(CommandLine.arguments.dropFirst()))
