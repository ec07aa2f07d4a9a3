import BerthCommands

CloneCommand.runAsTool()
