import BerthCommands

CopyCommand.runAsTool()
