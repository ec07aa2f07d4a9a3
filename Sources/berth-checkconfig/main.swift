import BerthCommands

CheckConfigCommand.runAsTool(Array(CommandLine.arguments.dropFirst()))
