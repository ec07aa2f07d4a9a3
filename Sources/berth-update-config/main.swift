import BerthCommands

UpdateConfigCommand.runAsTool()
