import BerthCommands

StopCommand.runAsTool()
