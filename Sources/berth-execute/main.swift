import BerthCommands

ExecuteCommand.runAsTool()
