import BerthCommands

ListCommand.runAsTool()
