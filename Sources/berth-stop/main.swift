import BerthCommands

StopCommand.runAsTool(Array(CommandLine.arguments.dropFirst()))
