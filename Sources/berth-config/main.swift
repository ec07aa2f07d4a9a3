import BerthCommands

ConfigCommand.runAsTool(Array(CommandLine.arguments.dropFirst()))
