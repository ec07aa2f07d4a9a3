import BerthCommands

NetCommand.runAsTool(Array(CommandLine.arguments.dropFirst()))
