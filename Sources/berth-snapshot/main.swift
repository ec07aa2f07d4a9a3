import BerthCommands

SnapshotCommand.runAsTool(Array(CommandLine.arguments.dropFirst()))
