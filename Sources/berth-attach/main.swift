import BerthCommands

AttachCommand.runAsTool(Array(CommandLine.arguments.dropFirst()))
