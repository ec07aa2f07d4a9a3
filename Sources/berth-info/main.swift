import BerthCommands

InfoCommand.runAsTool()
