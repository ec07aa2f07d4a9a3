import BerthCommands

DestroyCommand.runAsTool(Array(CommandLine.arguments.dropFirst()))
