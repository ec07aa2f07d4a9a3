import BerthCommands

DeviceCommand.runAsTool(Array(CommandLine.arguments.dropFirst()))
