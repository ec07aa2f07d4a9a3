import BerthCommands

ExecuteCommand.runAsTool(Array(CommandLine.arguments.dropFirst()))
