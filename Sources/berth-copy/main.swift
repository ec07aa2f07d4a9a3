import BerthCommands

CopyCommand.runAsTool(Array(CommandLine.arguments.dropFirst()))
