import BerthCommands

CreateCommand.runAsTool()
