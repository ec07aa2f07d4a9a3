import BerthCommands

StartCommand.runAsTool(Array(CommandLine.arguments.dropFirst()))
