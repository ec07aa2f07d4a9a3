import BerthCommands

CheckConfigCommand.runAsTool()
