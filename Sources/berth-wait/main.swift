import BerthCommands

WaitCommand.runAsTool(Array(CommandLine.arguments.dropFirst()))
