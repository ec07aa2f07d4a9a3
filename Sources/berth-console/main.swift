import BerthCommands

ConsoleCommand.runAsTool(Array(CommandLine.arguments.dropFirst()))
