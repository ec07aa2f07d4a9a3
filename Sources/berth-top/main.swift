import BerthCommands

TopCommand.runAsTool()
