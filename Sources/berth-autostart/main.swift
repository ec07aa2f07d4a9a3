import BerthCommands

AutostartCommand.runAsTool(Array(CommandLine.arguments.dropFirst()))
