import BerthCommands

SnapshotCommand.runAsTool()
