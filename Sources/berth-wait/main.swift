import BerthCommands

WaitCommand.runAsTool()
