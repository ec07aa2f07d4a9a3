import BerthCommands

UsernsexecCommand.runAsTool(Array(CommandLine.arguments.dropFirst()))
