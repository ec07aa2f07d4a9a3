import BerthCommands

UpdateConfigCommand.runAsTool(Array(CommandLine.arguments.dropFirst()))
