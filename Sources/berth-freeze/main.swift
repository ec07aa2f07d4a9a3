import BerthCommands

FreezeCommand.runAsTool(Array(CommandLine.arguments.dropFirst()))
