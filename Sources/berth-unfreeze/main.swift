import BerthCommands

UnfreezeCommand.runAsTool(Array(CommandLine.arguments.dropFirst()))
